package paths

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	policy "github.com/nhiscan/nhiscan/rules/awspolicy"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Graph holds the edges "A can become B" between identities, and an
// administrator sink that administrator-equivalent identities (and
// methods that rewrite one's own permissions) lead to.
type Graph struct {
	nodes []node
	out   [][]edge
	index map[string]int
	perms map[int]*policy.Set
	// shortest distance (in edges) to the sink, and the edge taken first
	dist []int
	next []int
	// AWS users and groups by account
	users, groups map[string][]int
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

// principal is an identity that can act: what the builder knows of it.
type principal struct {
	n     int
	id    *inventory.Identity
	perms *policy.Set
	// member: the principal stands for any member of a group (memberOf).
	member bool
}

// builder collects indexes over the inventory.
type builder struct {
	g       *Graph
	asOf    time.Time
	virtual map[string]int
	// AWS indexes
	users      map[string][]int            // account -> user nodes
	byPassword map[string]map[bool][]int   // account -> has a console password -> users
	roles      map[string][]int            // account -> role nodes
	byService  map[string]map[string][]int // account -> service -> roles it trusts
	byName     map[string][]trustRef       // principal ARN -> roles naming it
	byAccount  map[string][]trustRef       // account -> roles trusting it (root or id)
	anyone     []trustRef                  // roles trusting "*"
	adminGroup map[string][]int            // account -> groups with admin rights
	groups     map[string][]int            // account -> every group
	// passwordUnknown: accounts without a credential report, whose users'
	// console passwords are unknown.
	passwordUnknown map[string]bool
	// GCP indexes
	projectSAs map[string][]int // project -> service accounts
	resProject map[string][]string
	saTrust    map[string][]saGrant // member email -> service accounts it may act as

	assumableByAcct map[string]*assumableRoles
	// adminVersions caches adminVersion per managed policy ARN: every
	// principal holding the policy would compile its stored versions
	// again (workers share it).
	adminVersions sync.Map
}

type saGrant struct {
	target      int
	role        string
	conditional bool
}

type trustRef struct {
	role        int
	conditional bool
}

// Build makes the graph of an inventory as of a time (date conditions are
// decided against it).
func Build(inv *inventory.Inventory, asOf time.Time) *Graph {
	lowerMethods()
	g := &Graph{index: map[string]int{}, perms: map[int]*policy.Set{}}
	g.add(node{label: Administrator})
	b := &builder{g: g, asOf: asOf, virtual: map[string]int{}, users: map[string][]int{}, byPassword: map[string]map[bool][]int{}, roles: map[string][]int{},
		byService: map[string]map[string][]int{}, byName: map[string][]trustRef{}, byAccount: map[string][]trustRef{},
		adminGroup: map[string][]int{}, groups: map[string][]int{}, passwordUnknown: map[string]bool{}, projectSAs: map[string][]int{}, resProject: map[string][]string{}, saTrust: map[string][]saGrant{}, assumableByAcct: map[string]*assumableRoles{}}
	for _, src := range inv.Sources {
		if src.Scanner == string(inventory.AWS) && slices.Contains(src.NotAssessed, inventory.NotAssessedUserCredentials) {
			b.passwordUnknown[src.Scope] = true
		}
	}
	var principals []principal
	compiler := policy.NewCompiler(asOf) // shared managed policies compile once
	for i := range inv.Identities {
		id := &inv.Identities[i]
		switch id.Kind {
		case inventory.KindAWSRole, inventory.KindAWSUser, inventory.KindAWSGroup, inventory.KindGCPAccount:
		case inventory.KindGCPProject:
			for _, st := range id.Trust {
				if len(st.Resources) > 0 {
					b.resProject[st.Resources[0]] = appendOnce(b.resProject[st.Resources[0]], id.Account)
				}
			}
			continue
		default:
			continue
		}
		if _, dup := g.index[id.ID]; dup {
			continue
		}
		n := g.add(node{id: id})
		g.index[id.ID] = n
		perms := compiler.Compile(id)
		p := principal{n: n, id: id, perms: perms}
		g.perms[n] = p.perms
		b.indexIdentity(p)
		principals = append(principals, p)
	}
	for _, p := range principals {
		b.indexAssumable(p.id.Account)
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
				switch p.id.Kind {
				case inventory.KindAWSRole, inventory.KindAWSUser:
					b.awsEdges(p, c)
				case inventory.KindAWSGroup:
					b.awsEdges(memberOf(p), c) // what joining the group gives
				}
			}
		}()
	}
	wg.Wait()
	for i, p := range principals {
		b.adminEdges(p)
		b.materialize(&collected[i])
		if p.id.Kind == inventory.KindGCPAccount {
			b.gcpEdges(p)
		}
	}
	g.users, g.groups = b.users, b.groups
	g.solve()
	return g
}

