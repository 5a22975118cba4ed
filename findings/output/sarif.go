package output

import (
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
)

// SARIF profiles.
const (
	// ProfileGitHub is what GitHub code scanning ingests: suppressed
	// results are left out (GitHub would open them as alerts), failed
	// scopes get no run (so their alerts are neither closed nor reopened)
	// and the upload limits are enforced.
	ProfileGitHub = "github"
	// ProfileAudit keeps every result, with SARIF suppressions and
	// baselineState, and a run for every scope, failed ones included.
	ProfileAudit = "audit"
)

// GitHub's upload limits.
const (
	githubMaxRuns       = 20
	githubMaxResults    = 25000
	githubMaxGzipBytes  = 10 << 20
	githubMaxTags       = 10
	sarifSchema         = "https://json.schemastore.org/sarif-2.1.0.json"
	informationURI      = "https://github.com/nhiscan/nhiscan"
	fingerprintKey      = "nhiscan/v1"
	sarifDescriptionMax = 1024
)

// SARIF types: the subset of SARIF 2.1.0 nhiscan writes.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool            `json:"tool"`
	AutomationDetails sarifAutomation      `json:"automationDetails"`
	Invocations       []sarifInvocation    `json:"invocations"`
	Taxonomies        []sarifToolComponent `json:"taxonomies"`
	Results           []sarifResult        `json:"results"`
	Properties        map[string]any       `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifToolComponent `json:"driver"`
}

type sarifToolComponent struct {
	Name                string              `json:"name"`
	FullName            string              `json:"fullName,omitempty"`
	Version             string              `json:"version,omitempty"`
	SemanticVersion     string              `json:"semanticVersion,omitempty"`
	Organization        string              `json:"organization,omitempty"`
	GUID                string              `json:"guid,omitempty"`
	InformationURI      string              `json:"informationUri,omitempty"`
	IsComprehensive     *bool               `json:"isComprehensive,omitempty"`
	ShortDescription    *sarifText          `json:"shortDescription,omitempty"`
	SupportedTaxonomies []sarifComponentRef `json:"supportedTaxonomies,omitempty"`
	Rules               []sarifDescriptor   `json:"rules,omitempty"`
	Taxa                []sarifDescriptor   `json:"taxa,omitempty"`
}

type sarifComponentRef struct {
	Name string `json:"name"`
	GUID string `json:"guid"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifDescriptor struct {
	ID                   string              `json:"id"`
	GUID                 string              `json:"guid,omitempty"`
	Name                 string              `json:"name,omitempty"`
	ShortDescription     *sarifText          `json:"shortDescription,omitempty"`
	FullDescription      *sarifText          `json:"fullDescription,omitempty"`
	Help                 *sarifText          `json:"help,omitempty"`
	HelpURI              string              `json:"helpUri,omitempty"`
	DefaultConfiguration *sarifConfig        `json:"defaultConfiguration,omitempty"`
	Relationships        []sarifRelationship `json:"relationships,omitempty"`
	Properties           map[string]any      `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRelationship struct {
	Target sarifDescriptorRef `json:"target"`
	Kinds  []string           `json:"kinds"`
}

type sarifDescriptorRef struct {
	ID            string            `json:"id"`
	GUID          string            `json:"guid"`
	ToolComponent sarifComponentRef `json:"toolComponent"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifInvocation struct {
	CommandLine                string              `json:"commandLine,omitempty"`
	StartTimeUTC               string              `json:"startTimeUtc,omitempty"`
	EndTimeUTC                 string              `json:"endTimeUtc,omitempty"`
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	Account                    string              `json:"account,omitempty"`
	Properties                 map[string]any      `json:"properties,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string              `json:"ruleId"`
	RuleIndex           int                 `json:"ruleIndex"`
	Level               string              `json:"level"`
	Message             sarifText           `json:"message"`
	Locations           []sarifLocation     `json:"locations"`
	Fingerprints        map[string]string   `json:"fingerprints"`
	PartialFingerprints map[string]string   `json:"partialFingerprints"`
	Suppressions        *[]sarifSuppression `json:"suppressions,omitempty"`
	BaselineState       string              `json:"baselineState,omitempty"`
	Properties          map[string]any      `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string         `json:"kind"`
	Status        string         `json:"status"`
	Justification string         `json:"justification"`
	Properties    map[string]any `json:"properties,omitempty"`
}

// level maps a severity to a SARIF level.
func level(s findings.Severity) string {
	switch {
	case s >= findings.High:
		return "error"
	case s == findings.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the score GitHub reads: mid-band values, so that
// each lands squarely in its band (critical is "over 9.0").
func securitySeverity(s findings.Severity) string {
	switch s {
	case findings.Critical:
		return "9.5"
	case findings.High:
		return "8.0"
	case findings.Medium:
		return "5.5"
	case findings.Low:
		return "2.0"
	}
	return "0.5"
}

// uuid5 is a name-based UUID (RFC 9562 version 5) in nhiscan's namespace,
// so taxonomy guids never change between runs.
func uuid5(name string) string {
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8} // the URL namespace
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte("https://github.com/nhiscan/nhiscan#" + name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

var unsafePath = regexp.MustCompile(`[^A-Za-z0-9._@+=,-]+`)

// ArtifactPath is the stable repository-relative pseudo-path that stands
// for an identity (SARIF needs a file location; an ARN would parse as a
// URI scheme): nhi/<provider>/<account>/<kind parts>/<name>. Azure display
// names are not unique (two service principals may share one), so an
// Azure identity's path ends in its object id instead; messages keep the
// name.
func ArtifactPath(id findings.Identity) string {
	parts := []string{"nhi", id.Provider, id.Account}
	kind := strings.Split(id.Kind, ".")
	if len(kind) > 1 {
		parts = append(parts, kind[1:]...)
	}
	last := id.Name
	if id.Provider == "azure" && id.ID != "" {
		last = id.ID
	}
	parts = append(parts, last)
	for i, p := range parts {
		p = unsafePath.ReplaceAllString(p, "_")
		if p == "" || p == "." || p == ".." {
			p = "_"
		}
		parts[i] = p
	}
	return strings.Join(parts, "/")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// SARIFOptions tune the SARIF output.
type SARIFOptions struct {
	Profile string // ProfileGitHub (default) or ProfileAudit
}

// SARIFReporter renders a report as SARIF 2.1.0.
type SARIFReporter struct{ Options SARIFOptions }

var _ Reporter = (*SARIFReporter)(nil)

// Write renders r as SARIF.
func (s SARIFReporter) Write(w io.Writer, r *findings.Report) error {
	return WriteSARIF(w, r, s.Options)
}

// check reports an unknown profile.
func (o SARIFOptions) check() error {
	if o.Profile != "" && o.Profile != ProfileGitHub && o.Profile != ProfileAudit {
		return fmt.Errorf("unknown SARIF profile %q (want github or audit)", o.Profile)
	}
	return nil
}

// WriteSARIF renders the report as SARIF 2.1.0, one run per provider and
// scope. In the GitHub profile it keeps within GitHub's upload limits: a
// run with more results than GitHub accepts keeps the most severe ones and
// says in its toolExecutionNotifications what was left out; more runs than
// GitHub accepts is an error saying how to split the upload.
func WriteSARIF(w io.Writer, r *findings.Report, o SARIFOptions) error {
	if o.Profile == "" {
		o.Profile = ProfileGitHub
	}
	if o.Profile != ProfileGitHub && o.Profile != ProfileAudit {
		return fmt.Errorf("unknown SARIF profile %q (want github or audit)", o.Profile)
	}
	limit := 0 // results per run; 0: no limit
	if o.Profile == ProfileGitHub {
		// Count before building anything: runs, and the largest run.
		runs, largest := sarifRunSizes(r, o)
		if runs > githubLimits.runs {
			return fmt.Errorf("SARIF for GitHub would hold %d runs (one per account or project; GitHub accepts %d per file): upload several files of at most %d accounts each (nhiscan merge REPORT... of the shards' JSON reports, or scan --account/--project per shard), or use --sarif-profile audit", runs, githubLimits.runs, githubLimits.runs)
		}
		if largest > githubLimits.results {
			limit = githubLimits.results
		}
	}
	if o.Profile == ProfileAudit {
		// No limits to check: stream.
		return encodeSARIF(w, buildSARIF(r, o, 0))
	}
	// GitHub: rendered into memory, since the gzipped size decides
	// whether it may be written.
	for {
		log := buildSARIF(r, o, limit)
		var buf bytes.Buffer
		gz := &countingWriter{}
		zw := gzip.NewWriter(gz)
		if err := encodeSARIF(io.MultiWriter(&buf, zw), log); err != nil {
			return err
		}
		zw.Close()
		if gz.n > githubLimits.gzipBytes {
			// Keep fewer results, in proportion to the excess.
			largest := 0
			for _, run := range log.Runs {
				largest = max(largest, len(run.Results))
			}
			next := int(float64(largest) * float64(githubLimits.gzipBytes) / float64(gz.n) * 0.95)
			if largest == 0 || next < 1 || (limit > 0 && next >= limit) {
				return fmt.Errorf("SARIF for GitHub would be %d bytes gzipped (GitHub accepts %d) even with few results: use --sarif-profile audit or --format json", gz.n, githubLimits.gzipBytes)
			}
			limit = next
			continue
		}
		_, err := w.Write(buf.Bytes())
		return err
	}
}

// countingWriter counts the bytes written to it (the gzipped size).
type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	return len(p), nil
}

// encodeSARIF writes the same bytes as encodeJSON(w, log), but encodes
// the results one by one, so that a large log is not held by the encoder
// two and three times over.
func encodeSARIF(w io.Writer, log sarifLog) error {
	const placeholder = `"results": []`
	results := make([][]sarifResult, len(log.Runs))
	head := log
	head.Runs = make([]sarifRun, len(log.Runs))
	for i, run := range log.Runs {
		results[i] = run.Results
		run.Results = []sarifResult{}
		head.Runs[i] = run
	}
	hb, err := marshalIndent(head, "")
	if err != nil {
		return err
	}
	// Keys are written unescaped only as keys: inside strings the quotes
	// are escaped, so each run's results key is found in order.
	var buf []byte
	for i := range head.Runs {
		at := bytes.Index(hb, []byte(placeholder))
		if at < 0 {
			return fmt.Errorf("SARIF: run %d has no results key", i)
		}
		if _, err := w.Write(hb[:at+len(placeholder)-1]); err != nil {
			return err
		}
		hb = hb[at+len(placeholder)-1:] // from the closing bracket
		if len(results[i]) == 0 {
			continue
		}
		for j := range results[i] {
			rb, err := marshalIndent(results[i][j], "        ")
			if err != nil {
				return err
			}
			buf = append(buf[:0], "\n        "...)
			if j > 0 {
				buf = append(buf[:0], ",\n        "...)
			}
			buf = append(buf, rb...)
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(w, "\n      "); err != nil {
			return err
		}
	}
	if _, err := w.Write(hb); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// sarifLimits are the GitHub limits WriteSARIF keeps; tests lower them.
type sarifLimits struct{ runs, results, gzipBytes int }

var githubLimits = sarifLimits{runs: githubMaxRuns, results: githubMaxResults, gzipBytes: githubMaxGzipBytes}

// sarifRunSizes counts the runs buildSARIF would write and the results of
// the largest one, without building them.
func sarifRunSizes(r *findings.Report, o SARIFOptions) (runs, largest int) {
	keys, status, byScope, _ := groupScopes(r)
	for _, k := range keys {
		if o.Profile == ProfileGitHub && status[k].Status == "failed" {
			continue
		}
		runs++
		n := 0
		for _, f := range byScope[k] {
			if f.Suppression == nil || o.Profile != ProfileGitHub {
				n++
			}
		}
		largest = max(largest, n)
	}
	return runs, largest
}

// leftOut describes the results a run leaves out to stay within GitHub's
// limit: how many, of which severities and rules, and how to get them.
func leftOut(kept int, omitted []*findings.Finding) sarifNotification {
	bySev := map[findings.Severity]int{}
	byRule := map[string]int{}
	for _, f := range omitted {
		bySev[f.Severity]++
		byRule[f.RuleID]++
	}
	var sev []string
	for _, s := range []findings.Severity{findings.Critical, findings.High, findings.Medium, findings.Low, findings.Info} {
		if bySev[s] > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", bySev[s], s))
		}
	}
	ids := make([]string, 0, len(byRule))
	for id := range byRule {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var rl []string
	for _, id := range ids {
		rl = append(rl, fmt.Sprintf("%s %d", id, byRule[id]))
	}
	return sarifNotification{Level: "warning", Message: sarifText{Text: fmt.Sprintf(
		"%d results were left out of this run to stay within GitHub's limits (it accepts %d results per run and 10 MB gzipped per file, and shows the first 5000): "+
			"the %d kept are the most severe. Left out, by severity: %s; by rule: %s. "+
			"Every result is in the JSON report (--format json) and in SARIF with --sarif-profile audit; --severity narrows the report.",
		len(omitted), githubLimits.results, kept, strings.Join(sev, ", "), strings.Join(rl, ", "))}}
}

type scopeKey struct{ provider, scope string }

// groupScopes lists the scopes of the report in run order, with their
// sources (a scope that only has findings counts as ok), findings and the
// scopes that failed or were read in part.
func groupScopes(r *findings.Report) ([]scopeKey, map[scopeKey]findings.Source, map[scopeKey][]*findings.Finding, []findings.Source) {
	// One run per scanned scope, and per scope that has findings.
	status := map[scopeKey]findings.Source{}
	var keys []scopeKey
	add := func(k scopeKey) {
		if _, ok := status[k]; !ok {
			status[k] = findings.Source{Scanner: k.provider, Scope: k.scope, Status: "ok"}
			keys = append(keys, k)
		}
	}
	var failed []findings.Source
	for _, s := range r.Sources {
		if s.Scope == "" || strings.Contains(s.Scope, " ") {
			continue // not an account or project
		}
		k := scopeKey{s.Scanner, s.Scope}
		add(k)
		status[k] = s
		if s.Status != "ok" {
			failed = append(failed, s)
		}
	}
	byScope := map[scopeKey][]*findings.Finding{}
	for i := range r.Findings {
		f := &r.Findings[i]
		k := scopeKey{f.Identity.Provider, f.Identity.Account}
		add(k)
		byScope[k] = append(byScope[k], f)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].provider != keys[j].provider {
			return keys[i].provider < keys[j].provider
		}
		return keys[i].scope < keys[j].scope
	})
	return keys, status, byScope, failed
}

// buildSARIF builds the log; limit > 0 keeps at most that many results per
// run, the most severe first.
func buildSARIF(r *findings.Report, o SARIFOptions, limit int) sarifLog {
	driver := driverComponent(r)
	ruleIndex := map[string]int{}
	for i, rule := range driver.Rules {
		ruleIndex[rule.ID] = i
	}
	taxonomies := taxonomyComponents(r.Rules)
	keys, status, byScope, failed := groupScopes(r)

	var notes []sarifNotification
	for _, s := range failed {
		lvl := "warning"
		if s.Status == "failed" {
			lvl = "error"
		}
		notes = append(notes, sarifNotification{Level: lvl, Message: sarifText{Text: fmt.Sprintf("%s %s was scanned %s: %s", s.Scanner, s.Scope, map[string]string{"failed": "not at all", "partial": "in part"}[s.Status], s.Error)}})
	}

	log := sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{}}
	for _, k := range keys {
		src := status[k]
		if o.Profile == ProfileGitHub && src.Status == "failed" {
			continue
		}
		inv := sarifInvocation{
			CommandLine:                r.Invocation.CommandLine,
			ExecutionSuccessful:        src.Status != "failed",
			ToolExecutionNotifications: notes,
			Account:                    src.Principal,
			Properties:                 invocationProperties(r.Scan),
		}
		if !r.Invocation.Start.IsZero() {
			inv.StartTimeUTC = r.Invocation.Start.UTC().Format("2006-01-02T15:04:05.000Z")
			inv.EndTimeUTC = r.Invocation.End.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		run := sarifRun{
			Tool:              sarifTool{Driver: driver},
			AutomationDetails: sarifAutomation{ID: "nhiscan/" + unsafePath.ReplaceAllString(k.provider, "_") + "/" + unsafePath.ReplaceAllString(k.scope, "_") + "/"},
			Invocations:       []sarifInvocation{inv},
			Taxonomies:        taxonomies,
			Results:           []sarifResult{},
			Properties:        map[string]any{"provider": k.provider, "scope": k.scope, "scanStatus": src.Status, "asOf": r.AsOf.UTC().Format("2006-01-02T15:04:05Z")},
		}
		anySuppressed := false
		for _, f := range byScope[k] {
			if f.Suppression != nil {
				anySuppressed = true
			}
		}
		listed := byScope[k]
		if o.Profile == ProfileGitHub {
			listed = make([]*findings.Finding, 0, len(byScope[k]))
			for _, f := range byScope[k] {
				if f.Suppression == nil {
					listed = append(listed, f)
				}
			}
		}
		if limit > 0 && len(listed) > limit {
			sort.SliceStable(listed, func(i, j int) bool { return listed[i].Severity > listed[j].Severity })
			note := leftOut(limit, listed[limit:])
			run.Invocations[0].ToolExecutionNotifications = append(append([]sarifNotification{}, notes...), note)
			run.Properties["omittedResults"] = len(listed) - limit
			listed = listed[:limit]
		}
		run.Results = make([]sarifResult, 0, len(listed))
		for _, f := range listed {
			res := result(f, ruleIndex[f.RuleID])
			if o.Profile == ProfileAudit {
				if anySuppressed {
					sup := []sarifSuppression{}
					if s := f.Suppression; s != nil {
						sup = append(sup, sarifSuppression{Kind: "external", Status: "accepted", Justification: s.Reason,
							Properties: map[string]any{"owner": s.Owner, "expiryUtc": s.Expires + "T23:59:59Z", "rule": s.Rule, "match": s.Match}})
					}
					res.Suppressions = &sup
				}
				switch f.Status {
				case findings.StatusNew:
					res.BaselineState = "new"
				case findings.StatusUnchanged:
					res.BaselineState = "unchanged"
				case findings.StatusUpdated:
					res.BaselineState = "updated"
				}
			}
			run.Results = append(run.Results, res)
		}
		log.Runs = append(log.Runs, run)
	}
	return log
}

func result(f *findings.Finding, ruleIndex int) sarifResult {
	props := map[string]any{
		"severity":          f.Severity.String(),
		"security-severity": securitySeverity(f.Severity),
		"category":          f.Category,
		"provider":          f.Identity.Provider,
		"account":           f.Identity.Account,
		"identityKind":      f.Identity.Kind,
		"agent":             f.Identity.Agent,
		"evidence":          f.Evidence,
	}
	if f.Credential != nil {
		props["credential"] = f.Credential
	}
	if f.Status != "" {
		props["status"] = f.Status
	}
	if f.PreviousSeverity != 0 {
		props["previousSeverity"] = f.PreviousSeverity.String()
	}
	var ctl []string
	for _, c := range f.Controls {
		ctl = append(ctl, c.Framework+":"+c.ID)
	}
	if ctl != nil {
		props["controls"] = ctl
	}
	msg := f.Message
	for _, e := range f.Evidence {
		if e.Key == "path" {
			msg += " Path: " + e.Value + "."
		}
	}
	return sarifResult{
		RuleID:    f.RuleID,
		RuleIndex: ruleIndex,
		Level:     level(f.Severity),
		Message:   sarifText{Text: msg},
		Locations: []sarifLocation{{
			PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: ArtifactPath(f.Identity)},
				Region:           sarifRegion{StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 2},
			},
			LogicalLocations: []sarifLogical{{Name: f.Identity.Name, FullyQualifiedName: f.Identity.ID, Kind: "resource"}},
		}},
		Fingerprints:        map[string]string{fingerprintKey: f.Fingerprint},
		PartialFingerprints: map[string]string{"primaryLocationLineHash": f.Fingerprint[:16] + ":1"},
		Properties:          props,
	}
}

var semver = regexp.MustCompile(`^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$`)

func driverComponent(r *findings.Report) sarifToolComponent {
	d := sarifToolComponent{Name: r.Tool.Name, Version: r.Tool.Version, InformationURI: informationURI, Rules: []sarifDescriptor{}}
	if d.Name == "" {
		d.Name = "nhiscan"
	}
	if m := semver.FindStringSubmatch(r.Tool.Version); m != nil {
		d.Version, d.SemanticVersion = m[1], m[1]
	} else {
		// A development build: SARIF viewers compare numeric versions.
		d.Version = "0.0.0-" + unsafePath.ReplaceAllString(r.Tool.Version, "-")
	}
	used := map[string]bool{}
	for _, rule := range r.Rules {
		for _, c := range rule.Controls {
			used[c.Framework] = true
		}
	}
	for _, fw := range controls.Frameworks() {
		if used[fw.ID] {
			d.SupportedTaxonomies = append(d.SupportedTaxonomies, sarifComponentRef{Name: fw.ID, GUID: uuid5("taxonomy/" + fw.ID)})
		}
	}
	for _, rule := range r.Rules {
		if r.Scan.RuleDisabled(rule.ID) {
			continue // it did not run: listed in the invocation's properties
		}
		d.Rules = append(d.Rules, ruleDescriptor(rule))
	}
	return d
}

func ruleDescriptor(rule findings.Rule) sarifDescriptor {
	tags := []string{"security", "nhi"}
	tags = append(tags, rule.Providers...)
	tags = append(tags, rule.Category)
	var rels []sarifRelationship
	var md strings.Builder
	fmt.Fprintf(&md, "%s\n\n**Why it matters.** %s\n\n**Remediation.** %s\n", rule.Description, rule.Rationale, rule.Remediation)
	if rule.Defaults != "" {
		fmt.Fprintf(&md, "\n**Defaults.** %s\n", rule.Defaults)
	}
	if len(rule.Controls) > 0 {
		md.WriteString("\n**Controls.**\n\n")
	}
	for _, c := range rule.Controls {
		fw, _ := controls.FrameworkByID(c.Framework)
		if fw.TagPrefix != "" && len(tags) < githubMaxTags {
			tags = append(tags, strings.ToLower(fw.TagPrefix+c.ID))
		}
		title := c.ID
		if ctl, ok := controls.Lookup(c.Framework, c.ID); ok {
			title = c.ID + " " + ctl.Title
		}
		fmt.Fprintf(&md, "- %s %s: %s\n", fw.Name, fw.Version, title)
		rels = append(rels, sarifRelationship{
			Target: sarifDescriptorRef{ID: c.ID, GUID: uuid5("taxon/" + c.Framework + "/" + c.ID), ToolComponent: sarifComponentRef{Name: c.Framework, GUID: uuid5("taxonomy/" + c.Framework)}},
			Kinds:  []string{"superset"},
		})
	}
	if len(rule.References) > 0 {
		md.WriteString("\n**References.**\n\n")
		for _, ref := range rule.References {
			fmt.Fprintf(&md, "- %s\n", ref)
		}
	}
	text := rule.Description + "\n\nWhy it matters: " + rule.Rationale + "\n\nRemediation: " + rule.Remediation
	d := sarifDescriptor{
		ID:                   rule.ID,
		Name:                 ruleName(rule.Title),
		ShortDescription:     &sarifText{Text: truncate(rule.Title, sarifDescriptionMax)},
		FullDescription:      &sarifText{Text: truncate(rule.Description, sarifDescriptionMax)},
		Help:                 &sarifText{Text: text, Markdown: md.String()},
		DefaultConfiguration: &sarifConfig{Level: level(rule.Severity)},
		Relationships:        rels,
		Properties: map[string]any{
			"tags":              tags,
			"precision":         "high",
			"security-severity": securitySeverity(rule.Severity),
			"problem.severity":  map[string]string{"error": "error", "warning": "warning", "note": "recommendation"}[level(rule.Severity)],
		},
	}
	if len(rule.References) > 0 {
		d.HelpURI = rule.References[0]
	}
	return d
}

// ruleName turns a title into the PascalCase name SARIF viewers show.
func ruleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func taxonomyComponents(rules []findings.Rule) []sarifToolComponent {
	used := map[string]bool{}
	for _, rule := range rules {
		for _, c := range rule.Controls {
			used[c.Framework] = true
		}
	}
	out := []sarifToolComponent{}
	no := false
	for _, fw := range controls.Frameworks() {
		if !used[fw.ID] {
			continue
		}
		tc := sarifToolComponent{
			Name: fw.ID, FullName: fw.Name + " " + fw.Version, Version: fw.Version, Organization: fw.Organization,
			GUID: uuid5("taxonomy/" + fw.ID), InformationURI: fw.URL, IsComprehensive: &no,
			ShortDescription: &sarifText{Text: fw.Name},
		}
		for _, c := range controls.All() {
			if c.Framework != fw.ID {
				continue
			}
			tc.Taxa = append(tc.Taxa, sarifDescriptor{ID: c.ID, GUID: uuid5("taxon/" + c.Framework + "/" + c.ID), ShortDescription: &sarifText{Text: c.Title}, HelpURI: c.URL})
		}
		out = append(out, tc)
	}
	return out
}
