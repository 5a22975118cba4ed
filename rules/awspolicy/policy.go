// Package awspolicy evaluates AWS-style policy statements from the inventory
// model: Action/NotAction and Resource/NotResource with wildcards,
// explicit Deny over Allow, permissions boundaries and conditions (kept as
// "conditional", never dropped). It knows the inventory model only.
package awspolicy

import (
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Ref names the policy a statement came from.
type Ref struct {
	Source string // inline, managed, group, boundary
	Policy string
	Via    string // group name, when inherited
	Sid    string
}

func (r Ref) String() string {
	s := r.Source + " policy " + r.Policy
	if r.Via != "" {
		s += " via group " + r.Via
	}
	if r.Sid != "" {
		s += " (Sid " + r.Sid + ")"
	}
	return s
}

// stmt is a statement compiled for matching: actions lower-cased once.
type stmt struct {
	deny        bool
	conditional bool
	notAction   bool
	actions     []string
	notResource bool
	resources   []string
	ref         Ref
	src         *inventory.Statement
}

// Set is the compiled permission set of one identity: one segment of
// compiled statements per grant. Segments of shared managed policies are
// shared between the sets of a Compiler.
type Set struct {
	identity    []*segment
	boundary    []*segment
	hasBoundary bool
	// admin is the decision on "*" for "*", asked by several rules and
	// the graph for every identity: worked out once (a race only works it
	// out twice).
	admin atomic.Pointer[Decision]
}

// segment is one grant, compiled: its statements, and its Allow action
// patterns by service ("*" for patterns whose service has a wildcard, and
// for NotAction statements) so a set can tell quickly whether an action
// may be allowed at all.
type segment struct {
	stmts  []stmt
	allows map[string][]string
	// anyService is whether allows has patterns for any service ("*").
	anyService bool
	// hasDeny is whether some statement is a Deny.
	hasDeny bool
}

func newSegment(stmts []stmt) *segment {
	sg := &segment{stmts: stmts, allows: map[string][]string{}}
	for i := range stmts {
		st := &stmts[i]
		switch {
		case st.deny:
			sg.hasDeny = true
		case st.notAction:
			if !slices.Contains(sg.allows["*"], "*") {
				sg.allows["*"] = append(sg.allows["*"], "*")
			}
		default:
			for _, a := range st.actions {
				svc, _, _ := strings.Cut(a, ":")
				if strings.ContainsAny(svc, "*?") {
					svc = "*"
				}
				if !slices.Contains(sg.allows[svc], a) {
					sg.allows[svc] = append(sg.allows[svc], a)
				}
			}
		}
	}
	_, sg.anyService = sg.allows["*"]
	return sg
}

// MayAllow reports whether some Allow statement could grant the action on
// some resource (its pattern overlaps the action), so that evaluating the
// action is worth it. Denies and the boundary are not considered.
func (s *Set) MayAllow(action string) bool {
	action = strings.ToLower(action)
	svc, _, _ := strings.Cut(action, ":")
	for _, sg := range s.identity {
		if len(sg.allows) == 0 {
			continue // only Deny statements
		}
		for _, a := range sg.allows[svc] {
			if Overlap(a, action) {
				return true
			}
		}
		if sg.anyService {
			for _, a := range sg.allows["*"] {
				if Overlap(a, action) {
					return true
				}
			}
		}
	}
	return false
}

// AnyAllow reports whether the set has any Allow statement.
func (s *Set) AnyAllow() bool {
	for _, sg := range s.identity {
		if len(sg.allows) > 0 {
			return true
		}
	}
	return false
}

// Compile prepares an identity's grants and boundary for evaluation,
// leaving every condition unresolved.
func Compile(id *inventory.Identity) *Set { return CompileAt(id, time.Time{}) }

// CompileAt prepares an identity's grants and boundary for evaluation as
// of a time: date conditions on aws:CurrentTime are decided against it (a
// statement whose date condition cannot hold is dropped; one whose date
// conditions all hold counts as unconditional). Other conditions stay
// unknown, and their statements conditional.
func CompileAt(id *inventory.Identity, asOf time.Time) *Set {
	return (&Compiler{asOf: asOf}).Compile(id)
}

// Compiler compiles the permissions of many identities as of one time,
// compiling each grant once however many identities share it (a managed
// policy attached to thousands of roles is one document, compiled once and
// shared read-only). It is not safe for concurrent use.
type Compiler struct {
	asOf  time.Time
	cache map[grantKey]*segment
	// lower holds each action pattern lower-cased: an account repeats a
	// few hundred patterns (s3:Get*) over thousands of statements.
	lower map[string]string
}

// grantKey identifies a compiled grant: its statements (by address: the
// readers share one slice per managed policy), how it reaches the identity
// and the kind of caller.
type grantKey struct {
	first          *inventory.Statement
	n              int
	caller         Caller
	source, policy string
	via            string
}

// NewCompiler returns a compiler that shares compiled grants.
func NewCompiler(asOf time.Time) *Compiler {
	return &Compiler{asOf: asOf, cache: map[grantKey]*segment{}, lower: map[string]string{}}
}

// Compile prepares an identity's grants and boundary for evaluation as of
// the compiler's time (see CompileAt).
func (c *Compiler) Compile(id *inventory.Identity) *Set {
	s := &Set{}
	caller := CallerOf(id)
	s.identity = make([]*segment, 0, len(id.Grants))
	for gi := range id.Grants {
		if seg := c.grant(&id.Grants[gi], caller); seg != nil {
			s.identity = append(s.identity, seg)
		}
	}
	if id.Boundary != nil {
		s.hasBoundary = true
		if seg := c.grant(id.Boundary, caller); seg != nil {
			s.boundary = []*segment{seg}
		}
	}
	return s
}

// grant compiles one grant, from the cache when the compiler has one.
func (c *Compiler) grant(g *inventory.Grant, caller Caller) *segment {
	stmts := g.Statements
	if len(stmts) == 0 && isAdministratorAccess(g.PolicyID) {
		stmts = administratorAccess // attached, document missing from the export
	}
	if len(stmts) == 0 {
		return nil
	}
	var key grantKey
	if c.cache != nil {
		key = grantKey{first: &stmts[0], n: len(stmts), caller: caller, source: g.Source, policy: g.PolicyName, via: g.Via}
		if seg, ok := c.cache[key]; ok {
			return seg
		}
	}
	compiled := c.append(nil, g, stmts, caller)
	if len(compiled) == 0 {
		return nil
	}
	seg := newSegment(compiled)
	if c.cache != nil {
		c.cache[key] = seg
	}
	return seg
}

// FromStatements compiles loose statements (another policy version, a
// policy being considered) for evaluation with EvaluateStatements.
func FromStatements(g *inventory.Grant, stmts []inventory.Statement, asOf time.Time) *Set {
	return &Set{identity: []*segment{newSegment(appendStatements(nil, g, stmts, asOf))}}
}

// appendStatements compiles statements of grant g onto out, for a caller
// of unknown kind.
func appendStatements(out []stmt, g *inventory.Grant, stmts []inventory.Statement, asOf time.Time) []stmt {
	return (&Compiler{asOf: asOf}).append(out, g, stmts, AnyCaller)
}

func (cp *Compiler) append(out []stmt, g *inventory.Grant, stmts []inventory.Statement, caller Caller) []stmt {
	for si := range stmts {
		st := &stmts[si]
		truth := When(st, cp.asOf, caller)
		if truth == False {
			continue // a condition that cannot hold as of asOf
		}
		c := stmt{
			deny:        strings.EqualFold(st.Effect, "Deny"),
			conditional: truth == Unknown,
			ref:         Ref{Source: g.Source, Policy: g.PolicyName, Via: g.Via, Sid: st.Sid},
			src:         st,
		}
		if len(st.NotActions) > 0 {
			c.notAction = true
			c.actions = cp.lowerAll(st.NotActions)
		} else {
			c.actions = cp.lowerAll(st.Actions)
		}
		if len(st.NotResources) > 0 {
			c.notResource = true
			c.resources = st.NotResources
		} else {
			c.resources = st.Resources
		}
		out = append(out, c)
	}
	return out
}

// administratorAccess is the document of the AWS-managed policy
// AdministratorAccess, which AWS publishes and never changes: every action
// on every resource. It stands in when an export names the attachment but
// leaves the policy out (a paginated or filtered export).
var administratorAccess = []inventory.Statement{{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}}}

