package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
)

// The catalogue is explicit lists, one per provider: add a rule by writing
// it and listing it in its provider's group; add a provider's rules with a
// group of their own, listed in groups. A rule declares in
// Meta().Providers every provider it is written for, and the engine runs
// it on identities of those providers only. Ids are stable forever.

// AWS returns the rules written for AWS IAM alone.
func AWS() []Rule {
	return []Rule{
		fullAdmin{},
		serviceWildcard{},
		notActionAllow{},
		broadManaged{},
		passRoleEverywhere{},
		latentEscalation{},
		longLivedKey{},
		rootAccessKey{},
		roleUnused{},
		userUnused{},
		trustAnyone{},
		crossAccountNoExternalID{},
		oidcSubject{},
		longSession{},
		humanUse{},
	}
}

// GCP returns the rules written for Google Cloud IAM alone.
func GCP() []Rule {
	return []Rule{
		basicRole{},
		adminRole{},
		customRoleEscalation{},
		canImpersonateAll{},
		userManagedKey{},
		keyNeverExpires{},
		accountUnused{},
		projectImpersonation{},
		publicBinding{},
		wifWildcard{},
		staleBinding{},
	}
}

// Neutral returns the rules written on the provider-neutral model
// (credentials, owners, the escalation graph). Each still declares the
// providers it has been checked on; a new provider joins a rule by being
// named in its Providers.
func Neutral() []Rule {
	return []Rule{
		toAdmin{},
		chainDelegation{},
		keyNotRotated{},
		twoActiveKeys{},
		keyUnused{},
		inactiveKey{},
		noOwner{},
	}
}

// group is a named list of rules.
type group struct {
	name  string
	rules func() []Rule
}

// groups are the named groups, in the order All concatenates them.
var groups = []group{
	{"aws", AWS},
	{"gcp", GCP},
	{"k8s", K8s},
	{"azure", Azure},
	{"agents", Agents},
	{"neutral", Neutral},
}

// All returns every group's rules, ordered by category (findings.Categories)
// and then id.
func All() []Rule {
	var out []Rule
	for _, g := range groups {
		out = append(out, g.rules()...)
	}
	return catalogueOrder(out)
}

func catalogueOrder(rs []Rule) []Rule {
	type entry struct {
		rule     Rule
		category int
		id       string
	}
	es := make([]entry, len(rs))
	for i, r := range rs {
		m := metaOf(r)
		es[i] = entry{r, slices.Index(findings.Categories, m.Category), m.ID}
	}
	slices.SortStableFunc(es, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.category, b.category), cmp.Compare(a.id, b.id))
	})
	for i, e := range es {
		rs[i] = e.rule
	}
	return rs
}

// FromNames resolves group names ("aws", "gcp", "k8s", "azure", "agents", "neutral", "all") and rule
// ids (case-insensitive) to rules, each once, in catalogue order.
func FromNames(names []string) ([]Rule, error) {
	seen := map[string]bool{}
	var out []Rule
	add := func(rs ...Rule) {
		for _, r := range rs {
			if id := metaOf(r).ID; !seen[id] {
				seen[id] = true
				out = append(out, r)
			}
		}
	}
	for _, name := range names {
		n := strings.ToLower(strings.TrimSpace(name))
		if n == "all" {
			add(All()...)
			continue
		}
		if gi := slices.IndexFunc(groups, func(g group) bool { return g.name == n }); gi >= 0 {
			add(groups[gi].rules()...)
			continue
		}
		r, ok := ByID(All(), strings.ToUpper(n))
		if !ok {
			return nil, fmt.Errorf("unknown rule or rule group %q", name)
		}
		add(r)
	}
	return catalogueOrder(out), nil
}

// ByID finds a rule of the catalogue.
func ByID(catalogue []Rule, id string) (Rule, bool) {
	for _, r := range catalogue {
		if metaOf(r).ID == id {
			return r, true
		}
	}
	return nil, false
}
