package paths

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

const cluster = "prod-eks"

func saID(ns, name string) string { return "system:serviceaccount:" + ns + ":" + name }

// sa is a Kubernetes service account as the k8s scanner makes it.
func sa(ns, name string, opts ...opt) inventory.Identity {
	id := inventory.Identity{ID: saID(ns, name), Provider: inventory.K8s, Kind: inventory.KindK8sAccount, Account: cluster, Name: ns + "/" + name, Path: ns}
	for _, o := range opts {
		o(&id)
	}
	return id
}

// rule is an RBAC rule: comma-separated verbs, API groups and resources,
// then resourceNames.
func rule(verbs, groups, resources string, names ...string) inventory.RBACRule {
	return inventory.RBACRule{Verbs: strings.Split(verbs, ","), APIGroups: strings.Split(groups, ","), Resources: strings.Split(resources, ","), ResourceNames: names}
}

// crb binds rules cluster-wide (a ClusterRoleBinding); rb in a namespace
// (a RoleBinding).
func crb(role string, rules ...inventory.RBACRule) opt {
	return func(id *inventory.Identity) {
		id.Bindings = append(id.Bindings, inventory.Binding{Role: "ClusterRole/" + role, Scope: "cluster", Name: "ClusterRoleBinding/" + role, RBACRules: rules})
	}
}

func rb(ns, role string, rules ...inventory.RBACRule) opt {
	return func(id *inventory.Identity) {
		id.Bindings = append(id.Bindings, inventory.Binding{Role: "Role/" + role, Scope: "namespaces/" + ns, Name: "RoleBinding/" + ns + "/" + role, RBACRules: rules})
	}
}

func legacyToken(secret string, active bool) opt {
	return func(id *inventory.Identity) {
		st := inventory.CredentialActive
		if !active {
			st = inventory.CredentialInactive
		}
		id.Credentials = append(id.Credentials, inventory.Credential{ID: id.Path + "/" + secret, Kind: inventory.CredK8sLegacyToken, Status: st})
	}
}

func linkTo(p inventory.Provider, target, issuer string) opt {
	return func(id *inventory.Identity) {
		sub := id.ID
		if p == inventory.GCP {
			sub = id.Name
		}
		id.CloudLinks = append(id.CloudLinks, inventory.CloudLink{Provider: p, Target: target, Issuer: issuer, Subject: sub})
	}
}

var clusterAdmin = crb("cluster-admin", rule("*", "*", "*"))

// k8sPath builds the graph and returns the method ids of start's path,
// and whether it depends on something undecided.
func k8sPath(start string, ids ...inventory.Identity) (string, bool) {
	inv := inventory.Inventory{Identities: ids}
	g := Build(&inv, asOf)
	p, ok := g.ToAdmin(start)
	if !ok {
		return "", false
	}
	var out []string
	for _, s := range p.Steps {
		if s.Method != "" {
			out = append(out, s.Method)
		}
	}
	return strings.Join(out, " "), p.Conditional()
}

func TestK8sAdministrator(t *testing.T) {
	inv := inventory.Inventory{Identities: []inventory.Identity{
		sa("ops", "root", clusterAdmin),
		sa("ops", "named", crb("cluster-admin")), // the export lacked the ClusterRole object
		sa("ops", "wild", crb("everything", rule("get", "", "pods"), rule("*", "*", "*"))),
		sa("ops", "ns-admin", rb("ops", "cluster-admin", rule("*", "*", "*"))),
		sa("ops", "named-only", crb("some", rule("*", "*", "*", "one-object"))),
		sa("ops", "no-groups", crb("core", rule("*", "", "*"))),
	}}
	g := Build(&inv, asOf)
	for id, want := range map[string]bool{"root": true, "named": true, "wild": true, "ns-admin": false, "named-only": false, "no-groups": false} {
		if got := g.IsAdmin(saID("ops", id)); got != want {
			t.Errorf("IsAdmin(%s) = %v, want %v", id, got, want)
		}
	}
}

