package awspolicy

import (
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func TestWhenRequestDecidesTokenClaims(t *testing.T) {
	const issuer = "oidc.eks.eu-west-1.amazonaws.com/id/5C9E3A1F"
	req := Request{issuer + ":sub": "system:serviceaccount:platform:ops-bot", issuer + ":aud": "sts.amazonaws.com"}
	cond := func(op, key string, values ...string) inventory.Condition {
		return inventory.Condition{Operator: op, Key: key, Values: values}
	}
	// Condition keys are case-insensitive in IAM; the request's keys are
	// lower case, the policy's as written.
	upper := "OIDC.EKS.EU-WEST-1.AMAZONAWS.COM/id/5C9E3A1F"
	cases := []struct {
		name  string
		conds []inventory.Condition
		want  Truth
	}{
		{"none", nil, True},
		{"pinned", []inventory.Condition{cond("StringEquals", issuer+":sub", "system:serviceaccount:platform:ops-bot"), cond("StringEquals", issuer+":aud", "sts.amazonaws.com")}, True},
		{"key case", []inventory.Condition{cond("StringEquals", upper+":sub", "system:serviceaccount:platform:ops-bot")}, True},
		{"other account", []inventory.Condition{cond("StringEquals", issuer+":sub", "system:serviceaccount:platform:other")}, False},
		{"value case counts", []inventory.Condition{cond("StringEquals", issuer+":sub", "system:serviceaccount:Platform:ops-bot")}, False},
		{"ignore case", []inventory.Condition{cond("StringEqualsIgnoreCase", issuer+":sub", "SYSTEM:serviceaccount:Platform:ops-bot")}, True},
		{"one of several", []inventory.Condition{cond("StringEquals", issuer+":sub", "system:serviceaccount:a:b", "system:serviceaccount:platform:ops-bot")}, True},
		{"wildcard namespace", []inventory.Condition{cond("StringLike", issuer+":sub", "system:serviceaccount:platform:*")}, True},
		{"wildcard elsewhere", []inventory.Condition{cond("StringLike", issuer+":sub", "system:serviceaccount:ci:*")}, False},
		{"single character", []inventory.Condition{cond("StringLike", issuer+":sub", "system:serviceaccount:platform:ops-bo?")}, True},
		{"like without wildcard", []inventory.Condition{cond("StringLike", issuer+":sub", "system:serviceaccount:platform:ops")}, False},
		{"not like", []inventory.Condition{cond("StringNotLike", issuer+":sub", "system:serviceaccount:kube-system:*")}, True},
		{"not equals hits", []inventory.Condition{cond("StringNotEquals", issuer+":sub", "system:serviceaccount:platform:ops-bot")}, False},
		{"if exists", []inventory.Condition{cond("StringEqualsIfExists", issuer+":sub", "system:serviceaccount:platform:ops-bot")}, True},
		{"for any value", []inventory.Condition{cond("ForAnyValue:StringLike", issuer+":sub", "*:ops-bot")}, True},
		{"wrong audience", []inventory.Condition{cond("StringEquals", issuer+":aud", "api://AzureADTokenExchange")}, False},
		{"null present", []inventory.Condition{cond("Null", issuer+":sub", "false")}, True},
		{"policy variable", []inventory.Condition{cond("StringEquals", issuer+":sub", "${aws:PrincipalTag/sa}")}, Unknown},
		{"other key", []inventory.Condition{cond("IpAddress", "aws:SourceIp", "10.0.0.0/8")}, Unknown},
		{"other key false wins", []inventory.Condition{cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"), cond("StringEquals", issuer+":sub", "x")}, False},
		{"date decided", []inventory.Condition{cond("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00Z")}, False},
	}
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range cases {
		st := inventory.Statement{Effect: "Allow", Conditions: c.conds}
		if got := WhenRequest(&st, asOf, SessionCaller, req); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestActionIn(t *testing.T) {
	cases := []struct {
		st   inventory.Statement
		want bool
	}{
		{inventory.Statement{Actions: []string{"sts:AssumeRoleWithWebIdentity"}}, true},
		{inventory.Statement{Actions: []string{"sts:AssumeRole"}}, false},
		{inventory.Statement{Actions: []string{"sts:AssumeRole*"}}, true},
		{inventory.Statement{Actions: []string{"STS:*"}}, true},
		{inventory.Statement{Actions: []string{"*"}}, true},
		{inventory.Statement{NotActions: []string{"sts:TagSession"}}, true},
		{inventory.Statement{NotActions: []string{"sts:*"}}, false},
	}
	for _, c := range cases {
		if got := ActionIn(&c.st, "sts:AssumeRoleWithWebIdentity"); got != c.want {
			t.Errorf("%+v: %v, want %v", c.st, got, c.want)
		}
	}
}
