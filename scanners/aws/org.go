package aws

import (
	"context"
	"fmt"
	"slices"
	"sort"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go/logging"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Account is an ACTIVE account of the organization.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Accounts lists the ACTIVE accounts of the organization of the current
// credentials (the management account or a delegated administrator),
// sorted by id: the scopes to shard an organization scan by.
func (l *Live) Accounts(ctx context.Context) ([]Account, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithLogger(logging.Nop{}),
		config.WithRetryer(func() sdkaws.Retryer {
			r := retry.AddWithMaxAttempts(retry.NewAdaptiveMode(), 10)
			return retry.AddWithMaxBackoffDelay(r, l.opts.MaxBackoff)
		}),
	}
	if l.opts.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(l.opts.Profile))
	}
	if l.opts.Region != "" {
		opts = append(opts, config.WithRegion(l.opts.Region))
	}
	// IAM and Organizations are global, but the SDK wants a region, and
	// the web-identity provider (GitLab, EKS) builds its STS client while
	// the configuration loads: the default must be in place before, not
	// set afterwards.
	opts = append(opts, config.WithDefaultRegion("us-east-1"))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %v", err)
	}
	var out []Account
	p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(cfg), &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s", describe("organizations:ListAccounts", err))
		}
		for _, a := range page.Accounts {
			active := a.State == orgtypes.AccountStateActive || (a.State == "" && a.Status == orgtypes.AccountStatusActive)
			if active && a.Id != nil {
				out = append(out, Account{ID: *a.Id, Name: sdkaws.ToString(a.Name)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// selectAccounts keeps the accounts LiveOptions.Accounts names (all of
// them when it names none); each named account that is not an ACTIVE
// account of the organization is returned as a failed scope.
func (l *Live) selectAccounts(all []orgtypes.Account) ([]orgtypes.Account, inventory.Inventory) {
	var missing inventory.Inventory
	if len(l.opts.Accounts) == 0 {
		return all, missing
	}
	var kept []orgtypes.Account
	found := map[string]bool{}
	for _, a := range all {
		if slices.Contains(l.opts.Accounts, *a.Id) {
			kept = append(kept, a)
			found[*a.Id] = true
		}
	}
	for _, id := range l.opts.Accounts {
		if !found[id] {
			found[id] = true
			missing.Sources = append(missing.Sources, inventory.Source{Scanner: "aws", Scope: id, Mode: "live", Status: inventory.StatusFailed,
				Error: "not an ACTIVE account of the organization (organizations:ListAccounts)"})
		}
	}
	return kept, missing
}