func TestK8sMethods(t *testing.T) {
	// target: an administrator service account in namespace apps, with a
	// legacy token Secret.
	target := sa("apps", "boss", clusterAdmin, legacyToken("boss-token", true))
	elsewhere := sa("web", "boss", clusterAdmin, legacyToken("web-boss-token", true))
	tests := []struct {
		name string
		ids  []inventory.Identity
		want string
	}{
		// Secrets holding legacy tokens.
		{"read_secrets_namespace", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("get", "", "secrets"))), target}, "k8s-read-token-secrets"},
		{"list_secrets_cluster", []inventory.Identity{sa("ci", "a", crb("r", rule("list", "", "secrets"))), target}, "k8s-read-token-secrets"},
		{"read_named_token_secret", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("get", "", "secrets", "boss-token"))), target}, "k8s-read-token-secrets"},
		{"trap_read_secrets_other_names", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("get,list,watch", "", "secrets", "app-config", "tls"))), target}, ""},
		{"trap_read_secrets_other_namespace", []inventory.Identity{sa("web", "a", rb("web", "r", rule("get", "", "secrets"))), target}, ""},
		{"trap_read_named_secret_other_namespace", []inventory.Identity{sa("web", "a", rb("web", "r", rule("get", "", "secrets", "boss-token"))), target}, ""},
		{"trap_read_secrets_no_token", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("get", "", "secrets"))), sa("apps", "boss", clusterAdmin)}, ""},
		{"trap_read_secrets_invalidated_token", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("get", "", "secrets"))), sa("apps", "boss", clusterAdmin, legacyToken("boss-token", false))}, ""},
		{"trap_read_secrets_wrong_group", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("get", "apps", "secrets"))), target}, ""},
		{"trap_read_secrets_wrong_verb", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("create,delete", "", "secrets"))), target}, ""},
		// Pods and workload controllers.
		{"create_pods", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("create", "", "pods"))), target}, "k8s-create-workload"},
		{"create_deployments", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("create", "apps", "deployments"))), target}, "k8s-create-workload"},
		{"create_cronjobs_cluster", []inventory.Identity{sa("ci", "a", crb("r", rule("create", "batch", "cronjobs"))), target}, "k8s-create-workload"},
		{"wildcards_in_namespace", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("*", "*", "*"))), target}, "k8s-read-token-secrets"},
		{"trap_create_pods_named", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("create", "", "pods", "debug"))), target}, ""},
		{"trap_create_pods_other_namespace", []inventory.Identity{sa("web", "a", rb("web", "r", rule("create", "", "pods"))), target}, ""},
		{"trap_create_deployments_core_group", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("create", "", "deployments"))), target}, ""},
		{"trap_update_pods", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("get,list,update,patch", "", "pods"))), target}, ""},
		// TokenRequest.
		{"create_token", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("create", "", "serviceaccounts/token"))), target}, "k8s-create-token"},
		{"create_token_named", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("create", "", "serviceaccounts/token", "boss"))), target}, "k8s-create-token"},
		{"create_token_any_subresource", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("create", "", "*/token"))), target}, "k8s-create-token"},
		{"trap_create_token_other_name", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("create", "", "serviceaccounts/token", "builder"))), target}, ""},
		{"trap_create_token_named_other_namespace", []inventory.Identity{sa("web", "a", rb("web", "r", rule("create", "", "serviceaccounts/token", "boss"))), target}, ""},
		{"trap_create_serviceaccounts", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("create", "", "serviceaccounts"))), target}, ""},
		// Impersonation.
		{"impersonate_service_accounts", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("impersonate", "", "serviceaccounts"))), target}, "k8s-impersonate"},
		{"impersonate_named_cluster", []inventory.Identity{sa("ci", "a", crb("r", rule("impersonate", "", "serviceaccounts", "boss"))), target, elsewhere}, "k8s-impersonate"},
		{"impersonate_system_masters", []inventory.Identity{sa("ci", "a", crb("r", rule("impersonate", "", "users,groups")))}, "k8s-impersonate"},
		{"impersonate_masters_named", []inventory.Identity{sa("ci", "a", crb("r", rule("impersonate", "", "groups", "system:masters"), rule("impersonate", "", "users", "jane")))}, "k8s-impersonate"},
		{"trap_impersonate_other_account", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("impersonate", "", "serviceaccounts", "builder"))), target}, ""},
		{"trap_impersonate_other_groups", []inventory.Identity{sa("ci", "a", crb("r", rule("impersonate", "", "users"), rule("impersonate", "", "groups", "developers")))}, ""},
		{"trap_impersonate_groups_without_user", []inventory.Identity{sa("ci", "a", crb("r", rule("impersonate", "", "groups")))}, ""},
		{"trap_impersonate_users_in_namespace", []inventory.Identity{sa("ci", "a", rb("ci", "r", rule("impersonate", "", "users,groups")))}, ""},
		{"trap_impersonate_wrong_verb", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("get,list", "", "serviceaccounts"))), target}, ""},
		// Binding roles.
		{"bind_cluster_admin", []inventory.Identity{sa("ci", "a", crb("r", rule("bind", "rbac.authorization.k8s.io", "clusterroles", "cluster-admin"), rule("create", "rbac.authorization.k8s.io", "clusterrolebindings")))}, "k8s-escalate-bind"},
		{"escalate_and_create", []inventory.Identity{sa("ci", "a", crb("r", rule("escalate,create", "rbac.authorization.k8s.io", "clusterroles"), rule("create", "rbac.authorization.k8s.io", "clusterrolebindings")))}, "k8s-escalate-bind"},
		{"bind_in_namespace", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("bind", "rbac.authorization.k8s.io", "clusterroles"), rule("create", "rbac.authorization.k8s.io", "rolebindings"))), target}, "k8s-escalate-bind"},
		{"trap_bind_other_roles", []inventory.Identity{sa("ci", "a", crb("r", rule("bind", "rbac.authorization.k8s.io", "clusterroles", "view", "edit"), rule("create", "rbac.authorization.k8s.io", "clusterrolebindings")))}, ""},
		{"trap_bind_without_binding_write", []inventory.Identity{sa("ci", "a", crb("r", rule("bind,escalate", "rbac.authorization.k8s.io", "clusterroles")))}, ""},
		{"trap_escalate_roles_for_cluster_binding", []inventory.Identity{sa("ci", "a", crb("r", rule("escalate,create", "rbac.authorization.k8s.io", "roles"), rule("create", "rbac.authorization.k8s.io", "clusterrolebindings")))}, ""},
		{"trap_bind_in_namespace_elsewhere", []inventory.Identity{sa("web", "a", rb("web", "r", rule("bind", "rbac.authorization.k8s.io", "clusterroles"), rule("create", "rbac.authorization.k8s.io", "rolebindings"))), target}, ""},
		// The kubelet API, certificates, webhooks.
		{"nodes_proxy", []inventory.Identity{sa("mon", "a", crb("r", rule("get", "", "nodes/proxy")))}, "k8s-nodes-proxy"},
		{"nodes_wildcard_subresource", []inventory.Identity{sa("mon", "a", crb("r", rule("create", "", "*/proxy")))}, "k8s-nodes-proxy"},
		{"trap_nodes_proxy_in_namespace", []inventory.Identity{sa("mon", "a", rb("mon", "r", rule("get", "", "nodes/proxy")))}, ""},
		{"trap_nodes_without_proxy", []inventory.Identity{sa("mon", "a", crb("r", rule("get,list", "", "nodes,nodes/metrics")))}, ""},
		{"csr_approve", []inventory.Identity{sa("ci", "a", crb("r", rule("create", "certificates.k8s.io", "certificatesigningrequests"),
			rule("update", "certificates.k8s.io", "certificatesigningrequests/approval"), rule("approve", "certificates.k8s.io", "signers", "kubernetes.io/kube-apiserver-client")))}, "k8s-csr-approve"},
		{"trap_csr_other_signer", []inventory.Identity{sa("ci", "a", crb("r", rule("create", "certificates.k8s.io", "certificatesigningrequests"),
			rule("update", "certificates.k8s.io", "certificatesigningrequests/approval"), rule("approve", "certificates.k8s.io", "signers", "example.com/serving")))}, ""},
		{"trap_csr_no_approval", []inventory.Identity{sa("ci", "a", crb("r", rule("create", "certificates.k8s.io", "certificatesigningrequests"), rule("approve", "certificates.k8s.io", "signers")))}, ""},
		{"webhook_create", []inventory.Identity{sa("ci", "a", crb("r", rule("create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations")))}, "k8s-admission-webhook"},
		{"webhook_patch_validating", []inventory.Identity{sa("ci", "a", crb("r", rule("patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations")))}, "k8s-admission-webhook"},
		{"trap_webhook_read_only", []inventory.Identity{sa("ci", "a", crb("r", rule("get,list,watch", "admissionregistration.k8s.io", "*")))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := k8sPath(tt.ids[0].ID, tt.ids...)
			// A hop to another account, then its administrator edge.
			if got != tt.want {
				t.Errorf("path = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestK8sRestrictedClusterGrantsArePossibleOnly(t *testing.T) {
	for name, r := range map[string]inventory.RBACRule{
		"nodes":   rule("get", "", "nodes/proxy", "ip-10-0-1-5"),
		"webhook": rule("update", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "istio-sidecar-injector"),
	} {
		got, conditional := k8sPath(saID("ci", "a"), sa("ci", "a", crb("r", r)))
		if got == "" || !conditional {
			t.Errorf("%s: path %q conditional %v; want a possible edge to administrator", name, got, conditional)
		}
	}
	// A certain grant wins over a restricted one.
	if got, conditional := k8sPath(saID("ci", "a"), sa("ci", "a", crb("r", rule("get", "", "nodes/proxy", "n1"), rule("create", "admissionregistration.k8s.io", "validatingwebhookconfigurations")))); got != "k8s-admission-webhook" || conditional {
		t.Errorf("path %q conditional %v; want the webhook, unconditional", got, conditional)
	}
}

func TestK8sClusterScopeReachesEveryNamespace(t *testing.T) {
	inv := inventory.Inventory{Identities: []inventory.Identity{
		sa("ci", "deployer", crb("deploy", rule("create", "apps", "deployments"))),
		sa("apps", "web"), sa("web", "api"), sa("ci", "deployer2"),
		{ID: saID("apps", "other-cluster"), Provider: inventory.K8s, Kind: inventory.KindK8sAccount, Account: "dev", Name: "apps/other-cluster", Path: "apps"},
	}}
	g := Build(&inv, asOf)
	reached := map[string]bool{}
	for _, e := range g.Edges() {
		if e.From == saID("ci", "deployer") {
			reached[e.To] = true
		}
	}
	for _, want := range []string{saID("apps", "web"), saID("web", "api"), saID("ci", "deployer2")} {
		if !reached[want] {
			t.Errorf("deployer does not reach %s: %v", want, reached)
		}
	}
	if reached[saID("apps", "other-cluster")] {
		t.Error("a grant in one cluster reaches a service account of another cluster")
	}
}

// The EKS demo's provider, and a role trusting it for one account.
const (
	eksIssuer   = "https://oidc.eks.eu-west-1.amazonaws.com/id/5C9E3A1F0B7D4E2A8C6B1D0E9F3A2B4C"
	eksProvider = "oidc.eks.eu-west-1.amazonaws.com/id/5C9E3A1F0B7D4E2A8C6B1D0E9F3A2B4C"
)

func webIdentityTrust(provider string, conds ...inventory.Condition) opt {
	return func(id *inventory.Identity) {
		id.Trust = append(id.Trust, inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRoleWithWebIdentity"},
			Principals: []inventory.Principal{{Type: "Federated", Value: "arn:aws:iam::" + acct + ":oidc-provider/" + provider}}, Conditions: conds})
	}
}

func cond(op, key string, values ...string) inventory.Condition {
	return inventory.Condition{Operator: op, Key: key, Values: values}
}

func TestK8sIRSA(t *testing.T) {
	role := arn("role", "ops")
	sub := cond("StringEquals", eksProvider+":sub", saID("platform", "ops-bot"))
	aud := cond("StringEquals", eksProvider+":aud", "sts.amazonaws.com")
	bot := func(issuer string) inventory.Identity {
		return sa("platform", "ops-bot", linkTo(inventory.AWS, role, issuer))
	}
	tests := []struct {
		name   string
		ids    []inventory.Identity
		want   string
		cond   bool
		viaHas string
	}{
		{"pinned", []inventory.Identity{bot(eksIssuer), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, sub, aud))}, "k8s-eks-irsa", false, "trusts " + eksProvider},
		{"issuer_with_slash", []inventory.Identity{bot(eksIssuer + "/"), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, sub))}, "k8s-eks-irsa", false, ""},
		{"wildcard_sub", []inventory.Identity{bot(eksIssuer), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, cond("StringLike", eksProvider+":sub", "system:serviceaccount:platform:*")))}, "k8s-eks-irsa", false, ""},
		{"no_sub_condition", []inventory.Identity{bot(eksIssuer), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, aud))}, "k8s-eks-irsa", false, ""},
		{"issuer_unknown_eks_provider", []inventory.Identity{bot(""), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, sub))}, "k8s-eks-irsa", false, "issuer is unknown"},
		{"undecided_condition", []inventory.Identity{bot(eksIssuer), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, sub, cond("IpAddress", "aws:SourceIp", "10.0.0.0/8")))}, "k8s-eks-irsa", true, ""},
		{"then_escalates_in_aws", []inventory.Identity{bot(eksIssuer), ident("role", "ops", inline(allow("iam:PutRolePolicy")), webIdentityTrust(eksProvider, sub))}, "k8s-eks-irsa aws-iam-put-role-policy", false, ""},
		{"trap_other_account", []inventory.Identity{bot(eksIssuer), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, cond("StringEquals", eksProvider+":sub", saID("platform", "builder"))))}, "", false, ""},
		{"trap_wildcard_elsewhere", []inventory.Identity{bot(eksIssuer), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, cond("StringLike", eksProvider+":sub", "system:serviceaccount:ci:*")))}, "", false, ""},
		{"trap_other_cluster", []inventory.Identity{bot("https://oidc.eks.eu-west-1.amazonaws.com/id/0000000000000000000000000000AAAA"), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, sub))}, "", false, ""},
		{"trap_issuer_unknown_not_eks", []inventory.Identity{bot(""), ident("role", "ops", inline(admin), webIdentityTrust("token.actions.githubusercontent.com", cond("StringLike", "token.actions.githubusercontent.com:sub", "*")))}, "", false, ""},
		{"trap_wrong_audience", []inventory.Identity{bot(eksIssuer), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, sub, cond("StringEquals", eksProvider+":aud", "api://AzureADTokenExchange")))}, "", false, ""},
		{"trap_assume_role_only", []inventory.Identity{bot(eksIssuer), ident("role", "ops", inline(admin), func(id *inventory.Identity) {
			id.Trust = []inventory.Statement{{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Principals: []inventory.Principal{{Type: "Federated", Value: "arn:aws:iam::" + acct + ":oidc-provider/" + eksProvider}}, Conditions: []inventory.Condition{sub}}}
		})}, "", false, ""},
		{"trap_denied", []inventory.Identity{bot(eksIssuer), ident("role", "ops", inline(admin), webIdentityTrust(eksProvider, sub), func(id *inventory.Identity) {
			id.Trust = append(id.Trust, inventory.Statement{Effect: "Deny", Actions: []string{"sts:*"}, Principals: []inventory.Principal{{Type: "Federated", Value: "arn:aws:iam::" + acct + ":oidc-provider/" + eksProvider}},
				Conditions: []inventory.Condition{cond("StringLike", eksProvider+":sub", "system:serviceaccount:platform:*")}})
		})}, "", false, ""},
		{"trap_role_not_scanned", []inventory.Identity{bot(eksIssuer), ident("role", "other", inline(admin), webIdentityTrust(eksProvider, sub))}, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, conditional := k8sPath(saID("platform", "ops-bot"), tt.ids...)
			if got != tt.want || got != "" && conditional != tt.cond {
				t.Errorf("path %q conditional %v, want %q conditional %v", got, conditional, tt.want, tt.cond)
			}
			if tt.viaHas == "" {
				return
			}
			inv := inventory.Inventory{Identities: tt.ids}
			p, _ := Build(&inv, asOf).ToAdmin(saID("platform", "ops-bot"))
			if !strings.Contains(p.Steps[0].Via, tt.viaHas) {
				t.Errorf("first step via %q, want it to say %q", p.Steps[0].Via, tt.viaHas)
			}
		})
	}
}

