package registry

import (
	"context"
	"errors"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/azure"
)

// Azure describes Microsoft Azure and Entra ID: live through Microsoft
// Graph and Azure Resource Manager, offline from az CLI exports
// (scripts/export-azure.sh). newLive builds the live scanner from its
// options (nil: azure.NewLive); tests give one pointed at a local server.
func Azure(newLive func(azure.LiveOptions) scanners.Live) Provider {
	if newLive == nil {
		newLive = func(o azure.LiveOptions) scanners.Live { return azure.NewLive(o) }
	}
	return Provider{
		Name: "azure",
		Usage: `  nhiscan scan azure [--tenant ID] [--subscription ID]...
                                   the tenant's directory, and the role assignments of every
                                   enabled subscription the credential lists (or of those named)
`,
		Exports:    "an az CLI export of a tenant (<tenant-id>/service-principals.json, ...)",
		NewOffline: func() scanners.Offline { return azure.NewOffline() },
		NewLive:    func() Live { return &azureLive{newLive: newLive} },
	}
}

// errNoAzureOrg is the answer to 'org accounts azure'.
var errNoAzureOrg = errors.New("azure: 'org accounts' does not shard a tenant (one scan reads its whole directory); choose subscriptions with 'scan azure --subscription ID'")

// azureLive holds the Azure flags.
type azureLive struct {
	newLive       func(azure.LiveOptions) scanners.Live
	tenant        string
	subscriptions []string
}

func (a *azureLive) Flags(fs FlagSet, c Command) {
	if c != Scan {
		return
	}
	fs.StringVar(&a.tenant, "tenant", "", "azure: tenant id to scan (default: the credential's tenant)")
	fs.StringArrayVar(&a.subscriptions, "subscription", nil, "azure: subscription id whose role assignments to read (repeatable; default: every subscription the credential can list)")
}

func (a *azureLive) Unused(c Command) error {
	if c == Scan && (a.tenant != "" || len(a.subscriptions) > 0) {
		return errors.New("--tenant and --subscription apply to a live 'azure' scan")
	}
	return nil
}

func (a *azureLive) Check(c Command) error {
	if c == OrgAccounts {
		return errNoAzureOrg
	}
	return azure.CheckIDs(a.tenant, a.subscriptions)
}

func (a *azureLive) Scanner(c Common) scanners.Live {
	return a.newLive(azure.LiveOptions{Tenant: a.tenant, Subscriptions: a.subscriptions,
		Concurrency: c.Concurrency, Timeout: c.Timeout, Progress: c.Progress})
}

func (a *azureLive) Scopes(context.Context, scanners.Live) ([]Scope, error) {
	return nil, errNoAzureOrg
}

func (a *azureLive) ShardArgs([]string) string { return "" }
