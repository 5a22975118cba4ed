package paths

import (
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	policy "github.com/nhiscan/nhiscan/rules/awspolicy"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Graph holds the edges "A can become B" between identities, and an
// administrator sink that administrator-equivalent identities (and
// methods that rewrite one's own permissions) lead to. This file is the
// part every cloud shares: the nodes, the virtual nodes standing for
// sets of targets, and the search for shortest paths. What a cloud's
// identities can do to each other is its own file (aws.go, gcp.go),
// behind the cloud interface; clouds.go lists them.
type Graph struct {
	nodes []node
	out   [][]edge
	// index maps each node's Ref to it; byID maps a plain identity id to
	// its nodes (several when Kubernetes clusters share an account name).
	index map[string]int
	byID  map[string][]int
	// alias maps the other names a cloud files its nodes under (an Entra
	// service principal's client id) to them.
	alias map[string][]int
	perms map[int]*policy.Set
	// shortest distance (in edges) to the sink, and the edge taken first
	dist []int
	next []int
	// the clouds' parts, in the order of clouds
	parts []cloud
	// passive principals: reached by joining them (AWS groups), they act
	// only through their members, and no path starts there
	passive map[int]bool
	// virtual nodes by key, while the graph is built
	virtual map[string]int
}

type node struct {
	id    *inventory.Identity
	label string // virtual nodes: what they stand for
}

type edge struct {
	to          int
	method      *Method
	conditional bool // depends on a condition the scan cannot decide
	possible    bool // depends on a resource the scan does not see (a function, an instance)
	via         string
}

const sink = 0

// Step is one hop of a path.
type Step struct {
	From, To    string // identity ids; To is "administrator" at the end
	FromRef     string // Ref of From and To: unique where ids are not
	ToRef       string
	FromName    string
	ToName      string
	Method      string // method id
	MethodName  string
	Via         string // what the step goes through, when not plain
	Conditional bool
	Possible    bool
}

// Path is a way from an identity to administrator.
type Path struct {
	Steps []Step
}

// Hops counts the escalation steps taken: every step but the last one
// of an administrator identity, which is no step at all.
func (p Path) Hops() int {
	n := 0
	for _, s := range p.Steps {
		if s.Method != "" {
			n++
		}
	}
	return n
}

// Conditional reports whether any step depends on an undecided condition
// or an unseen resource.
func (p Path) Conditional() bool {
	for _, s := range p.Steps {
		if s.Conditional || s.Possible {
			return true
		}
	}
	return false
}

// Administrator is the id of the end of every path.
const Administrator = "administrator"

func (g *Graph) add(n node) int {
	g.nodes = append(g.nodes, n)
	g.out = append(g.out, nil)
	return len(g.nodes) - 1
}

func (g *Graph) link(from, to int, e edge) {
	if from == to {
		return
	}
	e.to = to
	g.out[from] = append(g.out[from], e)
}

// principal is an identity that can act: what a cloud knows of it.
type principal struct {
	n     int
	id    *inventory.Identity
	perms *policy.Set // AWS identities only: their compiled policies
	// member: the principal stands for any member of a group (memberOf).
	member bool
	part   cloud // the cloud that admitted it
}

// role says what an identity is to a cloud's part of the graph.
type role int

const (
	// notMine: an identity of another cloud, or one that takes no part.
	notMine role = iota
	// indexOnly: no node, but the cloud indexes it (a GCP project's
	// bindings say which projects a folder holds).
	indexOnly
	// actor: a node that acts; paths start there.
	actor
	// passive: a node reached by joining it (an AWS group); paths pass
	// through it but never start there.
	passive
)

// cloud is one provider's part of the graph: it indexes its principals,
// emits the edges leaving each, and says which are administrator. build
// calls admits, indexContext and index in inventory order, prepare once, then
// admin and edges for every principal on several goroutines at once:
// those two read the indexes and write only to the collector.
type cloud interface {
	// admits says what the identity is to this cloud.
	admits(id *inventory.Identity) role
	// indexContext indexes an identity that is not a node.
	indexContext(id *inventory.Identity)
	// index records a principal, its node made and its policies compiled.
	index(p principal)
	// prepare completes the indexes once every identity is recorded.
	prepare()
	// admin reports whether the principal is administrator-equivalent by
	// itself, and the edge to the administrator sink that says how.
	admin(p principal) (edge, bool)
	// edges collects the edges leaving the principal.
	edges(p principal, col *collector)
}

// cloudEntry is one provider the graph knows: the constructor of its part
// and the escalation methods its edges name.
type cloudEntry struct {
	part    func(g *Graph, inv *inventory.Inventory, asOf time.Time) cloud
	methods []Method
}

// build makes the graph of an inventory with the parts of the clouds
// listed, their methods' actions already lowered (lowerMethods).
func build(inv *inventory.Inventory, asOf time.Time, clouds []cloudEntry) *Graph {
	g := &Graph{index: map[string]int{}, byID: map[string][]int{}, alias: map[string][]int{}, perms: map[int]*policy.Set{}, passive: map[int]bool{}, virtual: map[string]int{}}
	g.add(node{label: Administrator})
	for _, c := range clouds {
		g.parts = append(g.parts, c.part(g, inv, asOf))
	}
	principals := make([]principal, 0, len(inv.Identities))
	compiler := policy.NewCompiler(asOf) // shared managed policies compile once
	for i := range inv.Identities {
		id := &inv.Identities[i]
		part, r := g.partOf(id)
		switch r {
		case notMine:
			continue
		case indexOnly:
			part.indexContext(id)
			continue
		}
		ref := Ref(id)
		if _, dup := g.index[ref]; dup {
			continue
		}
		n := g.add(node{id: id})
		if r == passive {
			g.passive[n] = true
		}
		g.index[ref] = n
		g.byID[id.ID] = append(g.byID[id.ID], n)
		p := principal{n: n, id: id, part: part}
		if id.Provider == inventory.AWS {
			// Only AWS identities carry AWS policies: the other clouds'
			// parts read their own bindings, never the AWS evaluator.
			p.perms = compiler.Compile(id)
			g.perms[n] = p.perms
		}
		part.index(p)
		principals = append(principals, p)
	}
	for _, part := range g.parts {
		part.prepare()
	}
	// Reading permissions is the costly part and touches nothing shared:
	// do it on every core, then add the edges in principal order.
	collected := make([]collector, len(principals))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(principals); i += workers {
				p := principals[i]
				c := &collected[i]
				c.from = p.n
				if e, ok := p.part.admin(p); ok {
					c.link(sink, e)
				}
				p.part.edges(p, c)
			}
		}()
	}
	wg.Wait()
	for i := range collected {
		g.materialize(&collected[i])
	}
	g.virtual = nil
	g.solve()
	return g
}

