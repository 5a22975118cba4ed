package rules

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// entraAgent is an Entra agent identity of blueprint (an appId) as the
// Azure scanner fills it, with the agent it lists for it.
func entraAgent(name, blueprint, sponsor string) (inventory.Identity, inventory.Agent) {
	id := asp(name, asAgent, func(id *inventory.Identity) {
		id.Owner, id.ResourceBindings = sponsor, nil
		id.Tags = map[string]string{"azure.appId": "appid-" + name, "azure.blueprint": blueprint}
	})
	return id, inventory.Agent{Provider: inventory.Azure, Platform: inventory.PlatformEntraAgent, ID: id.ID, Name: name, Account: azTenant,
		IdentityID: id.ID, IdentityType: inventory.ActsAsAgentPrincipal, Owner: sponsor, Tags: map[string]string{"azure.blueprint": blueprint}}
}

// Entra: the agent acts through its blueprint's credentials; NHI-AGT-002
// reports an agent whose blueprint holds a secret or certificate that
// still works, not one whose blueprint federates, nor an expired secret.
func TestAgentStaticEntraBlueprint(t *testing.T) {
	secretBP := asp("bp-secret", cred(inventory.CredAzureSecret, "key-1", 30, days(300)))
	fedBP := asp("bp-fed", fic("foundry", "https://login.microsoftonline.com/"+azTenant+"/v2.0", "mi", ""))
	expiredBP := asp("bp-expired", cred(inventory.CredAzureSecret, "key-2", 400, days(-1)))
	a1, ag1 := entraAgent("a1", "appid-bp-secret", "sam@contoso.example")
	a2, ag2 := entraAgent("a2", "appid-bp-fed", "sam@contoso.example")
	a3, ag3 := entraAgent("a3", "appid-bp-expired", "sam@contoso.example")
	a4, ag4 := entraAgent("a4", "appid-not-in-scan", "sam@contoso.example")
	inv := inventory.Inventory{Identities: []inventory.Identity{secretBP, fedBP, expiredBP, a1, a2, a3, a4}, Agents: []inventory.Agent{ag1, ag2, ag3, ag4}}
	got := runAgentRule(t, agentStatic{}, inv)
	if fs := got[a1.ID]; len(fs) != 1 || fs[0].Severity != findings.High || evidence(fs[0], "blueprint") != "bp-secret (sp-bp-secret)" || !strings.HasPrefix(evidence(fs[0], "credentials"), "client secret key-1 (expires ") {
		t.Errorf("agent whose blueprint holds a secret: %+v", fs)
	}
	if len(got) != 1 {
		t.Errorf("only a1 acts through a static credential: %v", got)
	}
	// NHI-STA-301 reports the secret once, on the blueprint principal.
	sta := runAgentRule(t, azureSecret{}, inv)
	if len(sta[secretBP.ID]) != 1 || len(sta[a1.ID]) != 0 {
		t.Errorf("NHI-STA-301: %v", sta)
	}

	cfg := DefaultConfig(asOf)
	found, err := Run(context.Background(), &inv, All(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cred := map[string]string{}
	for _, r := range AgentView(&inv, cfg, found) {
		cred[r.Name] = r.Credential
	}
	want := map[string]string{
		"a1": "static (1 secret(s) or certificate(s) on blueprint bp-secret)",
		"a2": "federated (1 federated credential(s) on blueprint bp-fed)",
		"a3": "unknown (blueprint bp-expired lists no credential)",
		"a4": "unknown (blueprint not in the scan)",
	}
	for k, v := range want {
		if cred[k] != v {
			t.Errorf("%s credential = %q, want %q", k, cred[k], v)
		}
	}
}

// Entra: agent identities of one blueprint are distinct identities (not
// shared); the managed identity of a Foundry project is the shared
// identity of its legacy agents.
func TestAgentSharedEntra(t *testing.T) {
	a1, ag1 := entraAgent("a1", "appid-bp", "sam@contoso.example")
	a2, ag2 := entraAgent("a2", "appid-bp", "sam@contoso.example")
	project := asp("proj-mi", azKind(inventory.KindAzureManagedIdentity), func(id *inventory.Identity) {
		id.AttachedTo = []string{azSub + "/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/contoso-ai/projects/support"}
	})
	vm := asp("vm-mi", azKind(inventory.KindAzureManagedIdentity), func(id *inventory.Identity) {
		id.AttachedTo = []string{azSub + "/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web01"}
	})
	inv := inventory.Inventory{Identities: []inventory.Identity{a1, a2, project, vm}, Agents: []inventory.Agent{ag1, ag2}}
	got := runAgentRule(t, agentShared{}, inv)
	if len(got[a1.ID])+len(got[a2.ID]) != 0 {
		t.Errorf("two agent identities of one blueprint called shared: %+v", got)
	}
	if fs := got[project.ID]; len(fs) != 1 || evidence(fs[0], "shared_with_agents") != "every agent of Foundry project contoso-ai/support without an agent identity of its own" {
		t.Errorf("Foundry project identity: %+v", fs)
	}
	if len(got[vm.ID]) != 0 {
		t.Errorf("a VM's managed identity is no agent's: %+v", got[vm.ID])
	}
}

// Entra: an agent identity without a sponsor has nobody answering for it;
// one with a sponsor has; one whose sponsors were not exported is not
// judged.
func TestAgentNoOwnerEntra(t *testing.T) {
	none, agNone := entraAgent("none", "appid-bp", "")
	sponsored, agSponsored := entraAgent("sponsored", "appid-bp", "sam@contoso.example")
	unread, agUnread := entraAgent("unread", "appid-bp", "")
	unread.NotAssessed = []string{inventory.NotAssessedOwners}
	inv := inventory.Inventory{Identities: []inventory.Identity{none, sponsored, unread}, Agents: []inventory.Agent{agNone, agSponsored, agUnread}}
	got := runAgentRule(t, agentNoOwner{}, inv)
	if fs := got[none.ID]; len(fs) != 1 || fs[0].Severity != findings.Medium {
		t.Errorf("agent without sponsor: %+v", fs)
	}
	if len(got) != 1 {
		t.Errorf("sponsored or unread sponsors judged: %v", got)
	}
}

func workload(kind, ns, name string, labels map[string]string) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		id.Workloads = append(id.Workloads, inventory.Workload{Kind: kind, Namespace: ns, Name: name, Automount: true, Labels: labels})
	}
}

