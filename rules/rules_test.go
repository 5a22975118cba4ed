package rules

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

var asOf = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return asOf.AddDate(0, 0, -n) }

func ptr(t time.Time) *time.Time { return &t }

func role(name string, mods ...func(*inventory.Identity)) inventory.Identity {
	id := inventory.Identity{
		ID: "arn:aws:iam::111122223333:role/" + name, Provider: inventory.AWS, Kind: inventory.KindAWSRole,
		Account: "111122223333", Name: name, CreatedAt: daysAgo(400), LastUsed: ptr(daysAgo(1)), LastUsedKnown: true,
		Tags: map[string]string{"owner": "team"}, MaxSession: time.Hour,
	}
	for _, m := range mods {
		m(&id)
	}
	return id
}

func user(name string, mods ...func(*inventory.Identity)) inventory.Identity {
	id := inventory.Identity{
		ID: "arn:aws:iam::111122223333:user/" + name, Provider: inventory.AWS, Kind: inventory.KindAWSUser,
		Account: "111122223333", Name: name, CreatedAt: daysAgo(400), LastUsedKnown: true,
		Tags: map[string]string{"owner": "team"},
	}
	for _, m := range mods {
		m(&id)
	}
	return id
}

func grant(stmts ...inventory.Statement) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		id.Grants = append(id.Grants, inventory.Grant{Source: inventory.SourceInline, PolicyName: "p", Statements: stmts})
	}
}

func managedGrant(arn string, stmts ...inventory.Statement) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		id.Grants = append(id.Grants, inventory.Grant{Source: inventory.SourceManaged, PolicyName: arn[strings.LastIndex(arn, "/")+1:], PolicyID: arn, Statements: stmts})
	}
}

func trust(stmts ...inventory.Statement) func(*inventory.Identity) {
	return func(id *inventory.Identity) { id.Trust = append(id.Trust, stmts...) }
}

func key(id string, status string, created int, lastUsed *time.Time) func(*inventory.Identity) {
	return func(i *inventory.Identity) {
		i.Credentials = append(i.Credentials, inventory.Credential{ID: id, Kind: inventory.CredAWSAccessKey, Status: status, CreatedAt: daysAgo(created), LastUsed: lastUsed, LastUsedKnown: true})
	}
}

func password(lastUsed *time.Time) func(*inventory.Identity) {
	return func(i *inventory.Identity) {
		i.Credentials = append(i.Credentials, inventory.Credential{Kind: inventory.CredAWSPassword, Status: inventory.CredentialActive, CreatedAt: daysAgo(300), LastUsed: lastUsed, LastUsedKnown: true})
	}
}

func allowAll() inventory.Statement {
	return inventory.Statement{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}}
}

func cond(op, k string, v ...string) []inventory.Condition {
	return []inventory.Condition{{Operator: op, Key: k, Values: v}}
}

// agentRole makes a role an AI agent's: trusted by Amazon Bedrock.
var agentRole = trust(trustStmt("Service", "bedrock.amazonaws.com", nil))

func trustStmt(ptype, value string, conds []inventory.Condition) inventory.Statement {
	return inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Principals: []inventory.Principal{{Type: ptype, Value: value}}, Conditions: conds}
}

type ruleCase struct {
	name string
	id   inventory.Identity
	cfg  func(*Config)
	// want lists the expected severities of the rule's findings, in order.
	want []findings.Severity
}

func runCases(t *testing.T, r Rule, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig(asOf)
			cfg.Disabled = map[string]bool{}
			for _, other := range All() {
				if other.Meta().ID != r.Meta().ID {
					cfg.Disabled[other.Meta().ID] = true
				}
			}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			inv := inventory.Inventory{Identities: []inventory.Identity{tc.id}}
			fs, err := Run(context.Background(), &inv, All(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []findings.Severity
			for _, f := range fs {
				got = append(got, f.Severity)
				if f.RuleID != r.Meta().ID || f.Category != r.Meta().Category || f.Fingerprint == "" || f.Message == "" {
					t.Errorf("malformed finding %+v", f)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d findings %v, want %v: %+v", len(got), got, tc.want, fs)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("finding %d: severity %v, want %v (%s)", i, got[i], tc.want[i], fs[i].Message)
				}
			}
		})
	}
}

var (
	C = findings.Critical
	H = findings.High
	M = findings.Medium
	L = findings.Low
)

