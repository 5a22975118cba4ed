// Package rules turns an inventory into findings. Rules are pure functions
// of the provider-neutral inventory model and a Config; they know nothing of
// cloud SDKs or output formats. The catalogue is the explicit list in
// rulelist.go.
package rules

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/rules/awspolicy"
	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Rule is one check over one identity.
type Rule interface {
	Meta() findings.Rule
	Check(s *Subject) []findings.Finding
}

// Config tunes the rules. DefaultConfig gives the documented defaults.
type Config struct {
	AsOf time.Time
	// Thresholds in days.
	RoleUnusedDays  int
	UserUnusedDays  int
	KeyUnusedDays   int
	KeyRotationDays int
	// MaxSessionHours above which a role's session length is reported.
	MaxSessionHours int
	// SecretMaxValidityDays is the longest total validity, and remaining
	// lifetime, of an Azure client secret or certificate before
	// NHI-STA-301 raises its severity.
	SecretMaxValidityDays int
	// TrustedIssuers are the token issuers (patterns, see
	// DefaultTrustedIssuers) an Azure federated credential may name.
	TrustedIssuers []string
	// OwnerTags are the tag keys that name an owner, in order of preference.
	OwnerTags []string
	// OwnerDescription finds an owner in an identity's description (GCP
	// service accounts have no labels); its first group is the owner.
	OwnerDescription *regexp.Regexp
	// Owners maps identity globs (ids or names) to owners, for identities
	// that carry no owner themselves.
	Owners map[string]string
	// AgentTags mark an identity as an AI agent: key -> value, where an
	// empty value means "any value".
	AgentTags map[string]string
	// Agents marks identities whose id or name matches one of these globs
	// as AI agents (for providers without tags, such as GCP).
	Agents []string
	// Disabled rule ids.
	Disabled map[string]bool
	// SeverityOverrides replace a rule's severity for all its findings.
	SeverityOverrides map[string]findings.Severity
	// Exclude drops identities whose id or name matches one of these globs.
	Exclude []string
	// IncludeProviderManaged keeps identities the scanners exclude by
	// default (service-linked roles, SSO roles, Google-managed agents).
	IncludeProviderManaged bool
}

// DefaultConfig returns the documented defaults, as of now.
func DefaultConfig(asOf time.Time) Config {
	return Config{
		AsOf:                  asOf,
		RoleUnusedDays:        90,
		UserUnusedDays:        90,
		KeyUnusedDays:         45,
		KeyRotationDays:       90,
		MaxSessionHours:       1,
		SecretMaxValidityDays: 365,
		TrustedIssuers:        DefaultTrustedIssuers,
		OwnerTags:             []string{"owner", "Owner", "team", "owner-email", "contact"},
		OwnerDescription:      DefaultOwnerDescription,
		// nhiscan.io/agent is the same marker where ':' may not appear in
		// a key (Kubernetes labels and annotations).
		AgentTags: map[string]string{"nhiscan:agent": "true", "nhiscan.io/agent": "true"},
	}
}

// DefaultOwnerDescription finds "owner: team-x" (or owner=team-x) in a
// description.
var DefaultOwnerDescription = regexp.MustCompile(`(?i)\bowner\s*[:=]\s*([^\s,;]+)`)

// Subject is one identity under evaluation, with what rules share about it.
type Subject struct {
	Identity *inventory.Identity
	Config   *Config
	perms    *awspolicy.Set
	admin    *awspolicy.Decision
	graph    *paths.Graph
	// sourceNotAssessed is what the identity's source (its account or
	// project) lacked as a whole.
	sourceNotAssessed []string
	// agents indexes the inventory's agents (nil outside Run).
	agents *agentIndex
	// wildcards caches, for one Run, the services a shared policy's
	// statements could grant whole (NHI-OVB-002); each worker has its own.
	wildcards map[statementsKey]wildcardSet
}