// isAdministratorAccess reports whether a policy ARN is the AWS-managed
// AdministratorAccess policy, in any partition.
func isAdministratorAccess(arn string) bool {
	return strings.HasPrefix(arn, "arn:aws") && strings.HasSuffix(arn, ":iam::aws:policy/AdministratorAccess")
}

func lowerAll(in []string) []string {
	out := make([]string, len(in))
	for i, a := range in {
		out[i] = lowerAction(a)
	}
	return out
}

// lowerAction lower-cases an action pattern ("*:*" is "*").
func lowerAction(a string) string {
	a = strings.ToLower(a)
	if a == "*:*" {
		a = "*"
	}
	return a
}

// lowerAll is lowerAll through the compiler's memo, when it has one.
func (cp *Compiler) lowerAll(in []string) []string {
	if cp.lower == nil {
		return lowerAll(in)
	}
	out := make([]string, len(in))
	for i, a := range in {
		l, ok := cp.lower[a]
		if !ok {
			l = lowerAction(a)
			cp.lower[a] = l
		}
		out[i] = l
	}
	return out
}

// Decision is the outcome of evaluating one action on one resource.
type Decision struct {
	// Allowed is true when some Allow covers the request and no
	// unconditional Deny does, and the boundary (if any) allows it too.
	Allowed bool
	// Conditional is true when the outcome depends on a condition: every
	// covering Allow is conditional, a conditional Deny covers it, or the
	// boundary allows it only conditionally.
	Conditional bool
	// AllowedBy lists the statements that allow the request.
	AllowedBy []Ref
	// DeniedBy lists unconditional Deny statements that cover the request.
	DeniedBy []Ref
	// PartlyDeniedBy lists Deny statements that cover part of a wildcard
	// request (a Deny on iam:CreateUser against a request for iam:*).
	PartlyDeniedBy []Ref
	// BlockedByBoundary is true when the permissions boundary does not
	// allow the request.
	BlockedByBoundary bool
	// Statements are the allowing statements themselves.
	Statements []*inventory.Statement
}

