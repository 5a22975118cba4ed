package registry

import (
	"context"
	"errors"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/azure"
)

// Azure describes Microsoft Azure and Entra ID. It reads az CLI exports
// offline (scripts/export-azure.sh); the live scanner is not written yet,
// so 'scan azure' says how to export instead. Its flags are declared
// already, so that the live scanner only has to read them.
func Azure() Provider {
	return Provider{
		Name: "azure",
		Usage: `  nhiscan scan azure                 not yet: export with scripts/export-azure.sh, then scan --input DIR
                                   [--tenant ID] [--subscription ID]... (the live scan's scopes)
`,
		Exports:    "an az CLI export of a tenant (<tenant-id>/service-principals.json, ...)",
		NewOffline: func() scanners.Offline { return azure.NewOffline() },
		NewLive:    func() Live { return &azureLive{} },
	}
}

// errNoAzureLive is the answer to a live Azure scan.
var errNoAzureLive = errors.New("azure: there is no live Azure scanner yet: export the tenant with scripts/export-azure.sh and run 'nhiscan scan --input DIR'")

// azureLive holds the Azure flags.
type azureLive struct {
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

func (a *azureLive) Check(Command) error { return errNoAzureLive }

func (a *azureLive) Scanner(Common) scanners.Live { return nil }

func (a *azureLive) Scopes(context.Context, scanners.Live) ([]Scope, error) {
	return nil, errNoAzureLive
}

func (a *azureLive) ShardArgs([]string) string { return "" }
