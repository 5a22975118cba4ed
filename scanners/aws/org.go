package aws

import (
	"context"
	"fmt"
	"sort"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
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
	cfg, err := l.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	accounts, err := activeAccounts(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s", describe("organizations:ListAccounts", err))
	}
	out := make([]Account, len(accounts))
	for i, a := range accounts {
		out[i] = Account{ID: *a.Id, Name: sdkaws.ToString(a.Name)}
	}
	return out, nil
}

// activeAccounts lists the ACTIVE accounts of the organization, sorted by
// id.
func activeAccounts(ctx context.Context, cfg sdkaws.Config) ([]orgtypes.Account, error) {
	var out []orgtypes.Account
	p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(cfg), &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Accounts {
			active := a.State == orgtypes.AccountStateActive || (a.State == "" && a.Status == orgtypes.AccountStatusActive)
			if active && a.Id != nil {
				out = append(out, a)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return *out[i].Id < *out[j].Id })
	return out, nil
}
