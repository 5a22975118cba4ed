package rules

import (
	"context"
	"testing"

	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// The inventory's privilege column agrees with the rules and the graph:
// "admin" exactly when NHI-OVB-001 fires (AWS) or the graph counts the
// identity administrator-equivalent (GCP).
func TestPrivilegeAgreesWithRules(t *testing.T) {
	adminAccess := "arn:aws:iam::aws:policy/AdministratorAccess"
	for _, tt := range []struct {
		name string
		id   inventory.Identity
		want string
	}{
		{name: "administrator_access_document_missing", id: role("r", managedGrant(adminAccess)), want: "admin"},
		{name: "administrator_access_via_group_missing", id: user("u", func(i *inventory.Identity) {
			i.Grants = append(i.Grants, inventory.Grant{Source: inventory.SourceGroup, PolicyName: "AdministratorAccess", PolicyID: adminAccess, Via: "admins"})
		}), want: "admin"},
		{name: "other_managed_missing_is_unknown", id: role("r", managedGrant("arn:aws:iam::aws:policy/ReadOnlyAccess")), want: "none"},
		{name: "iam_wildcard", id: role("r", grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:*"}, Resources: []string{"*"}})), want: "wildcard"},
		{name: "gcp_owner", id: gsa("a", bind("roles/owner", "projects/p", nil)), want: "admin"},
		{name: "gcp_project_iam_admin", id: gsa("a", bind("roles/resourcemanager.projectIamAdmin", "projects/p", nil)), want: "admin"},
		{name: "gcp_owner_expired", id: gsa("a", bind("roles/owner", "projects/p", expired)), want: "none"},
		{name: "gcp_editor", id: gsa("a", bind("roles/editor", "projects/p", nil)), want: "wildcard"},
		{name: "gcp_service_account_admin_not_admin", id: gsa("a", bind("roles/iam.serviceAccountAdmin", "projects/p", nil)), want: "wildcard"},
		{name: "azure_global_admin", id: asp("x", dirRoleOf("Global Administrator")), want: "admin"},
		{name: "azure_root_owner", id: asp("x", assign("Owner", "/")), want: "admin"},
		{name: "azure_root_owner_conditional", id: asp("x", assign("Owner", "/"), azCondition), want: "admin"},
		{name: "azure_subscription_owner", id: asp("x", assign("Owner", azSub)), want: "privileged"},
		{name: "azure_tenant_control_permission", id: asp("x", graphApp("RoleManagement.ReadWrite.Directory")), want: "privileged"},
		{name: "azure_reader", id: asp("x", assign("Reader", azSub)), want: "limited"},
		{name: "azure_nothing", id: asp("x"), want: "none"},
		{name: "azure_not_assessed", id: asp("x", func(i *inventory.Identity) { i.NotAssessed = []string{inventory.NotAssessedPermissions} }), want: "unknown"},
		{name: "k8s_cluster_admin", id: ksa("a", "b", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil)), want: "admin"},
		{name: "k8s_renamed_star_on_star", id: ksa("a", "b", kbind("ClusterRole/superuser", "cluster", clusterAdminRules[:1], nil)), want: "admin"},
		{name: "k8s_cluster_admin_in_namespace", id: ksa("a", "b", kbind("ClusterRole/cluster-admin", "a", clusterAdminRules, nil)), want: "limited"},
		{name: "k8s_edit_cluster_wide", id: ksa("a", "b", kbind("ClusterRole/edit", "cluster", nil, nil)), want: "privileged"},
		{name: "k8s_read_pods", id: ksa("a", "b", kbind("Role/r", "a", readPods, nil)), want: "limited"},
		{name: "k8s_discovery_only", id: ksa("a", "b", kbind("ClusterRole/system:discovery", "cluster", nil, authenticated)), want: "none"},
		{name: "k8s_nothing", id: ksa("a", "b"), want: "none"},
		{name: "k8s_role_not_exported", id: ksa("a", "b", kbind("Role/gone", "a", nil, nil), func(i *inventory.Identity) { i.NotAssessed = []string{inventory.NotAssessedPermissions} }), want: "unknown"},
		{name: "k8s_edit_with_a_role_missing", id: ksa("a", "b", kbind("ClusterRole/edit", "cluster", nil, nil), func(i *inventory.Identity) { i.NotAssessed = []string{inventory.NotAssessedPermissions} }), want: "privileged"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig(asOf)
			inv := inventory.Inventory{Identities: []inventory.Identity{tt.id}}
			rows := List(&inv, cfg)
			if len(rows) != 1 || rows[0].Privilege != tt.want {
				t.Fatalf("privilege = %+v, want %s", rows, tt.want)
			}
			var ruleAdmin bool
			if tt.id.Provider == inventory.GCP || tt.id.Provider == inventory.Azure || tt.id.Provider == inventory.K8s {
				ruleAdmin = paths.Build(&inv, asOf).IsAdmin(tt.id.ID)
			} else {
				fs, err := Run(context.Background(), &inv, []Rule{fullAdmin{}}, cfg)
				if err != nil {
					t.Fatal(err)
				}
				ruleAdmin = len(fs) == 1
			}
			if ruleAdmin != (tt.want == "admin") {
				t.Errorf("rules say administrator %v, inventory says %s", ruleAdmin, rows[0].Privilege)
			}
		})
	}
}

// A credential the provider gives no creation date (an Entra federated
// credential) counts, but has no age.
func TestListingCredentialWithoutCreation(t *testing.T) {
	id := inventory.Identity{ID: "sp", Provider: inventory.Azure, Kind: inventory.KindAzureApplication, Name: "sp", Credentials: []inventory.Credential{
		{ID: "f", Kind: inventory.CredAzureFederated, Status: inventory.CredentialActive, Federation: &inventory.Federation{Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:o/r:ref:refs/heads/main"}},
	}}
	rows := List(&inventory.Inventory{Identities: []inventory.Identity{id}}, DefaultConfig(asOf))
	if len(rows) != 1 || rows[0].Credentials != 1 || rows[0].OldestCredentialDays != -1 {
		t.Errorf("rows = %+v, want one credential without an age (-1)", rows)
	}
}

// LastUsedKnown reaches the row, so renderers tell "never used" from "no
// usage data" (Kubernetes service accounts carry none).
func TestListingLastUsedKnown(t *testing.T) {
	used := asp("x")
	unknown := ksa("a", "b")
	rows := List(&inventory.Inventory{Identities: []inventory.Identity{used, unknown}}, DefaultConfig(asOf))
	if len(rows) != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	for _, r := range rows {
		if want := r.Provider == "azure"; r.LastUsedKnown != want {
			t.Errorf("%s: LastUsedKnown = %v, want %v", r.Name, r.LastUsedKnown, want)
		}
	}
}