// Assessed reports whether the source carried what (one of the
// inventory.NotAssessed* values) for this identity. A rule that needs data
// the source lacked concludes nothing from its absence.
func (s *Subject) Assessed(what string) bool {
	return !slices.Contains(s.Identity.NotAssessed, what) && !slices.Contains(s.sourceNotAssessed, what)
}

// notAssessedBySource maps "provider/scope" to what that source lacked.
func notAssessedBySource(inv *inventory.Inventory) map[string][]string {
	m := map[string][]string{}
	for _, src := range inv.Sources {
		if len(src.NotAssessed) > 0 {
			k := src.Scanner + "/" + src.Scope
			m[k] = append(m[k], src.NotAssessed...)
		}
	}
	return m
}

// Graph is the who-can-become-whom graph of the whole inventory (nil when
// no enabled rule needs it).
func (s *Subject) Graph() *paths.Graph { return s.graph }

// graphRule is a rule that reads the escalation graph.
type graphRule interface{ needsGraph() }

// Perms returns the identity's compiled AWS permission set. Other
// providers' grants are not AWS policies: their set is empty.
func (s *Subject) Perms() *awspolicy.Set {
	if s.perms == nil && s.Identity.Provider != inventory.AWS {
		s.perms = &awspolicy.Set{}
	}
	if s.perms == nil && s.graph != nil {
		s.perms = s.graph.Perms(paths.Ref(s.Identity))
	}
	if s.perms == nil {
		s.perms = awspolicy.CompileAt(s.Identity, s.Config.AsOf)
	}
	return s.perms
}

// Admin evaluates "*" on "*" for an AWS identity: full administrator after
// denies and boundary. It is false for other providers' identities.
func (s *Subject) Admin() awspolicy.Decision {
	if s.Identity.Provider != inventory.AWS {
		return awspolicy.Decision{}
	}
	if s.admin == nil {
		d := s.Perms().Evaluate("*", "*")
		s.admin = &d
	}
	return *s.admin
}

// Days returns whole days between t and the config's as-of time.
func (s *Subject) Days(t time.Time) int {
	return int(s.Config.AsOf.Sub(t).Hours() / 24)
}

// agentServices are the service principals that only AI agents' roles
// trust (Amazon Bedrock agents and AgentCore runtimes). Services that run
// many kinds of ML workloads (SageMaker) are no signal of an agent.
var agentServices = map[string]bool{
	"bedrock.amazonaws.com":           true,
	"bedrock-agentcore.amazonaws.com": true,
}

// trustsAgentService reports whether an Allow trust statement names an
// agent service.
func trustsAgentService(id *inventory.Identity) bool {
	for _, st := range id.Trust {
		if !strings.EqualFold(st.Effect, "Allow") {
			continue
		}
		for _, p := range st.Principals {
			if p.Type == "Service" && agentServices[strings.ToLower(p.Value)] {
				return true
			}
		}
	}
	return false
}

// Classify resolves owners from tags and decides which identities are AI
// agents, on agent-specific signals only: an AWS role trusted by an agent
// service, a configured tag or a configured identity glob. For AWS this
// decision replaces the scanner's own guess from trust.
func Classify(inv *inventory.Inventory, cfg *Config) {
	owners := sortedKeys(cfg.Owners)
	for i := range inv.Identities {
		id := &inv.Identities[i]
		if id.Provider == inventory.AWS {
			id.Agent = false // the IAM signal below decides, not a scanner's guess
		}
		if agentByIAM(id) {
			id.Agent = true
		}
		if id.Owner == "" {
			for _, k := range cfg.OwnerTags {
				if v := strings.TrimSpace(id.Tags[k]); v != "" {
					id.Owner, id.OwnerSource = v, "tag "+k
					break
				}
			}
		}
		if id.Owner == "" && cfg.OwnerDescription != nil {
			if m := cfg.OwnerDescription.FindStringSubmatch(id.Description); len(m) > 1 {
				id.Owner, id.OwnerSource = m[1], "description"
			}
		}
		if id.Owner == "" {
			if h, ok := ownerHint(id.OwnerHints, cfg.OwnerTags); ok {
				id.Owner, id.OwnerSource = h.Value, h.From
			}
		}
		if id.Owner == "" {
			for _, pat := range owners {
				if findings.MatchGlob(pat, id.ID) || findings.MatchGlob(pat, id.Name) {
					id.Owner, id.OwnerSource = cfg.Owners[pat], "owners "+pat
					break
				}
			}
		}
		if agentTagged(id.Tags, cfg.AgentTags) {
			id.Agent = true
		}
		// A Kubernetes service account runs agents when its pods carry
		// the agent markers, as labels or annotations.
		for _, w := range id.Workloads {
			if agentTagged(w.Labels, cfg.AgentTags) || agentTagged(w.Annotations, cfg.AgentTags) {
				id.Agent = true
			}
		}
		for _, pat := range cfg.Agents {
			if findings.MatchGlob(pat, id.ID) || findings.MatchGlob(pat, id.Name) {
				id.Agent = true
			}
		}
	}
	classifyAgents(inv, cfg)
}