func TestK8sChainIntoAWS(t *testing.T) {
	// ci/runner creates pods in platform, runs as platform/ops-bot, whose
	// IRSA role rewrites its own policy.
	ids := []inventory.Identity{
		sa("ci", "runner", rb("platform", "deployer", rule("create,get,list", "apps", "deployments"))),
		sa("platform", "ops-bot", linkTo(inventory.AWS, arn("role", "eks-platform-ops"), eksIssuer)),
		ident("role", "eks-platform-ops", inline(on(arn("role", "eks-*"), "iam:PutRolePolicy")),
			webIdentityTrust(eksProvider, cond("StringEquals", eksProvider+":sub", saID("platform", "ops-bot")), cond("StringEquals", eksProvider+":aud", "sts.amazonaws.com"))),
	}
	inv := inventory.Inventory{Identities: ids}
	g := Build(&inv, asOf)
	p, ok := g.ToAdmin(saID("ci", "runner"))
	if !ok {
		t.Fatal("ci/runner has no path to administrator")
	}
	var hops []string
	for _, s := range p.Steps {
		hops = append(hops, s.FromName+" -"+s.Method+"-> "+s.ToName)
	}
	want := []string{
		"ci/runner -k8s-create-workload-> platform/ops-bot",
		"platform/ops-bot -k8s-eks-irsa-> eks-platform-ops",
		"eks-platform-ops -aws-iam-put-role-policy-> administrator",
	}
	if strings.Join(hops, "; ") != strings.Join(want, "; ") {
		t.Errorf("path\n%s\nwant\n%s", strings.Join(hops, "\n"), strings.Join(want, "\n"))
	}
	if p.Hops() != 3 || p.Conditional() {
		t.Errorf("hops %d conditional %v, want 3 unconditional", p.Hops(), p.Conditional())
	}
	if !strings.Contains(p.Steps[0].Via, "create deployments through Role/deployer on namespaces/platform") {
		t.Errorf("first step via %q", p.Steps[0].Via)
	}
	// Without the AWS export the chain stops in the cluster.
	if _, ok := Build(&inventory.Inventory{Identities: ids[:2]}, asOf).ToAdmin(saID("ci", "runner")); ok {
		t.Error("a path to administrator without the AWS side")
	}
}

