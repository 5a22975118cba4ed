package paths

import (
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

const (
	tenant      = "0d3a1f6e-5b2c-4e47-9c1a-7f2b9e3d4c10"
	otherTenant = "9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4"
	gaTemplate  = "62e90394-69f5-4237-9190-012177145e10"
)

// azSP builds a service principal as the Azure scanner fills it: id the
// object id, account the tenant, the application's object id in the
// owner binding's scope.
func azSP(name string, opts ...func(*inventory.Identity)) inventory.Identity {
	id := inventory.Identity{ID: "sp-" + name, Provider: inventory.Azure, Kind: inventory.KindAzureApplication, Account: tenant, Name: name,
		Tags: map[string]string{"azure.appId": "appid-" + name}}
	for _, o := range opts {
		o(&id)
	}
	return id
}

func azGrant(role, scope string) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		id.Bindings = append(id.Bindings, inventory.Binding{Role: role, Scope: scope, Members: []inventory.Principal{{Type: "servicePrincipal", Value: id.ID}}})
	}
}

func dirRole(name string) func(*inventory.Identity) {
	return azGrant("directoryRole:"+name, "directory/")
}

func graphPerm(value string) func(*inventory.Identity) {
	return azGrant("appRole:Microsoft Graph/"+value, "servicePrincipals/graph-sp")
}

// ownedBy lists the owners of the service principal's application.
func ownedBy(members ...inventory.Principal) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		id.ResourceBindings = append(id.ResourceBindings, inventory.Binding{Role: "owner", Scope: "applications/app-" + id.Name, Members: members})
	}
}

func spOwner(name string) inventory.Principal {
	return inventory.Principal{Type: "servicePrincipal", Value: "sp-" + name}
}

func azKind(k string) func(*inventory.Identity) { return func(id *inventory.Identity) { id.Kind = k } }

func inTenant(t string) func(*inventory.Identity) {
	return func(id *inventory.Identity) { id.Account = t }
}

func withCondition(id *inventory.Identity) {
	id.Bindings[len(id.Bindings)-1].Condition = &inventory.BindingCondition{Expression: "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidNotEquals {8e3af657-a8ff-443c-a75c-2fe8c4bcb635}"}
}

// vmIdentity is a system-assigned managed identity holding Global
// Administrator, of the resource given.
func vmIdentity(resource string) inventory.Identity {
	return azSP("mi", azKind(inventory.KindAzureManagedIdentity), dirRole("Global Administrator"), func(id *inventory.Identity) {
		id.Path, id.AttachedTo = "system-assigned", []string{resource}
	})
}

const sub = "/subscriptions/1f0e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"