// Ref names an identity's node uniquely: its id where ids are unique
// across accounts (ARNs, service account emails, Entra object ids), and
// CLUSTER/ID for a Kubernetes service account, whose id
// system:serviceaccount:NS:NAME every cluster may hold.
func Ref(id *inventory.Identity) string {
	if id.Provider == inventory.K8s {
		return id.Account + "/" + id.ID
	}
	return id.ID
}

// lookup finds the node of a Ref, or of a plain id that only one node
// holds.
func (g *Graph) lookup(ref string) (int, bool) {
	if n, ok := g.index[ref]; ok {
		return n, true
	}
	if ns := g.byID[ref]; len(ns) == 1 {
		return ns[0], true
	}
	return 0, false
}

// Matches lists the identities in the graph a Ref or plain id names: one
// for a Ref, every cluster's for a Kubernetes id several clusters hold.
func (g *Graph) Matches(ref string) []*inventory.Identity {
	if n, ok := g.index[ref]; ok {
		return []*inventory.Identity{g.nodes[n].id}
	}
	var out []*inventory.Identity
	for _, n := range g.byID[ref] {
		out = append(out, g.nodes[n].id)
	}
	return out
}

// fileAlias files a node under another name a cloud looks it up by.
func (g *Graph) fileAlias(key string, n int) { g.alias[key] = append(g.alias[key], n) }

// partOf finds the cloud that takes an identity.
func (g *Graph) partOf(id *inventory.Identity) (cloud, role) {
	for _, part := range g.parts {
		if r := part.admits(id); r != notMine {
			return part, r
		}
	}
	return nil, notMine
}

// target is a node a virtual node leads to, and whether the edge there
// depends on a condition (a trust statement with a condition).
type target struct {
	n           int
	conditional bool
}

