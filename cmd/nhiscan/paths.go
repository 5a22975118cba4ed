package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/output"
	"github.com/nhiscan/nhiscan/rules"
	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func newPathsCmd(env *environment) *cobra.Command {
	var o inputOptions
	var from, to string
	cmd := &cobra.Command{
		Use:   "paths [" + strings.Join(providerNames(env.providers), "|") + "]",
		Short: "Show who can become whom: escalation paths to administrator",
		Long: `Show the shortest escalation paths: from every identity to administrator,
from one identity (--from), or from every identity to one (--to), as a table,
JSON, or a picture for Graphviz (--format dot) or Mermaid (--format mermaid).

  nhiscan paths --demo
  nhiscan paths --input exports/ --from arn:aws:iam::123456789012:role/ci --format dot | dot -Tsvg > paths.svg`,
		Args:      providerArg(env.providers, false),
		ValidArgs: providerNames(env.providers),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPaths(cmd.Context(), env, &o, args, from, to, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.register(cmd, env.providers)
	cmd.Flags().Lookup("format").Usage = "output format: table, json, dot or mermaid"
	cmd.Flags().StringVar(&from, "from", "", "only paths starting at this identity (ARN, service account email, Entra object id or system:serviceaccount:NS:NAME, every cluster's unless given as CLUSTER/system:serviceaccount:NS:NAME)")
	cmd.Flags().StringVar(&to, "to", "", "paths ending at this identity instead of administrator")
	return cmd
}

func runPaths(ctx context.Context, env *environment, o *inputOptions, args []string, from, to string, stdout, stderr io.Writer) error {
	p, err := prepareWith(ctx, env, o, args, stderr, output.ParsePathFormat)
	if err != nil {
		return err
	}
	rules.Classify(&p.inv, &p.cfg)
	g := paths.Build(&p.inv, p.cfg.AsOf)
	for _, id := range []string{from, to} {
		if id != "" && len(g.Matches(id)) == 0 {
			return inputError{fmt.Errorf("no identity %q in the scan (give its ARN, service account email, Entra object id, or system:serviceaccount:NS:NAME, as CLUSTER/system:serviceaccount:NS:NAME when several clusters hold it)", id)}
		}
	}
	if ms := g.Matches(to); to != "" && len(ms) > 1 {
		return inputError{fmt.Errorf("--to %q names an identity in several clusters (%s): give one as CLUSTER/%s", to, clustersOf(ms), to)}
	}
	// Paths are keyed by the start's Ref: a Kubernetes id two clusters
	// hold is two starts.
	found := map[string]paths.Path{}
	if to != "" {
		found = g.Towards(to)
	} else {
		for i := range p.inv.Identities {
			id := &p.inv.Identities[i]
			ref := paths.Ref(id)
			if !rules.InScope(id, &p.cfg) || g.IsAdmin(ref) || g.Identity(ref) != id {
				continue
			}
			if path, ok := g.ToAdmin(ref); ok {
				found[ref] = path
			}
		}
	}
	report := &findings.PathReport{
		SchemaVersion: findings.ListingSchemaVersion,
		Tool:          findings.Tool{Name: "nhiscan", Version: version},
		AsOf:          p.cfg.AsOf,
		Sources:       toSources(p.inv.Sources),
	}
	// An id several clusters hold is shown as its Ref, so the rows and
	// the pictures keep the clusters' accounts apart.
	shown := func(id, ref string) string {
		if len(g.Matches(id)) > 1 {
			return ref
		}
		return id
	}
	for start, path := range found {
		id := g.Identity(start)
		// --from takes a Ref, or an id: every cluster's account of it.
		if from != "" && start != from && id.ID != from {
			continue
		}
		fp := findings.Path{From: shown(id.ID, start), FromName: id.Name, Provider: string(id.Provider), Account: id.Account, To: paths.Administrator,
			Hops: path.Hops(), Conditional: path.Conditional()}
		if to != "" {
			fp.To = to
		}
		for _, s := range path.Steps {
			fp.Steps = append(fp.Steps, findings.PathStep{From: shown(s.From, s.FromRef), FromName: s.FromName, To: shown(s.To, s.ToRef), ToName: s.ToName, Method: s.Method,
				MethodName: s.MethodName, Via: s.Via, Conditional: s.Conditional, Possible: s.Possible})
		}
		report.Paths = append(report.Paths, fp)
	}
	sort.Slice(report.Paths, func(i, j int) bool {
		a, b := report.Paths[i], report.Paths[j]
		if a.Hops != b.Hops {
			return a.Hops < b.Hops
		}
		if a.From != b.From {
			return a.From < b.From
		}
		return a.Account < b.Account
	})
	if err := emit(o.output, stdout, func(w io.Writer) error { return output.WritePaths(w, p.format, report) }); err != nil {
		return err
	}
	if partial(p.inv.Sources) {
		return exitError{exitPartial}
	}
	return nil
}

// clustersOf lists the accounts of identities sharing an id.
func clustersOf(ids []*inventory.Identity) string {
	var out []string
	for _, id := range ids {
		out = append(out, id.Account)
	}
	return strings.Join(out, ", ")
}
