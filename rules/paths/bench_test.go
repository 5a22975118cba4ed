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

// edgeCount is the size of a graph: every edge, virtual nodes' included.
func edgeCount(g *Graph) int {
	n := 0
	for _, es := range g.out {
		n += len(es)
	}
	return n
}

// broadAccount makes an account as large ones look: a shared baseline
// managed policy on every principal (one document, many attachments), and
// broad grants on whole resource types held by many principals: deployers
// with iam:PassRole on every role of the account, pipelines with
// sts:AssumeRole on every role, task runners with iam:PassRole on "*",
// user managers with iam:CreateAccessKey on every user.
func broadAccount(roles, users int) inventory.Inventory {
	every := func(kind string) string { return "arn:aws:iam::" + acct + ":" + kind + "/*" }
	var baseline []inventory.Statement
	for i := range 20 {
		baseline = append(baseline, on(fmt.Sprintf("arn:aws:s3:::bucket-%d/*", i), "s3:GetObject", "s3:PutObject"),
			on(fmt.Sprintf("arn:aws:logs:*:%s:log-group:/app/%d:*", acct, i), "logs:CreateLogStream", "logs:PutLogEvents"))
	}
	base := managed(arn("policy", "baseline"), baseline...)
	trusted := []string{"lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com"}
	var inv inventory.Inventory
	for i := range roles {
		opts := []opt{base, inline(on(fmt.Sprintf("arn:aws:dynamodb:*:%s:table/t%d", acct, i), "dynamodb:*"))}
		switch i % 10 {
		case 0: // deployer
			opts = append(opts, inline(on(every("role"), "iam:PassRole"), allow("lambda:CreateFunction", "lambda:InvokeFunction", "ec2:RunInstances")))
		case 1: // pipeline
			opts = append(opts, inline(on(every("role"), "sts:AssumeRole")))
		case 2: // task runner
			opts = append(opts, inline(allow("iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask")))
		}
		if i%500 == 0 {
			opts = append(opts, inline(admin))
		}
		if i%7 == 0 {
			opts = append(opts, trusts("AWS", acct))
		} else {
			opts = append(opts, trusts("Service", trusted[i%len(trusted)]))
		}
		if i%3 == 0 {
			opts = append(opts, attached)
		}
		inv.Identities = append(inv.Identities, ident("role", fmt.Sprintf("r%d", i), opts...))
	}
	for i := range users {
		opts := []opt{base}
		if i%20 == 0 {
			opts = append(opts, inline(on(every("user"), "iam:CreateAccessKey")))
		}
		inv.Identities = append(inv.Identities, ident("user", fmt.Sprintf("u%d", i), opts...))
	}
	return inv
}

// BenchmarkBuildBroadGrants guards the graph against quadratic growth: 4x
// the roles must cost about 4x the time, not 16x.
func BenchmarkBuildBroadGrants(b *testing.B) {
	for _, n := range []int{5000, 20000} {
		inv := broadAccount(n, n/4)
		b.Run(fmt.Sprintf("roles=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			reached, edges := 0, 0
			for i := 0; i < b.N; i++ {
				g := Build(&inv, asOf)
				edges = edgeCount(g)
				reached = 0
				for j := range inv.Identities {
					if _, ok := g.ToAdmin(inv.Identities[j].ID); ok {
						reached++
					}
				}
			}
			b.ReportMetric(float64(reached), "reach-admin")
			b.ReportMetric(float64(edges), "edges")
		})
	}
}

// TestBroadGrantsStayLinear guards the graph's size, which decides its
// time and memory: 4x the principals and roles, all holding broad grants,
// make at most 4.4x the edges (a graph of one edge per principal and
// target would make 16x).
func TestBroadGrantsStayLinear(t *testing.T) {
	small, large := Build(ptrTo(broadAccount(500, 125)), asOf), Build(ptrTo(broadAccount(2000, 500)), asOf)
	es, el := edgeCount(small), edgeCount(large)
	if ratio := float64(el) / float64(es); ratio > 4.4 {
		t.Errorf("edges grew %.1fx (%d -> %d) for 4x the input", ratio, es, el)
	}
}

func ptrTo(inv inventory.Inventory) *inventory.Inventory { return &inv }

