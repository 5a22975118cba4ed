package paths

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// syntheticAccount makes roles and users with random grants over common
// services, a few administrators, and trust to services and the account.
func syntheticAccount(roles, users int) inventory.Inventory {
	rng := rand.New(rand.NewPCG(7, 9))
	services := []string{"s3", "ec2", "iam", "lambda", "sts", "glue", "ssm", "kms", "dynamodb", "cloudformation"}
	verbs := []string{"Get*", "List*", "Put*", "Create*", "*", "PassRole", "AssumeRole", "UpdateFunctionCode"}
	stmts := func() []inventory.Statement {
		var out []inventory.Statement
		for range 1 + rng.IntN(6) {
			st := inventory.Statement{Effect: "Allow", Resources: []string{"*"}}
			for range 1 + rng.IntN(3) {
				st.Actions = append(st.Actions, services[rng.IntN(len(services))]+":"+verbs[rng.IntN(len(verbs))])
			}
			if rng.IntN(10) == 0 {
				st.Effect = "Deny"
			}
			out = append(out, st)
		}
		return out
	}
	trusted := []string{"ec2.amazonaws.com", "lambda.amazonaws.com", "glue.amazonaws.com", "ecs-tasks.amazonaws.com"}
	var inv inventory.Inventory
	for i := range roles {
		id := ident("role", fmt.Sprintf("r%d", i), inline(stmts()...))
		if i%500 == 0 {
			id.Grants = append(id.Grants, inventory.Grant{Source: inventory.SourceInline, PolicyName: "admin", Statements: []inventory.Statement{admin}})
		}
		if i%7 == 0 {
			trusts("AWS", acct)(&id)
		} else {
			trusts("Service", trusted[i%len(trusted)])(&id)
		}
		if i%3 == 0 {
			attached(&id)
		}
		inv.Identities = append(inv.Identities, id)
	}
	for i := range users {
		inv.Identities = append(inv.Identities, ident("user", fmt.Sprintf("u%d", i), inline(stmts()...)))
	}
	return inv
}

// BenchmarkBuild measures building the escalation graph and finding every
// identity's path to administrator.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{5000, 10000, 20000} {
		inv := syntheticAccount(n, n/4)
		b.Run(fmt.Sprintf("roles=%d", n), func(b *testing.B) {
			reached := 0
			for i := 0; i < b.N; i++ {
				g := Build(&inv, asOf)
				reached = 0
				for j := range inv.Identities {
					if _, ok := g.ToAdmin(inv.Identities[j].ID); ok {
						reached++
					}
				}
			}
			b.ReportMetric(float64(reached), "reach-admin")
		})
	}
}
