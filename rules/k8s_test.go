package rules

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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
		// cluster-admin's rules are wildcards whatever its name (CIS 5.1.3):
		// one finding, its two rules one item.
		{name: "cluster_admin_too", id: ksa("a", "b", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil)), want: []findings.Severity{H}},
		{name: "renamed_admin", id: ksa("a", "b", kbind("ClusterRole/ops-superuser", "cluster", clusterAdminRules, nil)), want: []findings.Severity{H}},
		{name: "provider_managed_excluded", id: ksa("kube-system", "x", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil), func(i *inventory.Identity) { i.Excluded = "kube-system" }), want: nil},
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
	for rule, want := range map[string]string{"NHI-OVB-201": "5.1.1", "NHI-OVB-202": "5.1.3", "NHI-OVB-203": "5.1.5",
		"NHI-OVB-205": "5.1.2", "NHI-OVB-206": "5.1.4", "NHI-OVB-207": "5.1.8", "NHI-OVB-208": "5.1.9",
		"NHI-OVB-209": "5.1.10", "NHI-OVB-210": "5.1.11", "NHI-OVB-211": "5.1.12", "NHI-OVB-212": "5.1.13"} {
		if got[rule] != want {
			t.Errorf("%s: CIS Kubernetes %q, want %q (all: %v)", rule, got[rule], want, got)
		}
	}
	// Every control a rule maps to is in the catalogue.
	for _, r := range K8s() {
		for _, c := range r.Meta().Controls {
			if _, ok := controls.Lookup(c.Framework, c.ID); !ok {
				t.Errorf("%s: %s %s not in the catalogue", r.Meta().ID, c.Framework, c.ID)
			}
		}
	}
}

// k8sHoldsRule returns the rule reporting one CIS Kubernetes control.
func k8sHoldsRule(t *testing.T, cis string) Rule {
	t.Helper()
	for _, p := range k8sPermissions {
		if p.cis == cis {
			return k8sHolds{p}
		}
	}
	t.Fatalf("no rule for CIS Kubernetes %s", cis)
	return nil
}

