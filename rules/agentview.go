package rules

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// PlatformIdentity is the platform of an agents view row for an identity
// marked as an agent's whose agent no platform listed.
const PlatformIdentity = "identity"

// AgentView lists every agent of the inventory: one row per agent a
// platform listed, and one per in-scope identity marked as an agent's
// that no listed agent acts as. found are the scan's findings (rules.Run
// on the same inventory); each row carries those on its identity.
func AgentView(inv *inventory.Inventory, cfg Config, found []findings.Finding) []findings.AgentRow {
	Classify(inv, &cfg)
	g := paths.Build(inv, cfg.AsOf)
	idx := newAgentIndex(inv)
	notAssessed := notAssessedBySource(inv)
	byIdentity := map[string][]*findings.Finding{}
	for i := range found {
		f := &found[i]
		byIdentity[f.Identity.ID] = append(byIdentity[f.Identity.ID], f)
	}
	subject := func(id *inventory.Identity) *Subject {
		return &Subject{Identity: id, Config: &cfg, graph: g, agents: idx, sourceNotAssessed: notAssessed[string(id.Provider)+"/"+id.Account]}
	}
	var rows []findings.AgentRow
	fill := func(row *findings.AgentRow, id *inventory.Identity) {
		if id == nil {
			row.Credential = "unknown"
			row.SharedWithAgents, row.SharedWithPeople, row.SharedWithWorkloads = []string{}, []string{}, []string{}
			row.WritableServices = []string{}
			row.Findings = []findings.AgentFinding{}
			return
		}
		s := subject(id)
		row.IdentityKnown = true
		row.IdentityName = id.Name
		row.Credential = idx.credentialType(id, cfg.AsOf)
		if row.Owner == "" {
			row.Owner = id.Owner
			row.OwnerNotAssessed = id.Owner == "" && !s.Assessed(inventory.NotAssessedOwners)
		}
		sh := idx.shared(id, func(b *inventory.Binding) bool { return holdsAt(b, s) })
		// The other agents: the row's own agent is not shared with itself.
		if i := slices.Index(sh.agents, row.Name); i >= 0 && row.Platform != PlatformIdentity {
			sh.agents = slices.Delete(slices.Clone(sh.agents), i, i+1)
		}
		row.SharedWithAgents = nonNil(sh.agents)
		row.SharedWithPeople = nonNil(sh.humans)
		row.SharedWithWorkloads = nonNil(sh.workloads)
		row.Admin = g.IsAdmin(id.ID)
		if !row.Admin && escalates(id) {
			if p, ok := g.ToAdmin(id.ID); ok {
				row.PathToAdmin, row.PathHops = PathText(p), max(p.Hops(), 1)
			}
		}
		row.WritableServices = nonNil(writableServices(s))
		row.Findings = []findings.AgentFinding{}
		for _, f := range byIdentity[id.ID] {
			if aboutAgent(f, row) {
				row.Findings = append(row.Findings, findings.AgentFinding{RuleID: f.RuleID, Severity: f.Severity, Title: f.Title, Fingerprint: f.Fingerprint})
			}
		}
	}
	listed := map[string]bool{}
	for i := range inv.Agents {
		ag := &inv.Agents[i]
		row := findings.AgentRow{
			Provider: string(ag.Provider), Platform: ag.Platform, ID: ag.ID, Name: ag.Name, Account: ag.Account,
			Location: ag.Location, Status: ag.Status, Identity: ag.IdentityID, IdentityType: ag.IdentityType, Owner: ag.Owner,
			Created: timeOrNil(ag.CreatedAt), Updated: timeOrNil(ag.UpdatedAt),
		}
		id := idx.identities[ag.IdentityID]
		if id != nil && !InScope(id, &cfg) {
			id = nil
		}
		fill(&row, id)
		rows = append(rows, row)
		listed[ag.IdentityID] = true
	}
	for i := range inv.Identities {
		id := &inv.Identities[i]
		if !id.Agent || listed[id.ID] || !InScope(id, &cfg) {
			continue
		}
		row := findings.AgentRow{
			Provider: string(id.Provider), Platform: PlatformIdentity, ID: id.ID, Name: id.Name, Account: id.Account,
			Identity: id.ID, IdentityType: identityType(id), Created: timeOrNil(id.CreatedAt),
		}
		fill(&row, id)
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b findings.AgentRow) int {
		return cmp.Or(cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.Account, b.Account), cmp.Compare(a.Platform, b.Platform), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return rows
}

// aboutAgent reports whether a finding on the identity a row's agent acts
// as belongs on that row: a finding whose "agents" evidence names agents
// (NHI-AGT-003 names only the agents without an owner) is about those
// agents only; every other finding is about the whole identity. The
// rules name an agent "Name (ID)", "Name (platform)", or, for an identity
// no listed agent acts as, "Name (an agent's identity; …)".
func aboutAgent(f *findings.Finding, row *findings.AgentRow) bool {
	i := slices.IndexFunc(f.Evidence, func(e findings.Evidence) bool { return e.Key == "agents" })
	if i < 0 {
		return true
	}
	for _, item := range strings.Split(f.Evidence[i].Value, "; ") {
		if item == row.Name+" ("+row.ID+")" || item == row.Name+" ("+row.Platform+")" ||
			(row.Platform == PlatformIdentity && strings.HasPrefix(item, row.Name+" (an agent's identity")) {
			return true
		}
	}
	return false
}

// identityType names the kind of identity an unlisted agent acts as.
func identityType(id *inventory.Identity) string {
	switch {
	case id.Kind == inventory.KindAWSRole:
		return inventory.ActsAsRole
	case id.Kind == inventory.KindGCPAgentPrincipal:
		return inventory.ActsAsAgentPrincipal
	case reServiceAgent.MatchString(id.ID):
		return inventory.ActsAsServiceAgent
	case id.Kind == inventory.KindGCPAccount:
		return inventory.ActsAsServiceAccount
	}
	return id.Kind
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