// ownerHint picks the owner a convention names: the first hint that
// needs no owner key, else the namespace-level hint under the most
// preferred configured owner key.
func ownerHint(hints []inventory.OwnerHint, ownerKeys []string) (inventory.OwnerHint, bool) {
	for _, h := range hints {
		if h.Key == "" {
			return h, true
		}
	}
	for _, k := range ownerKeys {
		for _, h := range hints {
			if h.Key == k {
				return h, true
			}
		}
	}
	return inventory.OwnerHint{}, false
}

// agentTagged reports whether tags (or labels) carry one of the agent
// markers: key -> value, an empty value matching any.
func agentTagged(tags, markers map[string]string) bool {
	for k, want := range markers {
		if v, ok := tags[k]; ok && (want == "" || strings.EqualFold(v, want)) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// InScope reports whether rules look at the identity under cfg.
func InScope(id *inventory.Identity, cfg *Config) bool {
	if id.Excluded != "" && !cfg.IncludeProviderManaged {
		return false
	}
	for _, pat := range cfg.Exclude {
		if findings.MatchGlob(pat, id.ID) || findings.MatchGlob(pat, id.Name) {
			return false
		}
	}
	return true
}

// Validate checks that every rule id named in the config exists.
func (cfg *Config) Validate(catalogue []Rule) error {
	known := map[string]bool{}
	for _, r := range catalogue {
		known[r.Meta().ID] = true
	}
	for id := range cfg.Disabled {
		if !known[id] {
			return fmt.Errorf("unknown rule %q in disabled rules", id)
		}
	}
	for id := range cfg.SeverityOverrides {
		if !known[id] {
			return fmt.Errorf("unknown rule %q in severity overrides", id)
		}
	}
	for _, pat := range cfg.Exclude {
		if pat == "" {
			return fmt.Errorf("empty exclusion pattern")
		}
	}
	return nil
}

// raisedForAgents are the categories whose findings get one severity step
// more when the identity is an agent.
var raisedForAgents = map[string]bool{findings.Overbroad: true, findings.Ownerless: true, findings.Delegation: true}

// Run classifies the inventory and evaluates every enabled rule on every
// in-scope identity. Findings come back sorted by severity (highest first),
// then identity, rule and credential.
func Run(ctx context.Context, inv *inventory.Inventory, catalogue []Rule, cfg Config) ([]findings.Finding, error) {
	Classify(inv, &cfg)
	var enabled []scoped
	var graph *paths.Graph
	for _, r := range catalogue {
		m := metaOf(r)
		if !cfg.Disabled[m.ID] {
			enabled = append(enabled, scoped{r, m.Providers})
			if _, ok := r.(graphRule); ok && graph == nil {
				graph = paths.Build(inv, cfg.AsOf)
			}
		}
	}
	// Without the graph (which compiles every principal), compile the AWS
	// identities' policies here, once, so shared managed policies are
	// compiled once.
	var perms []*awspolicy.Set
	if graph == nil {
		compiler := awspolicy.NewCompiler(cfg.AsOf)
		perms = make([]*awspolicy.Set, len(inv.Identities))
		for i := range inv.Identities {
			if inv.Identities[i].Provider == inventory.AWS {
				perms[i] = compiler.Compile(&inv.Identities[i])
			}
		}
	}
	// Identities are independent: evaluate them on every core, each
	// worker on its own stripe, then merge in identity order.
	notAssessed := notAssessedBySource(inv)
	agents := newAgentIndex(inv)
	workers := runtime.GOMAXPROCS(0)
	per := make([][]findings.Finding, len(inv.Identities))
	var wg sync.WaitGroup
	var cancelled atomic.Bool
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wildcards := map[statementsKey]wildcardSet{}
			var buf []findings.Finding // one identity's findings, reused
			for n, i := 0, w; i < len(inv.Identities); n, i = n+1, i+workers {
				if n%256 == 0 && ctx.Err() != nil {
					cancelled.Store(true)
					return
				}
				var ps *awspolicy.Set
				if perms != nil {
					ps = perms[i]
				}
				id := &inv.Identities[i]
				buf = check(buf[:0], id, enabled, &cfg, graph, ps, notAssessed[string(id.Provider)+"/"+id.Account], wildcards, agents)
				if len(buf) > 0 {
					per[i] = slices.Clone(buf) // exactly sized
				}
			}
		}()
	}
	wg.Wait()
	if cancelled.Load() {
		return nil, ctx.Err()
	}
	n := 0
	for _, fs := range per {
		n += len(fs)
	}
	out := make([]findings.Finding, 0, n)
	for _, fs := range per {
		out = append(out, fs...)
	}
	return Sort(out), nil
}

