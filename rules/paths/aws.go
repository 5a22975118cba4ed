package paths

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	policy "github.com/nhiscan/nhiscan/rules/awspolicy"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// awsGraph is the AWS part of the graph: IAM users, roles and groups, the
// methods of the catalogue between them, and "allows every action on
// every resource" as administrator.
type awsGraph struct {
	g    *Graph
	asOf time.Time

	users      map[string][]int            // account -> user nodes
	byPassword map[string]map[bool][]int   // account -> has a console password -> users
	roles      map[string][]int            // account -> role nodes
	byService  map[string]map[string][]int // account -> service -> roles it trusts
	byName     map[string][]target         // principal ARN -> roles naming it
	byAccount  map[string][]target         // account -> roles trusting it (root or id)
	anyone     []target                    // roles trusting "*"
	adminGroup map[string][]int            // account -> groups with admin rights
	groups     map[string][]int            // account -> every group
	// passwordUnknown: accounts without a credential report, whose users'
	// console passwords are unknown.
	passwordUnknown map[string]bool

	assumableByAcct map[string]*assumableRoles
	// listed holds each list of reachByPatterns (by its key) as targets,
	// made once: only the virtual nodes' target functions use it, and they
	// run while the graph is materialized, on one goroutine.
	listed map[string][]target
	// escapes caches escapesBoundary by node: 0 not yet known, 1 yes, -1
	// no. Each principal's edges are read by one worker, which alone
	// writes its entry.
	escapes []int8
	// adminVersions caches adminVersion per managed policy ARN: every
	// principal holding the policy would compile its stored versions
	// again (workers share it).
	adminVersions sync.Map
}

func newAWS(g *Graph, inv *inventory.Inventory, asOf time.Time) cloud {
	a := &awsGraph{g: g, asOf: asOf, users: map[string][]int{}, byPassword: map[string]map[bool][]int{}, roles: map[string][]int{},
		byService: map[string]map[string][]int{}, byName: map[string][]target{}, byAccount: map[string][]target{},
		adminGroup: map[string][]int{}, groups: map[string][]int{}, passwordUnknown: map[string]bool{}, assumableByAcct: map[string]*assumableRoles{}, listed: map[string][]target{}}
	for _, src := range inv.Sources {
		if src.Scanner == string(inventory.AWS) && slices.Contains(src.NotAssessed, inventory.NotAssessedUserCredentials) {
			a.passwordUnknown[src.Scope] = true
		}
	}
	return a
}

func (a *awsGraph) admits(id *inventory.Identity) role {
	switch id.Kind {
	case inventory.KindAWSRole, inventory.KindAWSUser:
		return actor
	case inventory.KindAWSGroup:
		return passive // reached by joining it
	}
	return notMine
}

func (a *awsGraph) indexContext(*inventory.Identity) {}

// index files users by account and console password, groups (and those
// with administrator rights) by account, roles by account and trust.
func (a *awsGraph) index(p principal) {
	id := p.id
	switch id.Kind {
	case inventory.KindAWSUser:
		a.users[id.Account] = append(a.users[id.Account], p.n)
		if a.byPassword[id.Account] == nil {
			a.byPassword[id.Account] = map[bool][]int{}
		}
		pw := hasPassword(id)
		a.byPassword[id.Account][pw] = append(a.byPassword[id.Account][pw], p.n)
	case inventory.KindAWSGroup:
		a.groups[id.Account] = append(a.groups[id.Account], p.n)
		if d := p.perms.Evaluate("*", "*"); d.Allowed {
			a.adminGroup[id.Account] = append(a.adminGroup[id.Account], p.n)
		}
	case inventory.KindAWSRole:
		a.roles[id.Account] = append(a.roles[id.Account], p.n)
		a.indexTrust(p)
	}
}