func TestK8sGKEWorkloadIdentity(t *testing.T) {
	const gsa = "reporter@dev-project.iam.gserviceaccount.com"
	gcpSA := func(members ...string) inventory.Identity {
		id := inventory.Identity{ID: gsa, Provider: inventory.GCP, Kind: inventory.KindGCPAccount, Account: "dev-project", Name: "reporter",
			Bindings: []inventory.Binding{{Role: "roles/owner", Scope: "projects/dev-project"}}}
		b := inventory.Binding{Role: "roles/iam.workloadIdentityUser", Scope: "projects/dev-project/serviceAccounts/" + gsa}
		for _, m := range members {
			t, v, _ := strings.Cut(m, ":")
			if strings.HasPrefix(m, "principal") {
				t, _, _ = strings.Cut(m, "://")
				v = m
			}
			b.Members = append(b.Members, inventory.Principal{Type: t, Value: v})
		}
		id.ResourceBindings = []inventory.Binding{b}
		return id
	}
	reporter := func(issuer string) inventory.Identity {
		return sa("reports", "reporter", linkTo(inventory.GCP, gsa, issuer))
	}
	gkeIssuer := "https://container.googleapis.com/v1/projects/dev-project/locations/europe-west1/clusters/dev"
	pool := "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/dev-project.svc.id.goog/"
	tests := []struct {
		name string
		ids  []inventory.Identity
		want string
	}{
		{"member", []inventory.Identity{reporter(""), gcpSA("serviceAccount:dev-project.svc.id.goog[reports/reporter]")}, "k8s-gke-workload-identity"},
		{"member_cluster_project", []inventory.Identity{reporter(gkeIssuer), gcpSA("serviceAccount:dev-project.svc.id.goog[reports/reporter]")}, "k8s-gke-workload-identity"},
		{"principal", []inventory.Identity{reporter(""), gcpSA(pool + "subject/ns/reports/sa/reporter")}, "k8s-gke-workload-identity"},
		{"principal_set_namespace", []inventory.Identity{reporter(""), gcpSA("principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/dev-project.svc.id.goog/namespace/reports")}, "k8s-gke-workload-identity"},
		{"trap_other_account", []inventory.Identity{reporter(""), gcpSA("serviceAccount:dev-project.svc.id.goog[reports/other]")}, ""},
		{"trap_other_namespace", []inventory.Identity{reporter(""), gcpSA("serviceAccount:dev-project.svc.id.goog[default/reporter]", pool+"subject/ns/default/sa/reporter")}, ""},
		{"trap_other_project_pool", []inventory.Identity{reporter(gkeIssuer), gcpSA("serviceAccount:prod-project.svc.id.goog[reports/reporter]")}, ""},
		{"trap_other_role", []inventory.Identity{reporter(""), func() inventory.Identity {
			id := gcpSA("serviceAccount:dev-project.svc.id.goog[reports/reporter]")
			id.ResourceBindings[0].Role = "roles/iam.serviceAccountViewer"
			return id
		}()}, ""},
		{"trap_expired_condition", []inventory.Identity{reporter(""), func() inventory.Identity {
			id := gcpSA("serviceAccount:dev-project.svc.id.goog[reports/reporter]")
			id.ResourceBindings[0].Condition = &inventory.BindingCondition{Expression: `request.time < timestamp("2020-01-01T00:00:00Z")`}
			return id
		}()}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := k8sPath(saID("reports", "reporter"), tt.ids...); got != tt.want {
				t.Errorf("path %q, want %q", got, tt.want)
			}
		})
	}
}