// scoped is an enabled rule with the providers it declares.
type scoped struct {
	Rule
	providers []string
}

// check runs the enabled rules on one identity, each only if it declares
// the identity's provider, and appends the findings to out.
func check(out []findings.Finding, id *inventory.Identity, enabled []scoped, cfg *Config, graph *paths.Graph, perms *awspolicy.Set, notAssessed []string, wildcards map[statementsKey]wildcardSet, agents *agentIndex) []findings.Finding {
	if !InScope(id, cfg) {
		return out
	}
	s := &Subject{Identity: id, Config: cfg, graph: graph, perms: perms, sourceNotAssessed: notAssessed, wildcards: wildcards, agents: agents}
	for _, r := range enabled {
		if !slices.Contains(r.providers, string(id.Provider)) {
			continue
		}
		_, forAgents := r.Rule.(agentRule) // already judged as an agent's
		for _, f := range r.Check(s) {
			if id.Agent && !forAgents && raisedForAgents[f.Category] && f.Severity < findings.Critical {
				f.Severity = f.Severity.Raise()
				f.Evidence = append(f.Evidence, findings.Evidence{Key: "agent", Value: "identity is an AI agent: severity raised one step"})
			}
			if sev, ok := cfg.SeverityOverrides[f.RuleID]; ok {
				f.Severity = sev
			}
			out = append(out, f)
		}
	}
	return out
}

// Sort orders findings by severity (highest first), identity, rule and
// fingerprint, keeping the given order among equals. It sorts fs in place
// and returns it: it sorts indices, then moves each finding once along the
// permutation's cycles (findings are large; a sorted copy would be another
// slice the size of the report).
func Sort(fs []findings.Finding) []findings.Finding {
	idx := make([]int, len(fs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		a, b := &fs[i], &fs[j]
		if a.Severity != b.Severity {
			return cmp.Compare(b.Severity, a.Severity)
		}
		if c := cmp.Compare(a.Identity.ID, b.Identity.ID); c != 0 {
			return c
		}
		if c := cmp.Compare(a.RuleID, b.RuleID); c != 0 {
			return c
		}
		return cmp.Compare(a.Fingerprint, b.Fingerprint)
	})
	// idx[i] is the finding that belongs at i: follow each cycle once.
	for i := range idx {
		if idx[i] == i {
			continue
		}
		tmp := fs[i]
		j := i
		for {
			k := idx[j]
			idx[j] = j
			if k == i {
				fs[j] = tmp
				break
			}
			fs[j] = fs[k]
			j = k
		}
	}
	return fs
}

