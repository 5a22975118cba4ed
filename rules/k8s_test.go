package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// ksa is a Kubernetes service account ns/name with an owner.
func ksa(ns, name string, mods ...func(*inventory.Identity)) inventory.Identity {
	id := inventory.Identity{ID: "system:serviceaccount:" + ns + ":" + name, Provider: inventory.K8s, Kind: inventory.KindK8sAccount,
		Account: "c1", Name: ns + "/" + name, Path: ns, Tags: map[string]string{"owner": "team"}, CreatedAt: daysAgo(400)}
	for _, m := range mods {
		m(&id)
	}
	return id
}

var (
	clusterAdminRules = []inventory.RBACRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}, {Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}}
	readPods          = []inventory.RBACRule{{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods"}}}
)

// kbind binds role at scope ("cluster" or a namespace) to the account
// through member (nil: the account itself).
func kbind(role, scope string, rules []inventory.RBACRule, member *inventory.Principal) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		p := inventory.Principal{Type: "ServiceAccount", Value: id.Name}
		if member != nil {
			p = *member
		}
		b := inventory.Binding{Role: role, Scope: scope, Members: []inventory.Principal{p}, RBACRules: rules, Name: "ClusterRoleBinding/b"}
		if scope != "cluster" {
			b.Scope, b.Name = "namespaces/"+scope, "RoleBinding/"+scope+"/b"
		}
		id.Bindings = append(id.Bindings, b)
	}
}

var authenticated = &inventory.Principal{Type: "Group", Value: "system:authenticated"}

func TestK8sAdminBinding(t *testing.T) {
	runCases(t, k8sAdminBinding{}, []ruleCase{
		{name: "cluster_admin_cluster_wide", id: ksa("ci", "deployer", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil)), want: []findings.Severity{C}},
		// A RoleBinding to cluster-admin administers its namespace only.
		{name: "cluster_admin_in_namespace", id: ksa("ci", "deployer", kbind("ClusterRole/cluster-admin", "payments", clusterAdminRules, nil)), want: []findings.Severity{M}},
		{name: "edit_cluster_wide", id: ksa("ci", "deployer", kbind("ClusterRole/edit", "cluster", nil, nil)), want: []findings.Severity{H}},
		{name: "admin_in_namespace", id: ksa("ci", "deployer", kbind("ClusterRole/admin", "ci", nil, nil)), want: nil},
		{name: "role_named_cluster_admin", id: ksa("ci", "deployer", kbind("Role/cluster-admin", "ci", readPods, nil)), want: nil},
		{name: "kube_system_excluded", id: ksa("kube-system", "x", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil), func(i *inventory.Identity) { i.Excluded = "kube-system" }), want: nil},
		{name: "worst_of_several", id: ksa("ci", "d", kbind("ClusterRole/cluster-admin", "payments", clusterAdminRules, nil), kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil)), want: []findings.Severity{C}},
	})
}