// syntheticCluster makes namespaces of service accounts as a busy cluster
// has them: every account holds the discovery roles and a namespace role,
// some create deployments or read Secrets, some keep a legacy token, a
// few controllers hold wide cluster roles and one in each hundred is
// cluster-admin.
func syntheticCluster(namespaces, perNamespace int) inventory.Inventory {
	discovery := crb("system:discovery", inventory.RBACRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/api", "/api/*", "/apis", "/apis/*", "/version"}})
	var inv inventory.Inventory
	for n := range namespaces {
		ns := fmt.Sprintf("ns%d", n)
		for i := range perNamespace {
			opts := []opt{discovery, rb(ns, "app", rule("get,list,watch", "", "pods,configmaps,services"), rule("get", "", "secrets", "app-config"))}
			switch {
			case i == 0:
				opts = append(opts, rb(ns, "deployer", rule("create,update,patch", "apps", "deployments"), rule("get,list", "", "secrets")))
			case i%5 == 0:
				opts = append(opts, legacyToken(fmt.Sprintf("sa%d-token", i), true))
			}
			if n%10 == 0 && i == 1 {
				opts = append(opts, crb("controller", rule("get,list,watch", "*", "*"), rule("create", "", "serviceaccounts/token")))
			}
			if (n*perNamespace+i)%100 == 99 {
				opts = append(opts, clusterAdmin)
			}
			inv.Identities = append(inv.Identities, sa(ns, fmt.Sprintf("sa%d", i), opts...))
		}
	}
	return inv
}

// BenchmarkBuildK8s measures building the graph of a cluster and finding
// every service account's path to administrator.
func BenchmarkBuildK8s(b *testing.B) {
	for _, size := range []struct{ namespaces, per int }{{100, 20}, {500, 20}, {1000, 20}} {
		inv := syntheticCluster(size.namespaces, size.per)
		b.Run(fmt.Sprintf("accounts=%d", len(inv.Identities)), func(b *testing.B) {
			reached := 0
			for b.Loop() {
				g := Build(&inv, asOf)
				reached = 0
				for i := range inv.Identities {
					if _, ok := g.ToAdmin(inv.Identities[i].ID); ok {
						reached++
					}
				}
			}
			b.ReportMetric(float64(reached), "paths")
		})
	}
}

// Service accounts of the same id in two clusters are two nodes: each
// has its own path, found by its Ref, and no edge of one cluster reaches
// the other's accounts.
func TestK8sClustersApart(t *testing.T) {
	inCluster := func(c string, id inventory.Identity) inventory.Identity {
		id.Account = c
		return id
	}
	createPods := rb("ci", "pods", rule("create", "", "pods"))
	inv := inventory.Inventory{Identities: []inventory.Identity{
		inCluster("prod", sa("ci", "runner", createPods)),
		inCluster("prod", sa("ci", "admin", clusterAdmin)),
		inCluster("dev", sa("ci", "runner", createPods)),
		inCluster("dev", sa("ci", "admin", clusterAdmin)),
		inCluster("staging", sa("ci", "runner", createPods)),
	}}
	g := Build(&inv, asOf)
	for _, c := range []string{"prod", "dev"} {
		p, ok := g.ToAdmin(c + "/" + saID("ci", "runner"))
		if !ok || len(p.Steps) != 2 || p.Steps[0].FromRef != c+"/"+saID("ci", "runner") || p.Steps[0].ToRef != c+"/"+saID("ci", "admin") {
			t.Errorf("%s: path %+v, %v; want through %s's ci/admin", c, p, ok, c)
		}
	}
	if p, ok := g.ToAdmin("staging/" + saID("ci", "runner")); ok {
		t.Errorf("staging's runner reaches another cluster's administrator: %+v", p)
	}
	for _, e := range g.Edges() {
		from, _, _ := strings.Cut(e.FromRef, "/")
		to, _, _ := strings.Cut(e.ToRef, "/")
		if e.ToRef != Administrator && from != to {
			t.Errorf("edge across clusters: %s -> %s", e.FromRef, e.ToRef)
		}
	}
	// A plain id several clusters hold names them all, and no one node.
	if ms := g.Matches(saID("ci", "runner")); len(ms) != 3 {
		t.Errorf("Matches(ci/runner) = %d identities, want 3", len(ms))
	}
	if _, ok := g.ToAdmin(saID("ci", "runner")); ok {
		t.Error("an id three clusters hold resolved to one of them")
	}
	if g.Identity(saID("ci", "admin")) != nil || g.Identity("dev/"+saID("ci", "admin")) != &inv.Identities[3] {
		t.Error("Identity does not tell the clusters' accounts apart")
	}
}

// fic is a federated identity credential of an Entra service principal.
func fic(issuer, subject, expr string, audiences ...string) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		if audiences == nil {
			audiences = []string{"api://AzureADTokenExchange"}
		}
		id.Credentials = append(id.Credentials, inventory.Credential{ID: "fic-" + subject + expr, Kind: inventory.CredAzureFederated, Status: inventory.CredentialActive,
			Slot: "application", Federation: &inventory.Federation{Issuer: issuer, Subject: subject, ClaimsExpression: expr, Audiences: audiences}})
	}
}

func TestK8sAzureWorkloadIdentity(t *testing.T) {
	const aks = "https://westeurope.oic.prod-aks.azure.com/0d3a1f6e-5b2c-4e47-9c1a-7f2b9e3d4c10/6c1d9e2a-3b4f-4a5e-8d7c-1f2e3a4b5c6d/"
	sub := saID("platform", "deployer")
	bot := func(issuer, clientID string) inventory.Identity {
		return sa("platform", "deployer", linkTo(inventory.Azure, clientID, issuer))
	}
	admin := func(opts ...func(*inventory.Identity)) inventory.Identity {
		return azSP("deploy-app", append([]func(*inventory.Identity){dirRole("Global Administrator")}, opts...)...)
	}
	mi := func(opts ...func(*inventory.Identity)) inventory.Identity {
		return azSP("deploy-mi", append([]func(*inventory.Identity){azKind(inventory.KindAzureManagedIdentity), graphPerm("RoleManagement.ReadWrite.Directory"), func(id *inventory.Identity) { id.Path = "user-assigned" }}, opts...)...)
	}
	tests := []struct {
		name        string
		ids         []inventory.Identity
		want        string
		conditional bool
		viaHas      string
	}{
		{"subject_exact", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic(aks, sub, ""))}, "k8s-azure-workload-identity", false, "trusts " + aks + " for subject " + sub},
		{"client_id_case", []inventory.Identity{bot(aks, "APPID-DEPLOY-APP"), admin(fic(aks, sub, ""))}, "k8s-azure-workload-identity", false, ""},
		{"user_assigned_managed_identity", []inventory.Identity{bot(aks, "appid-deploy-mi"), mi(fic(aks, sub, ""))}, "k8s-azure-workload-identity azure-graph-grant-directory-role", false, ""},
		{"issuer_unknown_aks", []inventory.Identity{bot("", "appid-deploy-app"), admin(fic(aks, sub, ""))}, "k8s-azure-workload-identity", false, "issuer is unknown"},
		{"issuer_unknown_old_aks", []inventory.Identity{bot("", "appid-deploy-app"), admin(fic("https://oidc.prod-aks.azure.com/6c1d9e2a-3b4f-4a5e-8d7c-1f2e3a4b5c6d/", sub, ""))}, "k8s-azure-workload-identity", false, ""},
		{"expression_sub_matches", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic(aks, "", "claims['sub'] matches 'system:serviceaccount:platform:*'"))}, "k8s-azure-workload-identity", true, "claims-matching expression"},
		{"expression_sub_eq_and_other_claim", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic(aks, "", "claims['sub'] eq '"+sub+"' and claims['kubernetes.io'] eq 'x'"))}, "k8s-azure-workload-identity", true, ""},
		{"then_owner_of_admin_app", []inventory.Identity{bot(aks, "appid-deploy-app"), azSP("deploy-app", fic(aks, sub, "")), azSP("tenant-admin", dirRole("Global Administrator"), ownedBy(spOwner("deploy-app")))}, "k8s-azure-workload-identity azure-owner-add-secret", false, ""},
		{"trap_other_subject", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic(aks, saID("platform", "builder"), ""))}, "", false, ""},
		{"trap_subject_wildcard_literal", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic(aks, "system:serviceaccount:platform:*", ""))}, "", false, ""},
		{"trap_other_issuer", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic("https://northeurope.oic.prod-aks.azure.com/0d3a1f6e-5b2c-4e47-9c1a-7f2b9e3d4c10/99999999-3b4f-4a5e-8d7c-1f2e3a4b5c6d/", sub, ""))}, "", false, ""},
		{"trap_issuer_without_slash", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic(strings.TrimSuffix(aks, "/"), sub, ""))}, "", false, ""},
		{"trap_issuer_unknown_not_aks", []inventory.Identity{bot("", "appid-deploy-app"), admin(fic("https://token.actions.githubusercontent.com", sub, ""))}, "", false, ""},
		{"trap_wrong_audience", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic(aks, sub, "", "api://other"))}, "", false, ""},
		{"trap_expression_other_namespace", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic(aks, "", "claims['sub'] matches 'system:serviceaccount:ci:*'"))}, "", false, ""},
		{"trap_expression_unreadable", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic(aks, "", "claims['sub'] startswith 'system:'"))}, "", false, ""},
		{"trap_other_client_id", []inventory.Identity{bot(aks, "appid-someone-else"), admin(fic(aks, sub, ""))}, "", false, ""},
		{"trap_no_federated_credential", []inventory.Identity{bot(aks, "appid-deploy-app"), admin()}, "", false, ""},
		{"trap_expired", []inventory.Identity{bot(aks, "appid-deploy-app"), admin(fic(aks, sub, ""), func(id *inventory.Identity) { id.Credentials[0].Status = inventory.CredentialInactive })}, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := inventory.Inventory{Identities: tt.ids}
			g := Build(&inv, asOf)
			p, ok := g.ToAdmin(Ref(&inv.Identities[0]))
			var got []string
			for _, s := range p.Steps {
				if s.Method != "" {
					got = append(got, s.Method)
				}
			}
			if strings.Join(got, " ") != tt.want || ok && p.Conditional() != tt.conditional {
				t.Fatalf("path %q (conditional %v), want %q (%v)", strings.Join(got, " "), p.Conditional(), tt.want, tt.conditional)
			}
			if tt.viaHas != "" && !strings.Contains(p.Steps[0].Via, tt.viaHas) {
				t.Errorf("first step via %q, want it to say %q", p.Steps[0].Via, tt.viaHas)
			}
		})
	}
}

func TestAzureClaimHolds(t *testing.T) {
	for _, tt := range []struct {
		op, pattern, value string
		want               bool
	}{
		{"matches", "system:serviceaccount:platform:*", "system:serviceaccount:platform:deployer", true},
		{"matches", "system:serviceaccount:*:deployer", "system:serviceaccount:platform:deployer", true},
		{"matches", "*:deployer", "system:serviceaccount:platform:deployer-2", false},
		{"matches", "system:*:platform:*", "system:serviceaccount:ci:deployer", false},
		{"matches", "ab*b", "ab", false},
		{"matches", "exact", "exact", true},
		{"eq", "system:serviceaccount:platform:*", "system:serviceaccount:platform:deployer", false},
		{"eq", "x", "x", true},
	} {
		if got := (AzureClaim{Claim: "sub", Op: tt.op, Value: tt.pattern}).Holds(tt.value); got != tt.want {
			t.Errorf("%s %q on %q = %v, want %v", tt.op, tt.pattern, tt.value, got, tt.want)
		}
	}
}

// runs gives the account a workload controller (or pod) of its namespace.
func runs(kind, name string) opt {
	return func(id *inventory.Identity) {
		id.Workloads = append(id.Workloads, inventory.Workload{Kind: kind, Namespace: id.Path, Name: name, Automount: true})
	}
}

func TestK8sPatchWorkloads(t *testing.T) {
	// target: an administrator service account in namespace apps; web
	// runs a Deployment there, whose template may name boss instead.
	target := sa("apps", "boss", clusterAdmin)
	web := sa("apps", "web", runs("Deployment", "frontend"))
	tests := []struct {
		name string
		ids  []inventory.Identity
		want string
	}{
		{"patch_deployments_namespace", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("patch", "apps", "deployments"))), target, web}, "k8s-patch-workload"},
		{"update_deployments_cluster", []inventory.Identity{sa("ci", "a", crb("r", rule("get,update", "apps", "deployments"))), target, web}, "k8s-patch-workload"},
		{"patch_named_deployment", []inventory.Identity{sa("ci", "a", rb("apps", "r", rule("patch", "apps", "deployments", "frontend"))), target, web}, "k8s-patch-workload"},
		{"patch_wildcard_resources", []inventory.Identity{sa("ci", "a", crb("r", rule("patch", "apps", "*"))), target, sa("apps", "db", runs("StatefulSet", "pg"))}, "k8s-patch-workload"},
		{"patch_cronjobs", []inventory.Identity{sa("ci", "a", rb("apps", "r", rule("patch", "batch", "cronjobs"))), target, sa("apps", "cron", runs("CronJob", "nightly"))}, "k8s-patch-workload"},
		{"patch_controller_of_the_target_itself", []inventory.Identity{sa("ci", "a", rb("apps", "r", rule("update", "apps", "daemonsets"))), sa("apps", "boss", clusterAdmin, runs("DaemonSet", "agent"))}, "k8s-patch-workload"},
		{"trap_patch_no_controller", []inventory.Identity{sa("apps", "a", rb("apps", "r", rule("patch,update", "apps", "deployments"))), target}, ""},
		{"trap_patch_controller_other_namespace", []inventory.Identity{sa("apps", "a", crb("r", rule("patch", "apps", "deployments"))), target, sa("web", "api", runs("Deployment", "api"))}, ""},
		{"trap_patch_in_namespace_without_controller", []inventory.Identity{sa("web", "a", rb("web", "r", rule("patch", "apps", "deployments"))), target, web}, ""},
		{"trap_patch_other_named_deployment", []inventory.Identity{sa("ci", "a", rb("apps", "r", rule("patch", "apps", "deployments", "backend"))), target, web}, ""},
		{"trap_patch_other_kind", []inventory.Identity{sa("ci", "a", rb("apps", "r", rule("patch", "apps", "statefulsets"))), target, web}, ""},
		{"trap_patch_pods", []inventory.Identity{sa("ci", "a", rb("apps", "r", rule("patch,update", "", "pods"))), target, sa("apps", "web", runs("Pod", "debug"))}, ""},
		{"trap_patch_jobs", []inventory.Identity{sa("ci", "a", rb("apps", "r", rule("patch,update", "batch", "jobs"))), target, sa("apps", "batch", runs("Job", "migrate"))}, ""},
		{"trap_patch_wrong_group", []inventory.Identity{sa("ci", "a", rb("apps", "r", rule("patch", "", "deployments"))), target, web}, ""},
		{"trap_read_deployments", []inventory.Identity{sa("ci", "a", rb("apps", "r", rule("get,list,watch", "apps", "deployments"))), target, web}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, conditional := k8sPath(tt.ids[0].ID, tt.ids...)
			if got != tt.want || got != "" && conditional {
				t.Errorf("path = %q conditional %v, want %q unconditional", got, conditional, tt.want)
			}
		})
	}
}

func TestK8sPatchWorkloadsUsageUnknown(t *testing.T) {
	// The cluster's workloads were not listed: a patch grant may reach a
	// controller the scan does not see, a possible edge; a named grant too.
	for name, r := range map[string]inventory.RBACRule{
		"cluster": rule("patch", "apps", "deployments"),
		"named":   rule("update", "apps", "deployments", "frontend"),
	} {
		inv := inventory.Inventory{
			Identities: []inventory.Identity{sa("ci", "a", crb("r", r)), sa("apps", "boss", clusterAdmin)},
			Sources:    []inventory.Source{{Scanner: "k8s", Scope: cluster, Status: inventory.StatusOK, NotAssessed: []string{inventory.NotAssessedUsage}}},
		}
		p, ok := Build(&inv, asOf).ToAdmin(saID("ci", "a"))
		if !ok || p.Steps[0].Method != "k8s-patch-workload" || !p.Steps[0].Possible {
			t.Errorf("%s: path %+v ok %v; want a possible k8s-patch-workload edge", name, p, ok)
		}
	}
	// Another cluster's unknown usage does not make this one's possible.
	inv := inventory.Inventory{
		Identities: []inventory.Identity{sa("ci", "a", crb("r", rule("patch", "apps", "deployments"))), sa("apps", "boss", clusterAdmin)},
		Sources:    []inventory.Source{{Scanner: "k8s", Scope: "other", Status: inventory.StatusOK, NotAssessed: []string{inventory.NotAssessedUsage}}},
	}
	if p, ok := Build(&inv, asOf).ToAdmin(saID("ci", "a")); ok {
		t.Errorf("path %+v through another cluster's unknown usage", p)
	}
}