func appendOnce(xs []string, x string) []string {
	for _, v := range xs {
		if v == x {
			return xs
		}
	}
	return append(xs, x)
}

func (b *builder) indexIdentity(p principal) {
	id := p.id
	switch id.Kind {
	case inventory.KindAWSUser:
		b.users[id.Account] = append(b.users[id.Account], p.n)
		if b.byPassword[id.Account] == nil {
			b.byPassword[id.Account] = map[bool][]int{}
		}
		pw := hasPassword(id)
		b.byPassword[id.Account][pw] = append(b.byPassword[id.Account][pw], p.n)
	case inventory.KindAWSGroup:
		b.groups[id.Account] = append(b.groups[id.Account], p.n)
		if d := p.perms.Evaluate("*", "*"); d.Allowed {
			b.adminGroup[id.Account] = append(b.adminGroup[id.Account], p.n)
		}
	case inventory.KindAWSRole:
		b.roles[id.Account] = append(b.roles[id.Account], p.n)
		for _, st := range id.Trust {
			if !strings.EqualFold(st.Effect, "Allow") {
				continue
			}
			t := policy.When(&st, b.asOf, policy.AnyCaller)
			if t == policy.False {
				continue
			}
			ref := trustRef{role: p.n, conditional: t == policy.Unknown}
			for _, pr := range st.Principals {
				switch {
				case pr.Type == "Service":
					svc := b.byService[id.Account]
					if svc == nil {
						svc = map[string][]int{}
						b.byService[id.Account] = svc
					}
					svc[pr.Value] = append(svc[pr.Value], p.n)
					if pr.Value == "ec2.amazonaws.com" && len(id.AttachedTo) > 0 {
						svc["ec2-instance"] = append(svc["ec2-instance"], p.n)
					}
				case pr.Value == "*" && (pr.Type == "AWS" || pr.Type == "*"):
					b.anyone = append(b.anyone, ref)
				case pr.Type == "AWS":
					if acct := rootAccount(pr.Value); acct != "" {
						b.byAccount[acct] = append(b.byAccount[acct], ref)
					} else {
						b.byName[pr.Value] = append(b.byName[pr.Value], ref)
					}
				}
			}
		}
	case inventory.KindGCPAccount:
		b.projectSAs[id.Account] = append(b.projectSAs[id.Account], p.n)
		for _, st := range id.Trust {
			if len(st.Actions) == 0 || !GCPImpersonationRoles[st.Actions[0]] {
				continue
			}
			t := policy.When(&st, b.asOf, policy.AnyCaller)
			if t == policy.False {
				continue
			}
			for _, pr := range st.Principals {
				// "deleted:serviceAccount:" members are stale bindings, not
				// principals: only live service accounts act.
				if pr.Type == "serviceAccount" {
					b.saTrust[pr.Value] = append(b.saTrust[pr.Value], saGrant{target: p.n, role: st.Actions[0], conditional: t == policy.Unknown})
				}
			}
		}
	}
}

