package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/output"
	"github.com/nhiscan/nhiscan/rules"
)

// gateOptions are the flags that decide what counts and how the report is
// gated: shared by scan and report.
type gateOptions struct {
	failOn        string
	threshold     findings.Severity
	baseline      string
	writeBaseline string
	ignoreFile    string
	sarifProfile  string
	newOnly       bool
	// keepSuppressions keeps the suppressions a re-rendered report was
	// saved with (report without an explicit --ignore-file).
	keepSuppressions bool
	severity         []string
	severities       map[findings.Severity]bool
}

func (g *gateOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&g.failOn, "fail-on", "none", "exit 1 when a new (or updated), unsuppressed finding is at or above this severity: critical, high, medium, low or none")
	f.StringVar(&g.baseline, "baseline", "", "baseline file (or an earlier JSON report): mark findings new, updated (severity rose) or unchanged; only new and updated ones count for --fail-on")
	f.StringVar(&g.writeBaseline, "write-baseline", "", "write the fingerprints of this run's findings to this baseline file")
	f.StringVar(&g.ignoreFile, "ignore-file", "", "suppressions with expiry (default .nhiscan-ignore.yaml when present)")
	f.BoolVar(&g.newOnly, "new-only", false, "list only new and updated findings (for CI logs); the gate and --write-baseline still see every finding")
	f.StringSliceVar(&g.severity, "severity", nil, "list only findings of these severities, in every format (comma list, any case: critical,high); --fail-on still counts every finding")
	f.StringVar(&g.sarifProfile, "sarif-profile", output.ProfileGitHub, "SARIF flavour: github (drops suppressed results; enforces GitHub's limits) or audit (keeps them, with suppressions and baselineState)")
}

func (g *gateOptions) validate() error {
	if g.failOn != "none" {
		s, err := findings.ParseSeverity(g.failOn)
		if err != nil || s == findings.Info {
			return inputError{fmt.Errorf("--fail-on: want critical, high, medium, low or none, got %q", g.failOn)}
		}
		g.threshold = s
	}
	for _, name := range g.severity {
		s, err := findings.ParseSeverity(strings.TrimSpace(name))
		if err != nil {
			return inputError{fmt.Errorf("--severity: want a comma list of critical, high, medium, low, info, got %q", name)}
		}
		if g.severities == nil {
			g.severities = map[findings.Severity]bool{}
		}
		g.severities[s] = true
	}
	if g.sarifProfile != output.ProfileGitHub && g.sarifProfile != output.ProfileAudit {
		return inputError{fmt.Errorf("--sarif-profile: want github or audit, got %q", g.sarifProfile)}
	}
	return nil
}

// finish applies suppressions and the baseline, renders the report,
// writes the new baseline and decides the exit code.
func finish(env *environment, r *findings.Report, format output.Format, outPath string, g *gateOptions, partialScan bool, stdout, stderr io.Writer) error {
	if format == output.SARIF && g.sarifProfile == output.ProfileGitHub {
		// Code scanning closes, as fixed, every open alert a new upload
		// leaves out: SARIF for GitHub must carry every open finding.
		if g.newOnly {
			return inputError{errors.New("--new-only cannot be used with --format sarif (profile github): code scanning would close every unchanged alert as fixed; GitHub marks new alerts itself (use --new-only with table, json or markdown, or --sarif-profile audit)")}
		}
		if len(g.severities) > 0 {
			fmt.Fprintln(stderr, "nhiscan: note: --severity leaves findings out of the SARIF: code scanning closes their open alerts as fixed")
		}
	}
	entries, err := loadIgnoreFile(g.ignoreFile)
	if err != nil {
		return err
	}
	var base *findings.Baseline
	if g.baseline != "" {
		data, err := os.ReadFile(g.baseline)
		if err == nil {
			data, err = decodeInput(data)
		}
		if err != nil {
			return inputError{fmt.Errorf("baseline %s: %w", g.baseline, unwrapPathError(err))}
		}
		if base, err = findings.ParseBaseline(data); err != nil {
			return inputError{fmt.Errorf("baseline %s: %w", g.baseline, err)}
		}
	}
	if !g.keepSuppressions {
		for _, w := range findings.Suppress(r.Findings, entries, r.AsOf) {
			fmt.Fprintln(stderr, w)
		}
	}
	if base != nil {
		base.Apply(r.Findings)
	}
	r.Summary = findings.Summarize(r.Findings, r.Summary.Identities)
	if r.Scan != nil {
		// A fresh scan ends now; a re-rendered one keeps its saved times.
		if r.Scan.Finished.IsZero() {
			r.Scan.Finished = env.now().UTC().Truncate(time.Millisecond)
		}
		r.Invocation.Start, r.Invocation.End = r.Scan.Started, r.Scan.Finished
	}
	var nb *findings.Baseline
	if g.writeBaseline != "" {
		nb = findings.NewBaseline(r.Findings, r.AsOf, base)
		if err := carryOver(nb, base, g.writeBaseline, r.Sources, stderr); err != nil {
			return err
		}
	}
	opts := output.SARIFOptions{Profile: g.sarifProfile}
	shown := bySeverity(r, g.severities, stderr)
	if g.newOnly {
		all := shown
		shown = onlyNew(all)
		if n := len(all.Findings) - len(shown.Findings); n > 0 {
			fmt.Fprintf(stderr, "nhiscan: --new-only: %d unchanged finding(s) not listed\n", n)
		}
	}
	if err := emit(outPath, stdout, func(w io.Writer) error { return output.Write(w, format, shown, opts) }); err != nil {
		var ie inputError
		if errors.As(err, &ie) {
			return err
		}
		return inputError{err}
	}
	if nb != nil {
		if err := writeFile("--write-baseline", g.writeBaseline, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(nb)
		}); err != nil {
			return err
		}
	}
	if g.threshold > 0 {
		if failing := gating(r.Findings, g.threshold); len(failing) > 0 {
			writeGate(stderr, failing, g.threshold, base != nil)
			return exitError{exitFindings}
		}
	}
	if partialScan {
		fmt.Fprintln(stderr, "nhiscan: the scan is partial: some scopes failed or were read only in part (see the errors above)")
		return exitError{exitPartial}
	}
	return nil
}