// metas holds each rule's metadata, built once: Rule -> findings.Rule.
var metas sync.Map

// metaOf returns r.Meta(), built once per rule (rules are comparable
// values; one that is not is asked every time).
func metaOf(r Rule) findings.Rule {
	if !reflect.TypeOf(r).Comparable() {
		return r.Meta()
	}
	if m, ok := metas.Load(r); ok {
		return m.(findings.Rule)
	}
	m, _ := metas.LoadOrStore(r, r.Meta())
	return m.(findings.Rule)
}

// finding builds a finding of rule r about the subject. key distinguishes
// several findings of one rule on one identity (a credential id, a service,
// a policy); it goes into the fingerprint.
func finding(r Rule, s *Subject, sev findings.Severity, cred *inventory.Credential, key, msg string, ev ...findings.Evidence) findings.Finding {
	m := metaOf(r)
	id := s.Identity
	f := findings.Finding{
		RuleID:      m.ID,
		Title:       m.Title,
		Category:    m.Category,
		Severity:    sev,
		Identity:    findings.Identity{Provider: string(id.Provider), Account: id.Account, ID: id.ID, Name: id.Name, Kind: id.Kind, Agent: id.Agent},
		Message:     msg,
		Evidence:    ev,
		Remediation: m.Remediation,
		Controls:    controlsOf(m, string(id.Provider)),
	}
	if f.Evidence == nil {
		f.Evidence = findings.EvidenceList{}
	}
	if cred != nil {
		f.Credential = &findings.Credential{ID: credentialLabel(id, cred), Kind: cred.Kind}
		if key == "" {
			key = f.Credential.ID
		}
	}
	f.Fingerprint = findings.Fingerprint(m.ID, string(id.Provider), id.Account, id.ID, key)
	return f
}

// credentialLabel names a credential: its id, or its slot when the source
// carried no id (the AWS credential report has none).
func credentialLabel(id *inventory.Identity, c *inventory.Credential) string {
	if c.ID != "" {
		return c.ID
	}
	if c.Slot != "" {
		return id.Name + "/access_key_" + c.Slot
	}
	return id.Name + "/" + c.Kind
}

// hits gathers what one rule finds on one identity (services, policies,
// bindings, members, trust statements): one finding per identity per rule,
// whose severity and message are the most severe item's and whose
// evidence lists every item under key. The fingerprint does not depend on
// the list, so a finding keeps its baseline entry as items come and go.
type hits struct {
	key, noun string // evidence key ("bindings"), what an item is ("binding(s)")
	sev       findings.Severity
	msg       string
	extra     []findings.Evidence // of the most severe item
	items     []string
}

func (h *hits) add(sev findings.Severity, msg, item string, extra ...findings.Evidence) {
	if len(h.items) == 0 || sev > h.sev {
		h.sev, h.msg, h.extra = sev, msg, extra
	}
	h.items = append(h.items, item)
}

// findings returns the one finding, or none when nothing was added.
func (h *hits) findings(r Rule, s *Subject) []findings.Finding {
	if len(h.items) == 0 {
		return nil
	}
	msg := h.msg
	if n := len(h.items) - 1; n > 0 {
		msg = fmt.Sprintf("%s (and %d more %s).", strings.TrimSuffix(msg, "."), n, h.noun)
	}
	e := append([]findings.Evidence{ev(h.key, strings.Join(h.items, "; "))}, h.extra...)
	return []findings.Finding{finding(r, s, h.sev, nil, "", msg, e...)}
}

func ev(key, value string) findings.Evidence { return findings.Evidence{Key: key, Value: value} }

func date(t time.Time) string { return t.UTC().Format("2006-01-02") }