// indexTrust records whom a role's trust policy lets assume it.
func (a *awsGraph) indexTrust(p principal) {
	id := p.id
	for _, st := range id.Trust {
		if !strings.EqualFold(st.Effect, "Allow") {
			continue
		}
		t := policy.When(&st, a.asOf, policy.AnyCaller)
		if t == policy.False {
			continue
		}
		ref := target{n: p.n, conditional: t == policy.Unknown}
		for _, pr := range st.Principals {
			switch {
			case pr.Type == "Service":
				svc := a.byService[id.Account]
				if svc == nil {
					svc = map[string][]int{}
					a.byService[id.Account] = svc
				}
				svc[pr.Value] = append(svc[pr.Value], p.n)
				if pr.Value == "ec2.amazonaws.com" && len(id.AttachedTo) > 0 {
					svc["ec2-instance"] = append(svc["ec2-instance"], p.n)
				}
			case pr.Value == "*" && (pr.Type == "AWS" || pr.Type == "*"):
				a.anyone = append(a.anyone, ref)
			case pr.Type == "AWS":
				if acct := rootAccount(pr.Value); acct != "" {
					a.byAccount[acct] = append(a.byAccount[acct], ref)
				} else {
					a.byName[pr.Value] = append(a.byName[pr.Value], ref)
				}
			}
		}
	}
}

// prepare lists, per account, the roles its principals may assume with
// their own permission, and makes room for the boundary memo.
func (a *awsGraph) prepare() {
	for _, byAcct := range []map[string][]int{a.users, a.roles, a.groups} {
		for acct := range byAcct {
			a.indexAssumable(acct)
		}
	}
	a.escapes = make([]int8, len(a.g.nodes))
}

// admin: a user or role whose policies allow every action on every
// resource.
func (a *awsGraph) admin(p principal) (edge, bool) {
	if p.id.Kind == inventory.KindAWSGroup {
		return edge{}, false // groups are reached by joining them
	}
	if d := p.perms.Evaluate("*", "*"); d.Allowed {
		return edge{via: "full administrator", conditional: d.Conditional}, true
	}
	return edge{}, false
}

// edges: sts:AssumeRole, then each method of the catalogue through the
// function of its kind. A group's edges are those of a member.
func (a *awsGraph) edges(p principal, col *collector) {
	if p.id.Kind == inventory.KindAWSGroup {
		p = memberOf(p) // what joining the group gives
	}
	if d := p.perms.Evaluate("*", "*"); d.Unconditional() {
		return // already administrator
	}
	if assumeMethod != nil {
		a.assumeEdges(p, assumeMethod, col) // a trust naming the principal needs no permission of its own
	}
	if !anyAllow(p) {
		return
	}
	// Several methods share a target action (iam:PassRole): ask once per
	// run of equal targets.
	var last *Method
	lastAllow := false
	for i := range awsMethods {
		m := &awsMethods[i]
		if awsMethodEdges[m.kind] == nil {
			continue
		}
		if last == nil || m.target != last.target {
			last, lastAllow = m, hasAllow(p, m.target)
		}
		if !lastAllow {
			continue
		}
		awsMethodEdges[m.kind](a, p, m, col)
	}
}

// canEscape is escapesBoundary, worked out on first need.
func (a *awsGraph) canEscape(p principal) bool {
	if a.escapes[p.n] == 0 {
		a.escapes[p.n] = -1
		if escapesBoundary(p) {
			a.escapes[p.n] = 1
		}
	}
	return a.escapes[p.n] == 1
}

// awsMethodEdges collects, for each kind of method, the edges a method of
// that kind gives a principal whose policies may allow its target action.
// sts:AssumeRole (assume) is read before, for every principal.
var awsMethodEdges = [...]func(a *awsGraph, p principal, m *Method, col *collector){
	self:         (*awsGraph).selfEdges,
	selfGroup:    (*awsGraph).selfGroupEdges,
	selfPolicy:   (*awsGraph).selfPolicyEdges,
	selfVersion:  (*awsGraph).selfPolicyEdges,
	joinGroup:    (*awsGraph).joinGroupEdges,
	otherUser:    (*awsGraph).otherUserEdges,
	rewriteTrust: (*awsGraph).rewriteTrustEdges,
	passRole:     (*awsGraph).serviceEdges,
	existing:     (*awsGraph).serviceEdges,
}

// selfEdges: the principal rewrites its own policies.
func (a *awsGraph) selfEdges(p principal, m *Method, col *collector) {
	forUser := strings.Contains(m.TargetAction, "User")
	if forUser != (p.id.Kind == inventory.KindAWSUser) {
		return
	}
	if ok, c := allowed(p, m.target, p.id.ID); ok && a.canEscape(p) {
		via := "its own policies"
		if p.member {
			via = "a member's own policies"
		}
		col.link(sink, edge{method: m, conditional: c, via: via})
	}
}