// memberOf stands for any member of a group: a user of the group's account
// holding the group's permissions only, whose own name is unknown (so a
// grant on users counts only when it covers every user). Its edges start
// at the group's node: a user who joins the group takes them.
func memberOf(grp principal) principal {
	g := grp.id
	prefix, _, _ := strings.Cut(g.ID, ":group/")
	m := &inventory.Identity{ID: prefix + ":user/*", Provider: g.Provider, Kind: inventory.KindAWSUser, Account: g.Account,
		Name: "a member of " + g.Name, Groups: []string{g.ID}, Grants: g.Grants}
	return principal{n: grp.n, id: m, perms: grp.perms, member: true}
}

// rootAccount returns the account a principal value names as a whole
// (a bare account id or arn:...:root), or "".
func rootAccount(v string) string {
	if len(v) == 12 && strings.Trim(v, "0123456789") == "" {
		return v
	}
	if strings.HasPrefix(v, "arn:") && strings.HasSuffix(v, ":root") {
		parts := strings.Split(v, ":")
		if len(parts) == 6 {
			return parts[4]
		}
	}
	return ""
}

// intent is an edge found while the graph is read in parallel: to a node,
// or to a virtual node made later (vkey set).
type intent struct {
	to       int
	vkey     string
	vlabel   string
	vtargets func() []trustRef
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

func (c *collector) linkVirtual(key, label string, targets func() []int, e edge) {
	c.linkVirtualRefs(key, label, func() []trustRef {
		var out []trustRef
		for _, t := range targets() {
			out = append(out, trustRef{role: t})
		}
		return out
	}, e)
}

func (c *collector) linkVirtualRefs(key, label string, targets func() []trustRef, e edge) {
	c.intents = append(c.intents, intent{to: -1, vkey: key, vlabel: label, vtargets: targets, e: e})
}

// materialize adds a principal's collected edges to the graph.
func (b *builder) materialize(c *collector) {
	for _, in := range c.intents {
		to := in.to
		if to < 0 {
			to = b.virtualRefs(in.vkey, in.vlabel, in.vtargets)
		}
		b.g.link(c.from, to, in.e)
	}
}

// virtualNode returns the node standing for a set of targets, creating it
// (and its edges to the targets) on first use.
func (b *builder) virtualNode(key, label string, targets func() []int) int {
	return b.virtualRefs(key, label, func() []trustRef {
		var out []trustRef
		for _, t := range targets() {
			out = append(out, trustRef{role: t})
		}
		return out
	})
}

// virtualRefs is virtualNode for targets that carry their own condition
// (a trust statement with a condition).
func (b *builder) virtualRefs(key, label string, targets func() []trustRef) int {
	if n, ok := b.virtual[key]; ok {
		return n
	}
	n := b.g.add(node{label: label})
	b.virtual[key] = n
	for _, t := range targets() {
		b.g.link(n, t.role, edge{conditional: t.conditional})
	}
	return n
}

// GCPAdminRoles make their holder administrator-equivalent on the
// resource they are granted on: they can grant any role, themselves
// included. The one list the graph, the rules and the inventory share.
var GCPAdminRoles = map[string]bool{
	"roles/owner": true, "roles/resourcemanager.projectIamAdmin": true, "roles/resourcemanager.folderIamAdmin": true,
	"roles/resourcemanager.folderAdmin": true, "roles/resourcemanager.organizationAdmin": true, "roles/iam.securityAdmin": true,
}

func (b *builder) adminEdges(p principal) {
	if p.id.Kind == inventory.KindGCPAccount {
		for _, gr := range p.id.Grants {
			if gr.Source != inventory.SourceBinding || !GCPAdminRoles[gr.PolicyName] {
				continue
			}
			if t := b.bindingTruth(gr); t != policy.False {
				b.g.link(p.n, sink, edge{via: gr.PolicyName + " on " + gr.Via, conditional: t == policy.Unknown})
				return
			}
		}
		return
	}
	if p.id.Kind == inventory.KindAWSGroup {
		return // groups are reached by joining them, below
	}
	if d := p.perms.Evaluate("*", "*"); d.Allowed {
		b.g.link(p.n, sink, edge{via: "full administrator", conditional: d.Conditional})
	}
}

// allowed evaluates an action on a resource for a principal.
func allowed(p principal, action, resource string) (ok, conditional bool) {
	d := p.perms.Evaluate(action, resource)
	return d.Allowed, d.Conditional
}

// allowedAll evaluates every action of a method on "*" but the target
// action, which is evaluated on target.
func allowedAll(p principal, m *Method, target string) (ok, conditional bool) {
	for _, a := range m.actions {
		res := "*"
		if a == m.target {
			res = target
		}
		ok, c := allowed(p, a, res)
		if !ok {
			return false, false
		}
		conditional = conditional || c
	}
	return true, conditional
}

// othersAllowed reports whether every action of the method but the
// target action is allowed on "*" (only then is the target worth a look),
// and whether one of them only conditionally.
func othersAllowed(p principal, m *Method) (ok, conditional bool) {
	for _, a := range m.actions {
		if a == m.target {
			continue
		}
		ok, c := allowed(p, a, "*")
		if !ok {
			return false, false
		}
		conditional = conditional || c
	}
	return true, conditional
}

// reachByPatterns links the principal to the targets of a list (listKey
// names it) that its Allow patterns for action cover, through one virtual
// node per pattern. The node is shared by every principal holding the same
// pattern, so each pattern is matched against the targets once for the
// whole graph: broad grants (iam:PassRole on every role of the account,
// held by many principals) cost one edge per principal, not one per
// principal and target. It returns false, linking nothing, when denies or
// a boundary make a per-target evaluation necessary.
func (b *builder) reachByPatterns(p principal, action, listKey string, targets func() []trustRef, e edge, col *collector) bool {
	pats, ok := p.perms.AllowPatterns(action)
	if !ok {
		return false
	}
	for _, pat := range pats {
		pe := e
		pe.conditional = e.conditional || pat.Conditional
		col.linkVirtualRefs(listKey+"|"+pat.Resource, listKey+" matching "+pat.Resource, func() []trustRef {
			var out []trustRef
			for _, t := range targets() {
				if policy.Match(pat.Resource, b.g.nodes[t.role].id.ID) {
					out = append(out, t)
				}
			}
			return out
		}, pe)
	}
	return true
}

// refsOf turns a target list into unconditional trust references.
func refsOf(targets func() []int) func() []trustRef {
	return func() []trustRef {
		ts := targets()
		out := make([]trustRef, len(ts))
		for i, t := range ts {
			out[i] = trustRef{role: t}
		}
		return out
	}
}

// hasAllow reports whether any Allow statement could grant the action
// somewhere (so per-target checks are worth making).
func hasAllow(p principal, action string) bool { return p.perms.MayAllow(action) }

// candidates narrows targets to those some Allow statement for the action
// could cover, for per-target evaluation when the action is not allowed
// on every resource. A Deny on every resource leaves none.
func candidates(p principal, action string, targets []int, g *Graph) []int {
	if d := p.perms.Evaluate(action, "*"); len(d.DeniedBy) > 0 {
		return nil
	}
	patterns := p.perms.ResourcesFor(action)
	if len(patterns) == 0 {
		return nil
	}
	var out []int
	for _, t := range targets {
		id := g.nodes[t].id.ID
		for _, pat := range patterns {
			if policy.Match(pat, id) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// escapesBoundary reports whether rewriting its own policies makes the
// principal administrator: it has no permissions boundary, the boundary
// allows everything, or it can remove the boundary.
func escapesBoundary(p principal) bool {
	bd := p.id.Boundary
	if bd == nil {
		return true
	}
	if policy.FromStatements(bd, bd.Statements, time.Time{}).Evaluate("*", "*").Allowed {
		return true
	}
	action := "iam:deleterolepermissionsboundary"
	if p.id.Kind == inventory.KindAWSUser {
		action = "iam:deleteuserpermissionsboundary"
	}
	ok, _ := allowed(p, action, p.id.ID)
	return ok
}

func (b *builder) awsEdges(p principal, col *collector) {
	if d := p.perms.Evaluate("*", "*"); d.Unconditional() {
		return // already administrator
	}
	if assumeMethod != nil {
		b.assumeEdges(p, assumeMethod, col) // a trust naming the principal needs no permission of its own
	}
	if !anyAllow(p) {
		return
	}
	acct := p.id.Account
	isUser := p.id.Kind == inventory.KindAWSUser
	escapes := -1 // computed on demand
	canEscape := func() bool {
		if escapes < 0 {
			escapes = 0
			if escapesBoundary(p) {
				escapes = 1
			}
		}
		return escapes == 1
	}
	for i := range Catalogue {
		m := &Catalogue[i]
		if !hasAllow(p, m.target) {
			continue
		}
		switch m.kind {
		case self:
			forUser := strings.Contains(m.TargetAction, "User")
			if forUser != isUser {
				continue
			}
			if ok, c := allowed(p, m.target, p.id.ID); ok && canEscape() {
				via := "its own policies"
				if p.member {
					via = "a member's own policies"
				}
				col.link(sink, edge{method: m, conditional: c, via: via})
			}
		case selfGroup:
			for _, grp := range p.id.Groups {
				if ok, c := allowed(p, m.target, grp); ok && canEscape() {
					col.link(sink, edge{method: m, conditional: c, via: "group " + grp})
					break
				}
			}
		case selfPolicy, selfVersion:
			for _, gr := range p.id.Grants {
				if gr.PolicyID == "" || strings.HasPrefix(gr.PolicyID, "arn:aws:iam::aws:") || gr.Source == inventory.SourceInline {
					continue
				}
				ok, c := allowed(p, m.target, gr.PolicyID)
				if !ok || m.kind == selfVersion && !b.adminVersion(gr) {
					continue
				}
				if canEscape() {
					col.link(sink, edge{method: m, conditional: c, via: "policy " + gr.PolicyID})
					break
				}
			}
		case joinGroup:
			if !isUser || !canEscape() || p.member {
				continue // a group's stand-in member does not join further groups
			}
			joined := false
			for _, gn := range b.adminGroup[acct] {
				if ok, c := allowed(p, m.target, b.g.nodes[gn].id.ID); ok {
					col.link(sink, edge{method: m, conditional: c, via: "group " + b.g.nodes[gn].id.ID})
					joined = true
					break
				}
			}
			if joined {
				continue
			}
			// A group whose own permissions let a member escalate.
			if ok, c := allowed(p, m.target, "*"); ok {
				col.linkVirtual("groups/"+acct, "groups of "+acct, func() []int { return b.groups[acct] }, edge{method: m, conditional: c})
				continue
			}
			for _, gn := range candidates(p, m.target, b.groups[acct], b.g) {
				if ok, c := allowed(p, m.target, b.g.nodes[gn].id.ID); ok && !slices.Contains(p.id.Groups, b.g.nodes[gn].id.ID) {
					col.link(gn, edge{method: m, conditional: c})
				}
			}
		case otherUser:
			// Without a credential report nobody knows which users have a
			// console password: both login-profile methods may work on any
			// user, conditionally.
			unknown := m.Password != nil && b.passwordUnknown[acct]
			list := "users/" + acct
			targets := func() []int {
				if m.Password == nil || unknown {
					return b.users[acct]
				}
				return b.byPassword[acct][*m.Password]
			}
			if m.Password != nil && !unknown {
				list += fmt.Sprintf("/password=%v", *m.Password)
			}
			if ok, c := allowed(p, m.target, "*"); ok {
				col.linkVirtual(m.ID+"/"+acct, "users of "+acct, targets, edge{method: m, conditional: c || unknown})
				continue
			}
			if b.reachByPatterns(p, m.target, list, refsOf(targets), edge{method: m, conditional: unknown}, col) {
				continue
			}
			for _, u := range candidates(p, m.target, targets(), b.g) {
				if ok, c := allowed(p, m.target, b.g.nodes[u].id.ID); ok {
					col.link(u, edge{method: m, conditional: c || unknown})
				}
			}
		case assume:
			// done above
		case rewriteTrust:
			if !hasAllow(p, "sts:assumerole") {
				continue
			}
			if ok, c := allowedAll(p, m, "*"); ok {
				col.linkVirtual("roles/"+acct, "roles of "+acct, func() []int { return b.roles[acct] }, edge{method: m, conditional: c})
			}
		case passRole, existing:
			targets := func() []int { return b.byService[acct][m.Service] }
			service := m.Service
			if m.kind == passRole && m.Service == "ec2.amazonaws.com" {
				// A role passed to an instance needs an instance profile:
				// one that exists, or one the principal can make.
				if ok, _ := allowed(p, "iam:createinstanceprofile", "*"); !ok {
					service = "ec2-instance"
				} else if ok, _ := allowed(p, "iam:addroletoinstanceprofile", "*"); !ok {
					service = "ec2-instance"
				}
				targets = func() []int { return b.byService[acct][service] }
			}
			if len(targets()) == 0 {
				continue
			}
			if ok, c := allowedAll(p, m, "*"); ok {
				col.linkVirtual(m.ID+"/"+service+"/"+acct, "roles trusted by "+service+" in "+acct, targets, edge{method: m, conditional: c, possible: m.kind == existing})
				continue
			}
			others, otherCond := othersAllowed(p, m)
			if m.kind == existing || !others {
				continue
			}
			if b.reachByPatterns(p, m.target, "trusted/"+service+"/"+acct, refsOf(targets), edge{method: m, conditional: otherCond}, col) {
				continue
			}
			for _, r := range candidates(p, m.target, targets(), b.g) {
				if ok, c := allowedAll(p, m, b.g.nodes[r].id.ID); ok {
					col.link(r, edge{method: m, conditional: c})
				}
			}
		}
	}
}

func anyAllow(p principal) bool { return p.perms.AnyAllow() }

func hasPassword(id *inventory.Identity) bool {
	for _, c := range id.Credentials {
		if c.Kind == inventory.CredAWSPassword && c.Active() {
			return true
		}
	}
	return false
}

// adminVersion reports whether a stored, not-in-force version of the
// policy grants everything.
func adminVersion(gr inventory.Grant) bool {
	for _, v := range gr.OtherVersions {
		if policy.FromStatements(&gr, v.Statements, time.Time{}).Evaluate("*", "*").Allowed {
			return true
		}
	}
	return false
}

// adminVersion is adminVersion(gr), worked out once per policy ARN.
func (b *builder) adminVersion(gr inventory.Grant) bool {
	if len(gr.OtherVersions) == 0 {
		return false
	}
	if v, ok := b.adminVersions.Load(gr.PolicyID); ok {
		return v.(bool)
	}
	admin := adminVersion(gr)
	b.adminVersions.Store(gr.PolicyID, admin)
	return admin
}

// assumeEdges links a principal to the roles it can assume: a role whose
// trust names the principal (in its own account no identity permission
// is needed, only the absence of a Deny), or the principal's account or
// anyone, when the principal's own policies allow sts:AssumeRole on it.
func (b *builder) assumeEdges(p principal, m *Method, col *collector) {
	acct := p.id.Account
	for _, ref := range b.byName[p.id.ID] {
		role := b.g.nodes[ref.role].id
		d := p.perms.Evaluate("sts:assumerole", role.ID)
		if len(d.DeniedBy) > 0 || (role.Account != acct && !d.Allowed) {
			continue
		}
		col.link(ref.role, edge{method: m, conditional: ref.conditional || d.Conditional})
		b.editThenAssume(p, ref.role, col)
	}
	t := b.assumable(acct)
	if len(t.refs) == 0 {
		return
	}
	if ok, cond := allowed(p, "sts:assumerole", "*"); ok {
		col.linkVirtualRefs("assume/"+acct, "roles that trust "+acct, func() []trustRef { return t.refs }, edge{method: m, conditional: cond})
		return
	}
	if !hasAllow(p, "sts:assumerole") {
		return
	}
	// Unless the principal may also edit roles (then each role it can
	// assume is checked for editThenAssume), match its patterns once.
	if !hasAllow(p, "iam:attachrolepolicy") && !hasAllow(p, "iam:putrolepolicy") &&
		b.reachByPatterns(p, "sts:assumerole", "assume/"+acct, func() []trustRef { return t.refs }, edge{method: m}, col) {
		return
	}
	for _, rn := range candidates(p, "sts:assumerole", t.roles, b.g) {
		role := b.g.nodes[rn].id
		if ok, c := allowed(p, "sts:assumerole", role.ID); ok {
			col.link(rn, edge{method: m, conditional: c || t.conditional[rn]})
			b.editThenAssume(p, rn, col)
		}
	}
}

// assumableRoles are the roles a principal of an account may assume with
// its own permission: those trusting the account or anyone.
type assumableRoles struct {
	refs        []trustRef
	roles       []int
	conditional map[int]bool
}

// assumable returns the account's assumable roles. The indexes are
// complete before edges are read, so every worker computes the same
// value; the cache is filled before the parallel phase.
func (b *builder) assumable(acct string) *assumableRoles {
	return b.assumableByAcct[acct]
}

func (b *builder) indexAssumable(acct string) {
	if _, ok := b.assumableByAcct[acct]; ok {
		return
	}
	t := &assumableRoles{conditional: map[int]bool{}}
	t.refs = append(append(t.refs, b.byAccount[acct]...), b.anyone...)
	for _, r := range t.refs {
		t.roles = append(t.roles, r.role)
		t.conditional[r.role] = t.conditional[r.role] || r.conditional
	}
	b.assumableByAcct[acct] = t
}

var assumeMethod = func() *Method {
	for i := range Catalogue {
		if Catalogue[i].kind == assume {
			return &Catalogue[i]
		}
	}
	return nil
}()

var editAssumable = &Method{ID: "aws-iam-edit-assumable-role", Name: "iam:AttachRolePolicy or PutRolePolicy on a role it can assume", kind: self,
	Actions: []string{"iam:AttachRolePolicy"}, TargetAction: "iam:AttachRolePolicy", Sources: []string{rhino, pathfnd}}

// editThenAssume: a principal that can attach a policy to a role it can
// assume makes that role administrator for itself.
func (b *builder) editThenAssume(p principal, role int, col *collector) {
	r := b.g.nodes[role].id
	for _, a := range []string{"iam:attachrolepolicy", "iam:putrolepolicy"} {
		if ok, c := allowed(p, a, r.ID); ok && (r.Boundary == nil || policy.FromStatements(r.Boundary, r.Boundary.Statements, time.Time{}).Evaluate("*", "*").Allowed) {
			col.link(sink, edge{method: editAssumable, conditional: c, via: "role " + r.ID})
			return
		}
	}
}

// GCPImpersonationRoles let their holder act as the service accounts they
// are granted over: get tokens, act as, mint keys, or (serviceAccountAdmin)
// grant itself any of those.
var GCPImpersonationRoles = map[string]bool{
	"roles/iam.serviceAccountTokenCreator": true, "roles/iam.serviceAccountUser": true,
	"roles/iam.workloadIdentityUser": true, "roles/iam.serviceAccountKeyAdmin": true,
	"roles/iam.serviceAccountAdmin": true,
}

var gcpMethod = func() *Method {
	m, _ := MethodByID("gcp-impersonate")
	return &m
}()

// bindingTruth decides a GCP binding's condition as of the scan.
func (b *builder) bindingTruth(gr inventory.Grant) policy.Truth {
	if len(gr.Statements) == 0 {
		return policy.True
	}
	return policy.When(&gr.Statements[0], b.asOf, policy.AnyCaller)
}

func (b *builder) gcpEdges(p principal) {
	for _, gr := range p.id.Grants {
		if gr.Source != inventory.SourceBinding || !GCPImpersonationRoles[gr.PolicyName] {
			continue
		}
		t := b.bindingTruth(gr)
		if t == policy.False {
			continue // expired: grants nothing
		}
		cond := t == policy.Unknown
		projects := b.resProject[gr.Via] // folders and organizations: the projects under them
		if proj, ok := strings.CutPrefix(gr.Via, "projects/"); ok {
			projects = []string{proj}
		}
		for _, proj := range projects {
			v := b.virtualNode("gcp/"+proj, "service accounts of "+proj, func() []int { return b.projectSAs[proj] })
			b.g.link(p.n, v, edge{method: gcpMethod, conditional: cond, via: gr.PolicyName + " on " + gr.Via})
		}
	}
	// Service accounts whose own policy lets this one act as them.
	for _, sg := range b.saTrust[p.id.ID] {
		b.g.link(p.n, sg.target, edge{method: gcpMethod, conditional: sg.conditional, via: sg.role + " on " + b.g.nodes[sg.target].id.ID})
	}
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

// IsAdmin reports whether the identity is itself administrator-equivalent.
func (g *Graph) IsAdmin(id string) bool {
	n, ok := g.index[id]
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

// ToAdmin returns a shortest path from the identity to administrator.
// Groups do not act: they are reached by joining them.
func (g *Graph) ToAdmin(id string) (Path, bool) {
	n, ok := g.index[id]
	if !ok || g.dist[n] < 0 || g.nodes[n].id.Kind == inventory.KindAWSGroup {
		return Path{}, false
	}
	return g.walk(n, sink, g.next), true
}

// Towards returns, for every identity that can become target, a shortest
// path to it.
func (g *Graph) Towards(target string) map[string]Path {
	t, ok := g.index[target]
	if !ok {
		return nil
	}
	dist, next := g.towards(t)
	out := map[string]Path{}
	for n, nd := range g.nodes {
		if nd.id == nil || n == t || dist[n] < 0 || nd.id.Kind == inventory.KindAWSGroup {
			continue
		}
		out[nd.id.ID] = g.walk(n, t, next)
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
		s := Step{From: fid, FromName: fname, To: tid, ToName: tname, Via: step.via, Conditional: step.conditional, Possible: step.possible}
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
				ed := Edge{From: fid, To: tid, FromName: fname, ToName: tname, Conditional: e.conditional || t.conditional, Possible: e.possible}
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
		return out[i].To < out[j].To
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

// Some returns up to n AWS users ("user") or groups ("group") of an
// account, in inventory order, and how many there are.
func (g *Graph) Some(account, kind string, n int) (names []string, total int) {
	byAcct := g.users
	if kind == "group" {
		byAcct = g.groups
	}
	ns := byAcct[account]
	for _, i := range ns[:min(n, len(ns))] {
		names = append(names, g.nodes[i].id.Name)
	}
	return names, len(ns)
}

// Perms returns the compiled permissions of an identity in the graph, so
// rules need not compile them again.
func (g *Graph) Perms(id string) *policy.Set {
	if n, ok := g.index[id]; ok {
		return g.perms[n]
	}
	return nil
}

// Identity returns the inventory identity of an id in the graph.
func (g *Graph) Identity(id string) *inventory.Identity {
	if n, ok := g.index[id]; ok {
		return g.nodes[n].id
	}
	return nil
}
