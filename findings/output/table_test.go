package output

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/findings"
)

func TestTableListsAScreenfulWithSummaryAndPointsToTheRest(t *testing.T) {
	r := largeReport(tableMaxRows + 600)
	r.Findings[0].Suppression = &findings.Suppression{Rule: "NHI-TST-001", Reason: "accepted"}
	r.Summary = findings.Summarize(r.Findings, 1)
	var buf bytes.Buffer
	if err := Write(&buf, Table, r, SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	shown := tableMaxRows + 600 - 1
	if !strings.HasPrefix(out, "1599 findings by rule:\n") || !strings.Contains(out, "| static     | NHI-TST-001 | Test rule") || !strings.Contains(out, "| 1599      | critical |") {
		t.Errorf("no summary by rule first:\n%s", out[:min(len(out), 800)])
	}
	if rows := strings.Count(out, "| NHI-TST-001 | critical-") + strings.Count(out, "| NHI-TST-001 | high-") + strings.Count(out, "| NHI-TST-001 | medium-") + strings.Count(out, "| NHI-TST-001 | low-"); rows != tableMaxRows {
		t.Errorf("%d finding rows, want %d", rows, tableMaxRows)
	}
	if strings.Contains(out, "| low-") {
		t.Error("the table should list the most severe findings, not the low ones")
	}
	want := "... and 599 more findings not listed: the table shows the first 1000, most severe first.\nEvery finding: --format json --output FILE (or --format sarif); fewer: --severity critical,high.\n"
	if !strings.Contains(out, want) {
		t.Errorf("no pointer to the rest (%d shown)", shown)
	}
	if !strings.Contains(out, "1600 findings on 1 identities") {
		t.Error("the totals should still count every finding")
	}
}

func TestShortTableHasNoSummary(t *testing.T) {
	r := largeReport(8)
	r.Summary = findings.Summarize(r.Findings, 1)
	var buf bytes.Buffer
	if err := Write(&buf, Table, r, SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "by rule:") || strings.Contains(buf.String(), "more findings not listed") {
		t.Errorf("a short table needs neither a summary nor a pointer:\n%s", buf.String())
	}
}

// BenchmarkTable renders the table of a 100,000-finding report, the size
// of the 20,000-role benchmark account's.
func BenchmarkTable(b *testing.B) {
	r := largeReport(100000)
	r.Summary = findings.Summarize(r.Findings, 25000)
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, Table, r, SARIFOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// The pointer under a cut table suggests a --severity that narrows what
// is listed: never the severities already all there, and nothing when
// every finding has one severity.
func TestTableCutSuggestsANarrowerSeverity(t *testing.T) {
	for _, c := range []struct {
		sevs map[findings.Severity]int
		want string
	}{
		{map[findings.Severity]int{findings.Critical: 300, findings.High: 600, findings.Medium: 900}, "(or --format sarif); fewer: --severity critical,high.\n"},
		{map[findings.Severity]int{findings.Critical: 1200, findings.High: 100}, "(or --format sarif); fewer: --severity critical.\n"},
		{map[findings.Severity]int{findings.High: 900, findings.Low: 900}, "(or --format sarif); fewer: --severity high.\n"},
		{map[findings.Severity]int{findings.Critical: 1500}, "(or --format sarif).\n"},
	} {
		r := largeReport(4)
		base := r.Findings[0]
		r.Findings = nil
		for sev, n := range c.sevs {
			for i := 0; i < n; i++ {
				f := base
				f.Severity = sev
				f.Identity.Name = fmt.Sprintf("%s-%d", sev, i)
				f.Fingerprint = findings.Fingerprint(f.RuleID, "aws", "000000000001", f.Identity.Name, "")
				r.Findings = append(r.Findings, f)
			}
		}
		slices.SortStableFunc(r.Findings, func(a, b findings.Finding) int { return int(b.Severity) - int(a.Severity) })
		r.Summary = findings.Summarize(r.Findings, 1)
		var buf bytes.Buffer
		if err := Write(&buf, Table, r, SARIFOptions{}); err != nil {
			t.Fatal(err)
		}
		if out := buf.String(); !strings.Contains(out, c.want) {
			i := strings.Index(out, "Every finding")
			t.Errorf("%v: want %q, got %q", c.sevs, c.want, out[i:min(len(out), i+120)])
		}
	}
}

// LAST USED says "never" only when the source carried usage data, and
// "-" when it did not (a Kubernetes service account).
func TestListingLastUsed(t *testing.T) {
	day := mustDay("2026-10-01")
	l := &findings.Listing{Identities: []findings.IdentityRow{
		{Account: "a", Kind: "k", Name: "used", LastUsed: &day, LastUsedKnown: true, OldestCredentialDays: -1},
		{Account: "a", Kind: "k", Name: "never-used", LastUsedKnown: true, OldestCredentialDays: -1},
		{Account: "a", Kind: "k", Name: "no-data", OldestCredentialDays: -1},
	}}
	var buf bytes.Buffer
	if err := WriteListing(&buf, Table, l); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, line := range strings.Split(buf.String(), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 8 {
			continue
		}
		name, last := strings.TrimSpace(cells[3]), strings.TrimSpace(cells[7])
		want := map[string]string{"used": "2026-10-01", "never-used": "never", "no-data": "-"}[name]
		if want == "" {
			continue
		}
		seen++
		if last != want {
			t.Errorf("%s: LAST USED %q, want %q", name, last, want)
		}
	}
	if seen != 3 {
		t.Fatalf("found %d of the 3 rows:\n%s", seen, buf.String())
	}
}

func mustDay(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}
