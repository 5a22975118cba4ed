package rules

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

const reSA = "service-123@gcp-sa-aiplatform-re.iam.gserviceaccount.com"

func bedrockAgent(name, roleID string, tags map[string]string) inventory.Agent {
	return inventory.Agent{Provider: inventory.AWS, Platform: inventory.PlatformBedrockAgent, ID: "arn:aws:bedrock:us-east-1:111122223333:agent/" + name,
		Name: name, Account: "111122223333", Location: "us-east-1", IdentityID: roleID, IdentityType: inventory.ActsAsRole, Tags: tags}
}

func engineAgent(name, identity string, labels map[string]string) inventory.Agent {
	return inventory.Agent{Provider: inventory.GCP, Platform: inventory.PlatformAgentEngine, ID: "projects/123/locations/us-central1/reasoningEngines/" + name,
		Name: name, Account: "p", Location: "us-central1", IdentityID: identity, IdentityType: inventory.ActsAsServiceAgent, Tags: labels}
}

func reServiceAgentIdentity(mods ...func(*inventory.Identity)) inventory.Identity {
	id := inventory.Identity{ID: reSA, Provider: inventory.GCP, Kind: inventory.KindGCPAccount, Account: "p", Name: "service-123"}
	for _, m := range mods {
		m(&id)
	}
	return id
}