func TestK8sWildcard(t *testing.T) {
	runCases(t, k8sWildcard{}, []ruleCase{
		{name: "all_cluster_wide", id: ksa("a", "b", kbind("ClusterRole/everything", "cluster", []inventory.RBACRule{{Verbs: []string{"get"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}, nil)), want: []findings.Severity{H}},
		// A RoleBinding to a ClusterRole with wildcards is confined to its namespace.
		{name: "cluster_role_in_namespace", id: ksa("a", "b", kbind("ClusterRole/everything", "a", []inventory.RBACRule{{Verbs: []string{"*"}, APIGroups: []string{""}, Resources: []string{"configmaps"}}}, nil)), want: []findings.Severity{M}},
		// resourceNames: the wildcard applies to the named objects only.
		{name: "resource_names", id: ksa("a", "b", kbind("Role/one", "a", []inventory.RBACRule{{Verbs: []string{"*"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"app-config"}}}, nil)), want: []findings.Severity{L}},
		{name: "no_wildcard", id: ksa("a", "b", kbind("ClusterRole/pods", "cluster", readPods, nil)), want: nil},
		{name: "cluster_admin_left_to_OVB_201", id: ksa("a", "b", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil)), want: nil},
		{name: "gcp_ignored", id: gsa("a", bind("roles/owner", "projects/p", nil, "*")), want: nil},
	})
}

func TestK8sDefaultAccount(t *testing.T) {
	ns := &inventory.Principal{Type: "Group", Value: "system:serviceaccounts:a"}
	runCases(t, k8sDefaultAccount{}, []ruleCase{
		{name: "direct", id: ksa("a", "default", kbind("Role/reader", "a", readPods, nil)), want: []findings.Severity{M}},
		{name: "through_namespace_group", id: ksa("a", "default", kbind("ClusterRole/view", "cluster", nil, ns)), want: []findings.Severity{M}},
		{name: "admin", id: ksa("a", "default", kbind("ClusterRole/edit", "a", nil, nil)), want: []findings.Severity{H}},
		{name: "discovery_only", id: ksa("a", "default", kbind("ClusterRole/system:discovery", "cluster", nil, authenticated)), want: nil},
		{name: "no_binding", id: ksa("a", "default"), want: nil},
		{name: "not_default", id: ksa("a", "defaults", kbind("Role/reader", "a", readPods, nil)), want: nil},
	})
}

// k8sCluster is a cluster's own identity holding bindings.
func k8sCluster(bs ...inventory.Binding) inventory.Identity {
	return inventory.Identity{ID: "cluster:c1", Provider: inventory.K8s, Kind: inventory.KindK8sCluster, Account: "c1", Name: "c1", Owner: "-", ResourceBindings: bs}
}

func TestK8sAuthenticatedGroup(t *testing.T) {
	authn := []inventory.Principal{*authenticated}
	both := []inventory.Principal{*authenticated, {Type: "Group", Value: "system:unauthenticated"}}
	runCases(t, k8sAuthenticatedGroup{}, []ruleCase{
		{name: "view", id: k8sCluster(inventory.Binding{Role: "ClusterRole/view", Scope: "cluster", Members: authn, Name: "ClusterRoleBinding/v"}), want: []findings.Severity{H}},
		{name: "wildcard", id: k8sCluster(inventory.Binding{Role: "ClusterRole/x", Scope: "cluster", Members: authn, Name: "ClusterRoleBinding/x",
			RBACRules: []inventory.RBACRule{{Verbs: []string{"*"}, APIGroups: []string{""}, Resources: []string{"pods"}}}}), want: []findings.Severity{C}},
		// One finding per binding, each keyed by its own name.
		{name: "two_bindings", id: k8sCluster(inventory.Binding{Role: "ClusterRole/view", Scope: "cluster", Members: authn, Name: "ClusterRoleBinding/a"},
			inventory.Binding{Role: "ClusterRole/edit", Scope: "namespaces/n", Members: both, Name: "RoleBinding/n/b"}), want: []findings.Severity{C, H}},
		{name: "bootstrap_discovery", id: k8sCluster(inventory.Binding{Role: "ClusterRole/system:basic-user", Scope: "cluster", Members: authn},
			inventory.Binding{Role: "ClusterRole/system:public-info-viewer", Scope: "cluster", Members: both}), want: nil},
		{name: "unauthenticated_only", id: k8sCluster(inventory.Binding{Role: "ClusterRole/view", Scope: "cluster", Members: both[1:], Name: "ClusterRoleBinding/v"}), want: nil},
		// A service account reached through the group is not reported
		// itself: the cluster's finding covers every account.
		{name: "service_account", id: ksa("a", "b", kbind("ClusterRole/view", "cluster", nil, authenticated)), want: nil},
	})
}

// NHI-DEL-201's fingerprint is the binding's: stable when the role's
// rules change, distinct per binding.
func TestK8sAuthenticatedFingerprint(t *testing.T) {
	cfg := DefaultConfig(asOf)
	fp := func(b inventory.Binding) string {
		id := k8sCluster(b)
		fs := k8sAuthenticatedGroup{}.Check(&Subject{Identity: &id, Config: &cfg})
		if len(fs) != 1 || fs[0].Evidence[0].Key != "binding" || !strings.Contains(fs[0].Evidence[0].Value, b.Name) {
			t.Fatalf("findings %+v", fs)
		}
		return fs[0].Fingerprint
	}
	b := inventory.Binding{Role: "ClusterRole/view", Scope: "cluster", Members: []inventory.Principal{*authenticated}, Name: "ClusterRoleBinding/v"}
	a := fp(b)
	b.RBACRules = readPods
	if fp(b) != a {
		t.Error("fingerprint changed with the role's rules")
	}
	b.Name = "ClusterRoleBinding/w"
	if fp(b) == a {
		t.Error("two bindings share a fingerprint")
	}
}

func TestK8sLegacyToken(t *testing.T) {
	tok := func(status string, created int) func(*inventory.Identity) {
		return func(i *inventory.Identity) {
			i.Credentials = append(i.Credentials, inventory.Credential{ID: i.Path + "/tok", Kind: inventory.CredK8sLegacyToken, Status: status, CreatedAt: daysAgo(created)})
		}
	}
	runCases(t, k8sLegacyToken{}, []ruleCase{
		{name: "recent", id: ksa("a", "b", tok(inventory.CredentialActive, 10)), want: []findings.Severity{M}},
		{name: "old", id: ksa("a", "b", tok(inventory.CredentialActive, 200)), want: []findings.Severity{H}},
		{name: "cluster_admin", id: ksa("a", "b", tok(inventory.CredentialActive, 10), kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil)), want: []findings.Severity{H}},
		// cluster-admin confined to a namespace does not raise the token.
		{name: "namespace_admin", id: ksa("a", "b", tok(inventory.CredentialActive, 10), kbind("ClusterRole/cluster-admin", "a", clusterAdminRules, nil)), want: []findings.Severity{M}},
		{name: "invalidated", id: ksa("a", "b", tok(inventory.CredentialInactive, 400)), want: []findings.Severity{L}},
		{name: "two", id: ksa("a", "b", tok(inventory.CredentialActive, 10), tok(inventory.CredentialActive, 10)), want: []findings.Severity{M, M}},
		{name: "none", id: ksa("a", "b"), want: nil},
	})
}

