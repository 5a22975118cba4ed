package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
)

// The policy of the README's Permissions section is exactly what a live
// organization scan and 'org accounts' call (sts:GetCallerIdentity needs
// no permission): a call added to the scanner must be added to the policy.
func TestREADMEPermissionsMatchCalls(t *testing.T) {
	blocks := fencedBlocks(readmeSection(t, "### Permissions"), "json")
	if len(blocks) != 1 {
		t.Fatalf("want the policy as one JSON block, got %d", len(blocks))
	}
	var policy struct {
		Statement []struct {
			Action any
		}
	}
	if err := json.Unmarshal([]byte(blocks[0]), &policy); err != nil {
		t.Fatalf("README policy: %v", err)
	}
	var documented []string
	for _, st := range policy.Statement {
		switch a := st.Action.(type) {
		case string:
			documented = append(documented, a)
		case []any:
			for _, x := range a {
				documented = append(documented, x.(string))
			}
		}
	}
	sort.Strings(documented)

	f := awstest.New(t)
	if r := runCLI(t, liveEnv(), "scan", "aws", "--org", "--assume-role", "NhiscanAudit", "--format", "json"); r.code != 0 {
		t.Fatalf("org scan: exit %d: %s", r.code, r.stderr)
	}
	if r := runCLI(t, liveEnv(), "org", "accounts", "aws"); r.code != 0 {
		t.Fatalf("org accounts: exit %d: %s", r.code, r.stderr)
	}
	service := map[string]string{"AssumeRole": "sts", "ListAccounts": "organizations",
		"ListAgents": "bedrock", "GetAgent": "bedrock", "ListAgentRuntimes": "bedrock-agentcore", "GetAgentRuntime": "bedrock-agentcore"}
	var called []string
	for _, a := range f.Actions() {
		if a == "GetCallerIdentity" {
			continue
		}
		prefix := service[a]
		if prefix == "" {
			prefix = "iam"
		}
		called = append(called, prefix+":"+a)
	}
	sort.Strings(called)
	if d := cmp.Diff(documented, called); d != "" {
		t.Errorf("README policy (-) and the calls of a live scan (+) differ:\n%s", d)
	}
	if !strings.Contains(blocks[0], `"Resource": "arn:aws:iam::*:role/NhiscanAudit"`) {
		t.Error("the AssumeRole statement no longer names the audit role")
	}
}
