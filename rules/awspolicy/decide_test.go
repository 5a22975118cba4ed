package awspolicy

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// decideAll is decide without the per-segment service filter: every
// statement of every segment is read.
func decideAll(segs []*segment, action, resource string) Decision {
	var d Decision
	unconditionalAllow, conditionalDeny := false, false
	for _, seg := range segs {
		decideSegment(&d, seg.stmts, action, resource, true, &unconditionalAllow, &conditionalDeny)
	}
	d.settle(unconditionalAllow, conditionalDeny)
	return d
}

// TestDecideServiceFilter checks that skipping the Allow statements of
// segments without a pattern for the action's service decides exactly as
// reading every statement, on random policies mixing services, wildcard
// services, NotAction, Deny and conditions.
func TestDecideServiceFilter(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	patterns := []string{"iam:*", "iam:PassRole", "iam:Get*", "s3:*", "s3:GetObject", "*", "i*:*", "?am:CreateUser",
		"sts:AssumeRole", "ec2:*", "kms:Decrypt", "IAM:createuser", "lambda:*", "iam", "*:*"}
	actions := []string{"*", "iam:*", "iam:passrole", "iam:createuser", "s3:*", "s3:getobject", "sts:assumerole",
		"ec2:runinstances", "kms:*", "lambda:createfunction", "i?m:*", "iam", "logs:*"}
	resources := []string{"*", "arn:aws:iam::123456789012:role/a"}
	pick := func() []string {
		out := make([]string, 1+rng.IntN(3))
		for i := range out {
			out[i] = patterns[rng.IntN(len(patterns))]
		}
		return out
	}
	for n := range 400 {
		id := inventory.Identity{Kind: inventory.KindAWSRole}
		for g := range 1 + rng.IntN(4) {
			var stmts []inventory.Statement
			for range 1 + rng.IntN(3) {
				st := inventory.Statement{Effect: "Allow", Resources: []string{"*"}}
				if rng.IntN(4) == 0 {
					st.Effect = "Deny"
				}
				if rng.IntN(6) == 0 {
					st.NotActions = pick()
				} else {
					st.Actions = pick()
				}
				if rng.IntN(5) == 0 {
					st.Resources = []string{"arn:aws:iam::123456789012:role/*"}
				}
				if rng.IntN(5) == 0 {
					st.Conditions = []inventory.Condition{{Operator: "Bool", Key: "aws:MultiFactorAuthPresent", Values: []string{"true"}}}
				}
				stmts = append(stmts, st)
			}
			id.Grants = append(id.Grants, inventory.Grant{Source: inventory.SourceInline, PolicyName: fmt.Sprintf("p%d", g), Statements: stmts})
		}
		set := Compile(&id)
		for _, a := range actions {
			for _, r := range resources {
				got, want := decide(set.identity, a, r), decideAll(set.identity, a, r)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("policy %d, %s on %s: filtered %+v, every statement %+v", n, a, r, got, want)
				}
			}
		}
	}
}

// TestAdminDecisionStored checks that the stored decision on "*" for "*"
// is what evaluating gives, and that a caller appending to the lists of
// one answer does not change the next.
func TestAdminDecisionStored(t *testing.T) {
	id := inventory.Identity{Kind: inventory.KindAWSRole, Grants: []inventory.Grant{
		{Source: inventory.SourceInline, PolicyName: "all", Statements: []inventory.Statement{
			{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}},
			{Effect: "Allow", Actions: []string{"*:*"}, Resources: []string{"*"}},
			{Effect: "Deny", Actions: []string{"iam:CreateUser"}, Resources: []string{"*"}},
		}},
	}}
	set := Compile(&id)
	want := set.evaluate("*", "*")
	first := set.Evaluate("*", "*")
	first.AllowedBy = append(first.AllowedBy, Ref{Policy: "appended"})
	first.PartlyDeniedBy = append(first.PartlyDeniedBy, Ref{Policy: "appended"})
	for _, action := range []string{"*", "*:*"} {
		if got := set.Evaluate(action, "*"); !reflect.DeepEqual(got, want) {
			t.Errorf("Evaluate(%q, *) = %+v, want %+v", action, got, want)
		}
	}
	if len(want.AllowedBy) != 2 || len(want.PartlyDeniedBy) != 1 || !want.Allowed {
		t.Errorf("decision %+v: want allowed by 2 statements, partly denied by 1", want)
	}
}

