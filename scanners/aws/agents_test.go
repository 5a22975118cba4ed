package aws

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func agentByName(t *testing.T, ags []inventory.Agent, name string) inventory.Agent {
	t.Helper()
	for _, a := range ags {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no agent %q in %+v", name, ags)
	return inventory.Agent{}
}

func allWarnings(inv inventory.Inventory) string {
	var ws []string
	for _, s := range inv.Sources {
		ws = append(ws, s.Warnings...)
	}
	return strings.Join(ws, "\n")
}

// The AWS CLI's get-agent, list-agents, get-agent-runtime and
// list-agent-runtimes outputs: details name the role, lists alone do not.
func TestOfflineAgents(t *testing.T) {
	inv := load(t, "agents/list-agents.json", "agents/get-agent-BILLING001.json", "agents/list-agent-runtimes.json", "agents/get-agent-runtime-research_agent.json")
	if len(inv.Agents) != 3 {
		t.Fatalf("agents = %+v, want billing-helper, draft-agent and research_agent once each", inv.Agents)
	}
	b := agentByName(t, inv.Agents, "billing-helper")
	if b.Platform != inventory.PlatformBedrockAgent || b.ID != "arn:aws:bedrock:eu-west-1:123456789012:agent/BILLING001" || b.Account != "123456789012" || b.Location != "eu-west-1" ||
		b.IdentityID != "arn:aws:iam::123456789012:role/service-role/AmazonBedrockExecutionRoleForAgents_BILLING" || b.IdentityType != inventory.ActsAsRole ||
		!b.CreatedAt.Equal(time.Date(2025, 6, 30, 9, 12, 44, 102938000, time.UTC)) || b.Status != "PREPARED" {
		t.Errorf("billing-helper = %+v", b)
	}
	r := agentByName(t, inv.Agents, "research_agent")
	if r.Platform != inventory.PlatformAgentCoreRuntime || r.Location != "us-west-2" || r.IdentityID != "arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-us-west-2-4f1c2a9b7e" ||
		!strings.HasSuffix(r.WorkloadIdentity, "workload-identity/research_agent-Qm3x8LpZ2d") || r.CreatedAt.IsZero() {
		t.Errorf("research_agent = %+v", r)
	}
	d := agentByName(t, inv.Agents, "draft-agent")
	if d.IdentityID != "" || d.ID != "DRAFTONLY9" {
		t.Errorf("draft-agent (listed only) = %+v", d)
	}
	if w := allWarnings(inv); !strings.Contains(w, "aws bedrock-agent get-agent --agent-id DRAFTONLY9") || strings.Contains(w, "BILLING001") {
		t.Errorf("warnings = %q, want one for the agent listed without details", w)
	}
	// A runtime's environment variables may hold secrets: never read.
	if out, _ := json.Marshal(inv); strings.Contains(string(out), "NOTAREALKEY") || strings.Contains(string(out), "SEARCH_API_KEY") {
		t.Error("a runtime's environment variables reached the inventory")
	}
	// The details given before the list: the same three.
	again := load(t, "agents/get-agent-runtime-research_agent.json", "agents/get-agent-BILLING001.json", "agents/list-agent-runtimes.json", "agents/list-agents.json")
	if len(again.Agents) != 3 || agentByName(t, again.Agents, "research_agent").IdentityID == "" || agentByName(t, again.Agents, "billing-helper").IdentityID == "" {
		t.Errorf("details then lists = %+v", again.Agents)
	}
}

func TestOfflineAgentErrors(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"bad-date", `{"agent": {"agentArn": "arn:aws:bedrock:us-east-1:123456789012:agent/A", "agentName": "a", "createdAt": "yesterday"}}`, `field agent.createdAt: "yesterday" is not a date`},
		{"bad-arn", `{"agent": {"agentArn": "A", "agentName": "a"}}`, `field agent.agentArn: "A" is not an ARN`},
		{"bad-type", `{"agentRuntimes": {"x": 1}}`, `field agentRuntimes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := NewOffline().Add(tc.name+".json", []byte(tc.data))
			if !ok || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Add = %v, %v; want an error containing %q", ok, err, tc.want)
			}
		})
	}
	// A list page whose later pages are missing says so.
	o := NewOffline()
	if ok, err := o.Add("p1.json", []byte(`{"agentSummaries": [], "nextToken": "abc"}`)); !ok || err != nil {
		t.Fatalf("Add = %v, %v", ok, err)
	}
	inv, _ := o.Inventory()
	if !strings.Contains(allWarnings(inv), "p1.json is one page of a list") {
		t.Errorf("warnings = %q", allWarnings(inv))
	}
}

// Bedrock agents and AgentCore runtimes through the real SDK clients:
// ListAgents pages, GetAgent per agent, ListAgentRuntimes and
// GetAgentRuntime; a region that denies access is a warning and the
// other regions and IAM complete.
func TestLiveAgents(t *testing.T) {
	f := awstest.New(t)
	f.DenyRegion["eu-west-1"] = true
	inv, err := testLive(LiveOptions{AgentRegions: []string{"us-east-1", "us-west-2", "eu-west-1"}}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Sources) != 1 || inv.Sources[0].Status != inventory.StatusOK {
		t.Fatalf("sources = %+v", inv.Sources)
	}
	if len(inv.Agents) != 3 {
		t.Fatalf("agents = %+v, want helper, triage and coder", inv.Agents)
	}
	role := "arn:aws:iam::" + awstest.MgmtAccount + ":role/app"
	for _, name := range []string{"helper", "triage", "coder"} {
		if a := agentByName(t, inv.Agents, name); a.IdentityID != role || a.Account != awstest.MgmtAccount || a.CreatedAt.IsZero() {
			t.Errorf("%s = %+v", name, a)
		}
	}
	if c := agentByName(t, inv.Agents, "coder"); c.Platform != inventory.PlatformAgentCoreRuntime || c.Location != "us-west-2" || c.WorkloadIdentity == "" {
		t.Errorf("coder = %+v", c)
	}
	if h := agentByName(t, inv.Agents, "helper"); h.Platform != inventory.PlatformBedrockAgent || h.Location != "us-east-1" || !h.UpdatedAt.Equal(time.Date(2024, 5, 1, 10, 0, 0, 123456000, time.UTC)) {
		t.Errorf("helper = %+v", h)
	}
	// us-east-1: two pages; us-west-2: one; eu-west-1: denied once.
	if n := f.Count(awstest.MgmtAccount, "ListAgents"); n != 4 {
		t.Errorf("ListAgents calls = %d, want 4", n)
	}
	if n := f.Count(awstest.MgmtAccount, "GetAgent"); n != 2 {
		t.Errorf("GetAgent calls = %d, want 2", n)
	}
	if n := f.Count(awstest.MgmtAccount, "GetAgentRuntime"); n != 1 {
		t.Errorf("GetAgentRuntime calls = %d, want 1", n)
	}
	w := strings.Join(inv.Sources[0].Warnings, "\n")
	if !strings.Contains(w, "eu-west-1: Bedrock agents not listed: bedrock:ListAgents: AccessDeniedException") || !strings.Contains(w, "eu-west-1: AgentCore runtimes not listed") || strings.Contains(w, "us-east-1") {
		t.Errorf("warnings = %q", w)
	}
	if r := f.Regions(); r["us-west-2"] == 0 || r["eu-west-1"] == 0 {
		t.Errorf("signing regions = %v, want the agent regions", r)
	}
}