// Unconditional reports whether the request is allowed with no condition.
func (d Decision) Unconditional() bool { return d.Allowed && !d.Conditional }

// ResourcesFor returns the resource patterns of the Allow statements that
// grant the action (NotResource statements count as "*"), so a caller can
// skip targets no statement could cover.
func (s *Set) ResourcesFor(action string) []string {
	action = strings.ToLower(action)
	var out []string
	for _, sg := range s.identity {
		for i := range sg.stmts {
			st := &sg.stmts[i]
			if st.deny || !st.actionCovers(action) {
				continue
			}
			if st.notResource {
				return []string{"*"}
			}
			out = append(out, st.resources...)
		}
	}
	return out
}

// AllowActions calls fn with each Allow statement's lower-cased action
// patterns ("*" for a NotAction statement, which may grant any action).
func (s *Set) AllowActions(fn func(pattern string)) {
	for _, sg := range s.identity {
		for i := range sg.stmts {
			st := &sg.stmts[i]
			switch {
			case st.deny:
			case st.notAction:
				fn("*")
			default:
				for _, a := range st.actions {
					fn(a)
				}
			}
		}
	}
}

// Pattern is a resource pattern on which an Allow statement grants an
// action.
type Pattern struct {
	Resource    string
	Conditional bool
}

// AllowPatterns returns the resource patterns on which the Allow
// statements grant the action, when they alone decide the action on any
// resource: no Deny statement touches the action, no Allow uses
// NotResource, and there is no permissions boundary. ok is false otherwise;
// evaluate each resource then. A resource is allowed exactly when some
// pattern matches it (policy.Match), conditionally when only conditional
// patterns do. Each pattern appears once, unconditional if any statement
// grants it so.
func (s *Set) AllowPatterns(action string) (out []Pattern, ok bool) {
	if s.hasBoundary {
		return nil, false
	}
	action = strings.ToLower(action)
	for _, sg := range s.identity {
		for i := range sg.stmts {
			st := &sg.stmts[i]
			if st.deny {
				if st.actionOverlaps(action) {
					return nil, false
				}
				continue
			}
			if !st.actionCovers(action) {
				continue
			}
			if st.notResource {
				return nil, false
			}
		next:
			for _, r := range st.resources {
				for j := range out {
					if out[j].Resource == r {
						out[j].Conditional = out[j].Conditional && st.conditional
						continue next
					}
				}
				out = append(out, Pattern{Resource: r, Conditional: st.conditional})
			}
		}
	}
	return out, true
}