// selfGroupEdges: the principal rewrites a group's policies it is in.
func (a *awsGraph) selfGroupEdges(p principal, m *Method, col *collector) {
	for _, grp := range p.id.Groups {
		if ok, c := allowed(p, m.target, grp); ok && a.canEscape(p) {
			col.link(sink, edge{method: m, conditional: c, via: "group " + grp})
			return
		}
	}
}

// selfPolicyEdges: the principal rewrites a customer-managed policy
// attached to it, or puts in force a stored administrator version.
func (a *awsGraph) selfPolicyEdges(p principal, m *Method, col *collector) {
	for _, gr := range p.id.Grants {
		if gr.PolicyID == "" || strings.HasPrefix(gr.PolicyID, "arn:aws:iam::aws:") || gr.Source == inventory.SourceInline {
			continue
		}
		ok, c := allowed(p, m.target, gr.PolicyID)
		if !ok || m.kind == selfVersion && !a.adminVersion(gr) {
			continue
		}
		if a.canEscape(p) {
			col.link(sink, edge{method: m, conditional: c, via: "policy " + gr.PolicyID})
			return
		}
	}
}

// joinGroupEdges: a user adds itself to a group that is administrator or
// whose permissions lead there.
func (a *awsGraph) joinGroupEdges(p principal, m *Method, col *collector) {
	if p.id.Kind != inventory.KindAWSUser || !a.canEscape(p) || p.member {
		return // a group's stand-in member does not join further groups
	}
	acct := p.id.Account
	for _, gn := range a.adminGroup[acct] {
		if ok, c := allowed(p, m.target, a.g.nodes[gn].id.ID); ok {
			col.link(sink, edge{method: m, conditional: c, via: "group " + a.g.nodes[gn].id.ID})
			return
		}
	}
	// A group whose own permissions let a member escalate.
	if ok, c := allowed(p, m.target, "*"); ok {
		col.linkVirtual("groups/"+acct, "groups of "+acct, func() []int { return a.groups[acct] }, edge{method: m, conditional: c})
		return
	}
	for _, gn := range candidates(p, m.target, a.groups[acct], a.g) {
		if ok, c := allowed(p, m.target, a.g.nodes[gn].id.ID); ok && !slices.Contains(p.id.Groups, a.g.nodes[gn].id.ID) {
			col.link(gn, edge{method: m, conditional: c})
		}
	}
}

// otherUserEdges: the principal obtains another user's credentials.
func (a *awsGraph) otherUserEdges(p principal, m *Method, col *collector) {
	acct := p.id.Account
	// Without a credential report nobody knows which users have a
	// console password: both login-profile methods may work on any
	// user, conditionally.
	unknown := m.Password != nil && a.passwordUnknown[acct]
	list := "users/" + acct
	targets := func() []int {
		if m.Password == nil || unknown {
			return a.users[acct]
		}
		return a.byPassword[acct][*m.Password]
	}
	if m.Password != nil && !unknown {
		list += fmt.Sprintf("/password=%v", *m.Password)
	}
	if ok, c := allowed(p, m.target, "*"); ok {
		col.linkVirtual(m.ID+"/"+acct, "users of "+acct, targets, edge{method: m, conditional: c || unknown})
		return
	}
	if a.reachByPatterns(p, m.target, list, targetsOf(targets), edge{method: m, conditional: unknown}, col) {
		return
	}
	for _, u := range candidates(p, m.target, targets(), a.g) {
		if ok, c := allowed(p, m.target, a.g.nodes[u].id.ID); ok {
			col.link(u, edge{method: m, conditional: c || unknown})
		}
	}
}

// rewriteTrustEdges: the principal rewrites any role's trust, then
// assumes it.
func (a *awsGraph) rewriteTrustEdges(p principal, m *Method, col *collector) {
	if !hasAllow(p, "sts:assumerole") {
		return
	}
	acct := p.id.Account
	if ok, c := allowedAll(p, m, "*"); ok {
		col.linkVirtual("roles/"+acct, "roles of "+acct, func() []int { return a.roles[acct] }, edge{method: m, conditional: c})
	}
}

