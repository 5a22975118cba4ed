package awspolicy

import (
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "iam:createuser", true},
		{"*", "*", true},
		{"iam:*", "iam:createuser", true},
		{"iam:*", "iam:*", true},
		{"iam:get*", "iam:*", false},
		{"iam:get*", "iam:getrole", true},
		{"i*", "iam:*", true},
		{"s3:get?bject", "s3:getobject", true},
		{"s3:get?bject", "s3:getobjects", false},
		{"arn:aws:s3:::bucket/*", "*", false},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", true},
		{"*a*b", "xaxb", true},
		{"*a*b", "xaxbx", false},
		{"", "", true},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestOverlap(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"iam:*", "*", true},
		{"iam:*", "s3:*", false},
		{"iam:createuser", "iam:*", true},
		{"iam:createuser", "s3:*", false},
		{"iam:get*", "iam:*", true},
		{"iam:passrole", "iam:passrole", true},
		{"iam:passrole", "iam:getrole", false},
	}
	for _, tt := range tests {
		if got := Overlap(tt.a, tt.b); got != tt.want {
			t.Errorf("Overlap(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func allow(actions ...string) inventory.Statement {
	return inventory.Statement{Effect: "Allow", Actions: actions, Resources: []string{"*"}}
}

func deny(actions ...string) inventory.Statement {
	return inventory.Statement{Effect: "Deny", Actions: actions, Resources: []string{"*"}}
}

func ident(boundary []inventory.Statement, grants ...[]inventory.Statement) *inventory.Identity {
	id := &inventory.Identity{}
	for i, g := range grants {
		id.Grants = append(id.Grants, inventory.Grant{Source: inventory.SourceInline, PolicyName: string(rune('a' + i)), Statements: g})
	}
	if boundary != nil {
		id.Boundary = &inventory.Grant{Source: inventory.SourceBoundary, PolicyName: "boundary", Statements: boundary}
	}
	return id
}

func TestEvaluate(t *testing.T) {
	mfa := []inventory.Condition{{Operator: "Bool", Key: "aws:MultiFactorAuthPresent", Values: []string{"true"}}}
	tests := []struct {
		name            string
		id              *inventory.Identity
		action          string
		resource        string
		wantAllowed     bool
		wantConditional bool
		wantBoundary    bool
		wantPartialDeny bool
	}{
		{name: "star_grants_admin", id: ident(nil, []inventory.Statement{allow("*")}), action: "*", resource: "*", wantAllowed: true},
		{name: "star_colon_star_is_star", id: ident(nil, []inventory.Statement{allow("*:*")}), action: "*", resource: "*", wantAllowed: true},
		{name: "actions_are_case_insensitive", id: ident(nil, []inventory.Statement{allow("IAM:PassRole")}), action: "iam:passrole", resource: "*", wantAllowed: true},
		{name: "service_wildcard_is_not_admin", id: ident(nil, []inventory.Statement{allow("iam:*")}), action: "*", resource: "*"},
		{name: "prefix_wildcard_does_not_cover_service", id: ident(nil, []inventory.Statement{allow("iam:Get*")}), action: "iam:*", resource: "*"},
		{name: "deny_in_same_policy", id: ident(nil, []inventory.Statement{allow("*"), deny("*")}), action: "*", resource: "*"},
		{name: "deny_across_policies", id: ident(nil, []inventory.Statement{allow("iam:*")}, []inventory.Statement{deny("iam:*")}), action: "iam:*", resource: "*"},
		{name: "partial_deny_keeps_wildcard", id: ident(nil, []inventory.Statement{allow("iam:*"), deny("iam:CreateUser")}), action: "iam:*", resource: "*", wantAllowed: true, wantPartialDeny: true},
		{name: "deny_only", id: ident(nil, []inventory.Statement{deny("*")}), action: "s3:GetObject", resource: "*"},
		{name: "conditional_allow", id: ident(nil, []inventory.Statement{{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}, Conditions: mfa}}), action: "*", resource: "*", wantAllowed: true, wantConditional: true},
		{name: "unconditional_wins_over_conditional", id: ident(nil, []inventory.Statement{{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}, Conditions: mfa}, allow("*")}), action: "*", resource: "*", wantAllowed: true},
		{name: "conditional_deny_makes_conditional", id: ident(nil, []inventory.Statement{allow("*"), {Effect: "Deny", Actions: []string{"*"}, Resources: []string{"*"}, Conditions: mfa}}), action: "*", resource: "*", wantAllowed: true, wantConditional: true, wantPartialDeny: true},
		{name: "notaction_grants_other_services", id: ident(nil, []inventory.Statement{{Effect: "Allow", NotActions: []string{"iam:*"}, Resources: []string{"*"}}}), action: "kms:*", resource: "*", wantAllowed: true},
		{name: "notaction_excludes_listed_service", id: ident(nil, []inventory.Statement{{Effect: "Allow", NotActions: []string{"iam:*"}, Resources: []string{"*"}}}), action: "iam:PassRole", resource: "*"},
		{name: "notaction_is_not_full_admin", id: ident(nil, []inventory.Statement{{Effect: "Allow", NotActions: []string{"iam:*"}, Resources: []string{"*"}}}), action: "*", resource: "*"},
		{name: "resource_constraint_does_not_cover_all", id: ident(nil, []inventory.Statement{{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"arn:aws:s3:::b/*"}}}), action: "*", resource: "*"},
		{name: "notresource_covers_star", id: ident(nil, []inventory.Statement{{Effect: "Allow", Actions: []string{"s3:*"}, NotResources: []string{"arn:aws:s3:::secret/*"}}}), action: "s3:*", resource: "arn:aws:s3:::public/x", wantAllowed: true},
		{name: "boundary_blocks", id: ident([]inventory.Statement{allow("s3:*")}, []inventory.Statement{allow("*")}), action: "*", resource: "*", wantBoundary: true},
		{name: "boundary_allows", id: ident([]inventory.Statement{allow("s3:*")}, []inventory.Statement{allow("*")}), action: "s3:*", resource: "*", wantAllowed: true},
		{name: "empty_boundary_blocks_all", id: ident([]inventory.Statement{}, []inventory.Statement{allow("*")}), action: "s3:GetObject", resource: "*", wantBoundary: true},
		{name: "boundary_deny", id: ident([]inventory.Statement{allow("*"), deny("iam:*")}, []inventory.Statement{allow("*")}), action: "iam:*", resource: "*", wantBoundary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Compile(tt.id).Evaluate(tt.action, tt.resource)
			if d.Allowed != tt.wantAllowed || d.Conditional != tt.wantConditional || d.BlockedByBoundary != tt.wantBoundary || (len(d.PartlyDeniedBy) > 0) != tt.wantPartialDeny {
				t.Errorf("Evaluate(%q, %q) = allowed %v conditional %v boundary %v partial-deny %v; want %v %v %v %v",
					tt.action, tt.resource, d.Allowed, d.Conditional, d.BlockedByBoundary, len(d.PartlyDeniedBy) > 0,
					tt.wantAllowed, tt.wantConditional, tt.wantBoundary, tt.wantPartialDeny)
			}
		})
	}
}