// runAgentRule runs one rule on a whole inventory and returns its
// findings by identity id.
func runAgentRule(t *testing.T, r Rule, inv inventory.Inventory) map[string][]findings.Finding {
	t.Helper()
	cfg := DefaultConfig(asOf)
	cfg.Disabled = map[string]bool{}
	for _, other := range All() {
		if other.Meta().ID != r.Meta().ID {
			cfg.Disabled[other.Meta().ID] = true
		}
	}
	fs, err := Run(context.Background(), &inv, All(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]findings.Finding{}
	for _, f := range fs {
		if f.RuleID != r.Meta().ID || f.Fingerprint == "" || f.Message == "" {
			t.Errorf("malformed finding %+v", f)
		}
		out[f.Identity.ID] = append(out[f.Identity.ID], f)
	}
	return out
}

func evidence(f findings.Finding, key string) string {
	for _, e := range f.Evidence {
		if e.Key == key {
			return e.Value
		}
	}
	return ""
}

func TestClassifyAgents(t *testing.T) {
	inv := inventory.Inventory{
		Identities: []inventory.Identity{
			role("listed"), role("plain"), reServiceAgentIdentity(),
			{ID: "principal://agents.global.org-1.system.id.goog/resources/aiplatform/projects/123/locations/us-central1/reasoningEngines/9", Provider: inventory.GCP, Kind: inventory.KindGCPAgentPrincipal, Account: "p"},
			gsa("other"),
		},
		Agents: []inventory.Agent{bedrockAgent("a", "arn:aws:iam::111122223333:role/listed", map[string]string{"owner": "team-x"})},
	}
	cfg := DefaultConfig(asOf)
	Classify(&inv, &cfg)
	want := map[string]bool{"listed": true, "plain": false, "service-123": true, "other": false, "": true}
	for _, id := range inv.Identities {
		if id.Agent != want[id.Name] {
			t.Errorf("%s: agent = %v", id.ID, id.Agent)
		}
	}
	if inv.Agents[0].Owner != "team-x" {
		t.Errorf("agent owner from its tags = %q", inv.Agents[0].Owner)
	}
}

func TestAgentShared(t *testing.T) {
	samlRole := role("triage", agentRole, trust(trustStmt("Federated", "arn:aws:iam::111122223333:saml-provider/okta", nil)))
	lambdaRole := role("tool", agentRole, trust(trustStmt("Service", "lambda.amazonaws.com", nil)))
	alone := role("alone", agentRole)
	userSA := gsa("runner", func(id *inventory.Identity) {
		id.ResourceBindings = append(id.ResourceBindings, inventory.Binding{Role: "roles/iam.serviceAccountUser", Scope: "projects/p/serviceAccounts/" + id.ID,
			Members: []inventory.Principal{{Type: "user", Value: "dana@example.com"}}})
	})
	inv := inventory.Inventory{
		Identities: []inventory.Identity{samlRole, lambdaRole, alone, reServiceAgentIdentity(), userSA, project()},
		Agents: []inventory.Agent{
			engineAgent("bot1", reSA, nil), engineAgent("bot2", reSA, nil),
			{Provider: inventory.GCP, Platform: inventory.PlatformAgentEngine, ID: "projects/123/locations/us-central1/reasoningEngines/r", Name: "r", Account: "p", IdentityID: userSA.ID, IdentityType: inventory.ActsAsServiceAccount},
		},
	}
	got := runAgentRule(t, agentShared{}, inv)
	if fs := got[reSA]; len(fs) != 1 || fs[0].Severity != findings.Medium || evidence(fs[0], "shared_with_agents") != "bot1; bot2" {
		t.Errorf("service agent shared by two engines: %+v", fs)
	}
	if fs := got[samlRole.ID]; len(fs) != 1 || fs[0].Severity != findings.High || !strings.Contains(evidence(fs[0], "shared_with_people"), "SAML federation okta") {
		t.Errorf("agent role people can assume: %+v", fs)
	}
	if fs := got[lambdaRole.ID]; len(fs) != 1 || fs[0].Severity != findings.Medium || evidence(fs[0], "shared_with_workloads") != "service lambda.amazonaws.com" {
		t.Errorf("agent role shared with Lambda: %+v", fs)
	}
	if fs := got[userSA.ID]; len(fs) != 1 || !strings.Contains(evidence(fs[0], "shared_with_people"), "user:dana@example.com") {
		t.Errorf("agent service account a person may impersonate: %+v", fs)
	}
	if fs := got[alone.ID]; len(fs) != 0 {
		t.Errorf("an agent role trusted by Bedrock alone: %+v", fs)
	}
}

func TestAgentStatic(t *testing.T) {
	runCases(t, agentStatic{}, []ruleCase{
		{name: "agent_user_with_key", id: user("bot", key("AKIA1", inventory.CredentialActive, 10, nil)), cfg: func(c *Config) { c.Agents = []string{"bot"} }, want: []findings.Severity{H}},
		{name: "agent_user_inactive_key", id: user("bot", key("AKIA1", inventory.CredentialInactive, 10, nil)), cfg: func(c *Config) { c.Agents = []string{"bot"} }},
		{name: "not_an_agent", id: user("ci", key("AKIA1", inventory.CredentialActive, 10, nil))},
		{name: "agent_role", id: role("r", agentRole)},
	})
}

func TestAgentNoOwner(t *testing.T) {
	ownerless := role("exec", agentRole, func(id *inventory.Identity) { id.Tags = nil })
	admin := role("adminexec", agentRole, grant(allowAll()), func(id *inventory.Identity) { id.Tags = nil })
	owned := role("owned", agentRole)
	inv := inventory.Inventory{
		Identities: []inventory.Identity{ownerless, admin, owned, reServiceAgentIdentity()},
		Agents: []inventory.Agent{
			bedrockAgent("a1", ownerless.ID, nil), bedrockAgent("a2", ownerless.ID, map[string]string{"owner": "team-a"}),
			bedrockAgent("a3", admin.ID, nil), bedrockAgent("a4", owned.ID, nil),
			engineAgent("e1", reSA, map[string]string{"team": "search"}),
		},
	}
	got := runAgentRule(t, agentNoOwner{}, inv)
	if fs := got[ownerless.ID]; len(fs) != 1 || fs[0].Severity != findings.Medium || !strings.HasPrefix(evidence(fs[0], "agents"), "a1 (") || strings.Contains(evidence(fs[0], "agents"), "a2") {
		t.Errorf("ownerless agent a1 (a2 has an owner tag): %+v", fs)
	}
	if fs := got[admin.ID]; len(fs) != 1 || fs[0].Severity != findings.High {
		t.Errorf("ownerless agent on an administrator: %+v", fs)
	}
	if len(got[owned.ID])+len(got[reSA]) != 0 {
		t.Errorf("agents with an owner (identity's tag, engine label): %+v", got)
	}
}

func TestAgentAdmin(t *testing.T) {
	runCases(t, agentAdmin{}, []ruleCase{
		{name: "agent_admin", id: role("r", agentRole, grant(allowAll())), want: []findings.Severity{C}},
		{name: "agent_scoped", id: role("r", agentRole, grant(inventory.Statement{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"*"}}))},
		{name: "admin_not_agent", id: role("r", grant(allowAll()))},
		{name: "agent_one_hop", id: role("r", agentRole, grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:AttachRolePolicy"}, Resources: []string{"*"}})), want: []findings.Severity{C}},
	})
}

func TestAgentPlatformControl(t *testing.T) {
	stmt := func(action, resource string) inventory.Statement {
		return inventory.Statement{Effect: "Allow", Actions: []string{action}, Resources: []string{resource}}
	}
	runCases(t, agentPlatformControl{}, []ruleCase{
		{name: "update_agent_everywhere", id: role("r", agentRole, grant(stmt("bedrock:UpdateAgent", "*"))), want: []findings.Severity{H}},
		{name: "update_own_agent_only", id: role("r", agentRole, grant(stmt("bedrock:UpdateAgent", "arn:aws:bedrock:us-east-1:111122223333:agent/ABCDEFGHIJ")))},
		{name: "token_for_any_user", id: role("r", agentRole, grant(stmt("bedrock-agentcore:GetWorkloadAccessTokenForUserId", "*"))), want: []findings.Severity{H}},
		{name: "token_own_identity", id: role("r", agentRole, grant(stmt("bedrock-agentcore:GetWorkloadAccessTokenForUserId", "arn:aws:bedrock-agentcore:us-east-1:111122223333:workload-identity-directory/default/workload-identity/mine-*")))},
		{name: "not_an_agent", id: role("r", grant(stmt("bedrock:UpdateAgent", "*")))},
		{name: "gcp_aiplatform_user", id: gsa("bot", bind("roles/aiplatform.user", "projects/p", nil)), cfg: func(c *Config) { c.Agents = []string{"bot"} }, want: []findings.Severity{H}},
		{name: "gcp_custom_update", id: gsa("bot", bind("projects/p/roles/r", "projects/p", nil, "aiplatform.reasoningEngines.update")), cfg: func(c *Config) { c.Agents = []string{"bot"} }, want: []findings.Severity{H}},
		{name: "gcp_viewer", id: gsa("bot", bind("roles/aiplatform.viewer", "projects/p", nil)), cfg: func(c *Config) { c.Agents = []string{"bot"} }},
	})
	// iam:PassRole on another agent's role of the same account.
	exec := role("exec", agentRole)
	passer := role("passer", agentRole, grant(stmt("iam:PassRole", exec.ID)))
	got := runAgentRule(t, agentPlatformControl{}, inventory.Inventory{Identities: []inventory.Identity{exec, passer}})
	if fs := got[passer.ID]; len(fs) != 1 || !strings.Contains(evidence(fs[0], "permissions"), "iam:PassRole on "+exec.ID) {
		t.Errorf("PassRole on an agent role: %+v", got)
	}
}

// The agents view: listed agents and unlisted agent identities, with
// sharing, reach and findings.
func TestAgentView(t *testing.T) {
	admin := role("exec", agentRole, grant(allowAll()))
	tagged := user("bot", key("AKIA1", inventory.CredentialActive, 10, nil), func(id *inventory.Identity) { id.Tags = map[string]string{"nhiscan:agent": "true", "owner": "ops"} })
	inv := inventory.Inventory{
		Identities: []inventory.Identity{admin, tagged, reServiceAgentIdentity(bind("roles/aiplatform.user", "projects/p", nil)), project()},
		Agents: []inventory.Agent{
			bedrockAgent("helper", admin.ID, nil), engineAgent("e1", reSA, nil), engineAgent("e2", reSA, nil),
			{Provider: inventory.AWS, Platform: inventory.PlatformBedrockAgent, ID: "LISTED0001", Name: "listed-only"},
		},
	}
	cfg := DefaultConfig(asOf)
	found, err := Run(context.Background(), &inv, All(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rows := AgentView(&inv, cfg, found)
	byName := map[string]findings.AgentRow{}
	for _, r := range rows {
		byName[r.Name] = r
	}
	if len(rows) != 5 {
		t.Fatalf("rows = %+v", rows)
	}
	h := byName["helper"]
	hasRule := func(r findings.AgentRow, id string) bool {
		for _, f := range r.Findings {
			if f.RuleID == id {
				return true
			}
		}
		return false
	}
	if !h.Admin || !h.IdentityKnown || h.Credential != "short-lived (role sessions)" || len(h.WritableServices) != 1 || h.WritableServices[0] != "*" || !hasRule(h, "NHI-AGT-004") {
		t.Errorf("helper = %+v", h)
	}
	e1 := byName["e1"]
	if len(e1.SharedWithAgents) != 1 || e1.SharedWithAgents[0] != "e2" || e1.Admin || len(e1.WritableServices) != 1 || e1.WritableServices[0] != "aiplatform" || !hasRule(e1, "NHI-AGT-001") {
		t.Errorf("e1 = %+v", e1)
	}
	if b := byName["bot"]; b.Platform != PlatformIdentity || !strings.HasPrefix(b.Credential, "static") || b.Owner != "ops" || !hasRule(b, "NHI-AGT-002") {
		t.Errorf("tagged agent user = %+v", b)
	}
	if l := byName["listed-only"]; l.Identity != "" || l.IdentityKnown || l.Credential != "unknown" || len(l.Findings) != 0 {
		t.Errorf("agent without details = %+v", l)
	}
}

// Two agents share one identity and only one has an owner: the view lists
// NHI-AGT-003 on the ownerless agent's row alone, the identity-wide
// NHI-AGT-001 on both. An Entra agent whose sponsors were not exported
// shows its owner as not assessed, one with none exported as none.
func TestAgentViewFindingsPerAgent(t *testing.T) {
	unread, agUnread := entraAgent("unread", "appid-bp", "")
	unread.NotAssessed = []string{inventory.NotAssessedOwners}
	orphan, agOrphan := entraAgent("orphan", "appid-bp", "")
	inv := inventory.Inventory{
		Identities: []inventory.Identity{reServiceAgentIdentity(bind("roles/aiplatform.user", "projects/p", nil)), project(), unread, orphan},
		Agents:     []inventory.Agent{engineAgent("owned", reSA, map[string]string{"owner": "team-a"}), engineAgent("ownerless", reSA, nil), agUnread, agOrphan},
	}
	cfg := DefaultConfig(asOf)
	found, err := Run(context.Background(), &inv, All(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string][]string{}
	rows := map[string]findings.AgentRow{}
	for _, r := range AgentView(&inv, cfg, found) {
		rows[r.Name] = r
		for _, f := range r.Findings {
			rules[r.Name] = append(rules[r.Name], f.RuleID)
		}
	}
	if !slices.Contains(rules["ownerless"], "NHI-AGT-003") || slices.Contains(rules["owned"], "NHI-AGT-003") {
		t.Errorf("NHI-AGT-003 on the wrong rows: %v", rules)
	}
	if !slices.Contains(rules["owned"], "NHI-AGT-001") || !slices.Contains(rules["ownerless"], "NHI-AGT-001") {
		t.Errorf("NHI-AGT-001 belongs on both rows: %v", rules)
	}
	if r := rows["unread"]; r.Owner != "" || !r.OwnerNotAssessed {
		t.Errorf("sponsors not exported: owner %q, not assessed %v", r.Owner, r.OwnerNotAssessed)
	}
	if r := rows["orphan"]; r.Owner != "" || r.OwnerNotAssessed || !slices.Contains(rules["orphan"], "NHI-AGT-003") {
		t.Errorf("no sponsors: owner %q, not assessed %v, findings %v", r.Owner, r.OwnerNotAssessed, rules["orphan"])
	}
}
