package azure

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

const (
	demoDir    = "../../cmd/nhiscan/demo/azure"
	demoTenant = "5a1f0c2e-7d3b-4e8a-9c61-2f4b8d7e0a13"
	demoSub    = "/subscriptions/9b2d4c1e-3f5a-4b6c-8d7e-0f1a2b3c4d5e"
	graphSP    = "94f6ac28-8395-4edd-a082-e29b1fad0409"
)

var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// load feeds the files to a fresh loader in name order, as the command
// does, and returns its inventory.
func load(t *testing.T, files map[string]string) inventory.Inventory {
	t.Helper()
	inv, err := tryLoad(files)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func tryLoad(files map[string]string) (inventory.Inventory, error) {
	o := NewOffline()
	o.SetNow(asOf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		ok, err := o.Add(n, []byte(files[n]))
		if err != nil {
			return inventory.Inventory{}, err
		}
		if !ok {
			return inventory.Inventory{}, &unclaimed{n}
		}
	}
	return o.Inventory()
}

type unclaimed struct{ name string }

func (u *unclaimed) Error() string { return u.name + ": not claimed" }

// demoFiles reads the demo tenant export.
func demoFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := fs.WalkDir(os.DirFS(demoDir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path.Join(demoDir, p))
		files["demo/azure/"+p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func byID(t *testing.T, inv inventory.Inventory, id string) inventory.Identity {
	t.Helper()
	for _, i := range inv.Identities {
		if i.ID == id {
			return i
		}
	}
	t.Fatalf("no identity %s", id)
	return inventory.Identity{}
}

func self(id string) []inventory.Principal {
	return []inventory.Principal{{Type: "servicePrincipal", Value: id}}
}

// The demo tenant, read whole, follows azure-conventions.md.
func TestDemoTenantConventions(t *testing.T) {
	inv := load(t, demoFiles(t))
	if len(inv.Sources) != 1 {
		t.Fatalf("sources = %+v", inv.Sources)
	}
	src := inv.Sources[0]
	if src.Scanner != "azure" || src.Scope != demoTenant || src.Mode != "offline" || src.Status != inventory.StatusOK || len(src.NotAssessed) != 0 || len(src.Warnings) != 0 {
		t.Errorf("source = %+v", src)
	}
	if len(inv.Identities) != 10 {
		t.Errorf("%d identities, want one per service principal (10)", len(inv.Identities))
	}
	for _, i := range inv.Identities {
		if i.Provider != inventory.Azure || i.Account != demoTenant {
			t.Errorf("%s: provider %q account %q", i.Name, i.Provider, i.Account)
		}
		if len(i.NotAssessed) != 0 {
			t.Errorf("%s: not assessed %v in a complete export", i.Name, i.NotAssessed)
		}
	}

	billing := byID(t, inv, "1c7e2a40-0b1d-4c55-9e0a-6a1f3d2b8c01")
	if billing.Kind != inventory.KindAzureApplication || billing.Owner != "alice@contoso.example" || billing.Description != "Syncs invoices from the billing SaaS" {
		t.Errorf("billing-sync = %+v", billing)
	}
	wantTags := map[string]string{"WindowsAzureActiveDirectoryIntegratedApp": "", "team": "payments", "cost-center": "cc-4410",
		"azure.appId": "4f3e2d1c-0a0a-4b5c-8d9e-0a1b2c3d4e01", "azure.appOwnerOrganizationId": demoTenant, "azure.signInAudience": "AzureADMyOrg"}
	if !reflect.DeepEqual(billing.Tags, wantTags) {
		t.Errorf("billing-sync tags = %v, want %v", billing.Tags, wantTags)
	}
	if !billing.CreatedAt.Equal(time.Date(2024, 2, 19, 8, 15, 22, 0, time.UTC)) {
		t.Errorf("billing-sync created %v: want the application's createdDateTime", billing.CreatedAt)
	}
	if len(billing.Credentials) != 2 {
		t.Fatalf("billing-sync credentials = %+v", billing.Credentials)
	}
	long, old := billing.Credentials[0], billing.Credentials[1]
	if long.Kind != inventory.CredAzureSecret || long.ID != "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9" || long.Slot != "application" || long.Status != inventory.CredentialActive ||
		!long.CreatedAt.Equal(time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)) || long.ExpiresAt == nil || !long.ExpiresAt.Equal(time.Date(2028, 6, 1, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("two-year secret = %+v", long)
	}
	if !long.LastUsedKnown || long.LastUsed == nil || !long.LastUsed.Equal(time.Date(2026, 10, 28, 7, 12, 44, 0, time.UTC)) {
		t.Errorf("two-year secret last used %v (known %v)", long.LastUsed, long.LastUsedKnown)
	}
	if old.Status != inventory.CredentialExpired {
		t.Errorf("secret that ended in 2025 is %q", old.Status)
	}
	if !billing.LastUsedKnown || billing.LastUsed == nil || !billing.LastUsed.Equal(time.Date(2026, 10, 28, 7, 12, 44, 123456700, time.UTC)) {
		t.Errorf("billing-sync last used %v (known %v)", billing.LastUsed, billing.LastUsedKnown)
	}
	wantRG := inventory.Binding{Role: "Contributor", Scope: demoSub + "/resourceGroups/rg-billing", Members: self(billing.ID),
		Name: demoSub + "/resourceGroups/rg-billing/providers/Microsoft.Authorization/roleAssignments/b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d03"}
	if !reflect.DeepEqual(billing.Bindings, []inventory.Binding{wantRG}) {
		t.Errorf("billing-sync bindings = %+v", billing.Bindings)
	}
	wantOwner := []inventory.Binding{{Role: "owner", Scope: "applications/7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01", Members: []inventory.Principal{{Type: "user", Value: "0e1d2c3b-4a59-4687-a5b4-c3d2e1f0a9b8"}}}}
	if !reflect.DeepEqual(billing.ResourceBindings, wantOwner) {
		t.Errorf("billing-sync resource bindings = %+v", billing.ResourceBindings)
	}

	// An application owned only by another service principal, with a
	// flexible federated credential and a directory role.
	deploy := byID(t, inv, "2d8f3b51-1c2e-4d66-8f1b-7b2a4e3c9d02")
	if deploy.Owner != "" || len(deploy.ResourceBindings) != 1 || deploy.ResourceBindings[0].Members[0] != (inventory.Principal{Type: "servicePrincipal", Value: "3e904c62-2d3f-4e77-9a2c-8c3b5f4dae03"}) {
		t.Errorf("deploy-pipeline owner %q, resource bindings %+v", deploy.Owner, deploy.ResourceBindings)
	}
	if deploy.Tags["azure.signInAudience"] != "AzureADMultipleOrgs" {
		t.Errorf("deploy-pipeline audience %q", deploy.Tags["azure.signInAudience"])
	}
	var feds []inventory.Federation
	for _, c := range deploy.Credentials {
		if c.Kind == inventory.CredAzureFederated && c.Federation != nil {
			feds = append(feds, *c.Federation)
		}
	}
	wantFeds := []inventory.Federation{
		{Issuer: "https://token.actions.githubusercontent.com", ClaimsExpression: "claims['sub'] matches 'repo:contoso/*'", Audiences: []string{"api://AzureADTokenExchange"}},
		{Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:contoso/deploy:environment:production", Audiences: []string{"api://AzureADTokenExchange"}},
	}
	if !reflect.DeepEqual(feds, wantFeds) {
		t.Errorf("deploy-pipeline federation = %+v", feds)
	}
	if !slices.ContainsFunc(deploy.Bindings, func(b inventory.Binding) bool {
		return b.Role == "directoryRole:Cloud Application Administrator" && b.Scope == "directory/" && b.Name == "lAPpYvVpN0KRkAEhdxReEK8eDQLbLzlOlSBjtJp5Z0g-1"
	}) {
		t.Errorf("deploy-pipeline bindings lack the directory role: %+v", deploy.Bindings)
	}

	// An application owned by billing-sync's service principal, holding
	// RoleManagement.ReadWrite.Directory: the demo's two-hop escalation.
	dirSync := byID(t, inv, "a5071b39-9496-4fee-b193-f30c3d2f1a10")
	wantDirOwner := []inventory.Binding{{Role: "owner", Scope: "applications/7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a08", Members: []inventory.Principal{{Type: "servicePrincipal", Value: billing.ID}}}}
	if dirSync.Name != "directory-sync" || dirSync.Owner != "" || !reflect.DeepEqual(dirSync.ResourceBindings, wantDirOwner) {
		t.Errorf("directory-sync %q owner %q, resource bindings %+v", dirSync.Name, dirSync.Owner, dirSync.ResourceBindings)
	}
	if len(dirSync.Bindings) != 1 || dirSync.Bindings[0].Role != "appRole:Microsoft Graph/RoleManagement.ReadWrite.Directory" {
		t.Errorf("directory-sync bindings = %+v", dirSync.Bindings)
	}

	ops := byID(t, inv, "3e904c62-2d3f-4e77-9a2c-8c3b5f4dae03")
	wantApp := inventory.Binding{Role: "appRole:Microsoft Graph/Application.ReadWrite.All", Scope: "servicePrincipals/" + graphSP, Members: self(ops.ID), Name: "YkyQPmItd0ealCiLP01JGHPBPTSs2ZlDm8j9hiH31kE"}
	if !reflect.DeepEqual(ops.Bindings, []inventory.Binding{wantApp}) {
		t.Errorf("ops-automation bindings = %+v", ops.Bindings)
	}
	if ops.LastUsed != nil || !ops.LastUsedKnown {
		t.Errorf("ops-automation, absent from the sign-in report, last used %v known %v: want never", ops.LastUsed, ops.LastUsedKnown)
	}
	if len(ops.Credentials) != 1 || ops.Credentials[0].Kind != inventory.CredAzureCert || !ops.Credentials[0].LastUsedKnown || ops.Credentials[0].LastUsed != nil {
		t.Errorf("ops-automation credentials = %+v", ops.Credentials)
	}

	mi := byID(t, inv, "4fa15d73-3e40-4f88-8b3d-9d4c6a5ebf04")
	if mi.Kind != inventory.KindAzureManagedIdentity || mi.Path != "user-assigned" || len(mi.Credentials) != 0 || mi.AttachedTo != nil {
		t.Errorf("mi-platform = kind %s path %q credentials %+v attached %v", mi.Kind, mi.Path, mi.Credentials, mi.AttachedTo)
	}
	wantMI := []inventory.Binding{
		{Role: "Owner", Scope: demoSub, Members: self(mi.ID), Name: demoSub + "/providers/Microsoft.Authorization/roleAssignments/b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d01"},
		{Role: "Role Based Access Control Administrator", Scope: demoSub + "/resourceGroups/rg-web", Members: self(mi.ID),
			Name:      demoSub + "/resourceGroups/rg-web/providers/Microsoft.Authorization/roleAssignments/b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d02",
			Condition: &inventory.BindingCondition{Expression: "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {acdd72a7-3385-48ef-bd42-f606fba81ae7}))"}},
	}
	if !reflect.DeepEqual(mi.Bindings, wantMI) {
		t.Errorf("mi-platform bindings = %+v", mi.Bindings)
	}
	vm := byID(t, inv, "50b26e84-4f51-4a99-9c4e-ae5d7b6fc005")
	if vm.Path != "system-assigned" || !reflect.DeepEqual(vm.AttachedTo, []string{demoSub + "/resourcegroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-web01"}) {
		t.Errorf("vm-web01 path %q attached %v", vm.Path, vm.AttachedTo)
	}

	agent := byID(t, inv, "61c37f95-5062-4baa-8d5f-bf6e8c7ad106")
	if agent.Kind != inventory.KindAzureAgentIdentity || !agent.Agent || agent.Owner != "" || agent.Tags["azure.blueprint"] != "8e7f6a5b-0c0c-4d7e-8f90-2b3c4d5e6f07" || len(agent.Credentials) != 0 {
		t.Errorf("agent = %+v", agent)
	}
	// The agent identity is an agent acting as itself; its sponsors list
	// is empty, so nobody answers for it.
	if len(inv.Agents) != 1 || inv.Agents[0].ID != agent.ID || inv.Agents[0].IdentityID != agent.ID || inv.Agents[0].Platform != inventory.PlatformEntraAgent ||
		inv.Agents[0].Owner != "" || inv.Agents[0].Tags["azure.blueprint"] != agent.Tags["azure.blueprint"] || inv.Agents[0].Name != agent.Name {
		t.Errorf("agents = %+v", inv.Agents)
	}
	blueprint := byID(t, inv, "72d48a06-6173-4cbb-9e60-c07f9d8be207")
	if blueprint.Kind != inventory.KindAzureApplication || blueprint.Agent || len(blueprint.Credentials) != 1 || blueprint.Credentials[0].Slot != "application" {
		t.Errorf("blueprint principal = %+v", blueprint)
	}

	// First-party: excluded, unless the tenant added a credential.
	graph := byID(t, inv, graphSP)
	if graph.Excluded != "Microsoft first-party application" {
		t.Errorf("Microsoft Graph excluded = %q", graph.Excluded)
	}
	exo := byID(t, inv, "83e59b17-7284-4dcc-8f71-d18a0e9cf308")
	if exo.Excluded != "" || len(exo.Credentials) != 1 || exo.Credentials[0].Slot != "service-principal" || exo.Credentials[0].Kind != inventory.CredAzureSecret {
		t.Errorf("Exchange Online with a tenant-added secret: excluded %q credentials %+v", exo.Excluded, exo.Credentials)
	}
}

const (
	spA = `{"id": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "appId": "9a8b7c6d-0000-4000-8000-000000000001", "displayName": "app-a", "servicePrincipalType": "Application", "appOwnerOrganizationId": "11111111-2222-4333-8444-555555555555", "passwordCredentials": [], "keyCredentials": []}`
	spB = `{"id": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c02", "appId": "9a8b7c6d-0000-4000-8000-000000000002", "displayName": "app-b", "servicePrincipalType": "Application", "appOwnerOrganizationId": "11111111-2222-4333-8444-555555555555"}`
	tn  = "11111111-2222-4333-8444-555555555555/"
)

func names(inv inventory.Inventory) []string {
	var out []string
	for _, i := range inv.Identities {
		out = append(out, i.Name)
	}
	return out
}

// A list is read whatever form az left it in.
func TestListForms(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
	}{
		{"bare-array", map[string]string{tn + "service-principals.json": "[" + spA + "," + spB + "]"}},
		{"graph-page", map[string]string{tn + "service-principals.json": `{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals", "value": [` + spA + "," + spB + `]}`}},
		{"pages-concatenated", map[string]string{tn + "service-principals.json": `{"@odata.nextLink": "https://graph.microsoft.com/v1.0/servicePrincipals?$skiptoken=X", "value": [` + spA + "]}\n" + `{"value": [` + spB + "]}\n"}},
		{"overlapping-pages", map[string]string{tn + "service-principals.json": "[" + spA + "," + spB + "]", tn + "service-principals-2.json": "[" + spB + "]"}},
		{"pages-in-files", map[string]string{tn + "service-principals.json": `{"@odata.nextLink": "https://graph.microsoft.com/v1.0/servicePrincipals?$skiptoken=X", "value": [` + spA + "]}", tn + "service-principals-2.json": `{"value": [` + spB + "]}"}},
		{"gzip-name", map[string]string{tn + "service-principals.json.gz": "[" + spA + "," + spB + "]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := load(t, tc.files)
			if got := names(inv); !reflect.DeepEqual(got, []string{"app-a", "app-b"}) {
				t.Errorf("identities = %v", got)
			}
			if inv.Identities[0].Account != "11111111-2222-4333-8444-555555555555" {
				t.Errorf("account = %q", inv.Identities[0].Account)
			}
		})
	}
}

// Role assignments as az prints them today (flattened), as older az and
// ARM's REST API print them (nested under properties), and named by the
// role definitions export or the built-in roles when no name is printed.
func TestRoleAssignmentForms(t *testing.T) {
	sp := "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01"
	scope := "/subscriptions/9b2d4c1e-3f5a-4b6c-8d7e-0f1a2b3c4d5e"
	id := scope + "/providers/Microsoft.Authorization/roleAssignments/3b940077-949e-4f8b-9013-154ba457b96f"
	def := func(g string) string { return scope + "/providers/Microsoft.Authorization/roleDefinitions/" + g }
	for _, tc := range []struct {
		name, file, want string
		extra            map[string]string
	}{
		{"flattened", `[{"canDelegate": null, "condition": null, "conditionVersion": null, "description": null, "id": "` + id + `", "name": "3b940077-949e-4f8b-9013-154ba457b96f", "principalId": "` + sp + `", "principalName": "9a8b7c6d-0000-4000-8000-000000000001", "principalType": "ServicePrincipal", "roleDefinitionId": "` + def("b24988ac-6180-42a0-ab88-20f7382dd24c") + `", "roleDefinitionName": "Contributor", "scope": "` + scope + `", "type": "Microsoft.Authorization/roleAssignments"}]`, "Contributor", nil},
		{"nested-old-az", `[{"id": "` + id + `", "name": "3b940077-949e-4f8b-9013-154ba457b96f", "properties": {"principalId": "` + sp + `", "principalType": "ServicePrincipal", "roleDefinitionId": "` + def("8e3af657-a8ff-443c-a75c-2fe8c4bcb635") + `", "scope": "` + scope + `"}, "type": "Microsoft.Authorization/roleAssignments"}]`, "Owner", nil},
		{"arm-rest-page", `{"value": [{"id": "` + id + `", "name": "3b940077-949e-4f8b-9013-154ba457b96f", "properties": {"principalId": "` + sp + `", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "scope": "` + scope + `"}, "type": "Microsoft.Authorization/roleAssignments"}]}`, "User Access Administrator", nil},
		{"custom-role-defs", `[{"id": "` + id + `", "principalId": "` + sp + `", "roleDefinitionId": "` + def("0ac7e8a1-8c9d-4e3f-a1b2-c3d4e5f6a7b8") + `", "scope": "` + scope + `"}]`, "vm-restarter",
			map[string]string{tn + "role-definitions.json": `[{"assignableScopes": ["` + scope + `"], "description": "", "id": "` + def("0ac7e8a1-8c9d-4e3f-a1b2-c3d4e5f6a7b8") + `", "name": "0ac7e8a1-8c9d-4e3f-a1b2-c3d4e5f6a7b8", "permissions": [{"actions": ["Microsoft.Compute/virtualMachines/restart/action"], "dataActions": [], "notActions": [], "notDataActions": []}], "roleName": "vm-restarter", "roleType": "CustomRole", "type": "Microsoft.Authorization/roleDefinitions"}]`}},
		{"unknown-role", `[{"id": "` + id + `", "principalId": "` + sp + `", "roleDefinitionId": "` + def("0AC7E8A1-8C9D-4E3F-A1B2-C3D4E5F6A7B9") + `", "scope": "` + scope + `"}]`, "0ac7e8a1-8c9d-4e3f-a1b2-c3d4e5f6a7b9", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{tn + "service-principals.json": "[" + spA + "]", tn + "role-assignments-9b2d4c1e-3f5a-4b6c-8d7e-0f1a2b3c4d5e.json": tc.file}
			for k, v := range tc.extra {
				files[k] = v
			}
			inv := load(t, files)
			b := inv.Identities[0].Bindings
			if len(b) != 1 || b[0].Role != tc.want || b[0].Scope != scope || b[0].Name != id || !reflect.DeepEqual(b[0].Members, self(sp)) {
				t.Errorf("bindings = %+v, want role %q", b, tc.want)
			}
			if tc.name == "custom-role-defs" && !reflect.DeepEqual(b[0].Permissions, []string{"Microsoft.Compute/virtualMachines/restart/action"}) {
				t.Errorf("custom role permissions = %v", b[0].Permissions)
			}
		})
	}
}

// A subscription the export could not read is a failed scope: the
// source is partial and names it, the other subscriptions are read, and
// permissions are not assessed.
func TestFailedSubscription(t *testing.T) {
	ok := `[{"id": "/subscriptions/s1/providers/Microsoft.Authorization/roleAssignments/a", "principalId": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c", "roleDefinitionName": "Contributor", "scope": "/subscriptions/s1"}]`
	denied := `{"error": {"code": "AuthorizationFailed", "message": "The client 'x' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read' over scope '/subscriptions/s2'.\nSecond line."}}`
	inv := load(t, map[string]string{tn + "service-principals.json": "[" + spA + "]", tn + "role-assignments-s1.json": ok, tn + "role-assignments-s2.json": denied})
	src := inv.Sources[0]
	want := "subscription s2: AuthorizationFailed: The client 'x' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read' over scope '/subscriptions/s2'."
	if src.Status != inventory.StatusPartial || !slices.Contains(src.Warnings, want) {
		t.Errorf("source = %+v, want partial with %q", src, want)
	}
	id := inv.Identities[0]
	if len(id.Bindings) != 1 || id.Bindings[0].Role != "Contributor" || !slices.Contains(id.NotAssessed, inventory.NotAssessedPermissions) {
		t.Errorf("bindings %+v, not assessed %v", id.Bindings, id.NotAssessed)
	}
}

// The credential sign-in report gives secrets and certificates their last
// use (matched by key id and where the credential sits); without it their
// use is unknown.
func TestCredentialSignIns(t *testing.T) {
	files := map[string]string{
		tn + "service-principals.json": `[{"id": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "appId": "9a8b7c6d-0000-4000-8000-000000000001", "displayName": "app-a",
			"keyCredentials": [{"keyId": "8a37cfec-b0a1-4cb1-ac08-c52b03834f4a", "type": "AsymmetricX509Cert", "usage": "Verify", "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}]}]`,
		tn + "applications.json": `[{"id": "7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01", "appId": "9a8b7c6d-0000-4000-8000-000000000001", "displayName": "app-a",
			"passwordCredentials": [{"keyId": "83f45296-fb8f-4aaa-a399-ac51084e02b7", "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}]}]`,
	}
	creds := load(t, files).Identities[0].Credentials
	if len(creds) != 2 || creds[0].LastUsedKnown || creds[1].LastUsedKnown {
		t.Fatalf("without the report: %+v", creds)
	}
	// The shape of Graph's documentation example: expirationDate, offsets
	// with a one-digit hour; the second entry's key id is the service
	// principal's certificate, but the entry says it sits on the application.
	files[tn+"credential-sign-ins.json"] = `{"value": [
		{"appId": "9a8b7c6d-0000-4000-8000-000000000001", "appObjectId": "7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01", "credentialOrigin": "application", "expirationDate": "2027-01-01T00:00:00-8:00", "id": "ODNm", "keyId": "83F45296-FB8F-4AAA-A399-AC51084E02B7", "keyType": "secret", "keyUsage": "sign", "resourceId": "a89dc091-a671-4da4-9fcf-3ef06bdf3ac3", "servicePrincipalObjectId": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "signInActivity": {"lastSignInDateTime": "2026-10-18T00:00:00-8:00", "lastSignInRequestId": "guid1"}},
		{"appId": "9a8b7c6d-0000-4000-8000-000000000001", "credentialOrigin": "application", "id": "OGEz", "keyId": "8a37cfec-b0a1-4cb1-ac08-c52b03834f4a", "keyType": "certificate", "keyUsage": "verify", "signInActivity": {"lastSignInDateTime": "2026-10-01T00:00:00Z", "lastSignInRequestId": "guid2"}}]}`
	creds = load(t, files).Identities[0].Credentials
	secret, cert := creds[0], creds[1]
	if !secret.LastUsedKnown || secret.LastUsed == nil || !secret.LastUsed.Equal(time.Date(2026, 10, 18, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("secret: last used %v known %v", secret.LastUsed, secret.LastUsedKnown)
	}
	if !cert.LastUsedKnown || cert.LastUsed != nil {
		t.Errorf("service principal certificate, reported for the application slot only: last used %v known %v", cert.LastUsed, cert.LastUsedKnown)
	}
}

// An assignment at a management group, listed in the export of each
// subscription under it, is one binding.
func TestInheritedAssignmentOnce(t *testing.T) {
	mg := `[{"id": "/providers/Microsoft.Management/managementGroups/corp/providers/Microsoft.Authorization/roleAssignments/3b940077-949e-4f8b-9013-154ba457b96f", "principalId": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "principalType": "ServicePrincipal", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "roleDefinitionName": "Owner", "scope": "/providers/Microsoft.Management/managementGroups/corp"}]`
	inv := load(t, map[string]string{tn + "service-principals.json": "[" + spA + "]", tn + "role-assignments-sub1.json": mg, tn + "role-assignments-sub2.json": mg})
	if b := inv.Identities[0].Bindings; len(b) != 1 || b[0].Scope != "/providers/Microsoft.Management/managementGroups/corp" {
		t.Errorf("bindings = %+v", b)
	}
}

// What was not exported is not assessed, on the identity and its source;
// nothing is concluded from its absence.
func TestMissingFilesNotAssessed(t *testing.T) {
	inv := load(t, map[string]string{
		tn + "service-principals.json": "[" + spA + "]",
		tn + "applications.json":       `[{"id": "7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01", "appId": "9a8b7c6d-0000-4000-8000-000000000001", "displayName": "app-a"}]`,
	})
	id := inv.Identities[0]
	want := []string{inventory.NotAssessedOwners, inventory.NotAssessedPermissions, inventory.NotAssessedFederation, NotAssessedSignIns}
	slices.Sort(want)
	got := slices.Clone(id.NotAssessed)
	slices.Sort(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("identity not assessed = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(inv.Sources[0].NotAssessed, want) {
		t.Errorf("source not assessed = %v, want %v", inv.Sources[0].NotAssessed, want)
	}
	if id.LastUsedKnown || id.Owner != "" {
		t.Errorf("last used known %v, owner %q", id.LastUsedKnown, id.Owner)
	}
	if len(inv.Sources[0].Warnings) != 2 {
		t.Errorf("warnings = %v: want the missing role assignments and directory roles named", inv.Sources[0].Warnings)
	}

	// Owners exported for the application, but no sponsors for an agent:
	// only the agent's ownership is not assessed.
	agent := `{"@odata.type": "#microsoft.graph.agentIdentity", "id": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c09", "appId": "9a8b7c6d-0000-4000-8000-000000000009", "displayName": "agent", "servicePrincipalType": "ServiceIdentity", "agentIdentityBlueprintId": "9a8b7c6d-0000-4000-8000-000000000001"}`
	inv = load(t, map[string]string{
		tn + "service-principals.json":                                         "[" + spA + "," + agent + "]",
		tn + "applications.json":                                               `[{"id": "7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01", "appId": "9a8b7c6d-0000-4000-8000-000000000001", "displayName": "app-a"}]`,
		tn + "owners/7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01.json":                `[]`,
		tn + "owners/0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c09.json":                `[{"@odata.type": "#microsoft.graph.user", "id": "0e1d2c3b-4a59-4687-a5b4-c3d2e1f0a9b8", "userPrincipalName": "owner@contoso.example"}]`,
		tn + "sign-ins.json":                                                   `{"value": []}`,
		tn + "federated-credentials/7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01.json": `[]`,
	})
	a, b := byID(t, inv, "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01"), byID(t, inv, "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c09")
	if slices.Contains(a.NotAssessed, inventory.NotAssessedOwners) || a.Owner != "" {
		t.Errorf("app with an empty owners export: owner %q, not assessed %v: want ownerless, assessed", a.Owner, a.NotAssessed)
	}
	if !slices.Contains(b.NotAssessed, inventory.NotAssessedOwners) || b.Owner != "" {
		t.Errorf("agent without a sponsors export: owner %q (its owner is not its sponsor), not assessed %v", b.Owner, b.NotAssessed)
	}
	if !a.LastUsedKnown || a.LastUsed != nil || slices.Contains(a.NotAssessed, NotAssessedSignIns) {
		t.Errorf("sign-ins read, app absent: last used %v known %v", a.LastUsed, a.LastUsedKnown)
	}
}

func TestFirstParty(t *testing.T) {
	ms := func(tenant, creds string) string {
		return `[{"id": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c05", "appId": "00000003-0000-0000-c000-000000000000", "displayName": "Microsoft Graph", "servicePrincipalType": "Application", "appOwnerOrganizationId": "` + tenant + `"` + creds + `}]`
	}
	secret := `, "passwordCredentials": [{"keyId": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "hint": "Qx7", "secretText": null, "startDateTime": "2026-09-14T22:41:07.7262551Z", "endDateTime": "2028-09-14T22:41:07.7262551Z"}]`
	cert := `, "keyCredentials": [{"keyId": "d1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "type": "AsymmetricX509Cert", "usage": "Verify", "startDateTime": "2026-09-14T22:41:07Z", "endDateTime": "2027-09-14T22:41:07Z"}]`
	for _, tc := range []struct {
		name, tenant, creds, excluded string
		kind                          string
	}{
		{"microsoft-services", "f8cdef31-a31e-4b4a-93e4-5f571e91255a", "", "Microsoft first-party application", ""},
		{"microsoft-corp", "72f988bf-86f1-41af-91ab-2d7cd011db47", "", "Microsoft first-party application", ""},
		{"tenant-added-secret", "f8cdef31-a31e-4b4a-93e4-5f571e91255a", secret, "", inventory.CredAzureSecret},
		{"tenant-added-certificate", "72f988bf-86f1-41af-91ab-2d7cd011db47", cert, "", inventory.CredAzureCert},
		{"third-party", "0e1d2c3b-4a59-4687-a5b4-c3d2e1f0a9b8", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := load(t, map[string]string{tn + "service-principals.json": ms(tc.tenant, tc.creds)}).Identities[0]
			if id.Excluded != tc.excluded {
				t.Errorf("excluded = %q, want %q", id.Excluded, tc.excluded)
			}
			if tc.kind != "" && (len(id.Credentials) != 1 || id.Credentials[0].Kind != tc.kind || id.Credentials[0].Slot != "service-principal") {
				t.Errorf("credentials = %+v", id.Credentials)
			}
		})
	}
}

// Application permissions are named from the resource's appRoles, from
// Microsoft Graph's well-known ids when Graph is not in the export, and
// by id when neither knows them.
func TestAppRoleNames(t *testing.T) {
	graphWithRoles := `{"id": "94f6ac28-8395-4edd-a082-e29b1fad0409", "appId": "00000003-0000-0000-c000-000000000000", "displayName": "Microsoft Graph", "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a", "appRoles": [{"id": "7ab1d382-f21e-4acd-a863-ba3e13f7da61", "value": "Directory.Read.All", "allowedMemberTypes": ["Application"]}]}`
	assign := func(role, resource, display string) string {
		return `{"value": [{"id": "YkyQPmItd0ealCiLP01JGHPBPTSs2ZlDm8j9hiH31kE", "appRoleId": "` + role + `", "principalId": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "principalType": "ServicePrincipal", "resourceId": "` + resource + `", "resourceDisplayName": "` + display + `", "createdDateTime": "2024-01-08T13:20:41.5310845Z"}]}`
	}
	for _, tc := range []struct {
		name, sps, assignment, want string
	}{
		{"from-resource-approles", spA + "," + graphWithRoles, assign("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "94f6ac28-8395-4edd-a082-e29b1fad0409", "Microsoft Graph"), "appRole:Microsoft Graph/Directory.Read.All"},
		{"graph-well-known", spA, assign("9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", "94f6ac28-8395-4edd-a082-e29b1fad0409", "Microsoft Graph"), "appRole:Microsoft Graph/RoleManagement.ReadWrite.Directory"},
		{"unknown", spA, assign("5b567255-7703-4780-807c-7be8301ae99b", "a1a2a3a4-b5b6-4c7c-8d8d-9e9e9e9e9e9e", "Contoso API"), "appRole:Contoso API/5b567255-7703-4780-807c-7be8301ae99b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := load(t, map[string]string{tn + "service-principals.json": "[" + tc.sps + "]", tn + "app-role-assignments/0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01.json": tc.assignment})
			b := byID(t, inv, "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01").Bindings
			if len(b) != 1 || b[0].Role != tc.want || !strings.HasPrefix(b[0].Scope, "servicePrincipals/") {
				t.Errorf("bindings = %+v, want %q", b, tc.want)
			}
		})
	}
}

// Dates as Graph and ARM print them: seven fractional digits, offsets,
// and the one-digit offset hour of Graph's own documentation examples.
func TestTimes(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-10-28T07:12:44.1234567Z":     time.Date(2026, 10, 28, 7, 12, 44, 123456700, time.UTC),
		"2025-06-03T09:12:44.517921+00:00": time.Date(2025, 6, 3, 9, 12, 44, 517921000, time.UTC),
		"2021-03-01T00:00:00-8:00":         time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC),
		"2024-01-01T00:00:00":              time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		got, err := readTime(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("readTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := readTime("31/12/2025"); err == nil {
		t.Error("readTime accepted 31/12/2025")
	}
}

// A directory not named for the tenant takes the tenant id of the
// tenant's own applications.
func TestTenantFromApplications(t *testing.T) {
	inv := load(t, map[string]string{
		"export/service-principals.json": "[" + spA + "]",
		"export/applications.json":       `[{"id": "7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01", "appId": "9a8b7c6d-0000-4000-8000-000000000001", "displayName": "app-a"}]`,
	})
	if inv.Sources[0].Scope != "11111111-2222-4333-8444-555555555555" || inv.Identities[0].Account != "11111111-2222-4333-8444-555555555555" {
		t.Errorf("scope %q account %q", inv.Sources[0].Scope, inv.Identities[0].Account)
	}
}

// Files outside the layout are left to other loaders.
func TestUnclaimed(t *testing.T) {
	o := NewOffline()
	for _, n := range []string{"list-roles.json", "acme-prod/iam-policy.json", "acme-prod/keys/sa@p.iam.gserviceaccount.com.json", "t/owners/not-a-guid.json", "t/service-principals.csv", "t/owners.json"} {
		if ok, err := o.Add(n, []byte(`[{"id": "x"}]`)); ok || err != nil {
			t.Errorf("%s: claimed=%v err=%v", n, ok, err)
		}
	}
}

// Bad input: one line naming the problem and the field.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, file, data, want string
	}{
		{"truncated", "service-principals.json", `[{"id": "0b8c1c43-1a57`, "not valid JSON"},
		{"pre-graph-az", "service-principals.json", `[{"objectId": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "appId": "x", "objectType": "ServicePrincipal"}]`, "az before 2.37"},
		{"bad-date", "applications.json", `[{"id": "7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01", "appId": "a", "passwordCredentials": [{"keyId": "k", "endDateTime": "next year"}]}]`, `item 1 ("7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01"): field passwordCredentials[0].endDateTime: "next year" is not an ISO 8601 date-time`},
		{"wrong-type", "service-principals.json", `[{"id": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "tags": "a,b"}]`, "item 1: field tags: got a JSON string, want a list"},
		{"not-a-guid", "service-principals.json", `[{"id": "app-a"}]`, `field id: "app-a" is not an object id (GUID)`},
		{"missing-principal", "role-assignments.json", `[{"id": "/x", "roleDefinitionId": "/r", "scope": "/subscriptions/s"}]`, `item 1 ("/x"): field principalId is missing`},
		{"bad-scope", "role-assignments.json", `[{"principalId": "p", "roleDefinitionId": "/r", "scope": "subscriptions/s"}]`, "field scope"},
		{"graph-error", "sign-ins.json", `{"error": {"code": "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "message": "Neither tenant is B2C or tenant doesn't have premium license"}}`, "holds an error response, not a list: Authentication_RequestFromNonPremiumTenantOrB2CTenant"},
		{"object-not-list", "applications.json", `{"id": "7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01"}`, "expected a JSON list"},
		{"federation-without-subject", "federated-credentials/7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01.json", `[{"name": "x", "issuer": "https://token.actions.githubusercontent.com", "subject": null}]`, "neither field subject nor claimsMatchingExpression.value"},
		{"empty", "applications.json", "  \n", "file is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := NewOffline()
			ok, err := o.Add(tn+tc.file, []byte(tc.data))
			if !ok || err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Add = %v, %v; want a one-line error containing %q", ok, err, tc.want)
			}
		})
	}
	// A tenant directory without its service principals.
	for _, files := range []map[string]string{
		{tn + "role-assignments.json": `[]`},
		{tn + "applications.json": `[{"id": "7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01", "appId": "a"}]`},
	} {
		if _, err := tryLoad(files); err == nil || !strings.Contains(err.Error(), "service-principals.json") || strings.Contains(err.Error(), "\n") {
			t.Errorf("export without service principals: %v", err)
		}
	}
}

// No secret material reaches the inventory: secretText, hint and key
// have no field to be read into.
func TestNoSecretMaterial(t *testing.T) {
	inv := load(t, map[string]string{tn + "service-principals.json": `[{"id": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "appId": "a", "displayName": "x",
		"passwordCredentials": [{"keyId": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "hint": "HINTabc", "secretText": "SECRETvalue123"}],
		"keyCredentials": [{"keyId": "d1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "key": "S0VZbWF0ZXJpYWw="}]}]`})
	out, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Identities[0].Credentials) != 2 {
		t.Fatalf("credentials = %+v", inv.Identities[0].Credentials)
	}
	for _, secret := range []string{"HINTabc", "SECRETvalue123", "S0VZbWF0ZXJpYWw="} {
		if strings.Contains(string(out), secret) {
			t.Errorf("inventory holds %q", secret)
		}
	}
}
