package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
)

// An empty view is an empty list in JSON and says so in the table; an
// agent's text cannot break a Markdown table.
func TestWriteAgents(t *testing.T) {
	var b bytes.Buffer
	if err := WriteAgents(&b, JSON, &findings.AgentReport{}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Agents  []any `json:"agents"`
		Sources []any `json:"sources"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil || got.Agents == nil || got.Sources == nil {
		t.Errorf("empty JSON view = %s (%v)", b.String(), err)
	}
	b.Reset()
	if err := WriteAgents(&b, Table, &findings.AgentReport{}); err != nil || !strings.HasSuffix(b.String(), "0 agents\n") {
		t.Errorf("empty table = %q (%v)", b.String(), err)
	}
	b.Reset()
	r := &findings.AgentReport{Agents: []findings.AgentRow{{Name: "a|b", Platform: "aws.bedrock.agent", Account: "1", Identity: "arn:x", IdentityKnown: false, IdentityType: "role", Credential: "unknown"}}}
	if err := WriteAgents(&b, Markdown, r); err != nil {
		t.Fatal(err)
	}
	row := strings.Split(strings.TrimSpace(b.String()), "\n")
	last := row[len(row)-1]
	if strings.Count(last, " | ") != 7 || !strings.Contains(last, `a\|b`) || !strings.Contains(last, "arn:x (role; not in the scan)") || !strings.Contains(last, "| unknown |") {
		t.Errorf("markdown row = %q", last)
	}
	if err := WriteAgents(&b, SARIF, r); err == nil {
		t.Error("SARIF accepted for the agents view")
	}
}

// An agent without an owner says "none"; one whose owners or sponsors
// were not exported says "not assessed".
func TestWriteAgentsOwnerNotAssessed(t *testing.T) {
	r := &findings.AgentReport{Agents: []findings.AgentRow{
		{Name: "orphan", Platform: "azure.entra.agent-identity", Account: "t", Credential: "unknown"},
		{Name: "unread", Platform: "azure.entra.agent-identity", Account: "t", Credential: "unknown", OwnerNotAssessed: true},
	}}
	var b bytes.Buffer
	if err := WriteAgents(&b, Markdown, r); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(b.String()), "\n")
	owner := map[string]string{}
	for _, row := range rows {
		if cells := strings.Split(row, " | "); len(cells) == 8 {
			owner[strings.Fields(cells[1])[0]] = cells[4]
		}
	}
	if owner["orphan"] != "none" || owner["unread"] != "not assessed" {
		t.Errorf("owners = %q\n%s", owner, b.String())
	}
}