// azureTenant makes a tenant as large ones look: n service principals,
// 70% applications each owned by one or two others (service principals
// and users), 25% system-assigned managed identities of virtual machines
// and web apps spread over 50 subscriptions of 20 resource groups, 5%
// user-assigned ones. Every 100th holds tenant-wide Application
// Administrator, every 250th Application.ReadWrite.All, every 150th
// Cloud Application Administrator scoped to one application, every 50th
// Contributor on a resource group, every 400th User Access Administrator
// on a subscription, every 2000th RoleManagement.ReadWrite.Directory and
// every 5000th Global Administrator.
func azureTenant(n int) inventory.Inventory {
	rng := rand.New(rand.NewPCG(3, 5))
	rg := func(i int) string {
		return fmt.Sprintf("/subscriptions/00000000-0000-4000-8000-%012d/resourceGroups/rg-%d", i%50, (i/50)%20)
	}
	var inv inventory.Inventory
	for i := range n {
		name := fmt.Sprintf("p%d", i)
		var opts []func(*inventory.Identity)
		switch r := i % 20; {
		case r < 14:
			owners := []inventory.Principal{spOwner(fmt.Sprintf("p%d", rng.IntN(n)))}
			if rng.IntN(2) == 0 {
				owners = append(owners, inventory.Principal{Type: "user", Value: fmt.Sprintf("user-%d", rng.IntN(n))})
			}
			opts = append(opts, ownedBy(owners...))
		case r < 19:
			kind := "virtualMachines"
			if r%2 == 0 {
				kind = "../Microsoft.Web/sites"
			}
			res := fmt.Sprintf("%s/providers/Microsoft.Compute/%s/vm-%d", rg(i), kind, i)
			opts = append(opts, azKind(inventory.KindAzureManagedIdentity), func(id *inventory.Identity) { id.Path, id.AttachedTo = "system-assigned", []string{res} })
		default:
			opts = append(opts, azKind(inventory.KindAzureManagedIdentity), func(id *inventory.Identity) { id.Path = "user-assigned" })
		}
		switch {
		case i%5000 == 7:
			opts = append(opts, dirRole("Global Administrator"))
		case i%2000 == 11:
			opts = append(opts, graphPerm("RoleManagement.ReadWrite.Directory"))
		case i%100 == 3:
			opts = append(opts, dirRole("Application Administrator"))
		case i%250 == 5:
			opts = append(opts, graphPerm("Application.ReadWrite.All"))
		case i%150 == 9:
			opts = append(opts, azGrant("directoryRole:Cloud Application Administrator", fmt.Sprintf("directory/sp-p%d", (i/20)*20)))
		case i%50 == 13:
			opts = append(opts, azGrant("/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c", rg(rng.IntN(1000))))
		case i%400 == 17:
			opts = append(opts, azGrant("/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", fmt.Sprintf("/subscriptions/00000000-0000-4000-8000-%012d", i%50)))
		}
		inv.Identities = append(inv.Identities, azSP(name, opts...))
	}
	return inv
}

// BenchmarkBuildAzure measures building the graph of a tenant and finding
// every service principal's path to administrator; 4x the service
// principals must cost about 4x, not 16x (tenant-wide Application
// Administrators reach every application through one virtual node).
func BenchmarkBuildAzure(b *testing.B) {
	for _, n := range []int{5000, 20000} {
		inv := azureTenant(n)
		b.Run(fmt.Sprintf("sps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			reached, edges := 0, 0
			for i := 0; i < b.N; i++ {
				g := Build(&inv, asOf)
				edges = edgeCount(g)
				reached = 0
				for j := range inv.Identities {
					if _, ok := g.ToAdmin(inv.Identities[j].ID); ok {
						reached++
					}
				}
			}
			b.ReportMetric(float64(reached), "reach-admin")
			b.ReportMetric(float64(edges), "edges")
		})
	}
}

// TestAzureStaysLinear guards the Azure graph's size: 4x the service
// principals, with tenant-wide application administrators, Contributors
// over managed identities and owners, make at most 4.4x the edges.
func TestAzureStaysLinear(t *testing.T) {
	small, large := Build(ptrTo(azureTenant(2500)), asOf), Build(ptrTo(azureTenant(10000)), asOf)
	es, el := edgeCount(small), edgeCount(large)
	if ratio := float64(el) / float64(es); ratio > 4.4 {
		t.Errorf("edges grew %.1fx (%d -> %d) for 4x the input", ratio, es, el)
	}
	reached := 0
	inv := azureTenant(2500)
	g := Build(&inv, asOf)
	for i := range inv.Identities {
		if _, ok := g.ToAdmin(inv.Identities[i].ID); ok {
			reached++
		}
	}
	if reached < len(inv.Identities)/50 {
		t.Errorf("only %d of %d service principals reach administrator: the synthetic tenant lost its grants", reached, len(inv.Identities))
	}
}