// Evaluate decides whether the identity may perform action on resource.
// Both may contain wildcards, meaning "every action (resource) that the
// pattern matches": a grant of iam:Get* does not cover a request for iam:*.
func (s *Set) Evaluate(action, resource string) Decision {
	action = strings.ToLower(action)
	if action == "*:*" {
		action = "*"
	}
	if action == "*" && resource == "*" {
		if d := s.admin.Load(); d != nil {
			return *d
		}
		d := s.evaluate(action, resource)
		// Clipped, so that a caller appending to a list of the returned
		// copy does not write into the stored one.
		d.AllowedBy, d.DeniedBy, d.PartlyDeniedBy = slices.Clip(d.AllowedBy), slices.Clip(d.DeniedBy), slices.Clip(d.PartlyDeniedBy)
		d.Statements = slices.Clip(d.Statements)
		s.admin.Store(&d)
		return d
	}
	return s.evaluate(action, resource)
}

// Allows is Evaluate(action, resource)'s Allowed and Conditional, without
// the lists of statements: for callers that need the outcome only (the
// graph asks it for every principal, method and target), it allocates
// nothing and stops at the first unconditional Deny.
func (s *Set) Allows(action, resource string) (allowed, conditional bool) {
	action = strings.ToLower(action)
	if action == "*:*" {
		action = "*"
	}
	if action == "*" && resource == "*" {
		d := s.Evaluate(action, resource) // kept once worked out
		return d.Allowed, d.Conditional
	}
	allowed, conditional = outcome(s.identity, action, resource)
	if !allowed || !s.hasBoundary {
		return allowed, conditional
	}
	if b, bc := outcome(s.boundary, action, resource); b {
		return true, conditional || bc
	}
	return false, conditional // as Evaluate: blocked by the boundary
}

// outcome is decide's Allowed and Conditional.
func outcome(segs []*segment, action, resource string) (allowed, conditional bool) {
	anyAllow, unconditionalAllow, conditionalDeny := false, false, false
	svc, _, _ := strings.Cut(action, ":")
	filter := wildcardAt(svc) < 0
	for _, seg := range segs {
		allows := !filter || seg.anyService || len(seg.allows[svc]) > 0
		if !allows && !seg.hasDeny {
			continue
		}
		for i := range seg.stmts {
			st := &seg.stmts[i]
			switch {
			case st.deny:
				// Only a Deny of the whole request counts here: one of
				// a part (PartlyDeniedBy) changes neither outcome.
				if st.actionCovers(action) && st.resourceCovers(resource) {
					if !st.conditional {
						return false, false // DeniedBy
					}
					conditionalDeny = true
				}
			case allows && st.coversAllow(action, resource):
				anyAllow = true
				unconditionalAllow = unconditionalAllow || !st.conditional
			}
		}
	}
	if !anyAllow {
		return false, false
	}
	return true, !unconditionalAllow || conditionalDeny
}

// evaluate is Evaluate of a lower-cased action.
func (s *Set) evaluate(action, resource string) Decision {
	d := decide(s.identity, action, resource)
	if !d.Allowed || !s.hasBoundary {
		return d
	}
	b := decide(s.boundary, action, resource)
	if !b.Allowed {
		d.Allowed = false
		d.BlockedByBoundary = true
		return d
	}
	d.Conditional = d.Conditional || b.Conditional
	d.DeniedBy = append(d.DeniedBy, b.DeniedBy...)
	d.PartlyDeniedBy = append(d.PartlyDeniedBy, b.PartlyDeniedBy...)
	return d
}

func decide(segs []*segment, action, resource string) Decision {
	var d Decision
	unconditionalAllow := false
	conditionalDeny := false
	// An Allow statement (other than NotAction) covers the action only
	// through a pattern of the action's service or of a wildcard service:
	// a segment with neither has only its Deny statements to decide.
	svc, _, _ := strings.Cut(action, ":")
	filter := wildcardAt(svc) < 0
	for _, seg := range segs {
		allows := !filter || seg.anyService || len(seg.allows[svc]) > 0
		if !allows && !seg.hasDeny {
			continue
		}
		decideSegment(&d, seg.stmts, action, resource, allows, &unconditionalAllow, &conditionalDeny)
	}
	d.settle(unconditionalAllow, conditionalDeny)
	return d
}

