package gcp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/gcp/gcptest"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

const reAgent = "service-748392011823@gcp-sa-aiplatform-re.iam.gserviceaccount.com"

func engine(t *testing.T, inv inventory.Inventory, name string) inventory.Agent {
	t.Helper()
	for _, a := range inv.Agents {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no agent %q in %+v", name, inv.Agents)
	return inventory.Agent{}
}

// Agent Engine agents from the REST list, per location: the default
// service agent, a chosen service account, and Agent Identity. The
// Reasoning Engine service agent is in scope with its roles; other
// service agents stay excluded; the per-agent principal is an identity.
func TestOfflineReasoningEngines(t *testing.T) {
	inv := load(t, "testdata/agents")
	if len(inv.Agents) != 3 {
		t.Fatalf("agents = %+v", inv.Agents)
	}
	faq := engine(t, inv, "faq-bot")
	if faq.IdentityID != reAgent || faq.IdentityType != inventory.ActsAsServiceAgent || faq.Account != "acme-ai" || faq.Location != "us-central1" || faq.Platform != inventory.PlatformAgentEngine || faq.CreatedAt.IsZero() {
		t.Errorf("faq-bot = %+v", faq)
	}
	if r := engine(t, inv, "researcher"); r.IdentityID != "research@acme-ai.iam.gserviceaccount.com" || r.IdentityType != inventory.ActsAsServiceAccount || r.Tags["owner"] != "team-research" {
		t.Errorf("researcher = %+v", r)
	}
	own := engine(t, inv, "own-identity")
	principal := "principal://agents.global.org-905512344321.system.id.goog/resources/aiplatform/projects/748392011823/locations/us-central1/reasoningEngines/8812930045517824000"
	if own.IdentityID != principal || own.IdentityType != inventory.ActsAsAgentPrincipal {
		t.Errorf("own-identity = %+v", own)
	}
	// Deployment environment variables may hold secrets: never read.
	if out, _ := json.Marshal(inv); strings.Contains(string(out), "NOTAREALTOKEN") {
		t.Error("an engine's environment reached the inventory")
	}
	sa := byID(t, inv, reAgent)
	roles := []string{}
	for _, b := range sa.Bindings {
		roles = append(roles, b.Role)
	}
	if sa.Excluded != "" || sa.Account != "acme-ai" || strings.Join(roles, " ") != "roles/aiplatform.reasoningEngineServiceAgent roles/aiplatform.user" {
		t.Errorf("service agent = %+v (roles %v)", sa, roles)
	}
	if p := byID(t, inv, "service-748392011823@gcp-sa-pubsub.iam.gserviceaccount.com"); p.Excluded == "" {
		t.Error("the Pub/Sub service agent is no longer excluded")
	}
	pr := byID(t, inv, principal)
	if pr.Kind != inventory.KindGCPAgentPrincipal || len(pr.Bindings) != 1 || pr.Bindings[0].Role != "roles/storage.objectViewer" || pr.Account != "acme-ai" {
		t.Errorf("agent principal = %+v", pr)
	}
}

// Without effectiveIdentity or a project number in the name, nothing is
// guessed: the agent's identity is unknown and a warning says so.
func TestReasoningEngineUnknownIdentity(t *testing.T) {
	o := NewOffline()
	data := `[{"name": "projects/acme-ai/locations/us-central1/reasoningEngines/1", "displayName": "x", "createTime": "2025-10-01T09:00:00Z"}]`
	if ok, err := o.Add("exp/acme-ai/reasoning-engines.json", []byte(data)); !ok || err != nil {
		t.Fatalf("Add = %v, %v", ok, err)
	}
	inv, _ := o.Inventory()
	if a := engine(t, inv, "x"); a.IdentityID != "" || a.Account != "acme-ai" {
		t.Errorf("agent = %+v", a)
	}
	var ws []string
	for _, s := range inv.Sources {
		ws = append(ws, s.Warnings...)
	}
	if !strings.Contains(strings.Join(ws, "\n"), "the identity it acts as is unknown") {
		t.Errorf("warnings = %q", ws)
	}
	if ok, err := NewOffline().Add("x.json", []byte(`[{"name": "projects/p/reasoningEngines/1"}]`)); ok && err == nil {
		t.Error("a malformed engine name was accepted")
	}
}

// The live scanner lists engines per location through the Vertex AI
// REST client; a denied location is a warning, and the rest is read.
func TestLiveReasoningEngines(t *testing.T) {
	srv := gcptest.New(t, "testdata/agents")
	srv.DenyLocation["europe-west4"] = true
	inv, err := NewLive(LiveOptions{Projects: []string{"acme-ai"}, AgentLocations: []string{"us-central1", "europe-west4"}, GRPCOptions: srv.GRPCOptions, RESTOptions: srv.RESTOptions}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Agents) != 3 {
		t.Fatalf("agents = %+v", inv.Agents)
	}
	if a := engine(t, inv, "faq-bot"); a.IdentityID != reAgent || a.Account != "acme-ai" {
		t.Errorf("faq-bot = %+v", a)
	}
	if n := srv.Count("reasoningEngines.list"); n != 4 {
		t.Errorf("reasoningEngines.list calls = %d, want 3 pages in us-central1 and 1 denied", n)
	}
	if inv.Sources[0].Status != inventory.StatusOK || !strings.Contains(strings.Join(inv.Sources[0].Warnings, "\n"), "europe-west4: PermissionDenied: Permission 'aiplatform.reasoningEngines.list' denied") {
		t.Errorf("source = %+v", inv.Sources[0])
	}
	byID(t, inv, reAgent)
}