func TestEvaluateNamesTheAllowingPolicy(t *testing.T) {
	id := ident(nil, []inventory.Statement{allow("s3:GetObject")}, []inventory.Statement{allow("*")})
	id.Grants[1].Source = inventory.SourceGroup
	id.Grants[1].Via = "admins"
	d := Compile(id).Evaluate("*", "*")
	if len(d.AllowedBy) != 1 || d.AllowedBy[0].String() != "group policy b via group admins" {
		t.Fatalf("AllowedBy = %v", d.AllowedBy)
	}
}

func TestDateConditions(t *testing.T) {
	asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	dated := func(op, v string) *inventory.Identity {
		return ident(nil, []inventory.Statement{{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"},
			Conditions: []inventory.Condition{{Operator: op, Key: "aws:CurrentTime", Values: []string{v}}}}})
	}
	tests := []struct {
		name                 string
		id                   *inventory.Identity
		asOf                 time.Time
		allowed, conditional bool
	}{
		{"expired_grant_never_holds", dated("DateLessThan", "2026-01-01T00:00:00Z"), asOf, false, false},
		{"current_grant_holds", dated("DateLessThan", "2027-01-01T00:00:00Z"), asOf, true, false},
		{"future_grant_not_yet", dated("DateGreaterThan", "2027-01-01T00:00:00Z"), asOf, false, false},
		{"if_exists_form", dated("DateGreaterThanIfExists", "2020-01-01T00:00:00Z"), asOf, true, false},
		{"no_clock_stays_conditional", dated("DateLessThan", "2026-01-01T00:00:00Z"), time.Time{}, true, true},
		{"region_stays_unknown", ident(nil, []inventory.Statement{{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"},
			Conditions: []inventory.Condition{{Operator: "StringEquals", Key: "aws:RequestedRegion", Values: []string{"eu-west-1"}}}}}), asOf, true, true},
		{"expired_deny_lifts", ident(nil, []inventory.Statement{allow("*"), {Effect: "Deny", Actions: []string{"*"}, Resources: []string{"*"},
			Conditions: []inventory.Condition{{Operator: "DateLessThan", Key: "aws:CurrentTime", Values: []string{"2025-01-01T00:00:00Z"}}}}}), asOf, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := CompileAt(tt.id, tt.asOf).Evaluate("*", "*")
			if d.Allowed != tt.allowed || d.Conditional != tt.conditional {
				t.Errorf("allowed %v conditional %v, want %v %v", d.Allowed, d.Conditional, tt.allowed, tt.conditional)
			}
		})
	}
}