// settle decides d from the statements read: allowed when some Allow and
// no Deny covered the request, conditional unless an Allow held without a
// condition and no Deny hung on one.
func (d *Decision) settle(unconditionalAllow, conditionalDeny bool) {
	if len(d.DeniedBy) > 0 || len(d.AllowedBy) == 0 {
		d.Allowed = false
		return
	}
	d.Allowed = true
	d.Conditional = !unconditionalAllow || conditionalDeny
}

// decideSegment adds the segment's statements to d; with allows false it
// reads only the Deny statements (no Allow statement can cover the action).
func decideSegment(d *Decision, stmts []stmt, action, resource string, allows bool, unconditionalAllow, conditionalDeny *bool) {
	for i := range stmts {
		st := &stmts[i]
		if !allows && !st.deny {
			continue
		}
		if st.deny {
			full, part := st.coversDeny(action, resource)
			switch {
			case full && !st.conditional:
				d.DeniedBy = append(d.DeniedBy, st.ref)
			case full:
				*conditionalDeny = true
				d.PartlyDeniedBy = append(d.PartlyDeniedBy, st.ref)
			case part:
				d.PartlyDeniedBy = append(d.PartlyDeniedBy, st.ref)
			}
			continue
		}
		if st.coversAllow(action, resource) {
			d.AllowedBy = append(d.AllowedBy, st.ref)
			d.Statements = append(d.Statements, st.src)
			if !st.conditional {
				*unconditionalAllow = true
			}
		}
	}
}

// coversAllow reports whether an Allow statement grants the whole request.
func (st *stmt) coversAllow(action, resource string) bool {
	return st.actionCovers(action) && st.resourceCovers(resource)
}

// coversDeny reports whether a Deny statement denies the whole request
// (full) or some part of a wildcard request (part).
func (st *stmt) coversDeny(action, resource string) (full, part bool) {
	if st.actionCovers(action) && st.resourceCovers(resource) {
		return true, false
	}
	return false, st.actionOverlaps(action) && st.resourceOverlaps(resource)
}

func (st *stmt) actionCovers(action string) bool {
	return patternsReach(st.actions, st.notAction, true, action)
}

func (st *stmt) actionOverlaps(action string) bool {
	return patternsReach(st.actions, st.notAction, false, action)
}

func (st *stmt) resourceCovers(resource string) bool {
	return patternsReach(st.resources, st.notResource, true, resource)
}

func (st *stmt) resourceOverlaps(resource string) bool {
	return patternsReach(st.resources, st.notResource, false, resource)
}

// patternsReach reports whether an element's patterns (Action, Resource;
// negated for NotAction, NotResource) cover all of s (whole) or some part
// of it. A pattern list covers s when a pattern matches it; a negated
// list covers s when no pattern overlaps it, and overlaps s unless a
// pattern matches it whole.
func patternsReach(patterns []string, negated, whole bool, s string) bool {
	match := whole != negated
	for _, p := range patterns {
		if match && Match(p, s) || !match && Overlap(p, s) {
			return !negated
		}
	}
	return negated
}

// Match reports whether the glob pattern (with * and ?) matches s in full.
// A '*' in s is an ordinary character, so Match("iam:*", "iam:*") is true
// and Match("iam:get*", "iam:*") is false: the pattern covers s.
// Callers lower-case both sides for case-insensitive matching.
func Match(pattern, s string) bool {
	if pattern == "*" {
		return true // most statements' Resource: the glob would walk all of s
	}
	return findings.MatchGlob(pattern, s)
}

// wildcardAt is the index of the first * or ? in s, or -1: what
// strings.IndexAny(s, "*?") returns, without its per-call set building
// (Overlap runs millions of times on a large account).
func wildcardAt(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '*' || s[i] == '?' {
			return i
		}
	}
	return -1
}

// Overlap reports whether some string could match both patterns. It is
// exact when either side has no wildcard and conservative otherwise (it
// compares the literal text before the first wildcard).
func Overlap(a, b string) bool {
	wa, wb := wildcardAt(a), wildcardAt(b)
	switch {
	case wa < 0 && wb < 0:
		return a == b
	case wa < 0:
		return Match(b, a)
	case wb < 0:
		return Match(a, b)
	}
	pa, pb := a[:wa], b[:wb]
	return strings.HasPrefix(pa, pb) || strings.HasPrefix(pb, pa)
}
