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

func TestLatentEscalation(t *testing.T) {
	allowOn := func(res string, actions ...string) func(*inventory.Identity) {
		return grant(inventory.Statement{Effect: "Allow", Actions: actions, Resources: []string{res}})
	}
	weakUser := user("bob", allowOn("*", "s3:GetObject"))
	adminUser := user("root-ish", grant(allowAll()))
	run := func(t *testing.T, inv inventory.Inventory) []findings.Finding {
		t.Helper()
		cfg := DefaultConfig(asOf)
		cfg.Disabled = map[string]bool{}
		for _, r := range All() {
			if id := r.Meta().ID; id != "NHI-ESC-001" && id != "NHI-ESC-002" {
				cfg.Disabled[id] = true
			}
		}
		fs, err := Run(context.Background(), &inv, All(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	for _, tt := range []struct {
		name    string
		ids     []inventory.Identity
		sources []inventory.Source
		want    string // "RULE severity identity" lines
		rights  string // substring of the rights evidence
		when    string // substring of exploitable_when
	}{
		{name: "create_access_key_no_admin_user", ids: []inventory.Identity{role("keys", allowOn("*", "iam:CreateAccessKey")), weakUser},
			want: "NHI-ESC-002 medium keys", rights: "iam:CreateAccessKey on every user of 111122223333 (1 today, such as bob)", when: "an administrator user in scope"},
		{name: "exploitable_today_is_esc001", ids: []inventory.Identity{role("keys", allowOn("*", "iam:CreateAccessKey")), adminUser},
			want: "NHI-ESC-001 high keys"},
		{name: "put_user_policy_on_others", ids: []inventory.Identity{role("mgr", allowOn("arn:aws:iam::111122223333:user/svc-*", "iam:PutUserPolicy", "iam:AttachUserPolicy")), weakUser},
			want: "NHI-ESC-002 medium mgr", rights: "iam:PutUserPolicy on arn:aws:iam::111122223333:user/svc-*", when: "whose credentials it obtains"},
		{name: "group_policies_and_membership", ids: []inventory.Identity{role("mgr", allowOn("*", "iam:PutGroupPolicy", "iam:AddUserToGroup"))},
			want: "NHI-ESC-002 medium mgr", rights: "iam:AddUserToGroup on every group of 111122223333 (none today)", when: "an administrator group in scope"},
		{name: "static_key_raises", ids: []inventory.Identity{user("ci", allowOn("*", "iam:CreateAccessKey"), key("AKIA1", inventory.CredentialActive, 10, nil))},
			want: "NHI-ESC-002 high ci", rights: "iam:CreateAccessKey"},
		{name: "conditional_lowers", ids: []inventory.Identity{role("keys", grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:CreateAccessKey"}, Resources: []string{"*"},
			Conditions: cond("Bool", "aws:MultiFactorAuthPresent", "true")}))}, want: "NHI-ESC-002 low keys", rights: "(conditional)"},
		{name: "login_profiles_without_report", ids: []inventory.Identity{role("pw", allowOn("*", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")), weakUser},
			sources: []inventory.Source{{Scanner: "aws", Scope: "111122223333", NotAssessed: []string{inventory.NotAssessedUserCredentials}}},
			want:    "NHI-ESC-002 medium pw", rights: "iam:UpdateLoginProfile on every user", when: "with a console password"},
		{name: "own_user_only_is_not_others", ids: []inventory.Identity{user("self", allowOn("arn:aws:iam::111122223333:user/self", "iam:CreateAccessKey"))}, want: ""},
		{name: "roles_pattern_is_not_users", ids: []inventory.Identity{role("r", allowOn("arn:aws:iam::111122223333:role/*", "iam:PutUserPolicy"))}, want: ""},
		{name: "other_account_users_are_not_in_scope", ids: []inventory.Identity{role("r", allowOn("arn:aws:iam::999999999999:user/*", "iam:CreateAccessKey"))}, want: ""},
		{name: "read_only", ids: []inventory.Identity{role("r", allowOn("*", "iam:Get*", "iam:List*"))}, want: ""},
		{name: "administrator_not_reported", ids: []inventory.Identity{role("a", grant(allowAll()))}, want: ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := run(t, inventory.Inventory{Identities: tt.ids, Sources: tt.sources})
			var got []string
			for _, f := range fs {
				got = append(got, f.RuleID+" "+f.Severity.String()+" "+f.Identity.Name)
				if f.RuleID != "NHI-ESC-002" {
					continue
				}
				if f.Category != findings.Escalation {
					t.Errorf("category %s", f.Category)
				}
				evs := map[string]string{}
				for _, e := range f.Evidence {
					evs[e.Key] = e.Value
				}
				if !strings.Contains(evs["rights"], tt.rights) || !strings.Contains(evs["exploitable_when"], tt.when) {
					t.Errorf("evidence %v, want rights ~ %q, exploitable_when ~ %q", evs, tt.rights, tt.when)
				}
			}
			if strings.Join(got, "\n") != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), tt.want)
			}
		})
	}
}

// TestARNAccountResource checks arnAccountResource against
// strings.SplitN(arn, ":", 6) on ARNs, patterns and things that are not.
func TestARNAccountResource(t *testing.T) {
	for _, arn := range []string{"arn:aws:iam::123456789012:user/a", "arn:aws:iam::*:role/*", "arn:aws:s3:::b/k:with:colons",
		"*", "", "arn:aws:iam::123456789012", "arn:aws:iam:::", "a:b:c:d:e:f:g", "::::", ":::::"} {
		parts := strings.SplitN(arn, ":", 6)
		acct, res, ok := arnAccountResource(arn)
		if ok != (len(parts) == 6) || ok && (acct != parts[4] || res != parts[5]) {
			t.Errorf("arnAccountResource(%q) = %q, %q, %v; SplitN gives %q", arn, acct, res, ok, parts)
		}
	}
}
