package paths

import (
	"slices"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// toyCloud is a provider the graph does not know, written the way a
// Kubernetes or Azure part would be: its accounts are administrator when
// bound to "cluster-admin", and may act as the account an "impersonate"
// binding names (its scope). It proves that a cloud is one implementation
// of the interface and one entry in clouds, with nothing else to edit.
type toyCloud struct {
	g        *Graph
	accounts map[string]int // id -> node
}

const toyKind = "toy.serviceaccount"

var toyImpersonate = &Method{ID: "toy-impersonate", Name: "impersonation"}

func newToy(g *Graph, _ *inventory.Inventory, _ time.Time) cloud {
	return &toyCloud{g: g, accounts: map[string]int{}}
}

func (c *toyCloud) admits(id *inventory.Identity) role {
	if id.Kind == toyKind {
		return actor
	}
	return notMine
}

func (c *toyCloud) indexContext(*inventory.Identity) {}

func (c *toyCloud) index(p principal) { c.accounts[p.id.ID] = p.n }

func (c *toyCloud) prepare() {}

func (c *toyCloud) admin(p principal) (edge, bool) {
	for _, b := range p.id.Bindings {
		if b.Role == "cluster-admin" {
			return edge{via: "cluster-admin on " + b.Scope}, true
		}
	}
	return edge{}, false
}

func (c *toyCloud) edges(p principal, col *collector) {
	for _, b := range p.id.Bindings {
		if n, ok := c.accounts[b.Scope]; ok && b.Role == "impersonate" {
			col.link(n, edge{method: toyImpersonate})
		}
	}
}

func TestACloudIsOneImplementationAndOneEntry(t *testing.T) {
	lowerMethods()
	withToy := append(slices.Clip(clouds), cloudEntry{newToy, []Method{*toyImpersonate}})

	toy := func(name string, bindings ...inventory.Binding) inventory.Identity {
		return inventory.Identity{ID: "toy:" + name, Provider: "toy", Kind: toyKind, Account: "c1", Name: name, Bindings: bindings}
	}
	bind := func(role, scope string) inventory.Binding {
		return inventory.Binding{Role: role, Scope: scope}
	}
	inv := inventory.Inventory{Identities: []inventory.Identity{
		toy("ci", bind("impersonate", "toy:deployer")),
		toy("deployer", bind("cluster-admin", "cluster c1")),
		toy("reader", bind("view", "cluster c1")),
		ident("user", "a", inline(allow("s3:GetObject"))),
	}}
	g := build(&inv, asOf, withToy)

	if !g.IsAdmin("toy:deployer") || g.IsAdmin("toy:ci") {
		t.Errorf("IsAdmin: deployer %v, ci %v; want true, false", g.IsAdmin("toy:deployer"), g.IsAdmin("toy:ci"))
	}
	p, ok := g.ToAdmin("toy:ci")
	if !ok || len(p.Steps) != 2 {
		t.Fatalf("ToAdmin(ci) = %+v, %v; want ci -> deployer -> administrator", p, ok)
	}
	if s := p.Steps[0]; s.To != "toy:deployer" || s.Method != "toy-impersonate" {
		t.Errorf("first step %+v; want impersonation of deployer", s)
	}
	if s := p.Steps[1]; s.To != Administrator || s.Via != "cluster-admin on cluster c1" {
		t.Errorf("last step %+v; want administrator through cluster-admin", s)
	}
	if _, ok := g.ToAdmin("toy:reader"); ok {
		t.Error("reader reaches administrator; want no path")
	}
	if _, ok := g.ToAdmin(arn("user", "a")); ok {
		t.Error("an AWS user reaches administrator through the toy cloud; want no path")
	}
	if g.Identity("toy:ci") == nil {
		t.Error("the toy cloud's principals are not nodes of the graph")
	}
	if g.Perms("toy:ci") != nil || g.Perms(arn("user", "a")) == nil {
		t.Error("the graph compiles AWS policies for a principal of another cloud, or not for an AWS one")
	}
}

func TestACloudLeftOutOfTheListTakesNoPart(t *testing.T) {
	inv := inventory.Inventory{Identities: []inventory.Identity{
		{ID: "toy:deployer", Kind: toyKind, Bindings: []inventory.Binding{{Role: "cluster-admin"}}},
	}}
	g := Build(&inv, asOf)
	if g.Identity("toy:deployer") != nil || g.IsAdmin("toy:deployer") {
		t.Error("an identity no cloud admits became a node")
	}
}
