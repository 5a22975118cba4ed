package findings

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestApplyStates(t *testing.T) {
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	mk := func(fp string, sev Severity) Finding {
		return Finding{Fingerprint: fp, RuleID: "NHI-OVB-001", Severity: sev, Identity: Identity{ID: "arn:" + fp}}
	}
	base := NewBaseline([]Finding{mk("a", Medium), mk("b", High), mk("c", Low)}, asOf, nil)
	// A baseline written before severities were recorded.
	data, _ := json.Marshal(base)
	old := strings.ReplaceAll(string(data), `,"severity":"low"`, "")
	parsed, err := ParseBaseline([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Findings[2].Fingerprint != "c" || parsed.Findings[2].Severity != 0 || parsed.Findings[0].Severity != Medium {
		t.Fatalf("parsed %+v", parsed.Findings)
	}
	fs := []Finding{mk("a", Critical), mk("b", Medium), mk("c", Critical), mk("d", Low)}
	parsed.Apply(fs)
	want := []struct {
		status string
		prev   Severity
		gated  bool
	}{
		{StatusUpdated, Medium, true}, // rose
		{StatusUnchanged, 0, false},   // fell: not a change that gates
		{StatusUnchanged, 0, false},   // the entry has no severity
		{StatusNew, 0, true},
	}
	for i, w := range want {
		if fs[i].Status != w.status || fs[i].PreviousSeverity != w.prev || fs[i].Gated() != w.gated {
			t.Errorf("%s: status %q prev %v gated %v, want %+v", fs[i].Fingerprint, fs[i].Status, fs[i].PreviousSeverity, fs[i].Gated(), w)
		}
	}
	// Rewriting the baseline accepts the new severity and keeps first-seen.
	later := asOf.AddDate(0, 1, 0)
	nb := NewBaseline(fs, later, parsed)
	if nb.Findings[0].Severity != Critical || !nb.Findings[0].FirstSeen.Equal(asOf) || !nb.Findings[3].FirstSeen.Equal(later) {
		t.Errorf("rewritten: %+v", nb.Findings)
	}
}
