package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// escalationFindings runs the two graph rules over a small account.
func escalationFindings(t *testing.T, ids ...inventory.Identity) []findings.Finding {
	t.Helper()
	cfg := DefaultConfig(asOf)
	cfg.Disabled = map[string]bool{}
	for _, r := range All() {
		if id := r.Meta().ID; id != "NHI-ESC-001" && id != "NHI-DEL-006" {
			cfg.Disabled[id] = true
		}
	}
	inv := inventory.Inventory{Identities: ids}
	fs, err := Run(context.Background(), &inv, All(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func awsAdminRole(name string, mods ...func(*inventory.Identity)) inventory.Identity {
	return role(name, append([]func(*inventory.Identity){grant(allowAll())}, mods...)...)
}

func TestEscalationSeverity(t *testing.T) {
	passLambda := grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"}, Resources: []string{"*"}})
	lambdaAdmin := awsAdminRole("fn-admin", trust(trustStmt("Service", "lambda.amazonaws.com", nil)))
	tests := []struct {
		name string
		ids  []inventory.Identity
		want string // "RULE severity identity" lines
	}{
		{"one_hop_high", []inventory.Identity{role("dev", passLambda), lambdaAdmin}, "NHI-ESC-001 high dev"},
		{"agent_start_critical", []inventory.Identity{role("bot", passLambda, agentRole), lambdaAdmin}, "NHI-ESC-001 critical bot"},
		{"static_key_start_critical", []inventory.Identity{user("ci", passLambda, key("AKIA1", inventory.CredentialActive, 10, nil)), lambdaAdmin}, "NHI-ESC-001 critical ci"},
		{"admin_not_reported", []inventory.Identity{lambdaAdmin}, ""},
		{"no_path", []inventory.Identity{role("dev", grant(inventory.Statement{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"*"}})), lambdaAdmin}, ""},
		{"possible_path_lower", []inventory.Identity{role("dev", grant(inventory.Statement{Effect: "Allow", Actions: []string{"lambda:UpdateFunctionCode"}, Resources: []string{"*"}})), lambdaAdmin}, "NHI-ESC-001 medium dev"},
		{"three_hops_medium", []inventory.Identity{
			role("h0", grant(inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Resources: []string{"arn:aws:iam::111122223333:role/h1"}})),
			role("h1", trust(trustStmt("AWS", "arn:aws:iam::111122223333:role/h0", nil)), grant(inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Resources: []string{"arn:aws:iam::111122223333:role/h2"}})),
			role("h2", trust(trustStmt("AWS", "arn:aws:iam::111122223333:role/h1", nil)), passLambda),
			lambdaAdmin,
		}, "NHI-ESC-001 high h1\nNHI-ESC-001 high h2\nNHI-ESC-001 medium h0"},
		{"through_agent", []inventory.Identity{
			role("caller", grant(inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Resources: []string{"*"}})),
			role("agent", trust(trustStmt("AWS", "111122223333", nil)), passLambda, agentRole),
			lambdaAdmin,
		}, "NHI-ESC-001 critical agent\nNHI-ESC-001 high caller\nNHI-DEL-006 medium caller"},
		{"cross_account", []inventory.Identity{
			role("caller", grant(inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Resources: []string{"*"}})),
			{ID: "arn:aws:iam::999999999999:role/remote", Provider: inventory.AWS, Kind: inventory.KindAWSRole, Account: "999999999999", Name: "remote",
				Trust:  []inventory.Statement{trustStmt("AWS", "arn:aws:iam::111122223333:root", nil)},
				Grants: []inventory.Grant{{Source: "inline", PolicyName: "p", Statements: []inventory.Statement{allowAll()}}}, Tags: map[string]string{"owner": "x"}, LastUsedKnown: true},
		}, "NHI-DEL-006 high caller\nNHI-ESC-001 high caller"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range escalationFindings(t, tt.ids...) {
				got = append(got, f.RuleID+" "+f.Severity.String()+" "+f.Identity.Name)
				if f.RuleID == "NHI-ESC-001" && !strings.Contains(f.Evidence[0].Value, "-[") {
					t.Errorf("path evidence = %q", f.Evidence[0].Value)
				}
			}
			if strings.Join(got, "\n") != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), tt.want)
			}
		})
	}
}
