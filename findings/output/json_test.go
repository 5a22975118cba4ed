package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/findings"
)

// referenceJSON is what encoding/json writes for the report in the
// current schema: its rules section, and findings without what their
// rule's entry holds.
func referenceJSON(t *testing.T, r *findings.Report) []byte {
	t.Helper()
	v2 := *r
	v2.SchemaVersion = findings.SchemaVersion
	v2.RuleSection = findings.RuleSection(r.Findings)
	shared := findings.IndexRules(v2.RuleSection)
	v2.Findings = make([]findings.Finding, len(r.Findings))
	for i, f := range r.Findings {
		title, remediation, controls := shared.Shared(&f)
		if title {
			f.Title = ""
		}
		if remediation {
			f.Remediation = ""
		}
		if controls {
			f.Controls = nil
		}
		v2.Findings[i] = f
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&v2); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestJSONWriterMatchesEncodingJSON(t *testing.T) {
	tricky := []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rret", "ctl \x01\x1f", "<html> & 'amp'",
		"unicode é 日本 🙂", "bad utf8 \xff\xfe end", "sep \u2028 \u2029", "\x7f del"}
	var fs []findings.Finding
	for i, s := range tricky {
		f := findings.Finding{
			Fingerprint: s, RuleID: "NHI-X-" + s, Title: s, Category: findings.Dormant, Severity: findings.Severity(1 + i%5),
			Identity: findings.Identity{Provider: "aws", Account: s, ID: s, Name: s, Kind: s, Agent: i%2 == 0},
			Message:  s, Remediation: s, Evidence: findings.EvidenceList{}, Controls: []findings.Control{},
		}
		if i%2 == 1 {
			f.Credential = &findings.Credential{ID: s, Kind: s}
			f.Evidence = findings.EvidenceList{{Key: s, Value: s}, {Key: "k2" + s, Value: "v"}}
			f.Controls = []findings.Control{{Framework: s, ID: s}, {Framework: "owasp-nhi", ID: "NHI7"}}
			f.Status = findings.StatusNew
			f.Suppression = &findings.Suppression{Rule: s, Match: s, Reason: s, Owner: s, Expires: "2027-01-01"}
		}
		fs = append(fs, f)
	}
	// More findings of rule NHI-X-plain: one that shares its entry, one on
	// another provider (its own controls in the entry), one whose title,
	// remediation and controls differ from the entry (kept in the finding).
	plain := fs[1]
	gcp := plain
	gcp.Fingerprint, gcp.Identity.Provider, gcp.Controls = "gcp", "gcp", []findings.Control{{Framework: "cis-gcp", ID: "1.4"}}
	odd := plain
	odd.Fingerprint, odd.Title, odd.Remediation, odd.Controls = "odd", "other title", "other fix", []findings.Control{{Framework: "nist", ID: "AC-6"}}
	fs = append(fs, plain, gcp, odd)
	for _, r := range []*findings.Report{
		{SchemaVersion: "1", Tool: findings.Tool{Name: "nhiscan", Version: "test"}, AsOf: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Summary: findings.Summarize(fs, 3), Sources: []findings.Source{{Scanner: "aws", Scope: "1", Mode: "live", Status: "partial", Error: "e", Warnings: []string{"w"}}}, Findings: fs},
		{SchemaVersion: "1", Summary: findings.Summarize(nil, 0), Sources: []findings.Source{}, Findings: []findings.Finding{}},
	} {
		var got bytes.Buffer
		if err := writeJSON(&got, r); err != nil {
			t.Fatal(err)
		}
		want := referenceJSON(t, r)
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("writeJSON differs from encoding/json:\ngot:\n%s\nwant:\n%s", got.Bytes(), want)
		}
	}
}

func TestEvidenceKeepsOrder(t *testing.T) {
	in := findings.EvidenceList{{Key: "z", Value: "1"}, {Key: "a", Value: "2"}}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `{"z":"1","a":"2"}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var out findings.EvidenceList
	if err := json.Unmarshal(b, &out); err != nil || len(out) != 2 || out[0].Key != "z" || out[1].Value != "2" {
		t.Fatalf("unmarshal = %v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`["x"]`), &out); err == nil {
		t.Error("evidence array accepted")
	}
}

// TestAppendStringAsEncodingJSON checks appendString (and its fast path
// for strings that need no escape) against encoding/json with HTML
// escaping off, each special byte also at every place in a long string.
func TestAppendStringAsEncodingJSON(t *testing.T) {
	for _, special := range []string{"\"", "\\", "\x00", "\x1f", " ", "\x7f", "\x80", "é", "\u2028", "\xff", "!", "#", "[", "]"} {
		for at := 0; at <= 24; at++ {
			s := strings.Repeat("a", at) + special + strings.Repeat("b", 24-at)
			want, _ := json.Marshal(s)
			want = bytes.ReplaceAll(bytes.ReplaceAll(bytes.ReplaceAll(want, []byte(`\u003c`), []byte("<")), []byte(`\u003e`), []byte(">")), []byte(`\u0026`), []byte("&"))
			if got := appendString(nil, s); !bytes.Equal(got, want) {
				t.Errorf("appendString(%q) = %s, want %s", s, got, want)
			}
		}
	}
	for _, s := range []string{"", "plain", "arn:aws:iam::123456789012:role/a", `quote " inside`, `back\slash`, "tab\tnew\nline\r",
		"ctl\x01\x1f", "del\x7f", "é ü 日本", "bad \xff utf8", "line\u2028sep\u2029", "<html>&", "end\\", "\"", "ok then \x00",
		"arn:aws:iam::123456789012:role/a-long-plain-name-0123456789", "sixteen bytes ok"} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := string(appendString(nil, s)); got != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want.String())
		}
	}
}
