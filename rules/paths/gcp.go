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
	case inventory.KindGCPAccount:
		return actor
	case inventory.KindGCPProject:
		return indexOnly
	}
	return notMine
}

// indexContext records the folders and organization above a project (its
// trust lists their policies' bindings, resource in Resources[0]).
func (c *gcpGraph) indexContext(id *inventory.Identity) {
	for _, st := range id.Trust {
		if len(st.Resources) > 0 {
			c.resProject[st.Resources[0]] = appendOnce(c.resProject[st.Resources[0]], id.Account)
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
	for _, st := range id.Trust {
		if len(st.Actions) == 0 || !GCPImpersonationRoles[st.Actions[0]] {
			continue
		}
		t := gcpcondition.When(&st, c.asOf)
		if t == gcpcondition.False {
			continue
		}
		for _, pr := range st.Principals {
			// "deleted:serviceAccount:" members are stale bindings, not
			// principals: only live service accounts act.
			if pr.Type == "serviceAccount" {
				c.saTrust[pr.Value] = append(c.saTrust[pr.Value], saGrant{target: p.n, role: st.Actions[0], conditional: t == gcpcondition.Unknown})
			}
		}
	}
}

func (c *gcpGraph) prepare() {}

// admin: a service account bound to one of GCPAdminRoles, the binding's
// condition not expired.
func (c *gcpGraph) admin(p principal) (edge, bool) {
	for _, gr := range p.id.Grants {
		if gr.Source != inventory.SourceBinding || !GCPAdminRoles[gr.PolicyName] {
			continue
		}
		if t := c.bindingTruth(gr); t != gcpcondition.False {
			return edge{via: gr.PolicyName + " on " + gr.Via, conditional: t == gcpcondition.Unknown}, true
		}
	}
	return edge{}, false
}

// bindingTruth decides a GCP binding's condition as of the scan.
func (c *gcpGraph) bindingTruth(gr inventory.Grant) gcpcondition.Truth {
	if len(gr.Statements) == 0 {
		return gcpcondition.True
	}
	return gcpcondition.When(&gr.Statements[0], c.asOf)
}

// edges: impersonation of every service account of the projects an
// impersonation role is bound on, and of those naming it in their own
// policy.
func (c *gcpGraph) edges(p principal, col *collector) {
	for _, gr := range p.id.Grants {
		if gr.Source != inventory.SourceBinding || !GCPImpersonationRoles[gr.PolicyName] {
			continue
		}
		t := c.bindingTruth(gr)
		if t == gcpcondition.False {
			continue // expired: grants nothing
		}
		cond := t == gcpcondition.Unknown
		projects := c.resProject[gr.Via] // folders and organizations: the projects under them
		if proj, ok := strings.CutPrefix(gr.Via, "projects/"); ok {
			projects = []string{proj}
		}
		for _, proj := range projects {
			col.linkVirtual("gcp/"+proj, "service accounts of "+proj, func() []int { return c.projectSAs[proj] }, edge{method: gcpMethod, conditional: cond, via: gr.PolicyName + " on " + gr.Via})
		}
	}
	// Service accounts whose own policy lets this one act as them.
	for _, sg := range c.saTrust[p.id.ID] {
		col.link(sg.target, edge{method: gcpMethod, conditional: sg.conditional, via: sg.role + " on " + c.g.nodes[sg.target].id.ID})
	}
}
