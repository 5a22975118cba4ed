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