// TestAllowsAgreesWithEvaluate checks that Allows gives Evaluate's Allowed
// and Conditional on random identities mixing services, wildcards,
// NotAction, NotResource, Deny, conditions and permissions boundaries.
func TestAllowsAgreesWithEvaluate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	patterns := []string{"iam:*", "iam:PassRole", "iam:Get*", "s3:*", "s3:GetObject", "*", "i*:*", "?am:CreateUser",
		"sts:AssumeRole", "ec2:*", "IAM:createuser", "lambda:*", "*:*"}
	actions := []string{"*", "*:*", "iam:*", "iam:PassRole", "iam:createuser", "s3:*", "s3:getobject", "sts:assumerole",
		"ec2:runinstances", "lambda:createfunction", "i?m:*", "logs:*"}
	resources := []string{"*", "arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/*", "arn:aws:s3:::b/*"}
	resourcePatterns := []string{"*", "arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:role/a", "arn:aws:s3:::*"}
	pick := func(from []string) []string {
		out := make([]string, 1+rng.IntN(3))
		for i := range out {
			out[i] = from[rng.IntN(len(from))]
		}
		return out
	}
	grant := func(name string) inventory.Grant {
		var stmts []inventory.Statement
		for range 1 + rng.IntN(3) {
			st := inventory.Statement{Effect: "Allow"}
			if rng.IntN(3) == 0 {
				st.Effect = "Deny"
			}
			if rng.IntN(6) == 0 {
				st.NotActions = pick(patterns)
			} else {
				st.Actions = pick(patterns)
			}
			if rng.IntN(6) == 0 {
				st.NotResources = pick(resourcePatterns)
			} else {
				st.Resources = pick(resourcePatterns)
			}
			if rng.IntN(4) == 0 {
				st.Conditions = []inventory.Condition{{Operator: "Bool", Key: "aws:MultiFactorAuthPresent", Values: []string{"true"}}}
			}
			stmts = append(stmts, st)
		}
		return inventory.Grant{Source: inventory.SourceInline, PolicyName: name, Statements: stmts}
	}
	seen := map[[2]bool]int{}
	for n := range 600 {
		id := inventory.Identity{Kind: inventory.KindAWSRole}
		for g := range 1 + rng.IntN(3) {
			id.Grants = append(id.Grants, grant(fmt.Sprintf("p%d", g)))
		}
		if rng.IntN(3) == 0 {
			b := grant("boundary")
			id.Boundary = &b
		}
		set := Compile(&id)
		for _, a := range actions {
			for _, r := range resources {
				want := set.Evaluate(a, r)
				ok, c := set.Allows(a, r)
				if ok != want.Allowed || c != want.Conditional {
					t.Fatalf("identity %d, %s on %s: Allows %v, %v; Evaluate %+v", n, a, r, ok, c, want)
				}
				seen[[2]bool{ok, c}]++
			}
		}
	}
	if len(seen) < 4 {
		t.Errorf("outcomes seen %v: want every combination of allowed and conditional", seen)
	}
}

// TestCompilerSharesLoweredActions checks that a compiler lower-cases an
// action pattern once: two identities' own statements naming it hold the
// same string, and it is lower-cased ("*:*" as "*").
func TestCompilerSharesLoweredActions(t *testing.T) {
	c := NewCompiler(time.Time{})
	compile := func(name string) *Set {
		return c.Compile(&inventory.Identity{Kind: inventory.KindAWSRole, Grants: []inventory.Grant{{Source: inventory.SourceInline, PolicyName: name,
			Statements: []inventory.Statement{{Effect: "Allow", Actions: []string{"S3:GetObject", "*:*"}, Resources: []string{"*"}}}}}})
	}
	a, b := compile("a").identity[0].stmts[0].actions, compile("b").identity[0].stmts[0].actions
	if a[0] != "s3:getobject" || a[1] != "*" || b[0] != a[0] {
		t.Fatalf("actions %q and %q", a, b)
	}
	if unsafe.StringData(a[0]) != unsafe.StringData(b[0]) {
		t.Error("the two statements hold two copies of the lower-cased action")
	}
}