func TestFullAdmin(t *testing.T) {
	mfa := cond("Bool", "aws:MultiFactorAuthPresent", "true")
	runCases(t, fullAdmin{}, []ruleCase{
		{name: "star_on_star", id: role("a", grant(allowAll())), want: []findings.Severity{C}},
		{name: "agent_stays_critical", id: role("a", grant(allowAll()), agentRole), want: []findings.Severity{C}},
		{name: "conditional_is_high", id: role("a", grant(inventory.Statement{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}, Conditions: mfa})), want: []findings.Severity{H}},
		{name: "denied", id: role("a", grant(allowAll(), inventory.Statement{Effect: "Deny", Actions: []string{"*"}, Resources: []string{"*"}})), want: nil},
		{name: "boundary_blocks", id: role("a", grant(allowAll()), func(i *inventory.Identity) {
			i.Boundary = &inventory.Grant{Source: inventory.SourceBoundary, Statements: []inventory.Statement{{Effect: "Allow", Actions: []string{"s3:*"}, Resources: []string{"*"}}}}
		}), want: nil},
		{name: "scoped_resource", id: role("a", grant(inventory.Statement{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"arn:aws:s3:::b"}})), want: nil},
		{name: "service_linked_excluded", id: role("a", grant(allowAll()), func(i *inventory.Identity) { i.Excluded = "service-linked role" }), want: nil},
		{name: "service_linked_included_by_config", id: role("a", grant(allowAll()), func(i *inventory.Identity) { i.Excluded = "service-linked role" }), cfg: func(c *Config) { c.IncludeProviderManaged = true }, want: []findings.Severity{C}},
		{name: "excluded_by_pattern", id: role("breakglass-1", grant(allowAll())), cfg: func(c *Config) { c.Exclude = []string{"breakglass-*"} }, want: nil},
		{name: "excluded_by_arn_pattern", id: role("breakglass-1", grant(allowAll())), cfg: func(c *Config) { c.Exclude = []string{"arn:aws:iam::*:role/break*"} }, want: nil},
		{name: "severity_override", id: role("a", grant(allowAll())), cfg: func(c *Config) { c.SeverityOverrides = map[string]findings.Severity{"NHI-OVB-001": L} }, want: []findings.Severity{L}},
	})
}

