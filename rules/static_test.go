package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Each credential finding names its credential: two keys of one user are
// two findings a reader can tell apart, whatever the renderer shows.
func TestCredentialFindingsNameTheirKey(t *testing.T) {
	u := user("ci", key("AKIAEXAMPLEKEY1", inventory.CredentialActive, 30, nil), key("AKIAEXAMPLEKEY2", inventory.CredentialActive, 40, nil))
	inv := inventory.Inventory{Identities: []inventory.Identity{u}}
	fs, err := Run(context.Background(), &inv, All(), DefaultConfig(asOf))
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string][]findings.Finding{}
	for _, f := range fs {
		if f.Credential != nil {
			byRule[f.RuleID] = append(byRule[f.RuleID], f)
		}
	}
	if len(byRule["NHI-STA-001"]) != 2 {
		t.Fatalf("NHI-STA-001 findings: %d, want one per key", len(byRule["NHI-STA-001"]))
	}
	for rule, list := range byRule {
		seen := map[string]bool{}
		for _, f := range list {
			if !strings.Contains(f.Message, f.Credential.ID) {
				t.Errorf("%s: message %q does not name key %s", rule, f.Message, f.Credential.ID)
			}
			if seen[f.Message] {
				t.Errorf("%s: two findings say %q", rule, f.Message)
			}
			seen[f.Message] = true
		}
	}
}