func TestK8sHolds(t *testing.T) {
	rule := func(verbs []string, group string, resources []string, names ...string) []inventory.RBACRule {
		return []inventory.RBACRule{{Verbs: verbs, APIGroups: []string{group}, Resources: resources, ResourceNames: names}}
	}
	excluded := func(i *inventory.Identity) { i.Excluded = "kube-system" }
	nsGroup := &inventory.Principal{Type: "Group", Value: "system:serviceaccounts:a"}
	for _, tc := range []struct {
		cis   string
		cases []ruleCase
	}{
		{"5.1.2", []ruleCase{
			{name: "namespace", id: ksa("a", "b", kbind("Role/r", "a", rule([]string{"get"}, "", []string{"secrets"}), nil)), want: []findings.Severity{M}},
			{name: "cluster_wide_through_group", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"list", "watch"}, "", []string{"secrets"}), nsGroup)), want: []findings.Severity{H}},
			{name: "named_secret", id: ksa("a", "b", kbind("Role/r", "a", rule([]string{"get"}, "", []string{"secrets"}, "app-config"), nil)), want: []findings.Severity{L}},
			{name: "other_resource", id: ksa("a", "b", kbind("Role/r", "a", readPods, nil)), want: nil},
			{name: "excluded", id: ksa("kube-system", "b", kbind("ClusterRole/r", "cluster", rule([]string{"get"}, "", []string{"secrets"}), nil), excluded), want: nil},
			{name: "cluster_admin", id: ksa("a", "b", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil)), want: []findings.Severity{H}},
		}},
		{"5.1.4", []ruleCase{
			{name: "create_deployments", id: ksa("a", "b", kbind("Role/r", "a", rule([]string{"create"}, "apps", []string{"deployments"}), nil)), want: []findings.Severity{M}},
			{name: "create_pods_cluster_wide", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"create"}, "", []string{"pods"}), nil)), want: []findings.Severity{H}},
			// A create cannot be restricted by name: such a rule grants none.
			{name: "create_named", id: ksa("a", "b", kbind("Role/r", "a", rule([]string{"create"}, "", []string{"pods"}, "p"), nil)), want: nil},
			{name: "update_only", id: ksa("a", "b", kbind("Role/r", "a", rule([]string{"update"}, "apps", []string{"deployments"}), nil)), want: nil},
		}},
		{"5.1.8", []ruleCase{
			// The reviewer's case: bind, escalate, impersonate and no
			// administrator in the cluster to reach is still a holder.
			{name: "bind_escalate_impersonate", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", []inventory.RBACRule{
				{Verbs: []string{"bind", "escalate"}, APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"}},
				{Verbs: []string{"impersonate"}, APIGroups: []string{""}, Resources: []string{"users"}}}, nil)), want: []findings.Severity{H}},
			{name: "bind_named_role", id: ksa("a", "b", kbind("Role/r", "a", rule([]string{"bind"}, "rbac.authorization.k8s.io", []string{"roles"}, "view"), nil)), want: []findings.Severity{L}},
			// users are cluster-scoped: a RoleBinding grants no impersonation of them.
			{name: "impersonate_users_in_namespace", id: ksa("a", "b", kbind("ClusterRole/r", "a", rule([]string{"impersonate"}, "", []string{"users"}), nil)), want: nil},
			{name: "impersonate_service_accounts", id: ksa("a", "b", kbind("ClusterRole/r", "a", rule([]string{"impersonate"}, "", []string{"serviceaccounts"}), nil)), want: []findings.Severity{M}},
		}},
		{"5.1.9", []ruleCase{
			{name: "create_pv", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"create"}, "", []string{"persistentvolumes"}), nil)), want: []findings.Severity{H}},
			{name: "claims_only", id: ksa("a", "b", kbind("Role/r", "a", rule([]string{"create"}, "", []string{"persistentvolumeclaims"}), nil)), want: nil},
		}},
		{"5.1.10", []ruleCase{
			{name: "nodes_proxy", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"get"}, "", []string{"nodes/proxy"}), nil)), want: []findings.Severity{H}},
			{name: "any_subresource", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"get"}, "", []string{"*/proxy"}), nil)), want: []findings.Severity{H}},
			{name: "nodes_metrics", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"get"}, "", []string{"nodes/metrics"}), nil)), want: nil},
		}},
		{"5.1.11", []ruleCase{
			{name: "approval", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"update"}, "certificates.k8s.io", []string{"certificatesigningrequests/approval"}), nil)), want: []findings.Severity{H}},
			{name: "create_only", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"create"}, "certificates.k8s.io", []string{"certificatesigningrequests"}), nil)), want: nil},
		}},
		{"5.1.12", []ruleCase{
			{name: "patch_mutating", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"patch"}, "admissionregistration.k8s.io", []string{"mutatingwebhookconfigurations"}), nil)), want: []findings.Severity{H}},
			{name: "named", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"update"}, "admissionregistration.k8s.io", []string{"validatingwebhookconfigurations"}, "mine"), nil)), want: []findings.Severity{L}},
			{name: "read_only", id: ksa("a", "b", kbind("ClusterRole/r", "cluster", rule([]string{"get", "list"}, "admissionregistration.k8s.io", []string{"validatingwebhookconfigurations"}), nil)), want: nil},
		}},
		{"5.1.13", []ruleCase{
			{name: "token", id: ksa("a", "b", kbind("Role/r", "a", rule([]string{"create"}, "", []string{"serviceaccounts/token"}), nil)), want: []findings.Severity{M}},
			// A TokenRequest names its service account: resourceNames restrict it.
			{name: "token_named", id: ksa("a", "b", kbind("Role/r", "a", rule([]string{"create"}, "", []string{"serviceaccounts/token"}, "x"), nil)), want: []findings.Severity{L}},
		}},
	} {
		t.Run(tc.cis, func(t *testing.T) { runCases(t, k8sHoldsRule(t, tc.cis), tc.cases) })
	}
}

