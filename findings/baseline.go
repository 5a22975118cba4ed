package findings

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// FingerprintVersion names the fingerprint algorithm. A baseline written
// with another version is refused rather than silently matching nothing.
const FingerprintVersion = "nhiscan/v1"

// Baseline is the set of findings a CI job has accepted as existing.
type Baseline struct {
	Version            int             `json:"version"`
	FingerprintVersion string          `json:"fingerprint_version"`
	Findings           []BaselineEntry `json:"findings"`
}

// BaselineEntry is one accepted finding.
type BaselineEntry struct {
	Fingerprint string    `json:"fingerprint"`
	RuleID      string    `json:"rule_id"`
	Identity    string    `json:"identity"`
	Credential  string    `json:"credential,omitempty"`
	FirstSeen   time.Time `json:"first_seen"`
	// Severity is the finding's severity when it was accepted; a later
	// rise makes the finding "updated". Baselines written before it was
	// recorded lack it: their findings are never "updated".
	Severity Severity `json:"severity,omitempty"`
	// Scope is the provider and account or project of the identity
	// ("aws/111111111111"), for carrying the entry over when that scope
	// could not be read.
	Scope string `json:"scope,omitempty"`
	// CarriedOver, when set, says that the entry was not re-checked: its
	// scope failed or was read only in part in the run that wrote the
	// baseline, and the entry was kept from the previous baseline.
	CarriedOver string `json:"carried_over,omitempty"`
}

// NewBaseline records the findings, sorted by fingerprint. An entry
// already in previous keeps its first-seen time; others are first seen at
// asOf.
func NewBaseline(fs []Finding, asOf time.Time, previous *Baseline) *Baseline {
	seen := map[string]time.Time{}
	if previous != nil {
		for _, e := range previous.Findings {
			seen[e.Fingerprint] = e.FirstSeen
		}
	}
	b := &Baseline{Version: 1, FingerprintVersion: FingerprintVersion, Findings: []BaselineEntry{}}
	dup := map[string]bool{}
	for _, f := range fs {
		if dup[f.Fingerprint] {
			continue
		}
		dup[f.Fingerprint] = true
		e := BaselineEntry{Fingerprint: f.Fingerprint, RuleID: f.RuleID, Identity: f.Identity.ID, FirstSeen: asOf.UTC(), Severity: f.Severity}
		if f.Credential != nil {
			e.Credential = f.Credential.ID
		}
		e.Scope = scopeKey(f.Identity.Provider, f.Identity.Account)
		if t, ok := seen[f.Fingerprint]; ok {
			e.FirstSeen = t
		}
		b.Findings = append(b.Findings, e)
	}
	sort.Slice(b.Findings, func(i, j int) bool { return b.Findings[i].Fingerprint < b.Findings[j].Fingerprint })
	return b
}

func scopeKey(provider, account string) string {
	if provider == "" || account == "" {
		return ""
	}
	return provider + "/" + account
}

// entryScope is the scope of an entry: recorded, or for a baseline
// written before scopes were recorded, taken from the identity (the
// account of an ARN, the project of a service account's email).
func entryScope(e *BaselineEntry) string {
	if e.Scope != "" {
		return e.Scope
	}
	if parts := strings.SplitN(e.Identity, ":", 6); len(parts) == 6 && parts[0] == "arn" && parts[4] != "" {
		return "aws/" + parts[4]
	}
	if name, domain, ok := strings.Cut(e.Identity, "@"); ok && name != "" {
		if project, ok := strings.CutSuffix(domain, ".iam.gserviceaccount.com"); ok {
			return "gcp/" + project
		}
	}
	return ""
}

// CarryOver keeps the entries of previous whose scope this run did not
// read completely (a source that failed or was partial), and that this
// run did not find again: a scan never shrinks a baseline for a scope it
// could not read. Carried entries keep their first-seen time and are
// marked with the scope's status. An entry whose scope is unknown is
// carried over whenever some scope was not read completely. It returns
// how many entries were carried over.
func (b *Baseline) CarryOver(previous *Baseline, sources []Source) int {
	if previous == nil {
		return 0
	}
	incomplete := map[string]string{}
	for _, s := range sources {
		if s.Status != "" && s.Status != "ok" {
			incomplete[scopeKey(s.Scanner, s.Scope)] = s.Scanner + " " + s.Scope + " " + s.Status
		}
	}
	if len(incomplete) == 0 {
		return 0
	}
	have := make(map[string]bool, len(b.Findings))
	for _, e := range b.Findings {
		have[e.Fingerprint] = true
	}
	n := 0
	for _, e := range previous.Findings {
		if have[e.Fingerprint] {
			continue
		}
		scope := entryScope(&e)
		why, ok := incomplete[scope]
		if scope == "" {
			why, ok = "scope unknown and the scan incomplete", true
		}
		if !ok {
			continue
		}
		e.CarriedOver = why
		have[e.Fingerprint] = true
		b.Findings = append(b.Findings, e)
		n++
	}
	sort.Slice(b.Findings, func(i, j int) bool { return b.Findings[i].Fingerprint < b.Findings[j].Fingerprint })
	return n
}