func TestDateConditionKeysAndOperators(t *testing.T) {
	asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	past, future := "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"
	pastEpoch, futureEpoch := "1767225600", "1798761600" // the same two dates
	tests := []struct {
		op, key string
		values  []string
		caller  Caller
		want    Truth
	}{
		// aws:CurrentTime under every date operator
		{"DateLessThan", "aws:CurrentTime", []string{past}, AnyCaller, False},
		{"DateLessThanEquals", "aws:CurrentTime", []string{future}, AnyCaller, True},
		{"DateGreaterThan", "aws:CurrentTime", []string{past}, AnyCaller, True},
		{"DateGreaterThanEquals", "aws:CurrentTime", []string{future}, AnyCaller, False},
		{"DateEquals", "aws:CurrentTime", []string{past}, AnyCaller, False},
		{"DateNotEquals", "aws:CurrentTime", []string{past, future}, AnyCaller, True},
		{"DateNotEquals", "aws:CurrentTime", []string{past, "2026-06-01T00:00:00Z"}, AnyCaller, False},
		{"DateLessThanIfExists", "aws:CurrentTime", []string{past}, AnyCaller, False},
		{"DateGreaterThan", "aws:CurrentTime", []string{"2026-01-01"}, AnyCaller, True},
		{"DateLessThan", "aws:CurrentTime", []string{"next tuesday"}, AnyCaller, Unknown},
		// aws:EpochTime: epoch seconds, date or numeric operators
		{"DateLessThan", "aws:EpochTime", []string{pastEpoch}, AnyCaller, False},
		{"DateGreaterThan", "aws:EpochTime", []string{pastEpoch}, AnyCaller, True},
		{"NumericLessThan", "aws:EpochTime", []string{futureEpoch}, AnyCaller, True},
		{"NumericGreaterThanEquals", "aws:EpochTime", []string{futureEpoch}, AnyCaller, False},
		// aws:TokenIssueTime: no session issued from now on is older than a
		// past date; long-term keys carry no issue time at all
		{"DateLessThan", "aws:TokenIssueTime", []string{past}, SessionCaller, False},
		{"DateLessThan", "aws:TokenIssueTime", []string{past}, AnyCaller, False},
		{"DateLessThanIfExists", "aws:TokenIssueTime", []string{past}, SessionCaller, False},
		{"DateLessThanIfExists", "aws:TokenIssueTime", []string{past}, AnyCaller, Unknown},
		{"DateGreaterThan", "aws:TokenIssueTime", []string{past}, SessionCaller, True},
		{"DateGreaterThan", "aws:TokenIssueTime", []string{past}, AnyCaller, Unknown},
		{"DateGreaterThanIfExists", "aws:TokenIssueTime", []string{past}, AnyCaller, True},
		{"DateNotEquals", "aws:TokenIssueTime", []string{past}, AnyCaller, True},
		// Null: the clock keys are always present, the issue time in sessions
		{"Null", "aws:TokenIssueTime", []string{"true"}, SessionCaller, False},
		{"Null", "aws:TokenIssueTime", []string{"false"}, SessionCaller, True},
		{"Null", "aws:TokenIssueTime", []string{"true"}, AnyCaller, Unknown},
		{"Null", "aws:CurrentTime", []string{"true"}, AnyCaller, False},
		// other keys stay unknown
		{"DateLessThan", "aws:MultiFactorAuthAge", []string{past}, AnyCaller, Unknown},
	}
	for _, tt := range tests {
		st := inventory.Statement{Effect: "Allow", Conditions: []inventory.Condition{{Operator: tt.op, Key: tt.key, Values: tt.values}}}
		if got := When(&st, asOf, tt.caller); got != tt.want {
			t.Errorf("%s %s %v (caller %d) = %d, want %d", tt.op, tt.key, tt.values, tt.caller, got, tt.want)
		}
	}
}