// The CIS Kubernetes verdicts follow what each account holds, not the
// escalation method: a create-deployments account on an IRSA path to an
// AWS administrator fails 5.1.4, not 5.1.8 or 5.1.13.
func TestK8sCISFollowsPermissions(t *testing.T) {
	const provider = "oidc.eks.eu-west-1.amazonaws.com/id/5C9E3A1F0B7D4E2A8C6B1D0E9F3A2B4C"
	irsa := func(id *inventory.Identity) {
		id.CloudLinks = []inventory.CloudLink{{Provider: inventory.AWS, Target: "arn:aws:iam::111122223333:role/ops", Subject: id.ID}}
	}
	webIdentity := inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRoleWithWebIdentity"},
		Principals: []inventory.Principal{{Type: "Federated", Value: "arn:aws:iam::111122223333:oidc-provider/" + provider}},
		Conditions: cond("StringEquals", provider+":sub", "system:serviceaccount:platform:ops-bot")}
	inv := inventory.Inventory{Identities: []inventory.Identity{
		ksa("ci", "runner", kbind("Role/deployer", "platform", []inventory.RBACRule{{Verbs: []string{"create"}, APIGroups: []string{"apps"}, Resources: []string{"deployments"}}}, nil)),
		ksa("platform", "ops-bot", irsa),
		awsAdminRole("ops", trust(webIdentity)),
	}}
	fs, err := Run(context.Background(), &inv, All(), DefaultConfig(asOf))
	if err != nil {
		t.Fatal(err)
	}
	cis := map[string]bool{}
	esc := false
	for _, f := range fs {
		esc = esc || f.RuleID == "NHI-ESC-001"
		for _, c := range f.Controls {
			if c.Framework == controls.CISK8S {
				cis[c.ID] = true
			}
		}
	}
	if !esc || !cis["5.1.4"] || cis["5.1.8"] || cis["5.1.13"] {
		t.Errorf("escalation found %v, CIS Kubernetes controls failed %v: want 5.1.4 and neither 5.1.8 nor 5.1.13", esc, cis)
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

// runs adds a workload that runs as the account.
func runs(kind, name string, automount bool, labels map[string]string) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		id.Workloads = append(id.Workloads, inventory.Workload{Kind: kind, Namespace: id.Path, Name: name, Automount: automount, Labels: labels, Pods: 1})
	}
}

var wildcardPods = []inventory.RBACRule{{Verbs: []string{"*"}, APIGroups: []string{""}, Resources: []string{"pods"}}}

func TestK8sAutomount(t *testing.T) {
	admin := kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil)
	runCases(t, k8sAutomount{}, []ruleCase{
		{name: "cluster_admin_mounted", id: ksa("a", "b", admin, runs("Deployment", "web", true, nil), runs("CronJob", "nightly", true, nil)), want: []findings.Severity{H}},
		{name: "wildcard_cluster_wide", id: ksa("a", "b", kbind("ClusterRole/x", "cluster", wildcardPods, nil), runs("Pod", "p", true, nil)), want: []findings.Severity{H}},
		// An AI agent's workloads: one step more.
		{name: "agent", id: ksa("a", "b", admin, runs("Deployment", "planner", true, map[string]string{"nhiscan.io/agent": "true"})),
			cfg: func(c *Config) { c.AgentTags = map[string]string{"nhiscan.io/agent": "true"} }, want: []findings.Severity{C}},
		{name: "not_mounted", id: ksa("a", "b", admin, runs("Deployment", "web", false, nil)), want: nil},
		{name: "no_workload", id: ksa("a", "b", admin), want: nil},
		{name: "not_privileged", id: ksa("a", "b", kbind("Role/reader", "a", readPods, nil), runs("Deployment", "web", true, nil)), want: nil},
		// admin in its own namespace and wildcards on named objects only
		// are not cluster privileges.
		{name: "namespace_admin", id: ksa("a", "b", kbind("ClusterRole/admin", "a", nil, nil), runs("Deployment", "web", true, nil)), want: nil},
		{name: "named_objects", id: ksa("a", "b", kbind("ClusterRole/x", "cluster", []inventory.RBACRule{{Verbs: []string{"*"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"c"}}}, nil), runs("Pod", "p", true, nil)), want: nil},
	})
}