// intent is an edge found while the graph is read in parallel: to a node,
// or to a virtual node made later (vkey set).
type intent struct {
	to       int
	vkey     string
	vlabel   string
	vtargets func() []target
	e        edge
}

// collector gathers one principal's edges.
type collector struct {
	from    int
	intents []intent
}

func (c *collector) link(to int, e edge) {
	if to != c.from {
		c.intents = append(c.intents, intent{to: to, e: e})
	}
}

// linkVirtual links to the virtual node of key, which stands for the
// targets: made, and linked to them, the first time a principal links to
// it, after the parallel phase (targets are not called before).
func (c *collector) linkVirtual(key, label string, targets func() []int, e edge) {
	c.linkVirtualTargets(key, label, targetsOf(targets), e)
}

// linkVirtualTargets is linkVirtual for targets that carry their own
// condition.
func (c *collector) linkVirtualTargets(key, label string, targets func() []target, e edge) {
	c.intents = append(c.intents, intent{to: -1, vkey: key, vlabel: label, vtargets: targets, e: e})
}

// targetsOf turns a node list into unconditional targets.
func targetsOf(nodes func() []int) func() []target {
	return func() []target {
		ns := nodes()
		out := make([]target, len(ns))
		for i, n := range ns {
			out[i] = target{n: n}
		}
		return out
	}
}

// materialize adds a principal's collected edges to the graph.
func (g *Graph) materialize(c *collector) {
	for _, in := range c.intents {
		to := in.to
		if to < 0 {
			to = g.virtualNode(in.vkey, in.vlabel, in.vtargets)
		}
		g.link(c.from, to, in.e)
	}
}

// virtualNode returns the node standing for a set of targets, creating it
// (and its edges to the targets) on first use.
func (g *Graph) virtualNode(key, label string, targets func() []target) int {
	if n, ok := g.virtual[key]; ok {
		return n
	}
	n := g.add(node{label: label})
	g.virtual[key] = n
	for _, t := range targets() {
		g.link(n, t.n, edge{conditional: t.conditional})
	}
	return n
}

// solve computes each node's distance to administrator and the first
// edge of a shortest path.
func (g *Graph) solve() { g.dist, g.next = g.towards(sink) }

// towards searches breadth first backwards from target: the distance of
// every node to it and the first edge of a shortest path, preferring
// unconditional edges among equally short ones.
func (g *Graph) towards(target int) (dist, next []int) {
	n := len(g.nodes)
	dist = make([]int, n)
	next = make([]int, n)
	type in struct{ from, idx int }
	rev := make([][]in, n)
	for from, es := range g.out {
		for i, e := range es {
			rev[e.to] = append(rev[e.to], in{from, i})
		}
	}
	for i := range dist {
		dist[i] = -1
		next[i] = -1
	}
	dist[target] = 0
	queue := []int{target}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		// Prefer unconditional edges: visit them first.
		preds := rev[cur]
		sort.SliceStable(preds, func(i, j int) bool {
			ei, ej := g.out[preds[i].from][preds[i].idx], g.out[preds[j].from][preds[j].idx]
			return !(ei.conditional || ei.possible) && (ej.conditional || ej.possible)
		})
		for _, p := range preds {
			if dist[p.from] >= 0 {
				continue
			}
			dist[p.from] = dist[cur] + 1
			next[p.from] = p.idx
			queue = append(queue, p.from)
		}
	}
	return dist, next
}

func (g *Graph) name(n int) (id, name string) {
	nd := g.nodes[n]
	if n == sink {
		return Administrator, Administrator
	}
	if nd.id == nil {
		return nd.label, nd.label
	}
	return nd.id.ID, nd.id.Name
}

// ref is the Ref of a node (the label of a virtual node, administrator
// for the sink).
func (g *Graph) ref(n int) string {
	if nd := g.nodes[n]; nd.id != nil {
		return Ref(nd.id)
	}
	id, _ := g.name(n)
	return id
}

// IsAdmin reports whether the identity (a Ref, or an id only one node
// holds) is itself administrator-equivalent.
func (g *Graph) IsAdmin(id string) bool {
	n, ok := g.lookup(id)
	if !ok {
		return false
	}
	for _, e := range g.out[n] {
		if e.to == sink && e.method == nil {
			return true
		}
	}
	return false
}