func TestTokenIssueTimeRevocation(t *testing.T) {
	// The console's "revoke active sessions" policy denies sessions issued
	// before the revocation; a role's new sessions are not affected.
	asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	// As the IAM console writes it (AWSRevokeOlderSessions): milliseconds.
	revoke := inventory.Statement{Effect: "Deny", Actions: []string{"*"}, Resources: []string{"*"},
		Conditions: []inventory.Condition{{Operator: "DateLessThan", Key: "aws:TokenIssueTime", Values: []string{"2026-03-01T17:03:38.409Z"}}}}
	id := ident(nil, []inventory.Statement{allow("*"), revoke})
	id.Kind = inventory.KindAWSRole
	if d := CompileAt(id, asOf).Evaluate("*", "*"); !d.Unconditional() {
		t.Errorf("role with an old revocation: allowed %v conditional %v, want unconditional", d.Allowed, d.Conditional)
	}
	// An allow that only sessions issued before a past date satisfy grants
	// nothing from now on.
	old := inventory.Statement{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"},
		Conditions: []inventory.Condition{{Operator: "DateLessThan", Key: "aws:TokenIssueTime", Values: []string{"2026-03-01T00:00:00Z"}}}}
	if d := CompileAt(ident(nil, []inventory.Statement{old}), asOf).Evaluate("*", "*"); d.Allowed {
		t.Errorf("allow on old sessions only: allowed")
	}
}

// The AWS evaluator knows AWS conditions only: a GCP condition (CEL)
// that has expired is not decided here (gcpcondition decides bindings).
func TestWhenLeavesCELUnknown(t *testing.T) {
	asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	st := inventory.Statement{Effect: "Allow", Conditions: []inventory.Condition{{Operator: "CEL", Key: "title", Values: []string{`request.time < timestamp("2026-01-01T00:00:00Z")`}}}}
	if got := When(&st, asOf, AnyCaller); got != Unknown {
		t.Errorf("CEL condition = %d, want unknown", got)
	}
}

