package rules

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// awsShaped gives an identity of any provider what AWS rules look for:
// trust in any principal, in another account and in GitHub's OIDC
// provider without a subject, an allow-all grant and an old access key.
func awsShaped(id *inventory.Identity) {
	id.Trust = append(id.Trust,
		inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Principals: []inventory.Principal{{Type: "AWS", Value: "*"}}},
		inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Principals: []inventory.Principal{{Type: "AWS", Value: "arn:aws:iam::999988887777:root"}}},
		inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRoleWithWebIdentity"}, Principals: []inventory.Principal{{Type: "Federated", Value: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}}},
	)
	grant(allowAll())(id)
	key("AKIAEXAMPLEEXAMPLE01", inventory.CredentialActive, 400, ptr(daysAgo(200)))(id)
	id.MaxSession = 12 * 3600e9
}

// gcpShaped gives an identity of any provider what GCP rules look for:
// public and deleted members in its resource bindings, owner and
// token-creator bindings.
func gcpShaped(id *inventory.Identity) {
	id.ResourceBindings = append(id.ResourceBindings, inventory.Binding{Role: "roles/iam.serviceAccountTokenCreator", Scope: id.ID,
		Members: []inventory.Principal{{Type: "allUsers", Value: "*"}, {Type: "deleted:serviceAccount", Value: "gone@p.iam.gserviceaccount.com"},
			{Type: "principalSet", Value: "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*"}}})
	bind("roles/owner", "projects/p", nil)(id)
	bind("roles/iam.serviceAccountTokenCreator", "projects/p", nil)(id)
}

// The engine runs a rule only on identities of the providers it declares:
// an identity whose data looks like another provider's (a GCP service
// account carrying AWS trust statements, a provider nhiscan has no rules
// for) gets no finding from that provider's rules.
func TestEngineEnforcesProviderScope(t *testing.T) {
	sa := gsa("sa", awsShaped)
	other := inventory.Identity{ID: "system:serviceaccount:ns:bot", Provider: "kubernetes", Kind: "kubernetes.serviceaccount", Account: "cluster",
		Name: "bot", CreatedAt: daysAgo(400), LastUsedKnown: true}
	awsShaped(&other)
	gcpShaped(&other)
	r := role("r", gcpShaped)
	r.Kind = inventory.KindGCPAccount // contradictory data: the provider decides
	inv := inventory.Inventory{Identities: []inventory.Identity{sa, other, r}}
	fs, err := Run(context.Background(), &inv, All(), DefaultConfig(asOf))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		rule, ok := ByID(All(), f.RuleID)
		if !ok {
			t.Fatalf("finding of unknown rule %s", f.RuleID)
		}
		if !slices.Contains(rule.Meta().Providers, f.Identity.Provider) {
			t.Errorf("%s (providers %v) reported on %s identity %s: %s", f.RuleID, rule.Meta().Providers, f.Identity.Provider, f.Identity.ID, f.Message)
		}
	}
}

// A GCP service account's grants are not AWS policies: an AWS-shaped
// allow-all grant does not make it an administrator (the owner finding
// stays low) and the identity listing does not call it one either.
func TestAWSEvaluatorOnlyOnAWS(t *testing.T) {
	sa := gsa("sa", grant(allowAll()))
	sa.Description = ""
	inv := inventory.Inventory{Identities: []inventory.Identity{sa}}
	cfg := DefaultConfig(asOf)
	fs, err := Run(context.Background(), &inv, []Rule{noOwner{}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Severity != findings.Low {
		t.Errorf("NHI-OWN-001 on a GCP account with an AWS-shaped grant = %+v, want one low finding", fs)
	}
	other := inventory.Identity{ID: "bot", Provider: "kubernetes", Kind: "kubernetes.serviceaccount", Name: "bot", CreatedAt: daysAgo(10)}
	grant(allowAll())(&other)
	inv = inventory.Inventory{Identities: []inventory.Identity{sa, other}}
	rows := List(&inv, cfg)
	for _, row := range rows {
		if row.Privilege == "admin" {
			t.Errorf("%s identity %s listed as admin from an AWS-shaped grant", row.Provider, row.ID)
		}
	}
}

// Each rule sits in one group, and a group's rules declare its provider:
// AWS() only aws, GCP() only gcp, Neutral() and Agents() more than one.
func TestGroups(t *testing.T) {
	seen := map[string]string{}
	for _, g := range groups {
		for _, r := range g.rules() {
			m := r.Meta()
			if prev, ok := seen[m.ID]; ok {
				t.Errorf("%s is in groups %s and %s", m.ID, prev, g.name)
			}
			seen[m.ID] = g.name
			switch g.name {
			case "neutral", "agents":
				if len(m.Providers) < 2 {
					t.Errorf("%s in group %s declares %v", m.ID, g.name, m.Providers)
				}
			default:
				if !slices.Equal(m.Providers, []string{g.name}) {
					t.Errorf("%s in group %s declares %v", m.ID, g.name, m.Providers)
				}
			}
		}
	}
	all := All()
	if len(all) != len(seen) {
		t.Errorf("All has %d rules, the groups %d", len(all), len(seen))
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1].Meta(), all[i].Meta()
		ca, cb := slices.Index(findings.Categories, a.Category), slices.Index(findings.Categories, b.Category)
		if ca < 0 || ca > cb || ca == cb && a.ID >= b.ID {
			t.Errorf("All lists %s (%s) before %s (%s)", a.ID, a.Category, b.ID, b.Category)
		}
	}
}

func TestFromNames(t *testing.T) {
	ids := func(rs []Rule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Meta().ID)
		}
		return out
	}
	got, err := FromNames([]string{"GCP", "nhi-del-001", "NHI-OVB-101"})
	if err != nil {
		t.Fatal(err)
	}
	want := ids(catalogueOrder(append(GCP(), trustAnyone{})))
	if !slices.Equal(ids(got), want) {
		t.Errorf("FromNames = %v, want %v", ids(got), want)
	}
	if all, _ := FromNames([]string{"all", "aws"}); len(all) != len(All()) {
		t.Errorf("FromNames(all, aws) has %d rules, want %d", len(all), len(All()))
	}
	if az, err := FromNames([]string{"azure"}); err != nil || !slices.Equal(ids(az), ids(catalogueOrder(Azure()))) {
		t.Errorf("FromNames(azure) = %v, %v; want the Azure group", ids(az), err)
	}
	if _, err := FromNames([]string{"oracle"}); err == nil || !strings.Contains(err.Error(), `"oracle"`) {
		t.Errorf("unknown group: err = %v", err)
	}
}