// bySeverity is the report with only the findings of the severities
// --severity lists (all of them without it); it says on stderr how many
// it leaves out. The gate and the baseline still see every finding.
func bySeverity(r *findings.Report, keep map[findings.Severity]bool, stderr io.Writer) *findings.Report {
	if len(keep) == 0 {
		return r
	}
	out := *r
	out.Findings = make([]findings.Finding, 0, len(r.Findings))
	for i := range r.Findings {
		if keep[r.Findings[i].Severity] {
			out.Findings = append(out.Findings, r.Findings[i])
		}
	}
	out.Summary = findings.Summarize(out.Findings, r.Summary.Identities)
	if n := len(r.Findings) - len(out.Findings); n > 0 {
		var names []string
		for _, s := range []findings.Severity{findings.Critical, findings.High, findings.Medium, findings.Low, findings.Info} {
			if keep[s] {
				names = append(names, s.String())
			}
		}
		fmt.Fprintf(stderr, "nhiscan: --severity %s: %d of %d findings left out of the report\n", strings.Join(names, ","), n, len(r.Findings))
	}
	return &out
}

func newReportCmd(env *environment) *cobra.Command {
	var in, format, outPath string
	var g gateOptions
	cmd := &cobra.Command{
		Use:   "report --input findings.json",
		Short: "Re-render a saved JSON report without scanning again",
		Long: `Re-render a JSON report saved by 'nhiscan scan --format json' in any
format (table, json, sarif, csv, markdown, junit, html), with the same exit
codes as scan. The saved report's baseline states, suppressions, scan times,
rule set and tool version are kept, so the output is what the scan would
have printed; an explicit --baseline or --ignore-file decides states or
suppressions anew.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.validate(); err != nil {
				return err
			}
			f, err := output.ParseFormat(format)
			if err != nil {
				return inputError{fmt.Errorf("--format: %w", err)}
			}
			if in == "" {
				return inputError{errors.New("--input: name the JSON report to re-render")}
			}
			r, err := loadReport(in)
			if err != nil {
				return err
			}
			// The saved report's states, suppressions, times and tool
			// version stand; only an explicit --baseline or --ignore-file
			// decides states or suppressions anew.
			if g.ignoreFile != "" {
				for i := range r.Findings {
					r.Findings[i].Suppression = nil
				}
			} else {
				g.keepSuppressions = true
			}
			if r.Scan != nil {
				r.Invocation.CommandLine = r.Scan.CommandLine
			}
			return finishSaved(env, r, f, outPath, &g, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&in, "input", "", "the JSON report to re-render")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json, sarif, csv, markdown, junit or html")
	cmd.Flags().StringVar(&outPath, "output", "", "write the report to this file (written atomically) instead of stdout")
	g.register(cmd)
	return cmd
}

// readReport reads and checks a JSON report of schema version 1 or 2,
// keeping its baseline states and suppressions. Every finding comes back
// with its rule's title, remediation and controls (from the rules section
// of a version 2 report), and the report is of the current version.
func readReport(data []byte) (*findings.Report, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r findings.Report
	if err := dec.Decode(&r); err != nil {
		// A report of a version this nhiscan does not know has fields it
		// does not know: name the version, not the field.
		var probe struct {
			SchemaVersion string `json:"schema_version"`
		}
		if json.Unmarshal(data, &probe) == nil && probe.SchemaVersion != "" {
			if verr := findings.CheckSchemaVersion(probe.SchemaVersion); verr != nil {
				return nil, verr
			}
		}
		return nil, fmt.Errorf("not a nhiscan JSON report: %w", err)
	}
	if err := findings.CheckSchemaVersion(r.SchemaVersion); err != nil {
		return nil, err
	}
	if r.SchemaVersion == "1" {
		if r.RuleSection != nil {
			return nil, errors.New("rules: a version 1 report has no rules section (its findings carry their rule's title, remediation and controls)")
		}
	} else {
		if r.RuleSection == nil {
			return nil, errors.New("no rules section (version 2 reports keep each rule's title, remediation and controls there)")
		}
		if err := r.ExpandRules(); err != nil {
			return nil, err
		}
	}
	r.SchemaVersion = findings.SchemaVersion
	known := map[string]bool{}
	for _, rule := range rules.All() {
		known[rule.Meta().ID] = true
	}
	for i := range r.Findings {
		if err := checkFinding(&r.Findings[i], known, r.Scan); err != nil {
			return nil, fmt.Errorf("finding %d: %w", i+1, err)
		}
	}
	if s := r.Scan; s != nil {
		for _, id := range append(append([]string{}, s.RulesEnabled...), s.RulesDisabled...) {
			if !known[id] {
				return nil, fmt.Errorf("scan: unknown rule %q", id)
			}
		}
		if s.Finished.Before(s.Started) {
			return nil, errors.New("scan: finished before it started")
		}
	}
	for i, src := range r.Sources {
		switch src.Status {
		case "ok", "partial", "failed":
		default:
			return nil, fmt.Errorf("source %d: unknown status %q", i+1, src.Status)
		}
	}
	return &r, nil
}

var fingerprintRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkFinding checks what renderers rely on, so a hand-edited or foreign
// report is an input error, never a panic.
func checkFinding(f *findings.Finding, known map[string]bool, scan *findings.ScanInfo) error {
	switch {
	case !fingerprintRE.MatchString(f.Fingerprint):
		return fmt.Errorf("fingerprint %q is not 32 hex digits", f.Fingerprint)
	case !known[f.RuleID]:
		return fmt.Errorf("unknown rule %q", f.RuleID)
	case scan.RuleDisabled(f.RuleID):
		return fmt.Errorf("rule %s is listed as disabled but has a finding", f.RuleID)
	case f.Severity == 0:
		return errors.New("no severity")
	case !slices.Contains(findings.Categories, f.Category):
		return fmt.Errorf("unknown category %q", f.Category)
	case f.Identity.ID == "":
		return errors.New("identity.id is empty")
	}
	switch f.Status {
	case "", findings.StatusNew, findings.StatusUnchanged, "updated":
	default:
		return fmt.Errorf("unknown status %q", f.Status)
	}
	if s := f.Suppression; s != nil {
		if s.Reason == "" || s.Owner == "" {
			return errors.New("suppression without reason or owner")
		}
		if _, err := time.Parse("2006-01-02", s.Expires); err != nil {
			return fmt.Errorf("suppression.expires %q is not a date (YYYY-MM-DD)", s.Expires)
		}
	}
	return nil
}

// loadReport reads a saved JSON report (schema 1 or 2; UTF-16 or gzipped
// too): an input error naming the file when it cannot.
func loadReport(name string) (*findings.Report, error) {
	data, err := os.ReadFile(name)
	if err == nil {
		data, err = decodeInput(data)
	}
	if err != nil {
		return nil, inputError{fmt.Errorf("%s: %w", name, unwrapPathError(err))}
	}
	r, err := readReport(data)
	if err != nil {
		return nil, inputError{fmt.Errorf("%s: %w", name, err)}
	}
	return r, nil
}

// finishSaved renders a report that was read rather than scanned (report,
// merge): with the current rule catalogue, and partial when a saved scope
// was not read completely.
func finishSaved(env *environment, r *findings.Report, f output.Format, outPath string, g *gateOptions, stdout, stderr io.Writer) error {
	for _, rule := range rules.All() {
		r.Rules = append(r.Rules, rules.Describe(rule))
	}
	partialScan := false
	for _, s := range r.Sources {
		if s.Status != "ok" {
			partialScan = true
		}
	}
	return finish(env, r, f, outPath, g, partialScan, stdout, stderr)
}