func TestK8sAccountUnused(t *testing.T) {
	direct := kbind("Role/cleanup", "a", readPods, nil)
	token := func(created int, lastUsed *time.Time, known bool) func(*inventory.Identity) {
		return func(i *inventory.Identity) {
			i.Credentials = append(i.Credentials, inventory.Credential{ID: "a/t", Kind: inventory.CredK8sLegacyToken, Status: inventory.CredentialActive, CreatedAt: daysAgo(created), LastUsed: lastUsed, LastUsedKnown: known})
		}
	}
	runCases(t, k8sAccountUnused{}, []ruleCase{
		{name: "bound_nothing_runs", id: ksa("a", "b", direct), want: []findings.Severity{M}},
		{name: "privileged", id: ksa("a", "b", kbind("ClusterRole/edit", "cluster", nil, nil)), want: []findings.Severity{H}},
		{name: "runs", id: ksa("a", "b", direct, runs("CronJob", "c", false, nil)), want: nil},
		// Young accounts get the grace period.
		{name: "young", id: ksa("a", "b", direct, func(i *inventory.Identity) { i.CreatedAt = daysAgo(30) }), want: nil},
		{name: "no_binding", id: ksa("a", "b"), want: nil},
		// Permissions every account holds through a group are no reason.
		{name: "group_only", id: ksa("a", "b", kbind("ClusterRole/view", "cluster", nil, &inventory.Principal{Type: "Group", Value: "system:serviceaccounts:a"})), want: nil},
		{name: "discovery_only", id: ksa("a", "b", kbind("ClusterRole/system:discovery", "cluster", nil, &inventory.Principal{Type: "User", Value: "system:serviceaccount:a:b"})), want: nil},
		// A token in use outside the cluster, or of unknown use: not judged.
		{name: "token_used", id: ksa("a", "b", direct, token(300, ptr(daysAgo(3)), true)), want: nil},
		{name: "token_use_unknown", id: ksa("a", "b", direct, token(300, nil, false)), want: nil},
		{name: "token_never_used", id: ksa("a", "b", direct, token(300, nil, true)), want: []findings.Severity{M}},
		{name: "usage_not_assessed", id: ksa("a", "b", direct, func(i *inventory.Identity) { i.NotAssessed = []string{inventory.NotAssessedUsage} }), want: nil},
	})
}

// A cluster whose export held no pods says so on its source: no account
// of it is judged unused.
func TestK8sAccountUnusedSourceNotAssessed(t *testing.T) {
	for _, na := range [][]string{nil, {inventory.NotAssessedUsage}} {
		inv := inventory.Inventory{
			Identities: []inventory.Identity{ksa("a", "b", kbind("Role/cleanup", "a", readPods, nil))},
			Sources:    []inventory.Source{{Scanner: "k8s", Scope: "c1", Status: inventory.StatusOK, NotAssessed: na}},
		}
		fs, err := Run(context.Background(), &inv, []Rule{k8sAccountUnused{}}, DefaultConfig(asOf))
		if err != nil {
			t.Fatal(err)
		}
		if want := len(na) == 0; (len(fs) == 1) != want {
			t.Errorf("not assessed %v: %d findings", na, len(fs))
		}
	}
}

