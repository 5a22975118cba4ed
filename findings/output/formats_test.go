package output

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/findings"
)

const hostileName = `<script>alert(1)</script>|=cmd|' /C calc'!A0`

// auditReport has a hostile identity name, a suppressed finding, a
// baseline state, a disabled rule, a failed scope and a scan record.
func auditReport() *findings.Report {
	ctl := []findings.Control{{Framework: "owasp-nhi-2025", ID: "NHI5"}}
	fs := []findings.Finding{
		{Fingerprint: strings.Repeat("a", 32), RuleID: "NHI-OVB-001", Title: "Full administrator", Category: findings.Overbroad, Severity: findings.Critical,
			Identity: findings.Identity{Provider: "aws", Account: "111122223333", ID: "arn:aws:iam::111122223333:role/x", Name: hostileName, Kind: "aws.iam.role"},
			Message:  "=HYPERLINK(\"http://evil\")", Evidence: findings.EvidenceList{{Key: "path", Value: "x -[sts:AssumeRole]-> administrator"}}, Remediation: "-fix it", Controls: ctl, Status: findings.StatusNew},
		{Fingerprint: strings.Repeat("b", 32), RuleID: "NHI-OVB-001", Title: "Full administrator", Category: findings.Overbroad, Severity: findings.High,
			Identity: findings.Identity{Provider: "aws", Account: "111122223333", ID: "arn:aws:iam::111122223333:role/x", Name: "x", Kind: "aws.iam.role"},
			Message:  "second finding on the same identity", Evidence: findings.EvidenceList{}, Remediation: "r", Controls: ctl, Status: findings.StatusUnchanged},
		{Fingerprint: strings.Repeat("c", 32), RuleID: "NHI-STA-001", Title: "Old key", Category: findings.Static, Severity: findings.Medium,
			Identity:   findings.Identity{Provider: "aws", Account: "111122223333", ID: "arn:aws:iam::111122223333:user/u", Name: "u", Kind: "aws.iam.user"},
			Credential: &findings.Credential{ID: "AKIAEXAMPLE", Kind: "aws.access-key"},
			Message:    "@SUM(1+1) old key", Evidence: findings.EvidenceList{}, Remediation: "rotate", Controls: []findings.Control{{Framework: "owasp-nhi-2025", ID: "NHI7"}},
			Suppression: &findings.Suppression{Rule: "NHI-STA-*", Match: "*", Reason: "migration", Owner: "sec@example.com", Expires: "2027-01-31"}},
	}
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	return &findings.Report{
		SchemaVersion: "1", Tool: findings.Tool{Name: "nhiscan", Version: "v1.0.0"}, AsOf: t0,
		Summary: findings.Summarize(fs, 2),
		Scan: &findings.ScanInfo{Started: t0, Finished: t0.Add(1500 * time.Millisecond), RulesEnabled: []string{"NHI-OVB-001", "NHI-STA-001"},
			RulesDisabled: []string{"NHI-DEL-005"}, SeverityOverrides: map[string]string{"NHI-STA-001": "medium"}, Exclude: []string{"*breakglass*"},
			Thresholds: map[string]int{"key_unused_days": 45}, FailOn: "high"},
		Sources: []findings.Source{
			{Scanner: "aws", Scope: "111122223333", Mode: "live", Status: "ok", Principal: "arn:aws:sts::111122223333:assumed-role/audit/nhiscan"},
			{Scanner: "aws", Scope: "444455556666", Mode: "live", Status: "failed", Error: "sts:AssumeRole: AccessDenied"},
		},
		Findings: fs,
		Rules: []findings.Rule{
			{ID: "NHI-OVB-001", Title: "Full administrator", Providers: []string{"aws"}, Controls: ctl},
			{ID: "NHI-STA-001", Title: "Old key", Providers: []string{"aws"}, Controls: []findings.Control{{Framework: "owasp-nhi-2025", ID: "NHI7"}}},
			{ID: "NHI-DEL-005", Title: "Human use", Providers: []string{"aws"}, Controls: []findings.Control{{Framework: "owasp-nhi-2025", ID: "NHI10"}}},
			{ID: "NHI-OVB-101", Title: "GCP owner", Providers: []string{"gcp"}, Controls: []findings.Control{{Framework: "owasp-nhi-2025", ID: "NHI6"}}},
			{ID: "NHI-DOR-001", Title: "Unused role", Providers: []string{"aws"}, Controls: []findings.Control{{Framework: "owasp-nhi-2025", ID: "NHI1"}}},
		},
	}
}