// serviceEdges: the principal passes a role a service trusts to a new
// resource of the service (passRole), or takes over an existing resource
// that runs as one (existing).
func (a *awsGraph) serviceEdges(p principal, m *Method, col *collector) {
	acct := p.id.Account
	targets := func() []int { return a.byService[acct][m.Service] }
	service := m.Service
	if m.kind == passRole && m.Service == "ec2.amazonaws.com" {
		// A role passed to an instance needs an instance profile:
		// one that exists, or one the principal can make.
		if ok, _ := allowed(p, "iam:createinstanceprofile", "*"); !ok {
			service = "ec2-instance"
		} else if ok, _ := allowed(p, "iam:addroletoinstanceprofile", "*"); !ok {
			service = "ec2-instance"
		}
		targets = func() []int { return a.byService[acct][service] }
	}
	if len(targets()) == 0 {
		return
	}
	if ok, c := allowedAll(p, m, "*"); ok {
		col.linkVirtual(m.ID+"/"+service+"/"+acct, "roles trusted by "+service+" in "+acct, targets, edge{method: m, conditional: c, possible: m.kind == existing})
		return
	}
	others, otherCond := othersAllowed(p, m)
	if m.kind == existing || !others {
		return
	}
	if a.reachByPatterns(p, m.target, "trusted/"+service+"/"+acct, targetsOf(targets), edge{method: m, conditional: otherCond}, col) {
		return
	}
	for _, r := range candidates(p, m.target, targets(), a.g) {
		if ok, c := allowedAll(p, m, a.g.nodes[r].id.ID); ok {
			col.link(r, edge{method: m, conditional: c})
		}
	}
}

// Some returns up to n AWS users ("user") or groups ("group") of an
// account, in inventory order, and how many there are.
func (g *Graph) Some(account, kind string, n int) (names []string, total int) {
	var a *awsGraph
	for _, part := range g.parts {
		if p, ok := part.(*awsGraph); ok {
			a = p
		}
	}
	if a == nil {
		return nil, 0
	}
	byAcct := a.users
	if kind == "group" {
		byAcct = a.groups
	}
	ns := byAcct[account]
	for _, i := range ns[:min(n, len(ns))] {
		names = append(names, g.nodes[i].id.Name)
	}
	return names, len(ns)
}

var assumeMethod = func() *Method {
	for i := range awsMethods {
		if awsMethods[i].kind == assume {
			return &awsMethods[i]
		}
	}
	return nil
}()

