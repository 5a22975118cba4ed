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

func TestCarryOver(t *testing.T) {
	seen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	previous := &Baseline{Version: 1, FingerprintVersion: FingerprintVersion, Findings: []BaselineEntry{
		{Fingerprint: "a", RuleID: "R1", Identity: "arn:aws:iam::111111111111:role/app", FirstSeen: seen},                           // old entry, scope from the ARN
		{Fingerprint: "b", RuleID: "R1", Identity: "arn:aws:iam::222222222222:role/app", FirstSeen: seen},                           // scope read: fixed, dropped
		{Fingerprint: "c", RuleID: "R2", Identity: "deployer@acme-prod.iam.gserviceaccount.com", FirstSeen: seen},                   // scope from the email
		{Fingerprint: "d", RuleID: "R2", Identity: "1234-compute@developer.gserviceaccount.com", FirstSeen: seen},                   // scope unknown
		{Fingerprint: "e", RuleID: "R3", Identity: "x", Scope: "gcp/acme-dev", FirstSeen: seen},                                     // recorded scope, read
		{Fingerprint: "f", RuleID: "R3", Identity: "arn:aws:iam::111111111111:user/ci", Scope: "aws/111111111111", FirstSeen: seen}, // found again
	}}
	found := []Finding{{Fingerprint: "f", RuleID: "R3", Identity: Identity{Provider: "aws", Account: "111111111111", ID: "arn:aws:iam::111111111111:user/ci"}}}
	b := NewBaseline(found, seen.Add(time.Hour), previous)
	n := b.CarryOver(previous, []Source{
		{Scanner: "aws", Scope: "111111111111", Status: "failed"},
		{Scanner: "aws", Scope: "222222222222", Status: "ok"},
		{Scanner: "gcp", Scope: "acme-prod", Status: "partial"},
		{Scanner: "gcp", Scope: "acme-dev", Status: "ok"},
	})
	var got []string
	for _, e := range b.Findings {
		got = append(got, e.Fingerprint+" "+e.Scope+" "+e.CarriedOver)
		if !e.FirstSeen.Equal(seen) {
			t.Errorf("%s: first seen %s", e.Fingerprint, e.FirstSeen)
		}
	}
	want := []string{
		"a  aws 111111111111 failed",
		"c  gcp acme-prod partial",
		"d  scope unknown and the scan incomplete",
		"f aws/111111111111 ",
	}
	if n != 3 || len(got) != len(want) {
		t.Fatalf("carried %d: %q", n, got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %q, want %q", i, got[i], want[i])
		}
	}
	// A complete scan carries nothing over.
	b = NewBaseline(found, seen, previous)
	if n := b.CarryOver(previous, []Source{{Scanner: "aws", Scope: "111111111111", Status: "ok"}}); n != 0 || len(b.Findings) != 1 {
		t.Errorf("complete scan carried %d over", n)
	}
}
