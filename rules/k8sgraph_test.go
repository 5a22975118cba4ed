package rules

import (
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// A Kubernetes service account whose chain runs through another one and
// its IRSA role into an AWS administrator is reported by the graph rules,
// with the path across both.
func TestK8sEscalationIntoAWS(t *testing.T) {
	const provider = "oidc.eks.eu-west-1.amazonaws.com/id/5C9E3A1F0B7D4E2A8C6B1D0E9F3A2B4C"
	createDeployments := []inventory.RBACRule{{Verbs: []string{"create"}, APIGroups: []string{"apps"}, Resources: []string{"deployments"}}}
	irsa := func(id *inventory.Identity) {
		id.CloudLinks = []inventory.CloudLink{{Provider: inventory.AWS, Target: "arn:aws:iam::111122223333:role/eks-platform-ops", Subject: id.ID}}
	}
	webIdentity := inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRoleWithWebIdentity"},
		Principals: []inventory.Principal{{Type: "Federated", Value: "arn:aws:iam::111122223333:oidc-provider/" + provider}},
		Conditions: cond("StringEquals", provider+":sub", "system:serviceaccount:platform:ops-bot")}
	ids := []inventory.Identity{
		ksa("ci", "runner", kbind("Role/deployer", "platform", createDeployments, nil)),
		ksa("platform", "ops-bot", irsa),
		awsAdminRole("eks-platform-ops", trust(webIdentity)),
	}
	var got []string
	paths := map[string]string{}
	for _, f := range escalationFindings(t, ids...) {
		got = append(got, f.RuleID+" "+f.Severity.String()+" "+f.Identity.Name)
		if f.RuleID == "NHI-ESC-001" {
			paths[f.Identity.Name] = f.Evidence[0].Value
		}
	}
	want := "NHI-DEL-006 high ci/runner\nNHI-ESC-001 high ci/runner\nNHI-DEL-006 high platform/ops-bot\nNHI-ESC-001 high platform/ops-bot"
	if strings.Join(got, "\n") != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if p := paths["ci/runner"]; !strings.HasPrefix(p, "ci/runner -[create pods or workload controllers") || !strings.Contains(p, "-> platform/ops-bot -[EKS IAM role for service accounts") || !strings.HasSuffix(p, "-> eks-platform-ops -[full administrator]-> administrator") {
		t.Errorf("path evidence %q", p)
	}

	// A trust pinned to another account admits no one here.
	ids[2].Trust[0].Conditions = cond("StringEquals", provider+":sub", "system:serviceaccount:platform:other")
	if fs := escalationFindings(t, ids...); len(fs) != 0 {
		t.Errorf("findings without an admitting trust: %v", fs)
	}
}