// NHI-DOR-002 judges legacy tokens: from the date tracking began when
// the token carries no use.
func TestK8sTokenUnused(t *testing.T) {
	tok := func(created int, lastUsed *time.Time, known bool, tracked *time.Time, status string) func(*inventory.Identity) {
		return func(i *inventory.Identity) {
			i.Credentials = append(i.Credentials, inventory.Credential{ID: "a/t", Kind: inventory.CredK8sLegacyToken, Status: status, CreatedAt: daysAgo(created),
				LastUsed: lastUsed, LastUsedKnown: known, UsageTrackedSince: tracked})
		}
	}
	on := inventory.CredentialActive
	runCases(t, keyUnused{}, []ruleCase{
		{name: "last_used_long_ago", id: ksa("a", "b", tok(400, ptr(daysAgo(100)), true, nil, on)), want: []findings.Severity{M}},
		{name: "used_lately", id: ksa("a", "b", tok(400, ptr(daysAgo(10)), true, nil, on)), want: nil},
		{name: "never_since_tracking", id: ksa("a", "b", tok(400, nil, true, ptr(daysAgo(100)), on)), want: []findings.Severity{M}},
		// Old token, tracking only lately: not yet judged.
		{name: "tracking_recent", id: ksa("a", "b", tok(400, nil, true, ptr(daysAgo(20)), on)), want: nil},
		{name: "untracked", id: ksa("a", "b", tok(400, nil, false, nil, on)), want: nil},
		{name: "invalidated", id: ksa("a", "b", tok(400, ptr(daysAgo(300)), true, nil, inventory.CredentialInactive)), want: nil},
	})
	cfg := DefaultConfig(asOf)
	id := ksa("a", "b", tok(400, nil, true, ptr(daysAgo(100)), on))
	fs := keyUnused{}.Check(&Subject{Identity: &id, Config: &cfg})
	if len(fs) != 1 || fs[0].Evidence[0] != ev("created", date(daysAgo(400))) || fs[0].Evidence[1] != ev("usage_tracked_since", date(daysAgo(100))) ||
		!strings.Contains(fs[0].Message, "since the cluster began tracking") {
		t.Errorf("evidence %+v message %q", fs[0].Evidence, fs[0].Message)
	}
}

func TestK8sOwnerless(t *testing.T) {
	noTags := func(i *inventory.Identity) { i.Tags = nil }
	hint := func(h inventory.OwnerHint) func(*inventory.Identity) {
		return func(i *inventory.Identity) { i.OwnerHints = append(i.OwnerHints, h) }
	}
	runCases(t, noOwner{}, []ruleCase{
		{name: "no_owner", id: ksa("a", "b", noTags), want: []findings.Severity{L}},
		{name: "privileged", id: ksa("a", "b", noTags, kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil)), want: []findings.Severity{M}},
		{name: "owner_label", id: ksa("a", "b"), want: nil},
		{name: "helm", id: ksa("a", "b", noTags, hint(inventory.OwnerHint{Value: "rel", From: "annotation meta.helm.sh/release-name"})), want: nil},
		{name: "namespace_team", id: ksa("a", "b", noTags, hint(inventory.OwnerHint{Value: "t", From: "namespace a label team", Key: "team"})), want: nil},
		// A namespace label that is not an owner key names no owner.
		{name: "namespace_other_label", id: ksa("a", "b", noTags, hint(inventory.OwnerHint{Value: "prod", From: "namespace a label env", Key: "env"})), want: []findings.Severity{L}},
		{name: "owners_map", id: ksa("a", "b", noTags), cfg: func(c *Config) { c.Owners = map[string]string{"a/*": "team-a"} }, want: nil},
		{name: "cluster", id: k8sCluster(), want: nil},
	})
}