var agentLabel = map[string]string{"nhiscan.io/agent": "true"}

// Kubernetes: each workload the agent labels mark is an agent acting as
// its service account, added once however often Classify runs; a
// workload that runs a kagent Agent is that agent.
func TestK8sWorkloadAgents(t *testing.T) {
	sa := ksa("ai", "bots", workload("Deployment", "ai", "triage", agentLabel), workload("CronJob", "ai", "report", nil),
		workload("Deployment", "ai", "k8s-agent", agentLabel))
	plain := ksa("ai", "web", workload("Deployment", "ai", "web", map[string]string{"app": "web"}))
	inv := inventory.Inventory{Identities: []inventory.Identity{sa, plain}, Agents: []inventory.Agent{{Provider: inventory.K8s, Platform: inventory.PlatformKagent,
		ID: "agents.kagent.dev/ai/k8s-agent", Name: "ai/k8s-agent", Account: "c1", IdentityID: sa.ID, IdentityType: inventory.ActsAsK8sServiceAccount}}}
	cfg := DefaultConfig(asOf)
	Classify(&inv, &cfg)
	Classify(&inv, &cfg)
	var ids []string
	for _, ag := range inv.Agents {
		ids = append(ids, ag.Platform+" "+ag.ID+" -> "+ag.IdentityID)
	}
	want := []string{"k8s.kagent.agent agents.kagent.dev/ai/k8s-agent -> system:serviceaccount:ai:bots", "k8s.workload Deployment/ai/triage -> system:serviceaccount:ai:bots"}
	if !slices.Equal(ids, want) {
		t.Errorf("agents = %q, want %q", ids, want)
	}
	if !inv.Identities[0].Agent || inv.Identities[1].Agent {
		t.Errorf("agent marks: %v %v", inv.Identities[0].Agent, inv.Identities[1].Agent)
	}
}

// Kubernetes: a service account run by several agents is shared by them;
// with a workload that is no agent, shared with it; the default service
// account of an agent is every pod's of its namespace that names none;
// an agent alone on its own account shares nothing.
func TestAgentSharedK8s(t *testing.T) {
	two := ksa("ai", "bots", workload("Deployment", "ai", "triage", agentLabel), workload("Deployment", "ai", "summarizer", agentLabel))
	mixed := ksa("ai", "mixed", workload("Deployment", "ai", "planner", agentLabel), workload("CronJob", "ai", "backup", nil))
	def := ksa("tools", "default", workload("Deployment", "tools", "helper", agentLabel))
	alone := ksa("ai", "alone", workload("Deployment", "ai", "solo", agentLabel))
	kagentSA := ksa("kagent", "k8s-agent", workload("Deployment", "kagent", "k8s-agent", map[string]string{"app.kubernetes.io/managed-by": "kagent"}))
	inv := inventory.Inventory{Identities: []inventory.Identity{two, mixed, def, alone, kagentSA}, Agents: []inventory.Agent{{Provider: inventory.K8s, Platform: inventory.PlatformKagent,
		ID: "agents.kagent.dev/kagent/k8s-agent", Name: "kagent/k8s-agent", Account: "c1", IdentityID: kagentSA.ID, IdentityType: inventory.ActsAsK8sServiceAccount}}}
	got := runAgentRule(t, agentShared{}, inv)
	if fs := got[two.ID]; len(fs) != 1 || evidence(fs[0], "shared_with_agents") != "ai/summarizer; ai/triage" || evidence(fs[0], "shared_with_workloads") != "" {
		t.Errorf("two agent workloads on one account: %+v", fs)
	}
	if fs := got[mixed.ID]; len(fs) != 1 || evidence(fs[0], "shared_with_workloads") != "CronJob ai/backup" || evidence(fs[0], "shared_with_agents") != "" {
		t.Errorf("agent and a cron job on one account: %+v", fs)
	}
	if fs := got[def.ID]; len(fs) != 1 || evidence(fs[0], "shared_with_workloads") != "every pod of namespace tools that names no service account" {
		t.Errorf("agent on the default account: %+v", fs)
	}
	if len(got[alone.ID])+len(got[kagentSA.ID]) != 0 {
		t.Errorf("an agent alone on its account (a kagent Agent and its own Deployment): %+v", got)
	}
}

