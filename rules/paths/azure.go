package paths

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// The Azure part reads the inventory as the Azure scanner fills it (one
// identity per service principal; Bindings: Azure RBAC role assignments,
// "directoryRole:NAME" directory role assignments and "appRole:RESOURCE/VALUE"
// application permissions; ResourceBindings: the "owner" binding listing
// the owners of the service principal or its application).
//
// Administrator, for Azure, is control of the tenant: the Global
// Administrator directory role, or Owner of the whole Azure RBAC hierarchy
// (the root scope "/" or the tenant root management group, whose name is
// the tenant id), from which every subscription and, through the managed
// identities of its resources, their identities are reached. Owner of one
// subscription or of a lower management group is not administrator: it
// cannot add credentials to the tenant's applications nor grant directory
// roles (NHI-OVB-301 reports it).

// AzureTenantControl are the Microsoft Graph application permissions that
// amount to control of the tenant (BloodHound's AZMG* edges,
// agents-azure.md §7): each lets its holder grant itself a directory role,
// any app role, or credentials or owners on other principals. The one
// list the graph and the rules share.
var AzureTenantControl = map[string]bool{
	"RoleManagement.ReadWrite.Directory":         true,
	"RoleAssignmentSchedule.ReadWrite.Directory": true,
	"AppRoleAssignment.ReadWrite.All":            true,
	"Application.ReadWrite.All":                  true,
	"Directory.ReadWrite.All":                    true,
	"Group.ReadWrite.All":                        true,
	"GroupMember.ReadWrite.All":                  true,
	"ServicePrincipalEndpoint.ReadWrite.All":     true,
}

// AzureDirectoryRole returns the display name of a directory role
// assignment's role ("directoryRole:NAME" or "directoryRole:TEMPLATE-ID"),
// and false for a binding that is no directory role.
func AzureDirectoryRole(b *inventory.Binding) (string, bool) {
	name, ok := strings.CutPrefix(b.Role, "directoryRole:")
	if !ok {
		return "", false
	}
	if n, known := inventory.AzureDirectoryRoleTemplates[strings.ToLower(name)]; known {
		return n, true
	}
	return name, true
}

// AzureTenantWide reports whether a directory role assignment applies to
// the whole tenant (directoryScopeId "/").
func AzureTenantWide(b *inventory.Binding) bool {
	return b.Scope == "directory/" || b.Scope == "directory" || b.Scope == "directory//"
}

// AzureRBACRole returns an Azure RBAC role assignment's role name (built-in
// role ids resolved), and false for a binding that is a directory role or
// an application permission.
func AzureRBACRole(b *inventory.Binding) (string, bool) {
	if strings.HasPrefix(b.Role, "directoryRole:") || strings.HasPrefix(b.Role, "appRole:") || !strings.HasPrefix(b.Scope, "/") {
		return "", false
	}
	id := strings.ToLower(b.Role[strings.LastIndex(b.Role, "/")+1:])
	if n, ok := inventory.AzureBuiltInRoles[id]; ok {
		return n, true
	}
	return b.Role, true
}

// AzureGraphPermission returns the Microsoft Graph application permission
// an app role assignment grants ("appRole:Microsoft Graph/VALUE"), and
// false for any other binding.
func AzureGraphPermission(b *inventory.Binding) (string, bool) {
	rest, ok := strings.CutPrefix(b.Role, "appRole:")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(rest, "/")
	if i < 0 || !strings.EqualFold(rest[:i], "Microsoft Graph") {
		return "", false
	}
	v := rest[i+1:]
	if n, known := inventory.MicrosoftGraphAppRoles[strings.ToLower(v)]; known {
		return n, true
	}
	return v, true
}

// AzureScope says how much of the Azure RBAC hierarchy a scope covers.
type AzureScope int

// Azure RBAC scope levels, broadest first.
const (
	AzureScopeRoot AzureScope = iota // "/" or the tenant root management group
	AzureScopeManagementGroup
	AzureScopeSubscription
	AzureScopeResourceGroup
	AzureScopeResource
)

