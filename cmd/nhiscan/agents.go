package main

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/output"
	"github.com/nhiscan/nhiscan/rules"
)

func newAgentsCmd(env *environment) *cobra.Command {
	var o inputOptions
	cmd := &cobra.Command{
		Use:   "agents [" + strings.Join(providerNames(env.providers), "|") + "]",
		Short: "List the AI agents, the identities they act as, who answers for them and how far they reach",
		Long: `List every AI agent the scan sees: Bedrock agents, AgentCore runtimes,
Vertex AI Agent Engine agents, Entra agent identities, kagent Agents and
Kubernetes workloads with an agent marker (agent_tags), and every identity
marked as an agent identity (by trust, tag or glob) that no listed agent
acts as.
For each: the identity it acts as, its credential type, its owner or
sponsor, who else acts as that identity (other agents, people, other
workloads), its reach (administrator, the shortest path to it, the
services it may write in) and the findings on its identity.

  nhiscan agents --demo
  nhiscan agents --input exports/ --format markdown >> "$GITHUB_STEP_SUMMARY"`,
		Args:      providerArg(env.providers, false),
		ValidArgs: providerNames(env.providers),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAgents(cmd.Context(), env, &o, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.register(cmd, env.providers)
	cmd.Flags().Lookup("format").Usage = "output format: table, json or markdown"
	return cmd
}

func runAgents(ctx context.Context, env *environment, o *inputOptions, args []string, stdout, stderr io.Writer) error {
	p, err := prepareWith(ctx, env, o, args, stderr, output.ParseAgentFormat)
	if err != nil {
		return err
	}
	found, err := rules.Run(ctx, &p.inv, rules.All(), p.cfg)
	if ierr := interruption(ctx); ierr != nil {
		return ierr
	}
	if err != nil {
		return err
	}
	r := &findings.AgentReport{
		SchemaVersion: findings.ListingSchemaVersion,
		Tool:          findings.Tool{Name: "nhiscan", Version: version},
		AsOf:          p.cfg.AsOf,
		Sources:       toSources(p.inv.Sources),
		Agents:        rules.AgentView(&p.inv, p.cfg, found),
	}
	if err := interruption(ctx); err != nil {
		return err // nothing written
	}
	if err := emit(o.output, stdout, func(w io.Writer) error { return output.WriteAgents(w, p.format, r) }); err != nil {
		return err
	}
	if partial(p.inv.Sources) {
		return exitError{exitPartial}
	}
	return nil
}