func render(t *testing.T, f Format, r *findings.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, f, r, SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestJSONWriterKeepsScanRecord(t *testing.T) {
	r := auditReport()
	if got, want := render(t, JSON, r), string(referenceJSON(t, r)); got != want {
		t.Errorf("writeJSON differs from encoding/json with a scan record:\n%s\nwant\n%s", got, want)
	}
}

func TestCSV(t *testing.T) {
	out := render(t, CSV, auditReport())
	if !strings.Contains(out, "\r\n") || strings.Count(out, "\r\n") != strings.Count(out, "\n") {
		t.Error("rows do not end in CRLF (RFC 4180)")
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || len(recs[0]) != len(csvHeader) {
		t.Fatalf("%d records of %d fields", len(recs), len(recs[0]))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, tc := range []struct {
		row         int
		field, want string
	}{
		{1, "identity_name", hostileName},
		{1, "message", `'=HYPERLINK("http://evil")`},
		{1, "remediation", "'-fix it"},
		{3, "message", "'@SUM(1+1) old key"},
		{3, "credential_id", "AKIAEXAMPLE"},
		{3, "suppressed", "true"},
		{3, "suppression_owner", "sec@example.com"},
		{2, "status", "unchanged"},
		{1, "controls", "owasp-nhi-2025:NHI5"},
		{1, "evidence", "path=x -[sts:AssumeRole]-> administrator"},
	} {
		if got := recs[tc.row][col[tc.field]]; got != tc.want {
			t.Errorf("row %d %s = %q, want %q", tc.row, tc.field, got, tc.want)
		}
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
}

func TestMarkdown(t *testing.T) {
	out := render(t, Markdown, auditReport())
	for _, want := range []string{
		"**3 finding(s)** on 2 identities",
		"1 critical, 1 high, 1 medium, 0 low, 0 info",
		"| aws | 444455556666 | live | failed |  | sts:AssumeRole: AccessDenied |",
		"arn:aws:sts::111122223333:assumed\\-role/audit/nhiscan",
		"Disabled: NHI\\-DEL\\-005.",
		"&lt;script&gt;alert(1)&lt;/script&gt;\\|=cmd\\|",
		"suppressed until 2027-01-31 (migration)",
	} {
		if !strings.Contains(out, want) && !strings.Contains(out, strings.ReplaceAll(want, `\-`, "-")) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(out, "<script>") {
		t.Error("raw HTML in the markdown")
	}
	// Every findings row has exactly the table's five cells.
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| critical") || strings.HasPrefix(line, "| high") || strings.HasPrefix(line, "| medium") {
			rows++
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 6 {
				t.Errorf("row has %d cell separators: %s", n-1, line)
			}
		}
	}
	if rows != 3 {
		t.Errorf("%d finding rows", rows)
	}
}

// A huge report still fits a GitHub job summary, and says what it left out.
func TestMarkdownFitsJobSummary(t *testing.T) {
	r := auditReport()
	base := r.Findings[0]
	r.Findings = nil
	for i := 0; i < 20000; i++ {
		f := base
		f.Message = strings.Repeat("long message ", 10)
		r.Findings = append(r.Findings, f)
	}
	out := render(t, Markdown, r)
	if len(out) > githubSummaryMax {
		t.Errorf("markdown is %d bytes, GitHub keeps %d", len(out), githubSummaryMax)
	}
	if !strings.Contains(out, "more finding(s) not shown") {
		t.Error("the cut is not announced")
	}
}

// gitlabJUnit is the shape GitLab documents for unit test reports
// (docs.gitlab.com/ci/testing/unit_test_reports, "JUnit XML format
// specification"): the elements it parses, and the attributes each may
// carry, plus the usual counters.
var gitlabJUnit = map[string]map[string]bool{
	"testsuites": {"name": true, "tests": true, "failures": true, "errors": true, "skipped": true, "time": true},
	"testsuite":  {"name": true, "tests": true, "failures": true, "errors": true, "skipped": true, "time": true, "timestamp": true},
	"testcase":   {"classname": true, "name": true, "file": true, "time": true},
	"failure":    {"message": true, "type": true},
	"error":      {"message": true, "type": true},
	"skipped":    {"message": true},
}

var gitlabJUnitParent = map[string]string{"testsuites": "", "testsuite": "testsuites", "testcase": "testsuite", "failure": "testcase", "error": "testcase", "skipped": "testcase"}

// checkJUnit validates the document against that shape and checks the
// counters add up and testcase names are unique (GitLab drops repeats).
func checkJUnit(t *testing.T, doc string) junitSuites {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	var stack []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			attrs, ok := gitlabJUnit[e.Name.Local]
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			if !ok || gitlabJUnitParent[e.Name.Local] != parent {
				t.Fatalf("element <%s> under <%s> is not in GitLab's JUnit shape", e.Name.Local, parent)
			}
			for _, a := range e.Attr {
				if !attrs[a.Name.Local] {
					t.Errorf("<%s %s=...> is not in GitLab's JUnit shape", e.Name.Local, a.Name.Local)
				}
			}
			stack = append(stack, e.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	var d junitSuites
	if err := xml.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	tot := [4]int{}
	for _, s := range d.Suites {
		n := [4]int{len(s.Cases)}
		seen := map[string]bool{}
		for _, c := range s.Cases {
			k := c.Classname + "\x00" + c.Name
			if seen[k] {
				t.Errorf("duplicate testcase %q in %q (GitLab keeps only the first)", c.Name, c.Classname)
			}
			seen[k] = true
			switch {
			case c.Failure != nil:
				n[1]++
			case c.Error != nil:
				n[2]++
			case c.Skipped != nil:
				n[3]++
			}
		}
		if n != [4]int{s.Tests, s.Failures, s.Errors, s.Skipped} {
			t.Errorf("suite %q counts %v, has %v", s.Name, [4]int{s.Tests, s.Failures, s.Errors, s.Skipped}, n)
		}
		for i := range tot {
			tot[i] += n[i]
		}
	}
	if tot != [4]int{d.Tests, d.Failures, d.Errors, d.Skipped} {
		t.Errorf("testsuites counts %v, has %v", [4]int{d.Tests, d.Failures, d.Errors, d.Skipped}, tot)
	}
	return d
}

func TestJUnit(t *testing.T) {
	out := render(t, JUnit, auditReport())
	d := checkJUnit(t, out)
	if d.Failures != 2 || d.Skipped != 2 || d.Errors != 1 {
		t.Errorf("failures %d skipped %d errors %d, want 2 unsuppressed findings, 1 suppressed + 1 disabled rule, 1 failed scope", d.Failures, d.Skipped, d.Errors)
	}
	want := map[string]string{
		"NHI-DEL-005 Human use/rule disabled":                                                         "skipped",
		"NHI-OVB-101 GCP owner/no findings":                                                           "pass",
		"NHI-STA-001 Old key/arn:aws:iam::111122223333:user/u credential AKIAEXAMPLE":                 "skipped",
		"NHI-OVB-001 Full administrator/arn:aws:iam::111122223333:role/x":                             "failure",
		"scanned scopes/aws 444455556666":                                                             "error",
		"scanned scopes/aws 111122223333":                                                             "pass",
		"NHI-OVB-001 Full administrator/arn:aws:iam::111122223333:role/x #" + strings.Repeat("b", 32): "failure",
	}
	got := map[string]string{}
	for _, s := range d.Suites {
		for _, c := range s.Cases {
			st := "pass"
			switch {
			case c.Failure != nil:
				st = "failure"
			case c.Error != nil:
				st = "error"
			case c.Skipped != nil:
				st = "skipped"
			}
			got[c.Classname+"/"+c.Name] = st
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;") && strings.Contains(out, "<script>") {
		t.Error("hostile name not escaped")
	}
	if d.Time != "1.500" {
		t.Errorf("time %q", d.Time)
	}
}

func TestCompliance(t *testing.T) {
	c := BuildCompliance(auditReport(), "owasp-nhi-2025", true)
	got := map[string]string{}
	for _, ctl := range c.Frameworks[0].Controls {
		got[ctl.ID] = ctl.Status + "/" + ctl.Reason + "/" + fmt.Sprint(ctl.Open, ctl.Suppressed)
	}
	for id, want := range map[string]string{
		"NHI5":  "FAIL//2 0",                                              // two open findings
		"NHI7":  "PASS//0 1",                                              // its only finding is suppressed
		"NHI10": "NOT TESTED/its rules were disabled/0 0",                 // NHI-DEL-005 disabled
		"NHI6":  "NOT TESTED/no provider its rules cover was scanned/0 0", // gcp not scanned
		"NHI1":  "PASS//0 0",                                              // ran on aws, nothing found
		"NHI2":  "NOT TESTED/no rule tests it/0 0",
	} {
		if got[id] != want {
			t.Errorf("%s: %s, want %s", id, got[id], want)
		}
	}
	fw := c.Frameworks[0]
	if fw.Pass != 2 || fw.Fail != 1 || fw.NotTested != len(fw.Controls)-3 {
		t.Errorf("counts pass %d fail %d not tested %d of %d", fw.Pass, fw.Fail, fw.NotTested, len(fw.Controls))
	}
	var b bytes.Buffer
	if err := WriteCompliance(&b, CSV, c); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != len(fw.Controls)+1 || recs[0][4] != "status" {
		t.Fatalf("compliance CSV: %v %v", err, recs)
	}
	b.Reset()
	WriteCompliance(&b, Markdown, c)
	if !strings.Contains(b.String(), "| NOT TESTED (its rules were disabled) | NHI10 |") || !strings.Contains(b.String(), "**2 PASS**, **1 FAIL**") {
		t.Errorf("compliance markdown:\n%s", b.String())
	}
	if err := WriteCompliance(&b, SARIF, c); err == nil {
		t.Error("the matrix accepted sarif")
	}
}

// Every format renders an empty report, and one written before the scan
// record existed, without failing.
func TestFormatsRenderSparseReports(t *testing.T) {
	empty := &findings.Report{SchemaVersion: "1", Summary: findings.Summarize(nil, 0)}
	legacy := auditReport()
	legacy.Scan = nil
	for _, r := range []*findings.Report{empty, legacy} {
		for _, f := range Formats {
			var b bytes.Buffer
			if err := Write(&b, f, r, SARIFOptions{Profile: ProfileAudit}); err != nil || b.Len() == 0 {
				t.Errorf("%s: %v (%d bytes)", f, err, b.Len())
			}
		}
	}
	if out := render(t, JUnit, legacy); !strings.Contains(out, `name="no findings"`) || strings.Contains(out, "rule disabled") {
		t.Error("without a scan record no rule is known to be disabled")
	}
	if out := render(t, HTML, legacy); !strings.Contains(out, "predates the scan record") {
		t.Error("the page does not say the scan's settings are unknown")
	}
}