// AzureScopeOf classifies an assignment scope as ARM prints it; tenant is
// the tenant id (the tenant root management group's name).
func AzureScopeOf(scope, tenant string) AzureScope {
	s := strings.ToLower(strings.TrimSuffix(scope, "/"))
	if s == "" {
		return AzureScopeRoot
	}
	if mg, ok := strings.CutPrefix(s, "/providers/microsoft.management/managementgroups/"); ok {
		if tenant != "" && mg == strings.ToLower(tenant) {
			return AzureScopeRoot
		}
		return AzureScopeManagementGroup
	}
	parts := strings.Split(strings.TrimPrefix(s, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "subscriptions":
		return AzureScopeSubscription
	case len(parts) == 4 && parts[0] == "subscriptions" && parts[2] == "resourcegroups":
		return AzureScopeResourceGroup
	}
	return AzureScopeResource
}

// AzureAdminVia returns how an Azure identity is administrator by itself
// (Global Administrator, or Owner of the whole RBAC hierarchy), and
// whether that holds only under a condition.
func AzureAdminVia(id *inventory.Identity) (via string, conditional, ok bool) {
	for i := range id.Bindings {
		b := &id.Bindings[i]
		if name, dir := AzureDirectoryRole(b); dir {
			if name == "Global Administrator" {
				return "directory role Global Administrator", false, true
			}
			continue
		}
		if name, rbac := AzureRBACRole(b); rbac && name == "Owner" && AzureScopeOf(b.Scope, id.Account) == AzureScopeRoot {
			via, conditional, ok = "Owner on "+b.Scope, b.Condition != nil, true
			if !conditional {
				return via, false, true
			}
		}
	}
	return via, conditional, ok
}

const (
	bhAddSecret   = "https://bloodhound.specterops.io/resources/edges/az-add-secret"
	bhMGAddSecret = "https://bloodhound.specterops.io/resources/edges/az-mg-add-secret"
	bhGrantApp    = "https://bloodhound.specterops.io/resources/edges/az-mg-grant-app-roles"
	bhGrantRole   = "https://bloodhound.specterops.io/resources/edges/az-mg-grant-role"
	bhOwns        = "https://bloodhound.specterops.io/resources/edges/az-owns"
	msAgentID     = "https://learn.microsoft.com/en-us/entra/agent-id/agent-identities"
	msRBACDeleg   = "https://learn.microsoft.com/en-us/azure/role-based-access-control/delegate-role-assignments-overview"
	bhManagedID   = "https://bloodhound.specterops.io/resources/edges/az-managed-identity"
)

// azureMethods are the Azure methods the graph names.
var azureMethods = []Method{
	{ID: "azure-owner-add-secret", Name: "owner of the application or service principal adds a secret", Sources: []string{bhOwns, bhAddSecret}},
	{ID: "azure-app-admin-add-secret", Name: "Application Administrator or Cloud Application Administrator adds a secret", Sources: []string{bhAddSecret}},
	{ID: "azure-graph-add-secret", Name: "Application.ReadWrite.All adds a secret", Sources: []string{bhMGAddSecret}},
	{ID: "azure-graph-grant-app-role", Name: "AppRoleAssignment.ReadWrite.All grants itself any app role", Sources: []string{bhGrantApp}},
	{ID: "azure-graph-grant-directory-role", Name: "RoleManagement.ReadWrite.Directory grants itself Global Administrator", Sources: []string{bhGrantRole}},
	{ID: "azure-privileged-role-admin", Name: "Privileged Role Administrator assigns itself Global Administrator", Sources: []string{bhGrantRole}},
	{ID: "azure-rbac-assign-owner", Name: "User Access Administrator or RBAC Administrator assigns itself Owner", Sources: []string{msRBACDeleg}},
	{ID: "azure-blueprint-agent", Name: "agent identity blueprint acts as its agent identities", Sources: []string{msAgentID}},
	{ID: "azure-resource-managed-identity", Name: "Owner or Contributor of a resource runs code as its managed identity", Sources: []string{bhManagedID}},
}

var (
	azOwnerAddSecret  = &azureMethods[0]
	azAppAdminSecret  = &azureMethods[1]
	azGraphAddSecret  = &azureMethods[2]
	azGrantAppRole    = &azureMethods[3]
	azGrantDirRole    = &azureMethods[4]
	azPrivRoleAdmin   = &azureMethods[5]
	azRBACAssignOwner = &azureMethods[6]
	azBlueprintAgent  = &azureMethods[7]
	azResourceMI      = &azureMethods[8]
)

// azureCodeResources are the resource types whose Owner or Contributor
// runs code on them (run command, deployments, runbooks, workflows) and so
// obtains the managed identity's tokens; on other types the hop is
// conditional.
var azureCodeResources = []string{
	"/providers/microsoft.compute/virtualmachines/", "/providers/microsoft.compute/virtualmachinescalesets/",
	"/providers/microsoft.web/sites/", "/providers/microsoft.automation/automationaccounts/",
	"/providers/microsoft.logic/workflows/", "/providers/microsoft.containerinstance/containergroups/",
	"/providers/microsoft.app/containerapps/",
}

// azureMI is a system-assigned managed identity and the resource it
// belongs to.
type azureMI struct {
	n        int
	resource string // lower case
	code     bool
}

// azureGraph is the Azure part of the graph.
type azureGraph struct {
	g *Graph
	// objects maps an object id (service principal, or application
	// through its owner binding's scope) to the service principal's node.
	objects map[string]int
	// owned maps an owner's object id to the service principals it owns.
	owned map[string][]int
	// apps are the application service principals of each tenant: the
	// targets of tenant-wide secret adding.
	apps map[string][]int
	// agents maps tenant + "/" + blueprint app id to its agent identities.
	agents map[string][]int
	// mis are the system-assigned managed identities whose resource is
	// known, by tenant; misUnder the same by tenant and every scope
	// their resource lies under (subscription, resource group, the
	// resource's parents and itself), so a scope finds its own at once.
	mis      map[string][]azureMI
	misUnder map[string][]azureMI
}

func newAzure(g *Graph, _ *inventory.Inventory, _ time.Time) cloud {
	return &azureGraph{g: g, objects: map[string]int{}, owned: map[string][]int{}, apps: map[string][]int{}, agents: map[string][]int{}, mis: map[string][]azureMI{}, misUnder: map[string][]azureMI{}}
}

func (c *azureGraph) admits(id *inventory.Identity) role {
	switch id.Kind {
	case inventory.KindAzureApplication, inventory.KindAzureManagedIdentity, inventory.KindAzureAgentIdentity:
		return actor
	}
	return notMine
}

func (c *azureGraph) indexContext(*inventory.Identity) {}

// index files a service principal by its object ids, by its owners, as a
// target of secret adding (applications only: a managed identity's
// credentials cannot be edited, an agent identity has none of its own), and
// under its blueprint (agent identities).
func (c *azureGraph) index(p principal) {
	id := p.id
	c.objects[strings.ToLower(id.ID)] = p.n
	if appID := id.Tags["azure.appId"]; appID != "" {
		// the client id workloads sign in with (a managed identity's too)
		c.g.fileAlias(azureClientKey(appID), p.n)
	}
	for _, b := range id.ResourceBindings {
		if b.Role != "owner" {
			continue
		}
		if _, obj, ok := strings.Cut(b.Scope, "/"); ok {
			c.objects[strings.ToLower(obj)] = p.n
		}
		if id.Kind != inventory.KindAzureApplication {
			continue
		}
		for _, m := range b.Members {
			if m.Type == "servicePrincipal" {
				k := strings.ToLower(m.Value)
				c.owned[k] = appendNode(c.owned[k], p.n)
			}
		}
	}
	switch id.Kind {
	case inventory.KindAzureApplication:
		c.apps[id.Account] = append(c.apps[id.Account], p.n)
	case inventory.KindAzureManagedIdentity:
		for _, r := range id.AttachedTo {
			r = strings.ToLower(r)
			code := false
			for _, t := range azureCodeResources {
				code = code || strings.Contains(r, t)
			}
			mi := azureMI{n: p.n, resource: r, code: code}
			c.mis[id.Account] = append(c.mis[id.Account], mi)
			for i := 1; i <= len(r); i++ {
				if i == len(r) || r[i] == '/' {
					k := id.Account + "\x00" + r[:i]
					c.misUnder[k] = append(c.misUnder[k], mi)
				}
			}
		}
	case inventory.KindAzureAgentIdentity:
		if bp := id.Tags["azure.blueprint"]; bp != "" {
			k := id.Account + "/" + strings.ToLower(bp)
			c.agents[k] = append(c.agents[k], p.n)
		}
	}
}

func appendNode(ns []int, n int) []int {
	for _, x := range ns {
		if x == n {
			return ns
		}
	}
	return append(ns, n)
}

func (c *azureGraph) prepare() {}

func (c *azureGraph) admin(p principal) (edge, bool) {
	via, conditional, ok := AzureAdminVia(p.id)
	return edge{via: via, conditional: conditional}, ok
}

// edges: the service principals it owns, every application's service
// principal (tenant-wide Application Administrator, Cloud Application
// Administrator or Application.ReadWrite.All) or the ones a scoped role
// names, administrator through the permissions and roles that grant
// Global Administrator, Owner of the root through User Access
// Administrator or RBAC Administrator there, and a blueprint's agents.
func (c *azureGraph) edges(p principal, col *collector) {
	id := p.id
	for _, t := range c.owned[strings.ToLower(id.ID)] {
		col.link(t, edge{method: azOwnerAddSecret, via: "owner of " + c.g.nodes[t].id.Name})
	}
	allApps := func(e edge) {
		tenant := id.Account
		col.linkVirtual("azure/apps/"+tenant, "application service principals of tenant "+tenant, func() []int { return c.apps[tenant] }, e)
	}
	for i := range id.Bindings {
		b := &id.Bindings[i]
		if name, ok := AzureDirectoryRole(b); ok {
			switch name {
			case "Application Administrator", "Cloud Application Administrator":
				e := edge{method: azAppAdminSecret, via: "directory role " + name}
				if AzureTenantWide(b) {
					allApps(e)
				} else if t, ok := c.objects[strings.ToLower(b.Scope[strings.LastIndex(b.Scope, "/")+1:])]; ok && c.g.nodes[t].id.Kind == inventory.KindAzureApplication {
					e.via += " on " + c.g.nodes[t].id.Name
					col.link(t, e)
				}
			case "Privileged Role Administrator":
				col.link(sink, edge{method: azPrivRoleAdmin, via: "directory role " + name})
			}
			continue
		}
		if perm, ok := AzureGraphPermission(b); ok {
			switch perm {
			case "RoleManagement.ReadWrite.Directory", "RoleAssignmentSchedule.ReadWrite.Directory":
				col.link(sink, edge{method: azGrantDirRole, via: "Microsoft Graph " + perm})
			case "AppRoleAssignment.ReadWrite.All":
				col.link(sink, edge{method: azGrantAppRole, via: "Microsoft Graph " + perm})
			case "Application.ReadWrite.All":
				allApps(edge{method: azGraphAddSecret, via: "Microsoft Graph " + perm})
			}
			continue
		}
		name, ok := AzureRBACRole(b)
		if !ok {
			continue
		}
		switch name {
		case "User Access Administrator", "Role Based Access Control Administrator":
			if AzureScopeOf(b.Scope, id.Account) == AzureScopeRoot {
				col.link(sink, edge{method: azRBACAssignOwner, via: name + " on " + b.Scope, conditional: b.Condition != nil})
			} else {
				// Owner there, then the managed identities of its resources.
				c.managedIdentities(id.Account, b, col, edge{method: azRBACAssignOwner, via: name + " on " + b.Scope + ", then Owner of the resource", conditional: b.Condition != nil})
			}
		case "Owner", "Contributor":
			c.managedIdentities(id.Account, b, col, edge{method: azResourceMI, via: name + " on " + b.Scope, conditional: b.Condition != nil})
		}
	}
	if appID := id.Tags["azure.appId"]; appID != "" && id.Kind == inventory.KindAzureApplication {
		for _, t := range c.agents[id.Account+"/"+strings.ToLower(appID)] {
			col.link(t, edge{method: azBlueprintAgent, via: "blueprint of " + c.g.nodes[t].id.Name})
		}
	}
}

// managedIdentities links to the system-assigned managed identities of
// the resources under the binding's scope: unconditional for resources
// that run code, conditional for the others.
func (c *azureGraph) managedIdentities(tenant string, b *inventory.Binding, col *collector, e edge) {
	scope := strings.ToLower(strings.TrimSuffix(b.Scope, "/"))
	under := func(code bool) func() []int {
		return func() []int {
			mis := c.mis[tenant]
			if scope != "" {
				mis = c.misUnder[tenant+"\x00"+scope]
			}
			var out []int
			for _, mi := range mis {
				if mi.code == code {
					out = append(out, mi.n)
				}
			}
			return out
		}
	}
	if strings.HasPrefix(scope, "/providers/microsoft.management/managementgroups/") {
		return // which subscriptions a management group holds is not in the inventory
	}
	for _, code := range []bool{true, false} {
		ec := e
		ec.conditional = e.conditional || !code // whether the resource runs code is not known
		key := fmt.Sprintf("azure/mi/%s/%s/%v", tenant, scope, code)
		col.linkVirtual(key, "managed identities of resources under "+b.Scope, under(code), ec)
	}
}

// azureClientKey is the alias an Entra service principal is filed under
// by its application's (or managed identity's) client id.
func azureClientKey(clientID string) string { return "azure/client-id/" + strings.ToLower(clientID) }

// AzureClaim is one comparison of an Entra flexible federated identity
// credential's claims-matching expression: claims['CLAIM'] matches|eq
// 'VALUE' (Claim and Op lower case).
type AzureClaim struct {
	Claim, Op, Value string
}

var (
	claimAnd    = regexp.MustCompile(`(?i)\s+and\s+`)
	claimClause = regexp.MustCompile(`(?i)^\s*\(?\s*claims\[\s*'([^']+)'\s*\]\s+(matches|eq)\s+'([^']*)'\s*\)?\s*$`)
)

// ParseAzureClaims reads a claims-matching expression (language version
// 1: comparisons joined by and); false when it says something else.
func ParseAzureClaims(expr string) ([]AzureClaim, bool) {
	var out []AzureClaim
	for part := range strings.SplitSeq(claimAnd.ReplaceAllString(strings.TrimSpace(expr), "\x00"), "\x00") {
		m := claimClause.FindStringSubmatch(part)
		if m == nil {
			return nil, false
		}
		out = append(out, AzureClaim{strings.ToLower(m[1]), strings.ToLower(m[2]), m[3]})
	}
	return out, len(out) > 0
}

// Holds reports whether the comparison admits a claim's value: eq
// compares exactly, matches with * standing for any run of characters
// (the wildcard Entra's expressions use).
func (c AzureClaim) Holds(value string) bool {
	if c.Op == "eq" {
		return value == c.Value
	}
	parts := strings.Split(c.Value, "*")
	if len(parts) == 1 {
		return value == c.Value
	}
	rest, ok := strings.CutPrefix(value, parts[0])
	if !ok {
		return false
	}
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, mid)
		if i < 0 {
			return false
		}
		rest = rest[i+len(mid):]
	}
	return strings.HasSuffix(rest, parts[len(parts)-1])
}
