package registry

import (
	"context"
	"errors"
	"strings"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/gcp"
)

// GCP describes Google Cloud. newLive builds the live scanner from its
// options (nil: gcp.NewLive); tests give one pointed at local servers.
func GCP(newLive func(gcp.LiveOptions) scanners.Live) Provider {
	if newLive == nil {
		newLive = func(o gcp.LiveOptions) scanners.Live { return gcp.NewLive(o) }
	}
	return Provider{
		Name: "gcp",
		Usage: `  nhiscan scan gcp --project P [--project Q] | --organization N
  nhiscan scan gcp --organization N --project P [--project Q]
                                   one shard of the organization (nhiscan org accounts gcp)
`,
		Exports:    "a gcloud export, or Cloud Asset Inventory JSON",
		NewOffline: func() scanners.Offline { return gcp.NewOffline() },
		NewLive:    func() Live { return &gcpLive{newLive: newLive} },
	}
}

// gcpLive holds the GCP flags.
type gcpLive struct {
	newLive      func(gcp.LiveOptions) scanners.Live
	projects     []string
	organization string
	locations    []string // --agent-locations
}

func (g *gcpLive) Flags(fs FlagSet, c Command) {
	if c == OrgAccounts {
		fs.StringVar(&g.organization, "organization", "", "gcp: organization number")
		return
	}
	fs.StringArrayVar(&g.projects, "project", nil, "gcp: project id to scan (repeatable); with --organization, only these projects of it")
	fs.StringVar(&g.organization, "organization", "", "gcp: organization number: scan every active project under it")
	fs.StringArrayVar(&g.locations, "agent-locations", nil, "gcp: locations whose Vertex AI Agent Engine agents are listed (repeatable or comma-separated; default: the regions where Agent Engine is offered)")
}

func (g *gcpLive) Unused(c Command) error {
	switch {
	case c == OrgAccounts && g.organization != "":
		return errors.New("--organization applies to 'gcp'")
	case c == Scan && (len(g.projects) > 0 || g.organization != ""):
		return errors.New("--project and --organization apply to a live 'gcp' scan")
	case c == Scan && len(g.locations) > 0:
		return errors.New("--agent-locations applies to a live 'gcp' scan")
	}
	return nil
}

func (g *gcpLive) Check(c Command) error {
	switch {
	case c == OrgAccounts && g.organization == "":
		return errors.New("gcp: name the --organization whose projects to list")
	case c == Scan && len(g.projects) == 0 && g.organization == "":
		return errors.New("gcp: give --project (repeatable), --organization, or both (those projects of the organization, with the policies they inherit)")
	}
	return nil
}

func (g *gcpLive) Scanner(c Common) scanners.Live {
	return g.newLive(gcp.LiveOptions{
		Projects: g.projects, Organization: g.organization, AgentLocations: splitList(g.locations),
		Concurrency: c.Concurrency, Progress: c.Progress, Timeout: c.Timeout,
	})
}

func (g *gcpLive) Scopes(ctx context.Context, l scanners.Live) ([]Scope, error) {
	lister, ok := l.(interface {
		ProjectIDs(context.Context) ([]string, error)
	})
	if !ok {
		return nil, errors.New("this build cannot list organization projects")
	}
	ids, err := lister.ProjectIDs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Scope, 0, len(ids))
	for _, id := range ids {
		out = append(out, Scope{ID: id})
	}
	return out, nil
}

// ShardArgs keeps --organization: a shard's projects inherit the folder
// and organization policies.
func (g *gcpLive) ShardArgs(ids []string) string {
	return "--organization " + g.organization + " --project " + strings.Join(ids, " --project ")
}
