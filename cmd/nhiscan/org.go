package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/scanners/aws"
	"github.com/nhiscan/nhiscan/scanners/gcp"
)

// githubMatrixMax is the most jobs a GitHub Actions matrix may generate.
const githubMatrixMax = 256

// awsAccountLister and gcpProjectLister are what the live scanners offer
// to list an organization's scopes.
type awsAccountLister interface {
	Accounts(context.Context) ([]aws.Account, error)
}

type gcpProjectLister interface {
	ProjectIDs(context.Context) ([]string, error)
}

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
	var profile, region, gcpOrg string
	var matrix bool
	var per, shard int
	accounts := &cobra.Command{
		Use:   "accounts aws|gcp",
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
		Args:      usageArgs(cobra.ExactArgs(1)),
		ValidArgs: []string{"aws", "gcp"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if per < 1 {
				return inputError{errors.New("--per must be at least 1")}
			}
			if matrix && shard >= 0 {
				return inputError{errors.New("give --matrix or --shard, not both")}
			}
			list := scopeList{Provider: args[0], Scopes: []scope{}}
			flag, prefix := "--account", ""
			switch args[0] {
			case "aws":
				if gcpOrg != "" {
					return inputError{errors.New("--organization applies to 'gcp'")}
				}
				l, ok := env.awsLive(aws.LiveOptions{Profile: profile, Region: region}).(awsAccountLister)
				if !ok {
					return inputError{errors.New("aws: this build cannot list organization accounts")}
				}
				as, err := l.Accounts(cmd.Context())
				if err != nil {
					return inputError{fmt.Errorf("aws: %v", err)}
				}
				for _, a := range as {
					list.Scopes = append(list.Scopes, scope{ID: a.ID, Name: a.Name})
				}
			case "gcp":
				// A shard keeps --organization: its projects inherit the
				// folder and organization policies.
				flag, prefix = "--project", "--organization "+gcpOrg+" "
				if gcpOrg == "" {
					return inputError{errors.New("gcp: name the --organization whose projects to list")}
				}
				if profile != "" || region != "" {
					return inputError{errors.New("--profile and --region apply to 'aws'")}
				}
				l, ok := env.gcpLive(gcp.LiveOptions{Organization: gcpOrg}).(gcpProjectLister)
				if !ok {
					return inputError{errors.New("gcp: this build cannot list organization projects")}
				}
				ids, err := l.ProjectIDs(cmd.Context())
				if err != nil {
					return inputError{fmt.Errorf("gcp: %v", err)}
				}
				for _, id := range ids {
					list.Scopes = append(list.Scopes, scope{ID: id})
				}
			default:
				return inputError{fmt.Errorf("unknown provider %q (want aws or gcp)", args[0])}
			}
			shards := chunk(list.Scopes, per, prefix, flag)
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
	f := accounts.Flags()
	f.StringVar(&profile, "profile", "", "aws: shared config profile")
	f.StringVar(&region, "region", "", "aws: region for the API clients")
	f.StringVar(&gcpOrg, "organization", "", "gcp: organization number")
	f.BoolVar(&matrix, "matrix", false, "print a GitHub Actions matrix ({\"include\":[...]}, one line for $GITHUB_OUTPUT)")
	f.IntVar(&per, "per", 1, "scopes per shard (matrix job or --shard)")
	f.IntVar(&shard, "shard", -1, "print only the scan flags of this shard (0-based)")
	org.AddCommand(accounts)
	return org
}

// chunk groups scopes into shards of per, each with the scan flags that
// select it: prefix, then flag and id for each scope.
func chunk(scopes []scope, per int, prefix, flag string) []matrixEntry {
	var out []matrixEntry
	for i := 0; i < len(scopes); i += per {
		part := scopes[i:min(i+per, len(scopes))]
		ids := make([]string, len(part))
		args := make([]string, len(part))
		for j, s := range part {
			ids[j] = s.ID
			args[j] = flag + " " + s.ID
		}
		out = append(out, matrixEntry{Shard: len(out), Scopes: strings.Join(ids, " "), Args: prefix + strings.Join(args, " ")})
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