// Kubernetes: an agent's service account with a legacy token Secret acts
// as a static credential.
func TestAgentStaticK8s(t *testing.T) {
	token := func(status string) func(*inventory.Identity) {
		return func(id *inventory.Identity) {
			id.Credentials = append(id.Credentials, inventory.Credential{ID: id.Path + "/tok", Kind: inventory.CredK8sLegacyToken, Status: status})
		}
	}
	withToken := ksa("ai", "bots", workload("Deployment", "ai", "triage", agentLabel), token(inventory.CredentialActive))
	invalid := ksa("ai", "old", workload("Deployment", "ai", "old", agentLabel), token(inventory.CredentialInactive))
	notAgent := ksa("ai", "web", workload("Deployment", "ai", "web", nil), token(inventory.CredentialActive))
	got := runAgentRule(t, agentStatic{}, inventory.Inventory{Identities: []inventory.Identity{withToken, invalid, notAgent}})
	if fs := got[withToken.ID]; len(fs) != 1 || evidence(fs[0], "keys") != "ai/tok" {
		t.Errorf("agent account with a legacy token: %+v", fs)
	}
	if len(got) != 1 {
		t.Errorf("invalidated token or no agent: %v", got)
	}
}

// NHI-AGT-005 on Azure and Kubernetes: the Agent ID Administrator role
// or a Graph permission that writes agent identities; RBAC that writes
// kagent Agents. Reading them, or writing something else, is not it.
func TestAgentPlatformControlAzureK8s(t *testing.T) {
	adminAgent, ag1 := entraAgent("a1", "bp", "sam@contoso.example")
	dirRoleOf("Agent ID Administrator")(&adminAgent)
	graphAgent, ag2 := entraAgent("a2", "bp", "sam@contoso.example")
	graphApp("AgentIdentity.ReadWrite.All")(&graphAgent)
	readAgent, ag3 := entraAgent("a3", "bp", "sam@contoso.example")
	graphApp("AgentIdentity.Read.All")(&readAgent)
	writer := ksa("ai", "writer", workload("Deployment", "ai", "w", agentLabel),
		kbind("ClusterRole/agent-editor", "cluster", []inventory.RBACRule{{Verbs: []string{"get", "patch"}, APIGroups: []string{"kagent.dev"}, Resources: []string{"agents"}}}, nil))
	reader := ksa("ai", "reader", workload("Deployment", "ai", "r", agentLabel),
		kbind("ClusterRole/agent-viewer", "cluster", []inventory.RBACRule{{Verbs: []string{"get", "list"}, APIGroups: []string{"kagent.dev"}, Resources: []string{"agents"}},
			{Verbs: []string{"patch"}, APIGroups: []string{"apps"}, Resources: []string{"deployments"}}}, nil))
	inv := inventory.Inventory{Identities: []inventory.Identity{adminAgent, graphAgent, readAgent, writer, reader}, Agents: []inventory.Agent{ag1, ag2, ag3}}
	got := runAgentRule(t, agentPlatformControl{}, inv)
	for _, id := range []string{adminAgent.ID, graphAgent.ID, writer.ID} {
		if fs := got[id]; len(fs) != 1 || fs[0].Severity != findings.High {
			t.Errorf("%s: %+v", id, fs)
		}
	}
	if len(got) != 3 {
		t.Errorf("readers judged: %v", got)
	}

	// The agents view's reach: what a Kubernetes agent may change.
	cfg := DefaultConfig(asOf)
	found, err := Run(context.Background(), &inv, All(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range AgentView(&inv, cfg, found) {
		if r.Name == "ai/r" && !slices.Equal(r.WritableServices, []string{"deployments.apps"}) {
			t.Errorf("ai/r writes %q", r.WritableServices)
		}
	}
}
