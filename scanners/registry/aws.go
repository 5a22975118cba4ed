package registry

import (
	"context"
	"errors"
	"strings"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/aws"
)

// AWS describes AWS. newLive builds the live scanner from its options
// (nil: aws.NewLive); tests give one pointed at a local server.
func AWS(newLive func(aws.LiveOptions) scanners.Live) Provider {
	if newLive == nil {
		newLive = func(o aws.LiveOptions) scanners.Live { return aws.NewLive(o) }
	}
	return Provider{
		Name: "aws",
		Usage: `  nhiscan scan aws                 scan live with the standard AWS credential chain
  nhiscan scan aws --org --assume-role NhiscanAudit
  nhiscan scan aws --assume-role NhiscanAudit --account ID [--account ID]
                                   one shard of the organization (nhiscan org accounts)
`,
		Exports:     "aws iam get-account-authorization-details, list-roles or list-access-keys JSON, a credential report",
		SecretFlags: []string{"external-id"},
		NewOffline:  func() scanners.Offline { return aws.NewOffline() },
		NewLive:     func() Live { return &awsLive{newLive: newLive} },
	}
}

// awsLive holds the AWS flags.
type awsLive struct {
	newLive                                 func(aws.LiveOptions) scanners.Live
	profile, region, assumeRole, externalID string
	org                                     bool
	accounts                                []string
	// regions are where agents are listed (--regions, repeatable or
	// comma-separated).
	regions []string
}

func (a *awsLive) Flags(fs FlagSet, c Command) {
	fs.StringVar(&a.profile, "profile", "", "aws: shared config profile")
	if c == OrgAccounts {
		fs.StringVar(&a.region, "region", "", "aws: region for the API clients")
		return
	}
	fs.StringVar(&a.region, "region", "", "aws: region for the API clients (IAM is global)")
	fs.BoolVar(&a.org, "org", false, "aws: scan every ACTIVE account of the organization")
	fs.StringVar(&a.assumeRole, "assume-role", "", "aws --org: name of the read-only role to assume in each account")
	fs.StringVar(&a.externalID, "external-id", "", "aws --org: external id for the assumed role")
	fs.StringArrayVar(&a.accounts, "account", nil, "aws: scan only this account of the organization (repeatable; one shard of --org, with --assume-role)")
	fs.StringArrayVar(&a.regions, "regions", nil, "aws: regions whose Bedrock agents and AgentCore runtimes are listed (repeatable or comma-separated; default: the regions where they are offered)")
}

func (a *awsLive) Unused(c Command) error {
	switch {
	case c == OrgAccounts && (a.profile != "" || a.region != ""):
		return errors.New("--profile and --region apply to 'aws'")
	case c == OrgAccounts:
		return nil
	case len(a.accounts) > 0:
		return errors.New("--account applies to a live 'aws' scan (gcp: --project)")
	case len(a.regions) > 0:
		return errors.New("--regions applies to a live 'aws' scan")
	case a.org || a.assumeRole != "":
		return errors.New("--org and --assume-role apply to a live 'aws' scan")
	}
	return nil
}

func (a *awsLive) Check(c Command) error {
	if c == OrgAccounts {
		return nil
	}
	if len(a.accounts) > 0 {
		a.org = true // a shard of the organization
	}
	if a.org && a.assumeRole == "" {
		return errors.New("--org and --account need --assume-role NAME, the read-only role to assume in each account")
	}
	return nil
}

func (a *awsLive) Scanner(c Common) scanners.Live {
	return a.newLive(aws.LiveOptions{
		Profile: a.profile, Region: a.region, Org: a.org, AssumeRole: a.assumeRole, ExternalID: a.externalID,
		Accounts: a.accounts, Concurrency: c.Concurrency, Progress: c.Progress, Timeout: c.Timeout,
		AgentRegions: splitList(a.regions),
	})
}

func (a *awsLive) Scopes(ctx context.Context, l scanners.Live) ([]Scope, error) {
	lister, ok := l.(interface {
		Accounts(context.Context) ([]aws.Account, error)
	})
	if !ok {
		return nil, errors.New("this build cannot list organization accounts")
	}
	as, err := lister.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Scope, 0, len(as))
	for _, acc := range as {
		out = append(out, Scope{ID: acc.ID, Name: acc.Name})
	}
	return out, nil
}

func (a *awsLive) ShardArgs(ids []string) string {
	return "--account " + strings.Join(ids, " --account ")
}

// splitList reads repeatable, comma-separated flag values.
func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
