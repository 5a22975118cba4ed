package paths

import (
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/rules/gcpcondition"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// GCPAdminRoles make their holder administrator-equivalent on the
// resource they are granted on: they can grant any role, themselves
// included. The one list the graph, the rules and the inventory share.
var GCPAdminRoles = map[string]bool{
	"roles/owner": true, "roles/resourcemanager.projectIamAdmin": true, "roles/resourcemanager.folderIamAdmin": true,
	"roles/resourcemanager.folderAdmin": true, "roles/resourcemanager.organizationAdmin": true, "roles/iam.securityAdmin": true,
}

// GCPImpersonationRoles let their holder act as the service accounts they
// are granted over: get tokens, act as, mint keys, or (serviceAccountAdmin)
// grant itself any of those.
var GCPImpersonationRoles = map[string]bool{
	"roles/iam.serviceAccountTokenCreator": true, "roles/iam.serviceAccountUser": true,
	"roles/iam.workloadIdentityUser": true, "roles/iam.serviceAccountKeyAdmin": true,
	"roles/iam.serviceAccountAdmin": true,
}

// gcpMethods are the GCP methods the graph names: one, impersonation.
var gcpMethods = []Method{
	{ID: "gcp-impersonate", Name: "service account impersonation", Sources: []string{"https://cloud.google.com/iam/docs/service-account-permissions"}},
}

var gcpMethod = &gcpMethods[0]

// gcpGraph is the GCP part of the graph: service accounts, impersonation
// between them (granted on a project, folder or organization, or on the
// service account itself), and GCPAdminRoles as administrator.
type gcpGraph struct {
	g          *Graph
	asOf       time.Time
	projectSAs map[string][]int     // project -> service accounts
	resProject map[string][]string  // folder or organization -> projects under it
	saTrust    map[string][]saGrant // member email -> service accounts it may act as
}

type saGrant struct {
	target      int
	role        string
	conditional bool
}

func newGCP(g *Graph, _ *inventory.Inventory, asOf time.Time) cloud {
	return &gcpGraph{g: g, asOf: asOf, projectSAs: map[string][]int{}, resProject: map[string][]string{}, saTrust: map[string][]saGrant{}}
}

func (c *gcpGraph) admits(id *inventory.Identity) role {
	switch id.Kind {
	case inventory.KindGCPAccount, inventory.KindGCPAgentPrincipal:
		return actor
	case inventory.KindGCPProject:
		return indexOnly
	}
	return notMine
}

// indexContext records the folders and organization above a project (its
// resource bindings include their policies' bindings, each at its scope).
func (c *gcpGraph) indexContext(id *inventory.Identity) {
	for _, b := range id.ResourceBindings {
		if b.Scope != "" {
			c.resProject[b.Scope] = appendOnce(c.resProject[b.Scope], id.Account)
		}
	}
}

func appendOnce(xs []string, x string) []string {
	for _, v := range xs {
		if v == x {
			return xs
		}
	}
	return append(xs, x)
}

// index files service accounts by project, and who may act as each one
// through a binding on the service account itself.
func (c *gcpGraph) index(p principal) {
	id := p.id
	c.projectSAs[id.Account] = append(c.projectSAs[id.Account], p.n)
	for _, b := range id.ResourceBindings {
		if !GCPImpersonationRoles[b.Role] {
			continue
		}
		t := gcpcondition.When(b.Condition, c.asOf)
		if t == gcpcondition.False {
			continue
		}
		for _, pr := range b.Members {
			// "deleted:serviceAccount:" members are stale bindings, not
			// principals: only live service accounts act.
			if pr.Type == "serviceAccount" {
				c.saTrust[pr.Value] = append(c.saTrust[pr.Value], saGrant{target: p.n, role: b.Role, conditional: t == gcpcondition.Unknown})
			}
		}
	}
}

func (c *gcpGraph) prepare() {}

// admin: a service account bound to one of GCPAdminRoles, the binding's
// condition not expired.
func (c *gcpGraph) admin(p principal) (edge, bool) {
	for _, b := range p.id.Bindings {
		if !GCPAdminRoles[b.Role] {
			continue
		}
		if t := gcpcondition.When(b.Condition, c.asOf); t != gcpcondition.False {
			return edge{via: b.Role + " on " + b.Scope, conditional: t == gcpcondition.Unknown}, true
		}
	}
	return edge{}, false
}

// edges: impersonation of every service account of the projects an
// impersonation role is bound on, and of those naming it in their own
// policy.
func (c *gcpGraph) edges(p principal, col *collector) {
	for _, b := range p.id.Bindings {
		if !GCPImpersonationRoles[b.Role] {
			continue
		}
		t := gcpcondition.When(b.Condition, c.asOf)
		if t == gcpcondition.False {
			continue // expired: grants nothing
		}
		cond := t == gcpcondition.Unknown
		projects := c.resProject[b.Scope] // folders and organizations: the projects under them
		if proj, ok := strings.CutPrefix(b.Scope, "projects/"); ok {
			projects = []string{proj}
		}
		for _, proj := range projects {
			col.linkVirtual("gcp/"+proj, "service accounts of "+proj, func() []int { return c.projectSAs[proj] }, edge{method: gcpMethod, conditional: cond, via: b.Role + " on " + b.Scope})
		}
	}
	// Service accounts whose own policy lets this one act as them.
	for _, sg := range c.saTrust[p.id.ID] {
		col.link(sg.target, edge{method: gcpMethod, conditional: sg.conditional, via: sg.role + " on " + c.g.nodes[sg.target].id.ID})
	}
}
