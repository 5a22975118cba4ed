package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/scanners/registry"
)

// githubMatrixMax is the most jobs a GitHub Actions matrix may generate.
const githubMatrixMax = 256

// scopeList is what 'org accounts' prints without --matrix.
type scopeList struct {
	Provider string  `json:"provider"`
	Scopes   []scope `json:"scopes"`
}

type scope struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// matrixEntry is one job of the GitHub Actions matrix: its scopes, and the
// scan flags that select them.
type matrixEntry struct {
	Shard  int    `json:"shard"`
	Scopes string `json:"scopes"`
	Args   string `json:"args"`
}

func newOrgCmd(env *environment) *cobra.Command {
	org := &cobra.Command{
		Use:   "org",
		Short: "List an organization's scopes, to shard a scan",
	}
	var matrix bool
	var per, shard int
	var timeout time.Duration
	var live map[string]registry.Live
	accounts := &cobra.Command{
		Use:   "accounts " + strings.Join(providerNames(env.providers), "|"),
		Short: "List the accounts (AWS Organizations) or projects (GCP organization) to scan, as JSON",
		Long: `List the ACTIVE accounts of the AWS organization (from the management
account or a delegated administrator) or the ACTIVE projects under a GCP
organization, as JSON, to fan a scan out over CI jobs:

  nhiscan org accounts aws                     {"provider":"aws","scopes":[{"id":...,"name":...}]}
  nhiscan org accounts aws --matrix --per 10   a GitHub Actions matrix, 10 accounts a job:
                                               {"include":[{"shard":0,"scopes":"...","args":"--account ... --account ..."}]}
  nhiscan org accounts gcp --organization N --per 10 --shard 3
                                               the scan flags of shard 3 only (a Kubernetes
                                               Indexed Job's JOB_COMPLETION_INDEX)

Each job then runs 'nhiscan scan aws --assume-role ROLE ARGS' (or 'scan gcp
ARGS', which names the organization and the shard's projects) with
--format json, and 'nhiscan merge' joins the reports.`,
		Args:      providerArg(env.providers, true),
		ValidArgs: providerNames(env.providers),
		RunE: func(cmd *cobra.Command, args []string) error {
			if per < 1 {
				return inputError{errors.New("--per must be at least 1")}
			}
			if timeout <= 0 {
				return inputError{errors.New("--timeout must be positive, such as 5m or 90s")}
			}
			if matrix && shard >= 0 {
				return inputError{errors.New("give --matrix or --shard, not both")}
			}
			if err := checkLive(env.providers, live, args[0], registry.OrgAccounts); err != nil {
				return err
			}
			l := live[args[0]]
			// The listing is bounded like a scan's: a call that never
			// answers must not hold up the CI job that plans the shards.
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			found, err := l.Scopes(ctx, l.Scanner(registry.Common{Timeout: timeout}))
			if err != nil {
				if in := interruption(cmd.Context()); in != nil {
					return in
				}
				// The deadline may have passed before ctx's timer fired
				// (gRPC reports the server's cancel as DeadlineExceeded).
				if deadline, _ := ctx.Deadline(); ctx.Err() != nil || !time.Now().Before(deadline) {
					return inputError{fmt.Errorf("%s: listing the organization: timed out after %s (--timeout)", args[0], timeout)}
				}
				return inputError{fmt.Errorf("%s: %w", args[0], err)}
			}
			list := scopeList{Provider: args[0], Scopes: []scope{}}
			for _, s := range found {
				list.Scopes = append(list.Scopes, scope{ID: s.ID, Name: s.Name})
			}
			shards := chunk(list.Scopes, per, l.ShardArgs)
			out := cmd.OutOrStdout()
			switch {
			case shard >= 0:
				if shard >= len(shards) {
					return inputError{fmt.Errorf("--shard %d: there are %d shards of %d (0 to %d)", shard, len(shards), per, len(shards)-1)}
				}
				_, err := fmt.Fprintln(out, shards[shard].Args)
				return err
			case matrix:
				if len(shards) > githubMatrixMax {
					return inputError{fmt.Errorf("%d shards of %d: a GitHub Actions matrix runs at most %d jobs; raise --per to at least %d", len(shards), per, githubMatrixMax, (len(list.Scopes)+githubMatrixMax-1)/githubMatrixMax)}
				}
				if len(shards) == 0 {
					return inputError{fmt.Errorf("%s: no active scope to scan (a GitHub Actions matrix cannot be empty)", args[0])}
				}
				return writeCompactJSON(out, map[string]any{"include": shards})
			}
			return writeCompactJSON(out, list)
		},
	}
	live = liveFlags(accounts, env.providers, registry.OrgAccounts)
	f := accounts.Flags()
	f.BoolVar(&matrix, "matrix", false, "print a GitHub Actions matrix ({\"include\":[...]}, one line for $GITHUB_OUTPUT)")
	f.IntVar(&per, "per", 1, "scopes per shard (matrix job or --shard)")
	f.DurationVar(&timeout, "timeout", registry.DefaultTimeout, "time limit for listing the organization, retries included (exit 2 when passed)")
	f.IntVar(&shard, "shard", -1, "print only the scan flags of this shard (0-based)")
	org.AddCommand(accounts)
	return org
}

// chunk groups scopes into shards of per, each with the scan flags that
// select it.
func chunk(scopes []scope, per int, shardArgs func(ids []string) string) []matrixEntry {
	var out []matrixEntry
	for i := 0; i < len(scopes); i += per {
		part := scopes[i:min(i+per, len(scopes))]
		ids := make([]string, len(part))
		for j, s := range part {
			ids[j] = s.ID
		}
		out = append(out, matrixEntry{Shard: len(out), Scopes: strings.Join(ids, " "), Args: shardArgs(ids)})
	}
	return out
}

// writeCompactJSON writes v on one line (GitHub's $GITHUB_OUTPUT takes
// key=value lines).
func writeCompactJSON(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
