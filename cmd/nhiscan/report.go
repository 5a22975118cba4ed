package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

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
}

func (g *gateOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&g.failOn, "fail-on", "none", "exit 1 when a new, unsuppressed finding is at or above this severity: critical, high, medium, low or none")
	f.StringVar(&g.baseline, "baseline", "", "baseline file (or an earlier JSON report): mark findings new or unchanged; only new ones count for --fail-on")
	f.StringVar(&g.writeBaseline, "write-baseline", "", "write the fingerprints of this run's findings to this baseline file")
	f.StringVar(&g.ignoreFile, "ignore-file", "", "suppressions with expiry (default .nhiscan-ignore.yaml when present)")
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
	if g.sarifProfile != output.ProfileGitHub && g.sarifProfile != output.ProfileAudit {
		return inputError{fmt.Errorf("--sarif-profile: want github or audit, got %q", g.sarifProfile)}
	}
	return nil
}

// finish applies suppressions and the baseline, renders the report,
// writes the new baseline and decides the exit code.
func finish(env *environment, r *findings.Report, format output.Format, outPath string, g *gateOptions, partialScan bool, stdout, stderr io.Writer) error {
	entries, err := loadIgnoreFile(g.ignoreFile)
	if err != nil {
		return err
	}
	var base *findings.Baseline
	if g.baseline != "" {
		data, err := os.ReadFile(g.baseline)
		if err != nil {
			return inputError{fmt.Errorf("baseline %s: %v", g.baseline, unwrapPathError(err))}
		}
		if base, err = findings.ParseBaseline(data); err != nil {
			return inputError{fmt.Errorf("baseline %s: %v", g.baseline, err)}
		}
	}
	for _, w := range findings.Suppress(r.Findings, entries, r.AsOf) {
		fmt.Fprintln(stderr, w)
	}
	if base != nil {
		base.Apply(r.Findings)
	}
	r.Summary = findings.Summarize(r.Findings, r.Summary.Identities)
	if r.Invocation.Start.IsZero() {
		r.Invocation.Start = env.now()
	}
	r.Invocation.End = env.now()
	var nb *findings.Baseline
	if g.writeBaseline != "" {
		nb = findings.NewBaseline(r.Findings, r.AsOf, base)
		if err := carryOver(nb, base, g.writeBaseline, r.Sources, stderr); err != nil {
			return err
		}
	}
	opts := output.SARIFOptions{Profile: g.sarifProfile}
	if err := emit(outPath, stdout, func(w io.Writer) error { return output.Write(w, format, r, opts) }); err != nil {
		var ie inputError
		if errors.As(err, &ie) {
			return err
		}
		return inputError{err}
	}
	if nb != nil {
		if err := emit(g.writeBaseline, nil, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(nb)
		}); err != nil {
			return err
		}
	}
	if g.threshold > 0 {
		if n := findings.AtOrAbove(r.Findings, g.threshold); n > 0 {
			what := "finding(s)"
			if base != nil {
				what = "new finding(s)"
			}
			fmt.Fprintf(stderr, "nhiscan: %d unsuppressed %s at or above %s\n", n, what, g.threshold)
			return exitError{exitFindings}
		}
	}
	if partialScan {
		fmt.Fprintln(stderr, "nhiscan: the scan is partial: some scopes failed (see the errors above)")
		return exitError{exitPartial}
	}
	return nil
}

func newReportCmd(env *environment) *cobra.Command {
	var in, format, outPath string
	var g gateOptions
	cmd := &cobra.Command{
		Use:   "report --input findings.json",
		Short: "Re-render a saved JSON report without scanning again",
		Long: `Re-render a JSON report saved by 'nhiscan scan --format json' as a table,
JSON or SARIF, optionally against a baseline and an ignore file, with the
same exit codes as scan.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.validate(); err != nil {
				return err
			}
			f, err := output.ParseFormat(format)
			if err != nil {
				return inputError{fmt.Errorf("--format: %v", err)}
			}
			if in == "" {
				return inputError{errors.New("--input: name the JSON report to re-render")}
			}
			data, err := os.ReadFile(in)
			if err != nil {
				return inputError{fmt.Errorf("%s: %v", in, unwrapPathError(err))}
			}
			r, err := readReport(data)
			if err != nil {
				return inputError{fmt.Errorf("%s: %v", in, err)}
			}
			r.Tool.Version = version
			r.Invocation = findings.Invocation{CommandLine: env.commandLine, Start: env.now()}
			for _, rule := range rules.All() {
				r.Rules = append(r.Rules, rules.Describe(rule))
			}
			partialScan := false
			for _, s := range r.Sources {
				if s.Status != "ok" {
					partialScan = true
				}
			}
			return finish(env, r, f, outPath, &g, partialScan, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&in, "input", "", "the JSON report to re-render")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or sarif")
	cmd.Flags().StringVar(&outPath, "output", "", "write the report to this file (written atomically) instead of stdout")
	g.register(cmd)
	return cmd
}

// readReport reads a JSON report; statuses and suppressions from its
// scan are dropped so this run's baseline and ignore file decide them.
func readReport(data []byte) (*findings.Report, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r findings.Report
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("not a nhiscan JSON report: %v", err)
	}
	if r.SchemaVersion != findings.SchemaVersion {
		return nil, fmt.Errorf("report schema_version %q is not supported (want %q)", r.SchemaVersion, findings.SchemaVersion)
	}
	known := map[string]bool{}
	for _, rule := range rules.All() {
		known[rule.Meta().ID] = true
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Fingerprint == "" || !known[f.RuleID] {
			return nil, fmt.Errorf("finding %d has no fingerprint or an unknown rule %q", i+1, f.RuleID)
		}
		f.Status, f.Suppression = "", nil
	}
	return &r, nil
}
