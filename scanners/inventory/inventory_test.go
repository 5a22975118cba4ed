package inventory

import "testing"

// TestAppendTakesFirstWithoutCopy checks that Append into an empty
// inventory shares the first part's identities (a large account is not
// copied), that appending more leaves that part alone, and that every
// identity and source arrives in order.
func TestAppendTakesFirstWithoutCopy(t *testing.T) {
	first := Inventory{Identities: make([]Identity, 2, 8), Sources: []Source{{Scope: "a"}}}
	first.Identities[0].ID, first.Identities[1].ID = "a1", "a2"
	second := Inventory{Identities: []Identity{{ID: "b1"}}, Sources: []Source{{Scope: "b"}}}
	var inv Inventory
	inv.Append(Inventory{}, first)
	if &inv.Identities[0] != &first.Identities[0] {
		t.Error("the first part's identities were copied")
	}
	inv.Append(second)
	if got := first.Identities[:3][2].ID; got != "" {
		t.Errorf("appending the second part wrote %q into the first part's spare capacity", got)
	}
	var ids []string
	for _, id := range inv.Identities {
		ids = append(ids, id.ID)
	}
	if len(ids) != 3 || ids[0] != "a1" || ids[2] != "b1" || len(inv.Sources) != 2 || inv.Sources[1].Scope != "b" {
		t.Errorf("identities %v, sources %v", ids, inv.Sources)
	}
}