// ToAdmin returns a shortest path from the identity (a Ref, or an id only
// one node holds) to administrator. Passive principals (AWS groups) do
// not act: they are reached by joining them.
func (g *Graph) ToAdmin(id string) (Path, bool) {
	n, ok := g.lookup(id)
	if !ok || g.dist[n] < 0 || g.passive[n] {
		return Path{}, false
	}
	return g.walk(n, sink, g.next), true
}

// Towards returns, for every identity that can become target (a Ref, or
// an id only one node holds), a shortest path to it, by the start's Ref.
func (g *Graph) Towards(target string) map[string]Path {
	t, ok := g.lookup(target)
	if !ok {
		return nil
	}
	dist, next := g.towards(t)
	out := map[string]Path{}
	for n, nd := range g.nodes {
		if nd.id == nil || n == t || dist[n] < 0 || g.passive[n] {
			continue
		}
		out[Ref(nd.id)] = g.walk(n, t, next)
	}
	return out
}

func (g *Graph) walk(n, target int, next []int) Path {
	var p Path
	var pending *edge
	pendingFrom := n
	for cur := n; cur != target; {
		e := g.out[cur][next[cur]]
		if g.nodes[e.to].id == nil && e.to != sink {
			// into a virtual node: the step ends at the node after it
			ec := e
			pending, pendingFrom = &ec, cur
			cur = e.to
			continue
		}
		from := cur
		step := e
		if pending != nil {
			from, step = pendingFrom, *pending
			step.to = e.to
			step.conditional = step.conditional || e.conditional
			pending = nil
		}
		fid, fname := g.name(from)
		tid, tname := g.name(step.to)
		s := Step{From: fid, FromName: fname, To: tid, ToName: tname, FromRef: g.ref(from), ToRef: g.ref(step.to), Via: step.via, Conditional: step.conditional, Possible: step.possible}
		if step.method != nil {
			s.Method, s.MethodName = step.method.ID, step.method.Name
		}
		p.Steps = append(p.Steps, s)
		cur = e.to
	}
	return p
}

// Edge is one "A can become B" relation, for drawing.
type Edge struct {
	From, To         string
	FromName, ToName string
	FromRef, ToRef   string // unique where ids are not (Ref)
	Method           string
	Conditional      bool
	Possible         bool
}

// Edges lists the graph's edges between identities (virtual nodes
// expanded), in a stable order.
func (g *Graph) Edges() []Edge {
	var out []Edge
	for from := range g.nodes {
		if g.nodes[from].id == nil {
			continue
		}
		for _, e := range g.out[from] {
			targets := []edge{e}
			if e.to != sink && g.nodes[e.to].id == nil {
				targets = targets[:0]
				targets = append(targets, g.out[e.to]...)
			}
			for _, t := range targets {
				if t.to == from {
					continue
				}
				fid, fname := g.name(from)
				tid, tname := g.name(t.to)
				ed := Edge{From: fid, To: tid, FromName: fname, ToName: tname, FromRef: g.ref(from), ToRef: g.ref(t.to), Conditional: e.conditional || t.conditional, Possible: e.possible}
				if e.method != nil {
					ed.Method = e.method.ID
				} else {
					ed.Method = "administrator"
				}
				out = append(out, ed)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		if out[i].To != out[j].To {
			return out[i].To < out[j].To
		}
		if out[i].FromRef != out[j].FromRef {
			return out[i].FromRef < out[j].FromRef
		}
		return out[i].ToRef < out[j].ToRef
	})
	// A target two resource patterns reach (through two virtual nodes)
	// is one edge.
	seen := make(map[Edge]bool, len(out))
	return slices.DeleteFunc(out, func(e Edge) bool {
		dup := seen[e]
		seen[e] = true
		return dup
	})
}

// Perms returns the compiled AWS permissions of an AWS identity in the
// graph, so rules need not compile them again; nil for other identities.
func (g *Graph) Perms(id string) *policy.Set {
	if n, ok := g.lookup(id); ok {
		return g.perms[n]
	}
	return nil
}

// Identity returns the inventory identity of a Ref (or of an id only one
// node holds) in the graph.
func (g *Graph) Identity(id string) *inventory.Identity {
	if n, ok := g.lookup(id); ok {
		return g.nodes[n].id
	}
	return nil
}