// The Kubernetes rules map to CIS Kubernetes only on Kubernetes findings,
// and the group is selectable by name.
func TestK8sGroupAndControls(t *testing.T) {
	rs, err := FromNames([]string{"k8s"})
	if err != nil || len(rs) != len(K8s()) {
		t.Fatalf("FromNames(k8s) = %d rules, %v", len(rs), err)
	}
	cfg := DefaultConfig(asOf)
	inv := inventory.Inventory{Identities: []inventory.Identity{ksa("ci", "default", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil))}}
	fs, err := Run(context.Background(), &inv, All(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range fs {
		var cis []string
		for _, c := range f.Controls {
			if c.Framework == controls.CISK8S {
				cis = append(cis, c.ID)
			}
		}
		got[f.RuleID] = strings.Join(cis, " ")
	}
	for rule, want := range map[string]string{"NHI-OVB-201": "5.1.1", "NHI-OVB-203": "5.1.5"} {
		if got[rule] != want {
			t.Errorf("%s: CIS Kubernetes %q, want %q (all: %v)", rule, got[rule], want, got)
		}
	}
	if _, ok := got["NHI-OVB-202"]; ok {
		t.Error("cluster-admin's own wildcards are reported by NHI-OVB-201 only")
	}
}

func TestK8sAnonymous(t *testing.T) {
	cluster := k8sCluster
	anon := []inventory.Principal{{Type: "Group", Value: "system:unauthenticated"}}
	runCases(t, k8sAnonymous{}, []ruleCase{
		{name: "edit", id: cluster(inventory.Binding{Role: "ClusterRole/edit", Scope: "cluster", Members: anon, Name: "ClusterRoleBinding/x"}), want: []findings.Severity{C}},
		{name: "read_only", id: cluster(inventory.Binding{Role: "ClusterRole/pods", Scope: "cluster", Members: anon, RBACRules: readPods, Name: "ClusterRoleBinding/x"}), want: []findings.Severity{H}},
		// system:authenticated is NHI-DEL-201's, even on the same binding.
		{name: "authenticated_only", id: cluster(inventory.Binding{Role: "ClusterRole/edit", Scope: "cluster", Members: []inventory.Principal{*authenticated}, Name: "ClusterRoleBinding/x"}), want: nil},
		{name: "bootstrap_public_info", id: cluster(inventory.Binding{Role: "ClusterRole/system:public-info-viewer", Scope: "cluster", Members: anon, Name: "ClusterRoleBinding/system:public-info-viewer"}), want: nil},
		// The same binding on a service account is another rule's.
		{name: "service_account", id: ksa("a", "b", func(i *inventory.Identity) {
			i.ResourceBindings = []inventory.Binding{{Role: "ClusterRole/edit", Scope: "cluster", Members: anon}}
		}), want: nil},
	})
}