// memberOf stands for any member of a group: a user of the group's account
// holding the group's permissions only, whose own name is unknown (so a
// grant on users counts only when it covers every user). Its edges start
// at the group's node: a user who joins the group takes them.
func memberOf(grp principal) principal {
	g := grp.id
	prefix, _, _ := strings.Cut(g.ID, ":group/")
	m := &inventory.Identity{ID: prefix + ":user/*", Provider: g.Provider, Kind: inventory.KindAWSUser, Account: g.Account,
		Name: "a member of " + g.Name, Groups: []string{g.ID}, Grants: g.Grants}
	return principal{n: grp.n, id: m, perms: grp.perms, member: true, part: grp.part}
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

// reachByPatterns links the principal to the targets of a list (listKey
// names it) that its Allow patterns for action cover, through one virtual
// node per pattern. The node is shared by every principal holding the same
// pattern, so each pattern is matched against the targets once for the
// whole graph: broad grants (iam:PassRole on every role of the account,
// held by many principals) cost one edge per principal, not one per
// principal and target. It returns false, linking nothing, when denies or
// a boundary make a per-target evaluation necessary.
func (a *awsGraph) reachByPatterns(p principal, action, listKey string, targets func() []target, e edge, col *collector) bool {
	pats, ok := p.perms.AllowPatterns(action)
	if !ok {
		return false
	}
	for _, pat := range pats {
		pe := e
		pe.conditional = e.conditional || pat.Conditional
		col.linkVirtualTargets(listKey+"|"+pat.Resource, listKey+" matching "+pat.Resource, func() []target {
			all, ok := a.listed[listKey]
			if !ok {
				all = targets()
				a.listed[listKey] = all
			}
			var out []target
			for _, t := range all {
				if policy.Match(pat.Resource, a.g.nodes[t.n].id.ID) {
					out = append(out, t)
				}
			}
			return out
		}, pe)
	}
	return true
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

// allowed evaluates an action on a resource for a principal.
func allowed(p principal, action, resource string) (ok, conditional bool) {
	return p.perms.Allows(action, resource)
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
func (a *awsGraph) adminVersion(gr inventory.Grant) bool {
	if len(gr.OtherVersions) == 0 {
		return false
	}
	if v, ok := a.adminVersions.Load(gr.PolicyID); ok {
		return v.(bool)
	}
	admin := adminVersion(gr)
	a.adminVersions.Store(gr.PolicyID, admin)
	return admin
}

// assumeEdges links a principal to the roles it can assume: a role whose
// trust names the principal (in its own account no identity permission
// is needed, only the absence of a Deny), or the principal's account or
// anyone, when the principal's own policies allow sts:AssumeRole on it.
func (a *awsGraph) assumeEdges(p principal, m *Method, col *collector) {
	acct := p.id.Account
	for _, ref := range a.byName[p.id.ID] {
		role := a.g.nodes[ref.n].id
		d := p.perms.Evaluate("sts:assumerole", role.ID)
		if len(d.DeniedBy) > 0 || (role.Account != acct && !d.Allowed) {
			continue
		}
		col.link(ref.n, edge{method: m, conditional: ref.conditional || d.Conditional})
		a.editThenAssume(p, ref.n, col)
	}
	t := a.assumable(acct)
	if len(t.refs) == 0 {
		return
	}
	if ok, cond := allowed(p, "sts:assumerole", "*"); ok {
		col.linkVirtualTargets("assume/"+acct, "roles that trust "+acct, func() []target { return t.refs }, edge{method: m, conditional: cond})
		return
	}
	if !hasAllow(p, "sts:assumerole") {
		return
	}
	// Unless the principal may also edit roles (then each role it can
	// assume is checked for editThenAssume), match its patterns once.
	if !hasAllow(p, "iam:attachrolepolicy") && !hasAllow(p, "iam:putrolepolicy") &&
		a.reachByPatterns(p, "sts:assumerole", "assume/"+acct, func() []target { return t.refs }, edge{method: m}, col) {
		return
	}
	for _, rn := range candidates(p, "sts:assumerole", t.roles, a.g) {
		role := a.g.nodes[rn].id
		if ok, c := allowed(p, "sts:assumerole", role.ID); ok {
			col.link(rn, edge{method: m, conditional: c || t.conditional[rn]})
			a.editThenAssume(p, rn, col)
		}
	}
}

// assumable returns the account's assumable roles. The indexes are
// complete before edges are read, so every worker computes the same
// value; the cache is filled before the parallel phase.
func (a *awsGraph) assumable(acct string) *assumableRoles {
	return a.assumableByAcct[acct]
}

func (a *awsGraph) indexAssumable(acct string) {
	if _, ok := a.assumableByAcct[acct]; ok {
		return
	}
	t := &assumableRoles{conditional: map[int]bool{}}
	t.refs = append(append(t.refs, a.byAccount[acct]...), a.anyone...)
	for _, r := range t.refs {
		t.roles = append(t.roles, r.n)
		t.conditional[r.n] = t.conditional[r.n] || r.conditional
	}
	a.assumableByAcct[acct] = t
}

// editThenAssume: a principal that can attach a policy to a role it can
// assume makes that role administrator for itself.
func (a *awsGraph) editThenAssume(p principal, role int, col *collector) {
	r := a.g.nodes[role].id
	for _, action := range []string{"iam:attachrolepolicy", "iam:putrolepolicy"} {
		if ok, c := allowed(p, action, r.ID); ok && (r.Boundary == nil || policy.FromStatements(r.Boundary, r.Boundary.Statements, time.Time{}).Evaluate("*", "*").Allowed) {
			col.link(sink, edge{method: editAssumable, conditional: c, via: "role " + r.ID})
			return
		}
	}
}

// assumableRoles are the roles a principal of an account may assume with
// its own permission: those trusting the account or anyone.
type assumableRoles struct {
	refs        []target
	roles       []int
	conditional map[int]bool
}