// Service accounts of two clusters share their ids: the path of one is
// never reported for the other.
func TestK8sSameAccountInTwoClusters(t *testing.T) {
	createPods := []inventory.RBACRule{{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods"}}}
	inCluster := func(c string, id inventory.Identity) inventory.Identity {
		id.Account = c
		return id
	}
	ids := []inventory.Identity{
		inCluster("prod", ksa("ci", "runner", kbind("Role/pods", "ci", createPods, nil))),
		inCluster("prod", ksa("ci", "admin", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil))),
		inCluster("dev", ksa("ci", "runner")),
	}
	var got []string
	for _, f := range escalationFindings(t, ids...) {
		got = append(got, f.RuleID+" "+f.Identity.Account+" "+f.Identity.Name)
	}
	if strings.Join(got, "\n") != "NHI-ESC-001 prod ci/runner" {
		t.Errorf("got:\n%s\nwant only prod's ci/runner", strings.Join(got, "\n"))
	}
}

// The same service account in two clusters, escalating in both: each
// gets its own finding, with its own cluster's path; and a grant in one
// cluster never reaches the other's accounts.
func TestK8sSameAccountEscalatesInTwoClusters(t *testing.T) {
	createPods := []inventory.RBACRule{{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods"}}}
	inCluster := func(c string, id inventory.Identity) inventory.Identity {
		id.Account = c
		return id
	}
	ids := []inventory.Identity{
		inCluster("prod", ksa("ci", "runner", kbind("Role/pods", "ci", createPods, nil))),
		inCluster("prod", ksa("ci", "admin", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil))),
		inCluster("dev", ksa("ci", "runner", kbind("Role/pods", "ci", createPods, nil))),
		inCluster("dev", ksa("ci", "admin", kbind("ClusterRole/cluster-admin", "cluster", clusterAdminRules, nil))),
		// staging's runner may create pods, but its namespace holds no
		// administrator: prod's and dev's ci/admin are not its.
		inCluster("staging", ksa("ci", "runner", kbind("Role/pods", "ci", createPods, nil))),
	}
	var got []string
	for _, f := range escalationFindings(t, ids...) {
		got = append(got, f.RuleID+" "+f.Identity.Account+" "+f.Identity.Name+" "+f.Fingerprint)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "NHI-ESC-001 dev ci/runner ") || !strings.HasPrefix(got[1], "NHI-ESC-001 prod ci/runner ") {
		t.Fatalf("got:\n%s\nwant dev's and prod's ci/runner", strings.Join(got, "\n"))
	}
	if got[0][strings.LastIndex(got[0], " "):] == got[1][strings.LastIndex(got[1], " "):] {
		t.Errorf("the two clusters' findings share a fingerprint: %v", got)
	}
}

// A service account that Azure Workload Identity takes into an Entra
// application holding RoleManagement.ReadWrite.Directory is reported, its
// path crossing into the tenant; without a federated credential that
// admits its subject, nothing is.
func TestK8sEscalationIntoAzure(t *testing.T) {
	const issuer = "https://westeurope.oic.prod-aks.azure.com/0d3a1f6e-5b2c-4e47-9c1a-7f2b9e3d4c10/6c1d9e2a-3b4f-4a5e-8d7c-1f2e3a4b5c6d/"
	const tenant = "0d3a1f6e-5b2c-4e47-9c1a-7f2b9e3d4c10"
	bot := ksa("platform", "deployer", func(id *inventory.Identity) {
		id.CloudLinks = []inventory.CloudLink{{Provider: inventory.Azure, Target: "4c2a7e91-0b6d-4f3a-9e58-1d7c3b2a6f40", Issuer: issuer, Subject: id.ID}}
	})
	app := inventory.Identity{ID: "6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b", Provider: inventory.Azure, Kind: inventory.KindAzureApplication, Account: tenant, Name: "aks-deployer",
		Tags:     map[string]string{"azure.appId": "4c2a7e91-0b6d-4f3a-9e58-1d7c3b2a6f40", "owner": "team"},
		Bindings: []inventory.Binding{{Role: "appRole:Microsoft Graph/RoleManagement.ReadWrite.Directory", Scope: "servicePrincipals/graph"}},
		Credentials: []inventory.Credential{{ID: "aks-deployer-fic", Kind: inventory.CredAzureFederated, Status: inventory.CredentialActive,
			Federation: &inventory.Federation{Issuer: issuer, Subject: "system:serviceaccount:platform:deployer", Audiences: []string{"api://AzureADTokenExchange"}}}}}
	var got []string
	path := ""
	for _, f := range escalationFindings(t, bot, app) {
		got = append(got, f.RuleID+" "+f.Identity.Name)
		if f.RuleID == "NHI-ESC-001" && f.Identity.Provider == "k8s" {
			path = f.Evidence[0].Value
		}
	}
	if strings.Join(got, "\n") != "NHI-ESC-001 aks-deployer\nNHI-DEL-006 platform/deployer\nNHI-ESC-001 platform/deployer" {
		t.Errorf("got:\n%s", strings.Join(got, "\n"))
	}
	if !strings.Contains(path, "platform/deployer -[Azure Workload Identity") || !strings.HasSuffix(path, "-> aks-deployer -[RoleManagement.ReadWrite.Directory grants itself Global Administrator (Microsoft Graph RoleManagement.ReadWrite.Directory)]-> administrator") {
		t.Errorf("path evidence %q", path)
	}

	app.Credentials[0].Federation.Subject = "system:serviceaccount:platform:other"
	for _, f := range escalationFindings(t, bot, app) {
		if f.Identity.Provider == "k8s" {
			t.Errorf("finding without an admitting federated credential: %s %s", f.RuleID, f.Identity.Name)
		}
	}
}
