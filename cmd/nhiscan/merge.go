package main

import (
	"errors"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/output"
	"github.com/nhiscan/nhiscan/rules"
)

func newMergeCmd(env *environment) *cobra.Command {
	var format, outPath string
	var g gateOptions
	cmd := &cobra.Command{
		Use:   "merge REPORT...",
		Short: "Join the JSON reports of a sharded scan into one report",
		Long: `Join JSON reports saved by 'nhiscan scan --format json' (one per shard of an
organization: accounts or projects) into one report, rendered in any
--format of scan, with the same --baseline, --ignore-file, --severity and
--fail-on as scan and the same exit codes. A finding reported by several
shards is kept once (by fingerprint); a scope that failed in its shard stays
a failed scope (exit 3).`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.validate(); err != nil {
				return err
			}
			f, err := output.ParseFormat(format)
			if err != nil {
				return inputError{fmt.Errorf("--format: %w", err)}
			}
			var parts []*findings.Report
			for _, name := range args {
				r, err := loadReport(name)
				if err != nil {
					return err
				}
				parts = append(parts, r)
			}
			r, err := mergeReports(parts)
			if err != nil {
				return inputError{err}
			}
			if differentAsOf(parts) {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: the reports were made as of different times; the merged report says the latest, %s\n", r.AsOf.Format("2006-01-02T15:04:05Z"))
			}
			r.Tool.Version = version
			r.Invocation = findings.Invocation{CommandLine: env.commandLine, Start: env.now()}
			return finishSaved(env, r, f, outPath, &g, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json, sarif, csv, markdown, junit or html")
	cmd.Flags().StringVar(&outPath, "output", "", "write the report to this file (written atomically) instead of stdout")
	g.register(cmd)
	return cmd
}

func differentAsOf(parts []*findings.Report) bool {
	for _, p := range parts[1:] {
		if !p.AsOf.Equal(parts[0].AsOf) {
			return true
		}
	}
	return false
}

// statusRank orders scan statuses from worst to best.
var statusRank = map[string]int{"failed": 0, "partial": 1, "ok": 2}

// mergeReports joins shard reports: sources of every shard (a scope in
// several shards once, with its best status), findings once per
// fingerprint, identities summed over reports that add a scope, as of
// the latest.
func mergeReports(parts []*findings.Report) (*findings.Report, error) {
	if len(parts) == 0 {
		return nil, errors.New("merge: no report")
	}
	// readReport brought every part, version 1 or 2, to the current version.
	out := &findings.Report{SchemaVersion: findings.SchemaVersion, Tool: parts[0].Tool, AsOf: parts[0].AsOf, Sources: []findings.Source{}}
	type scope struct{ scanner, scope string }
	where := map[scope]int{}
	seen := map[string]bool{}
	n := 0
	for _, p := range parts {
		n += len(p.Findings)
	}
	out.Findings = make([]findings.Finding, 0, n)
	for _, p := range parts {
		if p.AsOf.After(out.AsOf) {
			out.AsOf = p.AsOf
		}
		fresh := len(p.Sources) == 0
		for _, s := range p.Sources {
			k := scope{s.Scanner, s.Scope}
			i, ok := where[k]
			if !ok {
				where[k] = len(out.Sources)
				out.Sources = append(out.Sources, s)
				fresh = true
				continue
			}
			if statusRank[s.Status] > statusRank[out.Sources[i].Status] {
				out.Sources[i] = s
			}
		}
		// A report of scopes already merged (the same shard twice) adds
		// no identities.
		if fresh {
			out.Summary.Identities += p.Summary.Identities
		}
		for _, f := range p.Findings {
			if !seen[f.Fingerprint] {
				seen[f.Fingerprint] = true
				out.Findings = append(out.Findings, f)
			}
		}
	}
	// In the order a single scan lists them: by scanner, then scope.
	sort.SliceStable(out.Sources, func(i, j int) bool {
		a, b := out.Sources[i], out.Sources[j]
		if a.Scanner != b.Scanner {
			return a.Scanner < b.Scanner
		}
		return a.Scope < b.Scope
	})
	out.Findings = rules.Sort(out.Findings)
	scan, err := mergeScanInfo(parts)
	if err != nil {
		return nil, err
	}
	out.Scan = scan
	return out, nil
}