func TestCompilerSharesManagedPolicies(t *testing.T) {
	doc := []inventory.Statement{allow("s3:*"), deny("s3:DeleteBucket")}
	attach := func(source, via string) *inventory.Identity {
		return &inventory.Identity{Kind: inventory.KindAWSRole, Grants: []inventory.Grant{{Source: source, PolicyName: "base", PolicyID: "arn:aws:iam::1:policy/base", Via: via, Statements: doc}}}
	}
	c := NewCompiler(time.Time{})
	a, b, viaGroup := c.Compile(attach("managed", "")), c.Compile(attach("managed", "")), c.Compile(attach("group", "devs"))
	if a.identity[0] != b.identity[0] {
		t.Errorf("one managed policy compiled twice")
	}
	if a.identity[0] == viaGroup.identity[0] {
		t.Errorf("a policy reached through a group shares the direct attachment's references")
	}
	d := viaGroup.Evaluate("s3:GetObject", "*")
	if !d.Allowed || d.AllowedBy[0].String() != "group policy base via group devs" {
		t.Errorf("decision %+v", d)
	}
	if d := b.Evaluate("s3:DeleteBucket", "*"); d.Allowed {
		t.Errorf("shared deny lost")
	}
}

func TestWildcardAt(t *testing.T) {
	for _, s := range []string{"", "iam:passrole", "iam:*", "s3:get?bject", "*", "a?b*c", "é*"} {
		if got, want := wildcardAt(s), strings.IndexAny(s, "*?"); got != want {
			t.Errorf("wildcardAt(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestMayAllow(t *testing.T) {
	id := &inventory.Identity{Grants: []inventory.Grant{
		{Source: inventory.SourceInline, PolicyName: "deny", Statements: []inventory.Statement{{Effect: "Deny", Actions: []string{"*"}, Resources: []string{"*"}}}},
		{Source: inventory.SourceInline, PolicyName: "s3", Statements: []inventory.Statement{{Effect: "Allow", Actions: []string{"s3:Get*"}, Resources: []string{"*"}}}},
		{Source: inventory.SourceInline, PolicyName: "any", Statements: []inventory.Statement{{Effect: "Allow", Actions: []string{"*:List*"}, Resources: []string{"*"}}}},
	}}
	s := Compile(id)
	for action, want := range map[string]bool{"s3:GetObject": true, "S3:getobject": true, "s3:PutObject": false, "iam:ListRoles": true, "iam:PassRole": false, "s3:*": true} {
		if got := s.MayAllow(action); got != want {
			t.Errorf("MayAllow(%q) = %v, want %v", action, got, want)
		}
	}
	if Compile(&inventory.Identity{Grants: id.Grants[:1]}).MayAllow("s3:GetObject") {
		t.Error("a Deny-only set may allow")
	}
}

// TestMatchShortcutsAgreeWithGlob checks Match (which answers "*" at
// once) against the glob matcher on patterns of every shape.
func TestMatchShortcutsAgreeWithGlob(t *testing.T) {
	patterns := []string{"", "*", "**", "?", "iam:get*", "iam:*", "iam:passrole", "arn:aws:s3:::b/*", "arn:aws:iam::*:role/*",
		"*:root", "a*b", "a?", "iam:get*role", "iam:*:*", "abc", "abc?*"}
	subjects := []string{"", "*", "a", "ab", "abc", "abcd", "iam:get*", "iam:getrole", "iam:*", "iam:passrole", "iam:get",
		"arn:aws:s3:::b/k", "arn:aws:s3:::b/", "arn:aws:s3:::c/k", "arn:aws:iam::1:role/x", "x:root", "aXb", "iam:a:b"}
	for _, p := range patterns {
		for _, s := range subjects {
			if got, want := Match(p, s), findings.MatchGlob(p, s); got != want {
				t.Errorf("Match(%q, %q) = %v, the glob says %v", p, s, got, want)
			}
		}
	}
}
