package findings

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// sectionFindings are findings of two rules, one of them on two providers
// with different controls, and one finding whose texts differ from its
// rule's first finding.
func sectionFindings() []Finding {
	awsCtl := []Control{{Framework: "owasp-nhi-2025", ID: "NHI7"}, {Framework: "cis-aws-5.0.0", ID: "1.12"}}
	gcpCtl := []Control{{Framework: "owasp-nhi-2025", ID: "NHI7"}, {Framework: "cis-gcp-3.0.0", ID: "1.4"}}
	f := func(fp, rule, provider string, ctl []Control) Finding {
		return Finding{Fingerprint: fp, RuleID: rule, Title: "title of " + rule, Category: Static, Severity: Medium,
			Identity: Identity{Provider: provider, ID: fp}, Message: "m", Evidence: EvidenceList{},
			Remediation: "fix " + rule, Controls: ctl}
	}
	fs := []Finding{
		f("a", "NHI-STA-002", "aws", awsCtl),
		f("b", "NHI-STA-001", "aws", awsCtl),
		f("c", "NHI-STA-001", "gcp", gcpCtl),
		f("d", "NHI-STA-001", "aws", append([]Control(nil), awsCtl...)), // equal, not shared
		f("e", "NHI-STA-001", "aws", []Control{}),
	}
	fs[4].Title, fs[4].Remediation = "another title", "another fix"
	return fs
}

func TestRuleSectionHoldsEachRuleOnce(t *testing.T) {
	fs := sectionFindings()
	got := RuleSection(fs)
	want := []ReportRule{
		{ID: "NHI-STA-001", Title: "title of NHI-STA-001", Remediation: "fix NHI-STA-001", Controls: map[string][]Control{"aws": fs[1].Controls, "gcp": fs[2].Controls}},
		{ID: "NHI-STA-002", Title: "title of NHI-STA-002", Remediation: "fix NHI-STA-002", Controls: map[string][]Control{"aws": fs[0].Controls}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("RuleSection =\n%+v\nwant\n%+v", got, want)
	}
	x := IndexRules(got)
	for i, want := range [][3]bool{{true, true, true}, {true, true, true}, {true, true, true}, {true, true, true}, {false, false, false}} {
		title, remediation, controls := x.Shared(&fs[i])
		if [3]bool{title, remediation, controls} != want {
			t.Errorf("finding %s: shared = %v %v %v, want %v", fs[i].Fingerprint, title, remediation, controls, want)
		}
	}
}

// A report written the way the JSON writer writes it (shared fields left
// out of the findings) reads back into the findings it was made of.
func TestExpandRulesRestoresFindings(t *testing.T) {
	fs := sectionFindings()
	r := Report{SchemaVersion: SchemaVersion, RuleSection: RuleSection(fs)}
	x := IndexRules(r.RuleSection)
	for _, f := range fs {
		title, remediation, controls := x.Shared(&f)
		if title {
			f.Title = ""
		}
		if remediation {
			f.Remediation = ""
		}
		if controls {
			f.Controls = nil
		}
		r.Findings = append(r.Findings, f)
	}
	// The last finding keeps its empty controls list: the JSON writer
	// writes "controls": [] for it, which decodes to an empty slice.
	data, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), `"message":"m","evidence":{},"remediation":"another fix"`, `"message":"m","evidence":{},"remediation":"another fix","controls":[]`, 1))
	var back Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Findings[0].Title != "" || back.Findings[0].Controls != nil {
		t.Fatalf("the written finding still carries its rule's fields: %+v", back.Findings[0])
	}
	if err := back.ExpandRules(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Findings, fs) {
		t.Errorf("expanded findings =\n%+v\nwant\n%+v", back.Findings, fs)
	}
}

func TestExpandRulesRefusesAnIncompleteSection(t *testing.T) {
	base := func() Report {
		fs := sectionFindings()[:3]
		r := Report{RuleSection: RuleSection(fs)}
		for _, f := range fs {
			f.Title, f.Remediation, f.Controls = "", "", nil
			r.Findings = append(r.Findings, f)
		}
		return r
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Report)
		error string
	}{
		{"missing rule", func(r *Report) { r.RuleSection = r.RuleSection[:1] }, `finding 1: rule "NHI-STA-002" has no entry in the rules section`},
		{"missing provider", func(r *Report) { delete(r.RuleSection[0].Controls, "gcp") }, `finding 3: the rules section has no controls of NHI-STA-001 for provider "gcp"`},
		{"duplicate rule", func(r *Report) { r.RuleSection = append(r.RuleSection, r.RuleSection[0]) }, "rules: NHI-STA-001 is listed twice"},
	} {
		r := base()
		if err := r.ExpandRules(); err != nil {
			t.Fatalf("complete section refused: %v", err)
		}
		r = base()
		tc.edit(&r)
		if err := r.ExpandRules(); err == nil || err.Error() != tc.error {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.error)
		}
	}
}

func TestCheckSchemaVersion(t *testing.T) {
	for _, v := range []string{"1", "2", SchemaVersion} {
		if err := CheckSchemaVersion(v); err != nil {
			t.Errorf("%q refused: %v", v, err)
		}
	}
	for v, want := range map[string]string{
		"3":   `schema_version "3" is not supported: this nhiscan reads report versions 1 and 2`,
		"1.1": `schema_version "1.1" is not supported`,
		"":    "no schema_version",
	} {
		if err := CheckSchemaVersion(v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", v, err, want)
		}
	}
}

// An earlier report serves as a baseline whatever version it is; a report
// of a version this program does not know is refused by its version.
func TestParseBaselineReportVersions(t *testing.T) {
	v1 := `{"schema_version": "1", "as_of": "2026-11-01T00:00:00Z", "findings": [{"fingerprint": "0123456789abcdef0123456789abcdef", "rule_id": "NHI-STA-001", "title": "t", "category": "static", "severity": "medium", "identity": {"provider": "aws", "account": "1", "id": "u", "name": "u", "kind": "aws.iam.user", "agent": false}, "message": "m", "evidence": {}, "remediation": "r", "controls": []}]}`
	v2 := `{"schema_version": "2", "as_of": "2026-11-01T00:00:00Z", "rules": [{"id": "NHI-STA-001", "title": "t", "remediation": "r", "controls": {"aws": []}}], "findings": [{"fingerprint": "0123456789abcdef0123456789abcdef", "rule_id": "NHI-STA-001", "category": "static", "severity": "medium", "identity": {"provider": "aws", "account": "1", "id": "u", "name": "u", "kind": "aws.iam.user", "agent": false}, "message": "m", "evidence": {}}]}`
	for name, doc := range map[string]string{"v1": v1, "v2": v2} {
		b, err := ParseBaseline([]byte(doc))
		if err != nil || len(b.Findings) != 1 || b.Findings[0].Severity != Medium || b.Findings[0].RuleID != "NHI-STA-001" {
			t.Errorf("%s: baseline %+v, %v", name, b, err)
		}
	}
	v3 := strings.Replace(v2, `"schema_version": "2"`, `"schema_version": "3"`, 1)
	if _, err := ParseBaseline([]byte(v3)); err == nil || !strings.Contains(err.Error(), `schema_version "3" is not supported`) {
		t.Errorf("version 3 report as a baseline: %v", err)
	}
}
