package findings

import (
	"testing"
	"time"
)

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