func TestServiceWildcard(t *testing.T) {
	runCases(t, serviceWildcard{}, []ruleCase{
		{name: "iam_star", id: role("a", grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:*"}, Resources: []string{"*"}})), want: []findings.Severity{H}},
		{name: "agent_raised", id: role("a", grant(inventory.Statement{Effect: "Allow", Actions: []string{"s3:*"}, Resources: []string{"*"}}), agentRole), want: []findings.Severity{H}},
		{name: "two_services_one_finding", id: role("a", grant(inventory.Statement{Effect: "Allow", Actions: []string{"kms:*", "s3:*"}, Resources: []string{"*"}})), want: []findings.Severity{H}},
		{name: "highest_service_decides", id: role("a", grant(inventory.Statement{Effect: "Allow", Actions: []string{"s3:*", "logs:*"}, Resources: []string{"*"}}, inventory.Statement{Effect: "Allow", Actions: []string{"iam:*"}, Resources: []string{"*"}, Conditions: cond("Bool", "aws:MultiFactorAuthPresent", "true")})), want: []findings.Severity{M}},
		{name: "prefix_only", id: role("a", grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:Get*", "iam:List*"}, Resources: []string{"*"}})), want: nil},
		{name: "scoped_resource", id: role("a", grant(inventory.Statement{Effect: "Allow", Actions: []string{"s3:*"}, Resources: []string{"arn:aws:s3:::b/*"}})), want: nil},
		{name: "conditional_lower", id: role("a", grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:*"}, Resources: []string{"*"}, Conditions: cond("StringEquals", "aws:RequestedRegion", "eu-west-1")})), want: []findings.Severity{M}},
		{name: "admin_not_repeated", id: role("a", grant(allowAll())), want: nil},
		{name: "denied_service", id: role("a", grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:*"}, Resources: []string{"*"}}, inventory.Statement{Effect: "Deny", Actions: []string{"iam:*"}, Resources: []string{"*"}})), want: nil},
		{name: "notaction_left_to_ovb003", id: role("a", grant(inventory.Statement{Effect: "Allow", NotActions: []string{"iam:*"}, Resources: []string{"*"}})), want: nil},
	})
}

func TestNotActionAllow(t *testing.T) {
	runCases(t, notActionAllow{}, []ruleCase{
		{name: "all_resources", id: role("a", grant(inventory.Statement{Effect: "Allow", NotActions: []string{"iam:*"}, Resources: []string{"*"}})), want: []findings.Severity{H}},
		{name: "scoped_resource", id: role("a", grant(inventory.Statement{Effect: "Allow", NotActions: []string{"iam:*"}, Resources: []string{"arn:aws:s3:::b"}})), want: []findings.Severity{M}},
		{name: "deny_notaction_is_fine", id: role("a", grant(inventory.Statement{Effect: "Deny", NotActions: []string{"s3:*"}, Resources: []string{"*"}})), want: nil},
		{name: "two_statements_one_finding", id: role("a", grant(inventory.Statement{Effect: "Allow", NotActions: []string{"iam:*"}, Resources: []string{"arn:aws:s3:::b"}}, inventory.Statement{Effect: "Allow", NotActions: []string{"kms:*"}, Resources: []string{"*"}})), want: []findings.Severity{H}},
	})
}

// A rule that used to fire once per service or statement fires once per
// identity, listing them; the fingerprint stays the same when the list
// changes.
func TestOneFindingPerIdentity(t *testing.T) {
	run := func(r Rule, stmts ...inventory.Statement) findings.Finding {
		t.Helper()
		cfg := DefaultConfig(asOf)
		inv := inventory.Inventory{Identities: []inventory.Identity{role("a", grant(stmts...))}}
		fs, err := Run(context.Background(), &inv, []Rule{r}, cfg)
		if err != nil || len(fs) != 1 {
			t.Fatalf("findings %+v, err %v; want one", fs, err)
		}
		return fs[0]
	}
	wide := inventory.Statement{Effect: "Allow", Actions: []string{"iam:*", "kms:*", "s3:*"}, Resources: []string{"*"}}
	narrow := inventory.Statement{Effect: "Allow", Actions: []string{"s3:*"}, Resources: []string{"*"}}
	f3, f1 := run(serviceWildcard{}, wide), run(serviceWildcard{}, narrow)
	if got := f3.Evidence[0]; got.Key != "services" || got.Value != "iam, kms, s3" {
		t.Errorf("evidence %+v, want services iam, kms, s3", got)
	}
	if f3.Fingerprint != f1.Fingerprint || f3.Severity != H || f1.Severity != M {
		t.Errorf("fingerprints %s / %s, severities %v / %v", f3.Fingerprint, f1.Fingerprint, f3.Severity, f1.Severity)
	}
	na := func(svc string) inventory.Statement {
		return inventory.Statement{Sid: svc, Effect: "Allow", NotActions: []string{svc + ":*"}, Resources: []string{"*"}}
	}
	n2, n1 := run(notActionAllow{}, na("iam"), na("kms")), run(notActionAllow{}, na("kms"))
	if !strings.Contains(n2.Evidence[0].Value, "(Sid iam): every action except iam:*") || !strings.Contains(n2.Evidence[0].Value, "(Sid kms)") {
		t.Errorf("statements evidence %q", n2.Evidence[0].Value)
	}
	if n2.Fingerprint != n1.Fingerprint {
		t.Errorf("fingerprint changed with the statements listed")
	}
}

func TestBroadManaged(t *testing.T) {
	runCases(t, broadManaged{}, []ruleCase{
		{name: "admin", id: role("a", managedGrant("arn:aws:iam::aws:policy/AdministratorAccess", allowAll())), want: []findings.Severity{C}},
		{name: "power_user_via_group", id: user("u", func(i *inventory.Identity) {
			i.Grants = append(i.Grants, inventory.Grant{Source: inventory.SourceGroup, Via: "devs", PolicyName: "PowerUserAccess", PolicyID: "arn:aws:iam::aws:policy/PowerUserAccess"})
		}), want: []findings.Severity{H}},
		{name: "other_full_access", id: role("a", managedGrant("arn:aws:iam::aws:policy/AmazonSQSFullAccess")), want: []findings.Severity{M}},
		{name: "read_only", id: role("a", managedGrant("arn:aws:iam::aws:policy/ReadOnlyAccess")), want: nil},
		{name: "customer_policy_named_like_aws", id: role("a", managedGrant("arn:aws:iam::111122223333:policy/AdministratorAccess")), want: nil},
	})
}

func TestStaticRules(t *testing.T) {
	runCases(t, longLivedKey{}, []ruleCase{
		{name: "active_key", id: user("u", key("AKIA1", inventory.CredentialActive, 10, nil)), want: []findings.Severity{M}},
		{name: "inactive_key", id: user("u", key("AKIA1", inventory.CredentialInactive, 10, nil)), want: nil},
		{name: "role_has_none", id: role("r"), want: nil},
	})
	runCases(t, keyNotRotated{}, []ruleCase{
		{name: "fresh", id: user("u", key("AKIA1", inventory.CredentialActive, 90, ptr(daysAgo(1)))), want: nil},
		{name: "old", id: user("u", key("AKIA1", inventory.CredentialActive, 91, ptr(daysAgo(1)))), want: []findings.Severity{M}},
		{name: "very_old", id: user("u", key("AKIA1", inventory.CredentialActive, 181, ptr(daysAgo(1)))), want: []findings.Severity{H}},
		{name: "inactive_old", id: user("u", key("AKIA1", inventory.CredentialInactive, 500, nil)), want: nil},
		{name: "threshold_from_config", id: user("u", key("AKIA1", inventory.CredentialActive, 40, ptr(daysAgo(1)))), cfg: func(c *Config) { c.KeyRotationDays = 30 }, want: []findings.Severity{M}},
	})
	runCases(t, twoActiveKeys{}, []ruleCase{
		{name: "two", id: user("u", key("AKIA1", inventory.CredentialActive, 10, nil), key("AKIA2", inventory.CredentialActive, 5, nil)), want: []findings.Severity{M}},
		{name: "one_active_one_inactive", id: user("u", key("AKIA1", inventory.CredentialActive, 10, nil), key("AKIA2", inventory.CredentialInactive, 5, nil)), want: nil},
	})
	root := inventory.Identity{ID: "arn:aws:iam::111122223333:root", Provider: inventory.AWS, Kind: inventory.KindAWSRoot, Account: "111122223333", Name: "root", CreatedAt: daysAgo(900)}
	withKey := root
	key("", inventory.CredentialActive, 800, nil)(&withKey)
	withInactive := root
	key("", inventory.CredentialInactive, 800, nil)(&withInactive)
	runCases(t, rootAccessKey{}, []ruleCase{
		{name: "root_key", id: withKey, want: []findings.Severity{C}},
		{name: "root_inactive_key", id: withInactive, want: nil},
		{name: "user_key", id: user("u", key("AKIA1", inventory.CredentialActive, 10, nil)), want: nil},
	})
}

func TestDormantRules(t *testing.T) {
	runCases(t, roleUnused{}, []ruleCase{
		{name: "used_recently", id: role("r"), want: nil},
		{name: "unused_91_days", id: role("r", func(i *inventory.Identity) { i.LastUsed = ptr(daysAgo(91)) }), want: []findings.Severity{M}},
		{name: "never_used_and_old", id: role("r", func(i *inventory.Identity) { i.LastUsed = nil }), want: []findings.Severity{M}},
		{name: "never_used_in_grace", id: role("r", func(i *inventory.Identity) { i.LastUsed = nil; i.CreatedAt = daysAgo(30) }), want: nil},
		{name: "usage_unknown", id: role("r", func(i *inventory.Identity) { i.LastUsed = nil; i.LastUsedKnown = false }), want: nil},
		{name: "disabled", id: role("r", func(i *inventory.Identity) { i.LastUsed = nil; i.Disabled = true }), want: nil},
	})
	runCases(t, keyUnused{}, []ruleCase{
		{name: "used", id: user("u", key("AKIA1", inventory.CredentialActive, 100, ptr(daysAgo(2)))), want: nil},
		{name: "unused_46_days", id: user("u", key("AKIA1", inventory.CredentialActive, 100, ptr(daysAgo(46)))), want: []findings.Severity{M}},
		{name: "never_used_old", id: user("u", key("AKIA1", inventory.CredentialActive, 46, nil)), want: []findings.Severity{M}},
		{name: "never_used_in_grace", id: user("u", key("AKIA1", inventory.CredentialActive, 44, nil)), want: nil},
		{name: "inactive_never_used", id: user("u", key("AKIA1", inventory.CredentialInactive, 400, nil)), want: nil},
	})
	runCases(t, userUnused{}, []ruleCase{
		{name: "key_used", id: user("u", key("AKIA1", inventory.CredentialActive, 300, ptr(daysAgo(3)))), want: nil},
		{name: "password_used", id: user("u", key("AKIA1", inventory.CredentialActive, 300, nil), password(ptr(daysAgo(3)))), want: nil},
		{name: "nothing_used", id: user("u", key("AKIA1", inventory.CredentialActive, 300, ptr(daysAgo(100))), password(nil)), want: []findings.Severity{M}},
		{name: "no_active_credentials", id: user("u", key("AKIA1", inventory.CredentialInactive, 300, nil)), want: nil},
		{name: "young_user", id: user("u", key("AKIA1", inventory.CredentialActive, 30, nil), func(i *inventory.Identity) { i.CreatedAt = daysAgo(30) }), want: nil},
	})
	runCases(t, inactiveKey{}, []ruleCase{
		{name: "inactive", id: user("u", key("AKIA1", inventory.CredentialInactive, 300, nil)), want: []findings.Severity{L}},
		{name: "active", id: user("u", key("AKIA1", inventory.CredentialActive, 300, nil)), want: nil},
	})
}

func TestNoOwner(t *testing.T) {
	untagged := func(i *inventory.Identity) { i.Tags = nil }
	runCases(t, noOwner{}, []ruleCase{
		{name: "owned", id: role("r"), want: nil},
		{name: "no_tags", id: role("r", untagged), want: []findings.Severity{L}},
		{name: "empty_value", id: role("r", func(i *inventory.Identity) { i.Tags = map[string]string{"owner": "  "} }), want: []findings.Severity{L}},
		{name: "team_tag_counts", id: role("r", func(i *inventory.Identity) { i.Tags = map[string]string{"team": "x"} }), want: nil},
		{name: "custom_owner_tag", id: role("r", func(i *inventory.Identity) { i.Tags = map[string]string{"cost-center": "x"} }), cfg: func(c *Config) { c.OwnerTags = []string{"cost-center"} }, want: nil},
		{name: "admin_medium", id: role("r", untagged, grant(allowAll())), want: []findings.Severity{M}},
		{name: "agent_admin_high", id: role("r", untagged, grant(allowAll()), agentRole), want: []findings.Severity{H}},
		{name: "agent_by_tag", id: role("r", func(i *inventory.Identity) { i.Tags = map[string]string{"nhiscan:agent": "true"} }), want: []findings.Severity{M}},
	})
}

func TestDelegationRules(t *testing.T) {
	runCases(t, trustAnyone{}, []ruleCase{
		{name: "star", id: role("r", trust(trustStmt("AWS", "*", nil))), want: []findings.Severity{C}},
		{name: "bare_star_principal", id: role("r", trust(trustStmt("*", "*", nil))), want: []findings.Severity{C}},
		{name: "org_condition", id: role("r", trust(trustStmt("AWS", "*", cond("StringEquals", "aws:PrincipalOrgID", "o-123")))), want: nil},
		{name: "irrelevant_condition", id: role("r", trust(trustStmt("AWS", "*", cond("Bool", "aws:SecureTransport", "true")))), want: []findings.Severity{C}},
		{name: "expired_trust", id: role("r", trust(trustStmt("AWS", "*", cond("DateLessThan", "aws:CurrentTime", "2026-01-01T00:00:00Z")))), want: nil},
		{name: "trust_until_later", id: role("r", trust(trustStmt("AWS", "*", cond("DateLessThan", "aws:CurrentTime", "2027-01-01T00:00:00Z")))), want: []findings.Severity{C}},
		{name: "deny_star", id: role("r", trust(inventory.Statement{Effect: "Deny", Actions: []string{"sts:AssumeRole"}, Principals: []inventory.Principal{{Type: "AWS", Value: "*"}}})), want: nil},
	})
	runCases(t, crossAccountNoExternalID{}, []ruleCase{
		{name: "other_account_root", id: role("r", trust(trustStmt("AWS", "arn:aws:iam::999988887777:root", nil))), want: []findings.Severity{H}},
		{name: "bare_account_id", id: role("r", trust(trustStmt("AWS", "999988887777", nil))), want: []findings.Severity{H}},
		{name: "expired_cross_account", id: role("r", trust(trustStmt("AWS", "999988887777", cond("DateLessThan", "aws:EpochTime", "1767225600")))), want: nil},
		{name: "with_external_id", id: role("r", trust(trustStmt("AWS", "arn:aws:iam::999988887777:root", cond("StringEquals", "sts:ExternalId", "x")))), want: nil},
		{name: "same_account", id: role("r", trust(trustStmt("AWS", "arn:aws:iam::111122223333:role/x", nil))), want: nil},
		{name: "org_restricted", id: role("r", trust(trustStmt("AWS", "arn:aws:iam::999988887777:role/x", cond("StringEquals", "aws:PrincipalOrgID", "o-1")))), want: []findings.Severity{M}},
		{name: "service_principal", id: role("r", trust(trustStmt("Service", "ec2.amazonaws.com", nil))), want: nil},
	})
	gh := "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
	sub := "token.actions.githubusercontent.com:sub"
	runCases(t, oidcSubject{}, []ruleCase{
		{name: "no_sub", id: role("r", trust(trustStmt("Federated", gh, cond("StringEquals", "token.actions.githubusercontent.com:aud", "sts.amazonaws.com")))), want: []findings.Severity{C}},
		{name: "sub_star", id: role("r", trust(trustStmt("Federated", gh, cond("StringLike", sub, "*")))), want: []findings.Severity{C}},
		{name: "repo_star", id: role("r", trust(trustStmt("Federated", gh, cond("StringLike", sub, "repo:*")))), want: []findings.Severity{C}},
		{name: "org_star", id: role("r", trust(trustStmt("Federated", gh, cond("StringLike", sub, "repo:acme/*")))), want: []findings.Severity{H}},
		{name: "wildcard_in_org", id: role("r", trust(trustStmt("Federated", gh, cond("StringLike", sub, "repo:acme*/app:*")))), want: []findings.Severity{H}},
		{name: "any_branch", id: role("r", trust(trustStmt("Federated", gh, cond("StringLike", sub, "repo:acme/app:*")))), want: []findings.Severity{M}},
		{name: "pinned", id: role("r", trust(trustStmt("Federated", gh, cond("StringEquals", sub, "repo:acme/app:ref:refs/heads/main")))), want: nil},
		{name: "star_under_stringequals_is_literal", id: role("r", trust(trustStmt("Federated", gh, cond("StringEquals", sub, "repo:acme/*")))), want: nil},
		{name: "worst_of_list", id: role("r", trust(trustStmt("Federated", gh, cond("ForAnyValue:StringLike", sub, "repo:acme/app:ref:refs/heads/main", "repo:*")))), want: []findings.Severity{C}},
		{name: "eks_no_sub", id: role("r", trust(trustStmt("Federated", "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC", nil))), want: []findings.Severity{H}},
		{name: "saml_ignored", id: role("r", trust(trustStmt("Federated", "arn:aws:iam::111122223333:saml-provider/okta", nil))), want: nil},
	})
	runCases(t, longSession{}, []ruleCase{
		{name: "one_hour", id: role("r"), want: nil},
		{name: "twelve_hours", id: role("r", func(i *inventory.Identity) { i.MaxSession = 12 * time.Hour }), want: []findings.Severity{L}},
		{name: "agent_raised", id: role("r", func(i *inventory.Identity) { i.MaxSession = 12 * time.Hour }, agentRole), want: []findings.Severity{M}},
		{name: "unknown", id: role("r", func(i *inventory.Identity) { i.MaxSession = 0 }), want: nil},
	})
	runCases(t, humanUse{}, []ruleCase{
		{name: "password_and_key", id: user("u", password(nil), key("AKIA1", inventory.CredentialActive, 10, nil)), want: []findings.Severity{M}},
		{name: "password_only", id: user("u", password(nil)), want: nil},
		{name: "key_only", id: user("u", key("AKIA1", inventory.CredentialActive, 10, nil)), want: nil},
	})
}

func TestFingerprintIsStableAndTimeFree(t *testing.T) {
	a := role("r", grant(allowAll()))
	b := a
	b.LastUsed = ptr(daysAgo(3))
	b.CreatedAt = daysAgo(7)
	cfg := DefaultConfig(asOf)
	run := func(id inventory.Identity, cfg Config) string {
		inv := inventory.Inventory{Identities: []inventory.Identity{id}}
		fs, _ := Run(context.Background(), &inv, []Rule{fullAdmin{}}, cfg)
		return fs[0].Fingerprint
	}
	cfg2 := cfg
	cfg2.AsOf = asOf.AddDate(1, 0, 0)
	if run(a, cfg) != run(b, cfg2) {
		t.Error("fingerprint changed with times")
	}
	c := role("other", grant(allowAll()))
	if run(a, cfg) == run(c, cfg) {
		t.Error("fingerprint does not depend on the identity")
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	cats := map[string]bool{}
	for _, c := range findings.Categories {
		cats[c] = true
	}
	for _, r := range All() {
		m := r.Meta()
		if seen[m.ID] {
			t.Errorf("duplicate rule id %s", m.ID)
		}
		seen[m.ID] = true
		if !cats[m.Category] || m.Title == "" || m.Description == "" || m.Rationale == "" || m.Remediation == "" || len(m.References) == 0 || m.Severity == 0 {
			t.Errorf("rule %s is missing metadata: %+v", m.ID, m)
		}
		if !strings.HasPrefix(m.ID, "NHI-") {
			t.Errorf("rule id %s does not start with NHI-", m.ID)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := DefaultConfig(asOf)
	cfg.Disabled = map[string]bool{"NHI-NOPE-1": true}
	if err := cfg.Validate(All()); err == nil || !strings.Contains(err.Error(), "NHI-NOPE-1") {
		t.Errorf("unknown rule id accepted: %v", err)
	}
	cfg = DefaultConfig(asOf)
	cfg.Exclude = []string{""}
	if err := cfg.Validate(All()); err == nil {
		t.Error("empty exclusion pattern accepted")
	}
}

// Every rule maps to at least one OWASP agentic (ASI), one OWASP NHI and
// one CSA MAESTRO entry, and every mapped control is in the catalogue.
func TestEveryRuleIsMapped(t *testing.T) {
	for _, r := range All() {
		m := Describe(r)
		count := map[string]int{}
		for _, c := range m.Controls {
			if _, ok := controls.Lookup(c.Framework, c.ID); !ok {
				t.Errorf("%s maps to %s %s, which is not in the catalogue", m.ID, c.Framework, c.ID)
			}
			count[c.Framework]++
		}
		for _, fw := range []string{controls.ASI, controls.NHI, controls.MAESTRO} {
			if count[fw] == 0 {
				t.Errorf("%s has no %s mapping", m.ID, fw)
			}
		}
	}
}

func TestControlsFollowTheProvider(t *testing.T) {
	cfg := DefaultConfig(asOf)
	aws, gcp := role("r"), gsa("a")
	other := inventory.Identity{ID: "bot", Provider: "kubernetes", Name: "bot"}
	for _, r := range All() {
		for _, id := range []*inventory.Identity{&aws, &gcp, &other} {
			f := finding(r, &Subject{Identity: id, Config: &cfg}, findings.High, nil, "", "m")
			for _, c := range f.Controls {
				foreign := c.Framework == controls.CISGCP3
				switch id.Provider {
				case inventory.GCP:
					foreign = c.Framework == controls.CISAWS3 || c.Framework == controls.CISAWS5
				case "kubernetes":
					foreign = foreign || c.Framework == controls.CISAWS3 || c.Framework == controls.CISAWS5
				}
				if foreign {
					t.Errorf("%s on a %s identity cites %s %s", r.Meta().ID, id.Provider, c.Framework, c.ID)
				}
			}
		}
	}
	// The catalogue entry keeps every control: ESC-001 cites CIS GCP 1.6
	// for GCP findings.
	esc, _ := ByID(All(), "NHI-ESC-001")
	found := false
	for _, c := range Describe(esc).Controls {
		found = found || (c.Framework == controls.CISGCP3 && c.ID == "1.6")
	}
	if !found {
		t.Errorf("NHI-ESC-001's catalogue entry lost CIS GCP 1.6")
	}
}

func TestAgentDetection(t *testing.T) {
	svc := func(services ...string) func(*inventory.Identity) {
		st := inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRole"}}
		for _, v := range services {
			st.Principals = append(st.Principals, inventory.Principal{Type: "Service", Value: v})
		}
		return trust(st)
	}
	scannerGuess := func(i *inventory.Identity) { i.Agent = true } // what a scanner may have marked
	for _, tt := range []struct {
		name string
		id   inventory.Identity
		cfg  func(*Config)
		want bool
	}{
		{name: "bedrock_agent", id: role("a", svc("bedrock.amazonaws.com")), want: true},
		{name: "agentcore_runtime", id: role("a", svc("bedrock-agentcore.amazonaws.com")), want: true},
		{name: "sagemaker_among_others", id: role("a", svc("sagemaker.amazonaws.com", "ec2.amazonaws.com", "glue.amazonaws.com"), scannerGuess), want: false},
		{name: "sagemaker_alone", id: role("a", svc("sagemaker.amazonaws.com"), scannerGuess), want: false},
		{name: "deny_is_no_signal", id: role("a", trust(inventory.Statement{Effect: "Deny", Principals: []inventory.Principal{{Type: "Service", Value: "bedrock.amazonaws.com"}}})), want: false},
		{name: "tag", id: role("a", svc("sagemaker.amazonaws.com"), func(i *inventory.Identity) { i.Tags["nhiscan:agent"] = "true" }), want: true},
		{name: "glob", id: role("support-agent", svc("lambda.amazonaws.com")), cfg: func(c *Config) { c.Agents = []string{"*agent*"} }, want: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig(asOf)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			inv := inventory.Inventory{Identities: []inventory.Identity{tt.id}}
			Classify(&inv, &cfg)
			if got := inv.Identities[0].Agent; got != tt.want {
				t.Errorf("agent = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPassRoleEverywhere(t *testing.T) {
	pass := func(res string, conds []inventory.Condition) func(*inventory.Identity) {
		return grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:PassRole"}, Resources: []string{res}, Conditions: conds})
	}
	runCases(t, passRoleEverywhere{}, []ruleCase{
		{name: "star", id: role("ci", pass("*", nil)), want: []findings.Severity{H}},
		{name: "every_role_arn", id: user("u", pass("arn:aws:iam::111122223333:role/*", nil)), want: []findings.Severity{H}},
		{name: "any_account_roles", id: role("ci", pass("arn:aws:iam::*:role/*", nil)), want: []findings.Severity{H}},
		{name: "iam_prefix_wildcard", id: role("ci", grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:Pass*"}, Resources: []string{"*"}})), want: []findings.Severity{H}},
		{name: "passed_to_service_condition", id: role("ci", pass("*", cond("StringEquals", "iam:PassedToService", "lambda.amazonaws.com"))), want: []findings.Severity{M}},
		{name: "expired_grant", id: role("ci", pass("*", cond("DateLessThan", "aws:CurrentTime", "2026-01-01T00:00:00Z"))), want: nil},
		{name: "scoped_to_prefix", id: role("ci", pass("arn:aws:iam::111122223333:role/app-*", nil)), want: nil},
		{name: "one_role", id: role("ci", pass("arn:aws:iam::111122223333:role/app", nil)), want: nil},
		{name: "denied_on_admin_roles", id: role("ci", pass("*", nil), grant(inventory.Statement{Effect: "Deny", Actions: []string{"iam:PassRole"}, Resources: []string{"arn:aws:iam::111122223333:role/admin-*"}})), want: []findings.Severity{H}},
		{name: "denied_everywhere", id: role("ci", pass("*", nil), grant(inventory.Statement{Effect: "Deny", Actions: []string{"iam:PassRole"}, Resources: []string{"*"}})), want: nil},
		{name: "admin_is_ovb001s", id: role("ci", grant(allowAll())), want: nil},
		{name: "iam_star_is_ovb002s", id: role("ci", grant(inventory.Statement{Effect: "Allow", Actions: []string{"iam:*"}, Resources: []string{"*"}})), want: nil},
	})
}

// A user known only from the credential report has no exported tags or
// policies: no rule concludes from their absence. The owners map still
// names an owner; an owner tag's absence is not a finding.
func TestNotAssessedTagsAndPermissions(t *testing.T) {
	reportOnly := func(i *inventory.Identity) {
		i.Tags = nil
		i.NotAssessed = []string{inventory.NotAssessedPermissions, inventory.NotAssessedTrust, inventory.NotAssessedTags}
	}
	runCases(t, noOwner{}, []ruleCase{
		{name: "report_only_user", id: user("u", reportOnly, key("AKIA1", inventory.CredentialActive, 10, nil)), want: nil},
		{name: "assessed_untagged_user", id: user("u", func(i *inventory.Identity) { i.Tags = nil }), want: []findings.Severity{L}},
	})
	// The source as a whole lacked tags (no authorization details).
	cfg := DefaultConfig(asOf)
	inv := inventory.Inventory{
		Identities: []inventory.Identity{user("u", func(i *inventory.Identity) { i.Tags = nil })},
		Sources:    []inventory.Source{{Scanner: "aws", Scope: "111122223333", Status: inventory.StatusOK, NotAssessed: []string{inventory.NotAssessedTags}}},
	}
	fs, err := Run(context.Background(), &inv, []Rule{noOwner{}}, cfg)
	if err != nil || len(fs) != 0 {
		t.Errorf("source without tags: findings %+v, err %v; want none", fs, err)
	}
	inv.Sources[0].Scope = "999999999999"
	if fs, _ := Run(context.Background(), &inv, []Rule{noOwner{}}, cfg); len(fs) != 1 {
		t.Errorf("another account's source lacking tags silenced this one: %+v", fs)
	}
	rows := List(&inventory.Inventory{Identities: []inventory.Identity{user("u", reportOnly), user("v", func(i *inventory.Identity) { i.Tags = nil })}}, cfg)
	if len(rows) != 2 || rows[0].Privilege != "unknown" || rows[1].Privilege != "none" {
		t.Errorf("privilege of a report-only user: %+v", rows)
	}
}

// NHI-OVB-002 works out a shared managed policy's services once per Run:
// every identity holding it, and one holding a shorter view of the same
// statements, still gets its own services.
func TestServiceWildcardSharedPolicy(t *testing.T) {
	stmts := []inventory.Statement{
		{Effect: "Allow", Actions: []string{"s3:*"}, Resources: []string{"*"}},
		{Effect: "Allow", Actions: []string{"IAM:*"}, Resources: []string{"*"}},
	}
	shared := func(n int) func(*inventory.Identity) {
		return func(i *inventory.Identity) {
			i.Grants = append(i.Grants, inventory.Grant{Source: inventory.SourceManaged, PolicyName: "p", PolicyID: "arn:aws:iam::111122223333:policy/p", Statements: stmts[:n]})
		}
	}
	inv := inventory.Inventory{Identities: []inventory.Identity{role("a", shared(2)), role("b", shared(2)), role("c", shared(1))}}
	fs, err := Run(context.Background(), &inv, []Rule{serviceWildcard{}}, DefaultConfig(asOf))
	if err != nil || len(fs) != 3 {
		t.Fatalf("findings %+v, err %v", fs, err)
	}
	for _, f := range fs {
		want := "iam, s3"
		if f.Identity.Name == "c" {
			want = "s3"
		}
		if f.Evidence[0].Value != want {
			t.Errorf("%s: services %q, want %q", f.Identity.Name, f.Evidence[0].Value, want)
		}
	}
}

// A console password's last use is "never" only when the credential
// report recorded its use.
func TestHumanUsePasswordUseUnknown(t *testing.T) {
	cfg := DefaultConfig(asOf)
	for _, known := range []bool{true, false} {
		id := user("u", password(nil), key("AKIA1", inventory.CredentialActive, 10, nil))
		id.Credentials[0].LastUsedKnown = known
		fs := humanUse{}.Check(&Subject{Identity: &id, Config: &cfg})
		if len(fs) != 1 {
			t.Fatalf("findings %+v", fs)
		}
		if got, want := evidence(fs[0], "password_last_used"), map[bool]string{true: "never", false: "unknown"}[known]; got != want {
			t.Errorf("use recorded %v: password_last_used %q, want %q", known, got, want)
		}
	}
}
