package awspolicy

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

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
