package k8srbac

import (
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func TestCovers(t *testing.T) {
	for _, tt := range []struct {
		name                  string
		rule                  inventory.RBACRule
		verb, group, resource string
		want                  bool
	}{
		{"exact", inventory.RBACRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"secrets"}}, "get", "", "secrets", true},
		{"other_verb", inventory.RBACRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"secrets"}}, "list", "", "secrets", false},
		{"other_group", inventory.RBACRule{Verbs: []string{"create"}, APIGroups: []string{"apps"}, Resources: []string{"pods"}}, "create", "", "pods", false},
		{"wildcards", inventory.RBACRule{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}, "bind", "rbac.authorization.k8s.io", "clusterroles", true},
		{"any_subresource", inventory.RBACRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"*/proxy"}}, "get", "", "nodes/proxy", true},
		// A resource does not grant its subresources.
		{"parent_not_subresource", inventory.RBACRule{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"serviceaccounts"}}, "create", "", "serviceaccounts/token", false},
	} {
		if got := Covers(tt.rule, tt.verb, tt.group, tt.resource); got != tt.want {
			t.Errorf("%s: Covers = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// A RoleBinding grants in its namespace and never a cluster-scoped
// resource; names restrict without removing the grant.
func TestGrantsScope(t *testing.T) {
	pv := []inventory.RBACRule{{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"persistentvolumes", "secrets"}, ResourceNames: []string{"x"}}}
	id := &inventory.Identity{Bindings: []inventory.Binding{
		{Role: "ClusterRole/r", Scope: "namespaces/a", RBACRules: pv},
		{Role: "ClusterRole/r", Scope: "cluster", RBACRules: pv},
	}}
	if gs := Grants(id, "create", "", "persistentvolumes", false); len(gs) != 1 || !gs[0].All || gs[0].Binding != &id.Bindings[1] {
		t.Errorf("cluster-scoped grants %+v, want the ClusterRoleBinding's only", gs)
	}
	gs := Grants(id, "create", "", "secrets", true)
	if len(gs) != 2 || gs[0].All || gs[0].NS != "a" || len(gs[0].Names) != 1 || !gs[1].All {
		t.Errorf("namespaced grants %+v", gs)
	}
}

func TestAdmin(t *testing.T) {
	star := []inventory.RBACRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
	for _, tt := range []struct {
		name string
		b    inventory.Binding
		want bool
	}{
		{"cluster_admin", inventory.Binding{Role: "ClusterRole/cluster-admin", Scope: "cluster"}, true},
		{"renamed", inventory.Binding{Role: "ClusterRole/x", Scope: "cluster", RBACRules: star}, true},
		{"in_namespace", inventory.Binding{Role: "ClusterRole/cluster-admin", Scope: "namespaces/a", RBACRules: star}, false},
		{"named_objects", inventory.Binding{Role: "ClusterRole/x", Scope: "cluster", RBACRules: []inventory.RBACRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}, ResourceNames: []string{"n"}}}}, false},
	} {
		if _, got := Admin(&inventory.Identity{Bindings: []inventory.Binding{tt.b}}); got != tt.want {
			t.Errorf("%s: Admin = %v, want %v", tt.name, got, tt.want)
		}
	}
}