// ParseBaseline reads a baseline file, or an earlier JSON report (whose
// findings then form the baseline).
func ParseBaseline(data []byte) (*Baseline, error) {
	var probe struct {
		Version            int              `json:"version"`
		FingerprintVersion string           `json:"fingerprint_version"`
		Findings           *json.RawMessage `json:"findings"`
		SchemaVersion      string           `json:"schema_version"`
	}
	if err := foreignFile(data); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("not a baseline: %w", err)
	}
	if probe.Findings == nil {
		return nil, errors.New("not a baseline: no findings list")
	}
	if probe.SchemaVersion != "" {
		if err := CheckSchemaVersion(probe.SchemaVersion); err != nil {
			return nil, err
		}
		var r Report
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("not a nhiscan report: %w", err)
		}
		return NewBaseline(r.Findings, r.AsOf, nil), nil
	}
	if probe.Version != 1 {
		return nil, fmt.Errorf("baseline version %d is not supported (want 1)", probe.Version)
	}
	if probe.FingerprintVersion != FingerprintVersion {
		return nil, fmt.Errorf("baseline fingerprints are %q, this nhiscan writes %q: write a new baseline", probe.FingerprintVersion, FingerprintVersion)
	}
	var b Baseline
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("not a baseline: %w", err)
	}
	for i, e := range b.Findings {
		if e.Fingerprint == "" {
			return nil, fmt.Errorf("baseline entry %d has no fingerprint", i+1)
		}
	}
	return &b, nil
}

// Apply marks each finding new, updated (in the baseline at a lower
// severity) or unchanged.
func (b *Baseline) Apply(fs []Finding) {
	known := make(map[string]*BaselineEntry, len(b.Findings))
	for i := range b.Findings {
		known[b.Findings[i].Fingerprint] = &b.Findings[i]
	}
	for i := range fs {
		f := &fs[i]
		f.PreviousSeverity = 0
		switch e := known[f.Fingerprint]; {
		case e == nil:
			f.Status = StatusNew
		case e.Severity != 0 && f.Severity > e.Severity:
			f.Status = StatusUpdated
			f.PreviousSeverity = e.Severity
		default:
			f.Status = StatusUnchanged
		}
	}
}

// SuppressionEntry is one entry of an ignore file.
type SuppressionEntry struct {
	// Index is the entry's position in its file, from 1, for messages.
	Index       int
	Rule        string // rule id or glob
	Identity    string // identity id (ARN, email) or glob; or
	Fingerprint string // one finding's fingerprint
	Reason      string
	Owner       string
	Expires     time.Time // the last day the entry applies (UTC date)
}

func (e *SuppressionEntry) String() string {
	target := "identity " + e.Identity
	if e.Fingerprint != "" {
		target = "fingerprint " + e.Fingerprint
	}
	return fmt.Sprintf("suppression %d (rule %s, %s, owner %s)", e.Index, e.Rule, target, e.Owner)
}

func (e *SuppressionEntry) matches(f *Finding) bool {
	if !MatchGlob(e.Rule, f.RuleID) {
		return false
	}
	if e.Fingerprint != "" {
		return e.Fingerprint == f.Fingerprint
	}
	return MatchGlob(e.Identity, f.Identity.ID)
}

// expiringSoon is how far ahead an expiry earns a notice.
const expiringSoon = 14 * 24 * time.Hour

// Suppress marks the findings that an unexpired entry matches and returns
// one line per problem with the entries: expired, matching nothing, or
// expiring within 14 days.
func Suppress(fs []Finding, entries []SuppressionEntry, asOf time.Time) (warnings []string) {
	used := make([]bool, len(entries))
	for i := range fs {
		for j := range entries {
			e := &entries[j]
			if !e.matches(&fs[i]) {
				continue
			}
			used[j] = true
			if !asOf.Before(e.Expires.Add(24 * time.Hour)) {
				continue // expired: reported below
			}
			if fs[i].Suppression == nil {
				match := e.Identity
				if e.Fingerprint != "" {
					match = e.Fingerprint
				}
				fs[i].Suppression = &Suppression{Rule: e.Rule, Match: match, Reason: e.Reason, Owner: e.Owner, Expires: e.Expires.Format("2006-01-02")}
			}
		}
	}
	for j := range entries {
		e := &entries[j]
		end := e.Expires.Add(24 * time.Hour)
		switch {
		case !asOf.Before(end):
			warnings = append(warnings, fmt.Sprintf("warning: %s expired on %s and no longer suppresses anything", e, e.Expires.Format("2006-01-02")))
		case !used[j]:
			warnings = append(warnings, fmt.Sprintf("warning: %s matches no finding; remove it", e))
		case end.Sub(asOf) <= expiringSoon:
			warnings = append(warnings, fmt.Sprintf("notice: %s expires on %s", e, e.Expires.Format("2006-01-02")))
		}
	}
	return warnings
}

// wantBaseline says what --baseline expects, for errors.
const wantBaseline = "want a baseline written by --write-baseline or a JSON report from --format json"

// foreignFile recognises files that are not a baseline or a JSON report
// and says what they are: a SARIF log, another nhiscan output, other JSON
// or not JSON at all.
func foreignFile(data []byte) error {
	var top any
	if err := json.Unmarshal(data, &top); err != nil {
		return fmt.Errorf("not JSON (%w); %s", err, wantBaseline)
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return fmt.Errorf("a JSON %s, not a nhiscan baseline or report; %s", jsonKind(top), wantBaseline)
	}
	schema, _ := obj["$schema"].(string)
	if _, runs := obj["runs"]; runs || strings.Contains(strings.ToLower(schema), "sarif") {
		return fmt.Errorf("a SARIF log, which cannot serve as a baseline; %s", wantBaseline)
	}
	if _, ok := obj["findings"]; ok {
		return nil
	}
	_, identities := obj["identities"]
	_, paths := obj["paths"]
	_, schemaVersion := obj["schema_version"]
	switch {
	case identities && schemaVersion:
		return fmt.Errorf("an inventory listing (nhiscan inventory), not a baseline; %s", wantBaseline)
	case paths && schemaVersion:
		return fmt.Errorf("an escalation paths report (nhiscan paths), not a baseline; %s", wantBaseline)
	}
	return fmt.Errorf("JSON without a \"findings\" list, not a nhiscan baseline or report; %s", wantBaseline)
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "value"
}