func TestAzure(t *testing.T) {
	gaApp := azSP("tenant-admin", dirRole("Global Administrator"))
	tests := []struct {
		name string
		ids  []inventory.Identity
		want string // method ids of the first identity's path, "" for none
	}{
		{"owner_adds_secret", []inventory.Identity{azSP("ci"), azSP("tenant-admin", dirRole("Global Administrator"), ownedBy(spOwner("ci")))}, "azure-owner-add-secret"},
		{"owner_of_tenant_control_app_two_hops", []inventory.Identity{azSP("ci"), azSP("automation", graphPerm("RoleManagement.ReadWrite.Directory"), ownedBy(spOwner("ci")))},
			"azure-owner-add-secret azure-graph-grant-directory-role"},
		{"user_owner_is_no_node", []inventory.Identity{azSP("ci"), azSP("tenant-admin", dirRole("Global Administrator"), ownedBy(inventory.Principal{Type: "user", Value: "sp-ci"}))}, ""},
		{"app_admin_tenant_wide", []inventory.Identity{azSP("ops", dirRole("Application Administrator")), gaApp}, "azure-app-admin-add-secret"},
		{"cloud_app_admin_tenant_wide", []inventory.Identity{azSP("ops", dirRole("Cloud Application Administrator")), gaApp}, "azure-app-admin-add-secret"},
		{"app_admin_scoped_to_the_admin_app", []inventory.Identity{azSP("ops", azGrant("directoryRole:Application Administrator", "directory/app-tenant-admin")), azSP("tenant-admin", dirRole("Global Administrator"), ownedBy())}, "azure-app-admin-add-secret"},
		{"trap_app_admin_scoped_elsewhere", []inventory.Identity{azSP("ops", azGrant("directoryRole:Application Administrator", "directory/app-other")), azSP("other", ownedBy()), azSP("tenant-admin", dirRole("Global Administrator"), ownedBy())}, ""},
		{"trap_app_admin_other_tenant", []inventory.Identity{azSP("ops", dirRole("Application Administrator"), inTenant(otherTenant)), gaApp}, ""},
		{"trap_app_admin_cannot_edit_managed_identity", []inventory.Identity{azSP("ops", dirRole("Application Administrator")), azSP("mi", dirRole("Global Administrator"), azKind(inventory.KindAzureManagedIdentity))}, ""},
		{"trap_owner_of_managed_identity", []inventory.Identity{azSP("ci"), azSP("mi", dirRole("Global Administrator"), azKind(inventory.KindAzureManagedIdentity), ownedBy(spOwner("ci")))}, ""},
		{"graph_application_readwrite", []inventory.Identity{azSP("sync", graphPerm("Application.ReadWrite.All")), gaApp}, "azure-graph-add-secret"},
		{"graph_application_readwrite_by_id", []inventory.Identity{azSP("sync", graphPerm("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9")), gaApp}, "azure-graph-add-secret"},
		{"trap_application_readwrite_of_another_api", []inventory.Identity{azSP("sync", azGrant("appRole:Contoso API/Application.ReadWrite.All", "servicePrincipals/x")), gaApp}, ""},
		{"graph_app_role_assignment", []inventory.Identity{azSP("grantor", graphPerm("AppRoleAssignment.ReadWrite.All"))}, "azure-graph-grant-app-role"},
		{"graph_role_management", []inventory.Identity{azSP("roles", graphPerm("RoleManagement.ReadWrite.Directory"))}, "azure-graph-grant-directory-role"},
		{"graph_pim_assignment", []inventory.Identity{azSP("roles", graphPerm("RoleAssignmentSchedule.ReadWrite.Directory"))}, "azure-graph-grant-directory-role"},
		{"privileged_role_admin", []inventory.Identity{azSP("roles", dirRole("Privileged Role Administrator"))}, "azure-privileged-role-admin"},
		{"privileged_role_admin_by_template", []inventory.Identity{azSP("roles", dirRole("e8611ab8-c189-46e8-94e1-60213ab1f814"))}, "azure-privileged-role-admin"},
		{"uaa_at_root", []inventory.Identity{azSP("deploy", azGrant("User Access Administrator", "/"))}, "azure-rbac-assign-owner"},
		{"rbac_admin_at_tenant_root_group", []inventory.Identity{azSP("deploy", azGrant("Role Based Access Control Administrator", "/providers/Microsoft.Management/managementGroups/"+tenant))}, "azure-rbac-assign-owner"},
		{"uaa_at_root_by_role_id", []inventory.Identity{azSP("deploy", azGrant("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "/"))}, "azure-rbac-assign-owner"},
		{"trap_uaa_at_subscription", []inventory.Identity{azSP("deploy", azGrant("User Access Administrator", "/subscriptions/1f0e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"))}, ""},
		{"trap_uaa_at_child_group", []inventory.Identity{azSP("deploy", azGrant("User Access Administrator", "/providers/Microsoft.Management/managementGroups/platform"))}, ""},
		{"trap_contributor_at_root", []inventory.Identity{azSP("deploy", azGrant("Contributor", "/"))}, ""},
		{"blueprint_acts_as_agent", []inventory.Identity{azSP("blueprint"), azSP("agent", azKind(inventory.KindAzureAgentIdentity), dirRole("Global Administrator"), func(id *inventory.Identity) { id.Tags["azure.blueprint"] = "APPID-blueprint" })},
			"azure-blueprint-agent"},
		{"trap_blueprint_of_other_agent", []inventory.Identity{azSP("blueprint"), azSP("agent", azKind(inventory.KindAzureAgentIdentity), dirRole("Global Administrator"), func(id *inventory.Identity) { id.Tags["azure.blueprint"] = "appid-other" })}, ""},
		{"contributor_runs_code_as_vm_identity", []inventory.Identity{azSP("deploy", azGrant("Contributor", sub)), vmIdentity(sub + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1")}, "azure-resource-managed-identity"},
		{"owner_of_resource_group", []inventory.Identity{azSP("deploy", azGrant("Owner", sub+"/resourceGroups/RG")), vmIdentity(sub + "/resourceGroups/rg/providers/Microsoft.Web/sites/fn1")}, "azure-resource-managed-identity"},
		{"uaa_at_subscription_owner_there", []inventory.Identity{azSP("deploy", azGrant("User Access Administrator", sub)), vmIdentity(sub + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1")}, "azure-rbac-assign-owner"},
		{"trap_contributor_other_resource_group", []inventory.Identity{azSP("deploy", azGrant("Contributor", sub+"/resourceGroups/rg2")), vmIdentity(sub + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1")}, ""},
		{"contributor_of_the_vm_itself", []inventory.Identity{azSP("deploy", azGrant("Contributor", sub+"/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/vm1/")), vmIdentity(sub + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1")}, "azure-resource-managed-identity"},
		{"trap_vm_name_prefix", []inventory.Identity{azSP("deploy", azGrant("Contributor", sub+"/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm")), vmIdentity(sub + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1")}, ""},
		{"trap_resource_group_name_prefix", []inventory.Identity{azSP("deploy", azGrant("Contributor", sub+"/resourceGroups/r")), vmIdentity(sub + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1")}, ""},
		{"trap_reader_of_subscription", []inventory.Identity{azSP("deploy", azGrant("Reader", sub)), vmIdentity(sub + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1")}, ""},
		{"three_hops", []inventory.Identity{
			azSP("pipeline"),
			azSP("deployer", ownedBy(spOwner("pipeline")), dirRole("Application Administrator")),
			azSP("roles", graphPerm("AppRoleAssignment.ReadWrite.All")),
		}, "azure-owner-add-secret azure-app-admin-add-secret azure-graph-grant-app-role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := inventory.Inventory{Identities: tt.ids}
			g := Build(&inv, asOf)
			p, ok := g.ToAdmin(tt.ids[0].ID)
			var got []string
			if ok {
				for _, s := range p.Steps {
					if s.Method != "" {
						got = append(got, s.Method)
					}
				}
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("path = %q, want %q (%+v)", strings.Join(got, " "), tt.want, p.Steps)
			}
		})
	}
}

func TestAzureAdministrator(t *testing.T) {
	inv := inventory.Inventory{Identities: []inventory.Identity{
		azSP("ga", dirRole("Global Administrator")),
		azSP("ga-template", dirRole(gaTemplate)),
		azSP("root-owner", azGrant("Owner", "/")),
		azSP("mg-root-owner", azGrant("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "/providers/Microsoft.Management/managementGroups/"+tenant)),
		azSP("sub-owner", azGrant("Owner", sub)),
		azSP("root-owner-conditional", azGrant("Owner", "/"), withCondition),
		azSP("uaa-conditional", azGrant("User Access Administrator", "/"), withCondition),
		azSP("app-admin", dirRole("Application Administrator")),
	}}
	g := Build(&inv, asOf)
	for id, want := range map[string]bool{"sp-ga": true, "sp-ga-template": true, "sp-root-owner": true, "sp-mg-root-owner": true,
		"sp-sub-owner": false, "sp-root-owner-conditional": true, "sp-uaa-conditional": false, "sp-app-admin": false} {
		if got := g.IsAdmin(id); got != want {
			t.Errorf("IsAdmin(%s) = %v, want %v", id, got, want)
		}
	}
	p, ok := g.ToAdmin("sp-root-owner-conditional")
	if !ok || !p.Conditional() {
		t.Errorf("conditional Owner of the root: path %+v, %v; want a conditional one", p, ok)
	}
	p, ok = g.ToAdmin("sp-uaa-conditional")
	if !ok || !p.Conditional() || p.Steps[0].Via != "User Access Administrator on /" {
		t.Errorf("conditional User Access Administrator: path %+v, %v; want a conditional hop", p, ok)
	}
	if _, ok := g.ToAdmin("sp-sub-owner"); ok {
		t.Error("Owner of one subscription reaches administrator")
	}
	// The tenant-wide Application Administrator reaches every application
	// service principal: drawn as one edge to each.
	n := 0
	for _, e := range g.Edges() {
		if e.From == "sp-app-admin" && e.Method == "azure-app-admin-add-secret" {
			n++
		}
	}
	if n != len(inv.Identities)-1 {
		t.Errorf("app-admin has %d add-secret edges, want %d (every other application)", n, len(inv.Identities)-1)
	}
}

// A managed identity of a resource that may not run code is a
// conditional hop.
func TestAzureManagedIdentityOfOtherResources(t *testing.T) {
	inv := inventory.Inventory{Identities: []inventory.Identity{
		azSP("deploy", azGrant("Contributor", sub)),
		vmIdentity(sub + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1"),
	}}
	g := Build(&inv, asOf)
	p, ok := g.ToAdmin("sp-deploy")
	if !ok || len(p.Steps) != 2 || !p.Steps[0].Conditional || p.Steps[0].To != "sp-mi" || p.Steps[0].Via != "Contributor on "+sub {
		t.Errorf("path %+v, %v; want a conditional hop to the storage account's identity", p, ok)
	}
}