// Classification takes the owner from the configured keys first, then
// the conventions' hints (those without a key first, then the namespace's
// under the most preferred key), then the owners map, and says where.
func TestClassifyK8sOwner(t *testing.T) {
	hints := []inventory.OwnerHint{
		{Value: "platform", From: "namespace a label team", Key: "team"},
		{Value: "ops@example.com", From: "namespace a annotation contact", Key: "contact"},
		{Value: "shop", From: "label app.kubernetes.io/part-of"},
	}
	for _, c := range []struct {
		name      string
		tags      map[string]string
		hints     []inventory.OwnerHint
		ownerKeys []string
		owner     string
		source    string
	}{
		{"tag_first", map[string]string{"contact": "me@example.com"}, hints, nil, "me@example.com", "tag contact"},
		{"unkeyed_hint", nil, hints, nil, "shop", "label app.kubernetes.io/part-of"},
		{"namespace_by_key_order", nil, hints[:2], nil, "platform", "namespace a label team"},
		{"namespace_configured_keys", nil, hints[:2], []string{"contact"}, "ops@example.com", "namespace a annotation contact"},
		{"owners_map_last", nil, hints[:2], []string{"maintainer"}, "team-a", "owners a/*"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig(asOf)
			cfg.Owners = map[string]string{"a/*": "team-a"}
			if c.ownerKeys != nil {
				cfg.OwnerTags = c.ownerKeys
			}
			inv := inventory.Inventory{Identities: []inventory.Identity{ksa("a", "b", func(i *inventory.Identity) { i.Tags, i.OwnerHints = c.tags, c.hints })}}
			Classify(&inv, &cfg)
			if id := inv.Identities[0]; id.Owner != c.owner || id.OwnerSource != c.source {
				t.Errorf("owner %q from %q, want %q from %q", id.Owner, id.OwnerSource, c.owner, c.source)
			}
		})
	}
}

// A service account is an agent when its workloads carry the agent
// labels, not when another account's do.
func TestClassifyK8sAgentWorkloads(t *testing.T) {
	cfg := DefaultConfig(asOf)
	cfg.AgentTags = map[string]string{"nhiscan.io/agent": ""}
	inv := inventory.Inventory{Identities: []inventory.Identity{
		ksa("a", "planner", runs("Deployment", "web", true, nil), runs("Deployment", "planner", true, map[string]string{"nhiscan.io/agent": "yes"})),
		ksa("a", "web", runs("Deployment", "web", true, map[string]string{"app": "web"})),
		ksa("a", "annotated", runs("Deployment", "annotated", true, nil), func(i *inventory.Identity) {
			i.Workloads[0].Annotations = map[string]string{"nhiscan.io/agent": "true"}
		}),
	}}
	Classify(&inv, &cfg)
	if !inv.Identities[0].Agent || inv.Identities[1].Agent || !inv.Identities[2].Agent {
		t.Errorf("agents: planner %v, web %v, annotated %v", inv.Identities[0].Agent, inv.Identities[1].Agent, inv.Identities[2].Agent)
	}
}

// STA-201 is high on a privileged account, wildcards cluster-wide
// included, and says why.
func TestK8sLegacyTokenPrivileged(t *testing.T) {
	cfg := DefaultConfig(asOf)
	id := ksa("a", "b", kbind("ClusterRole/x", "cluster", wildcardPods, nil), func(i *inventory.Identity) {
		i.Credentials = []inventory.Credential{{ID: "a/t", Kind: inventory.CredK8sLegacyToken, Status: inventory.CredentialActive, CreatedAt: daysAgo(5)}}
	})
	fs := k8sLegacyToken{}.Check(&Subject{Identity: &id, Config: &cfg})
	if len(fs) != 1 || fs[0].Severity != H || !strings.Contains(fmt.Sprint(fs[0].Evidence), "privileged") {
		t.Errorf("%+v", fs)
	}
}

// A legacy token's last use is "never" only when the cluster tracks use.
func TestK8sLegacyTokenUseUnknown(t *testing.T) {
	cfg := DefaultConfig(asOf)
	for _, known := range []bool{true, false} {
		id := ksa("a", "b", func(i *inventory.Identity) {
			i.Credentials = []inventory.Credential{{ID: "a/b-token", Kind: inventory.CredK8sLegacyToken, Status: inventory.CredentialActive, CreatedAt: daysAgo(10), LastUsedKnown: known}}
		})
		fs := k8sLegacyToken{}.Check(&Subject{Identity: &id, Config: &cfg})
		if len(fs) != 1 {
			t.Fatalf("findings %+v", fs)
		}
		got := evidence(fs[0], "last_used")
		if known && got != "never since tracking began" || !known && !strings.HasPrefix(got, "unknown") {
			t.Errorf("tracked %v: last_used %q", known, got)
		}
	}
}
