package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/findings/output"
	"github.com/nhiscan/nhiscan/rules"
)

// coverage is one control with the rules that map to it.
type coverage struct {
	controls.Control
	Rules []string `json:"rules"`
}

type coverageReport struct {
	Frameworks []controls.Framework `json:"frameworks"`
	Controls   []coverage           `json:"controls"`
}

func newControlsCmd() *cobra.Command {
	var format, framework, results string
	cmd := &cobra.Command{
		Use:   "controls [--results report.json]",
		Short: "List framework controls and the rules that cover them, or a report's compliance matrix",
		Long: `List the frameworks nhiscan maps findings to and, for each control, the
rules that cover it: an auditor's coverage view. Controls no rule covers are
listed with no rules.

With --results REPORT.json (a report saved by 'nhiscan scan --format json')
it prints the compliance matrix of that scan: per framework, each control
with the rules that test it and its state, with counts:

  PASS        its rules ran on a scanned provider and found nothing open
  FAIL        a rule that tests it has an open (unsuppressed) finding
  NOT TESTED  no rule tests it, its rules were disabled, or none of their
              providers was scanned`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := parseControlsFormat(format)
			if err != nil {
				return inputError{fmt.Errorf("--format: %w", err)}
			}
			if framework != "" {
				if _, ok := controls.FrameworkByID(framework); !ok {
					var ids []string
					for _, fw := range controls.Frameworks() {
						ids = append(ids, fw.ID)
					}
					return inputError{fmt.Errorf("--framework: unknown framework %q (want one of %s)", framework, strings.Join(ids, ", "))}
				}
			}
			r := &findings.Report{}
			if results != "" {
				data, err := os.ReadFile(results)
				if err != nil {
					return inputError{fmt.Errorf("--results %s: %w", results, unwrapPathError(err))}
				}
				// A report saved by Windows PowerShell 5.1's `>` is UTF-16;
				// CI artifacts may be gzipped.
				if data, err = decodeInput(data); err != nil {
					return inputError{fmt.Errorf("--results %s: %v", results, err)}
				}
				if r, err = readReport(data); err != nil {
					return inputError{fmt.Errorf("--results %s: %w", results, err)}
				}
			}
			for _, rule := range rules.All() {
				r.Rules = append(r.Rules, rules.Describe(rule))
			}
			w := cmd.OutOrStdout()
			if results == "" && f == output.JSON {
				return coverageJSON(w, r.Rules, framework)
			}
			return output.WriteCompliance(w, f, output.BuildCompliance(r, framework, results != ""))
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json, csv or markdown")
	cmd.Flags().StringVar(&framework, "framework", "", "show one framework only (for example owasp-nhi-2025)")
	cmd.Flags().StringVar(&results, "results", "", "a JSON report: print its compliance matrix (PASS, FAIL, NOT TESTED per control)")
	return cmd
}

var controlsFormats = []output.Format{output.Table, output.JSON, output.CSV, output.Markdown}

func parseControlsFormat(s string) (output.Format, error) {
	for _, f := range controlsFormats {
		if strings.EqualFold(string(f), s) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want table, json, csv or markdown)", s)
}

// coverageJSON writes the rules per control, without a scan's results.
func coverageJSON(w io.Writer, catalogue []findings.Rule, framework string) error {
	by := map[[2]string][]string{}
	for _, m := range catalogue {
		for _, c := range m.Controls {
			k := [2]string{c.Framework, c.ID}
			by[k] = append(by[k], m.ID)
		}
	}
	rep := coverageReport{}
	for _, fw := range controls.Frameworks() {
		if framework == "" || fw.ID == framework {
			rep.Frameworks = append(rep.Frameworks, fw)
		}
	}
	for _, c := range controls.All() {
		if framework != "" && c.Framework != framework {
			continue
		}
		rs := by[[2]string{c.Framework, c.ID}]
		if rs == nil {
			rs = []string{}
		}
		rep.Controls = append(rep.Controls, coverage{Control: c, Rules: rs})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
