package rules

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
)

// TestSortInPlace checks Sort's in-place permutation against a stable
// sort of a copy, on findings with many equal keys (stability) and long
// permutation cycles.
func TestSortInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 1000} {
		fs := make([]findings.Finding, n)
		for i := range fs {
			fs[i] = findings.Finding{
				Severity:    findings.Severity(rng.IntN(4) + 1),
				Identity:    findings.Identity{ID: fmt.Sprintf("id-%d", rng.IntN(5))},
				RuleID:      fmt.Sprintf("R%d", rng.IntN(3)),
				Fingerprint: fmt.Sprintf("fp-%d", rng.IntN(2)),
				Message:     fmt.Sprintf("input position %d", i), // tells equal keys apart
			}
		}
		want := slices.Clone(fs)
		slices.SortStableFunc(want, func(a, b findings.Finding) int {
			return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.Identity.ID, b.Identity.ID),
				cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.Fingerprint, b.Fingerprint))
		})
		got := Sort(fs)
		for i := range want {
			if got[i].Message != want[i].Message {
				t.Fatalf("n=%d: position %d holds %q, want %q", n, i, got[i].Message, want[i].Message)
			}
		}
	}
}
