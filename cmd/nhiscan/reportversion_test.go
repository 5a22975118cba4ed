package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/output"
	"github.com/nhiscan/nhiscan/rules"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Reports of schema version 1, written by the demo scan before version 2
// (testdata/reports): the plain demo, and one with baseline states and
// suppressions (baseline: the demo itself; ignore file: demoIgnore).
const (
	v1Demo           = "../../testdata/reports/v1-demo.json"
	v1DemoSuppressed = "../../testdata/reports/v1-demo-baseline-suppressed.json"
	demoIgnore       = "version: 1\nsuppressions:\n  - rule: NHI-OWN-*\n    identity: \"*\"\n    reason: tagging project under way\n    owner: platform@example.com\n    expires: 2026-12-31\n"
)

var everyFormat = []string{"table", "json", "sarif", "csv", "markdown", "junit", "html"}

// A version 2 report writes what every finding of a rule shares once, in
// its rules section, and no finding repeats it.
func TestReportWritesRulesOnce(t *testing.T) {
	out := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--format", "json").stdout
	var doc struct {
		SchemaVersion string `json:"schema_version"`
		Rules         []map[string]json.RawMessage
		Findings      []map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != "2" || len(doc.Findings) == 0 {
		t.Fatalf("schema_version %q, %d findings", doc.SchemaVersion, len(doc.Findings))
	}
	entries := map[string]map[string][]findings.Control{}
	for _, r := range doc.Rules {
		var id string
		var controls map[string][]findings.Control
		json.Unmarshal(r["id"], &id)
		json.Unmarshal(r["controls"], &controls)
		if _, dup := entries[id]; dup {
			t.Errorf("rule %s listed twice", id)
		}
		if len(r["title"]) <= 2 || len(r["remediation"]) <= 2 {
			t.Errorf("rule %s without title or remediation: %v", id, r)
		}
		entries[id] = controls
	}
	used := map[string]bool{}
	for i, f := range doc.Findings {
		var rule, provider string
		json.Unmarshal(f["rule_id"], &rule)
		var identity struct{ Provider string }
		json.Unmarshal(f["identity"], &identity)
		provider = identity.Provider
		for _, k := range []string{"title", "remediation", "controls"} {
			if _, ok := f[k]; ok {
				t.Errorf("finding %d (%s) repeats its rule's %s", i+1, rule, k)
			}
		}
		cs, ok := entries[rule][provider]
		if !ok || len(cs) == 0 {
			t.Errorf("finding %d: rules has no controls of %s for %s", i+1, rule, provider)
		}
		used[rule] = true
	}
	if len(used) != len(entries) {
		t.Errorf("rules lists %d rules, the findings use %d", len(entries), len(used))
	}
	// A rule firing on both providers cites each provider's CIS benchmark.
	own := entries["NHI-STA-002"]
	if !hasFramework(own["aws"], "cis-aws-5.0.0") || hasFramework(own["aws"], "cis-gcp-3.0.0") || !hasFramework(own["gcp"], "cis-gcp-3.0.0") || hasFramework(own["gcp"], "cis-aws-5.0.0") {
		t.Errorf("NHI-STA-002 controls by provider: %v", own)
	}
}

func hasFramework(cs []findings.Control, fw string) bool {
	for _, c := range cs {
		if c.Framework == fw {
			return true
		}
	}
	return false
}

// A saved version 2 report re-renders as the scan itself prints, in every
// format.
func TestReportRerendersVersion2(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	v2 := filepath.Join(t.TempDir(), "v2.json")
	if r := runCLI(t, env, "scan", "--demo", "--format", "json", "--output", v2); r.code != 0 {
		t.Fatal(r.stderr)
	}
	for _, format := range everyFormat {
		scan := runCLI(t, env, "scan", "--demo", "--format", format)
		r := runCLI(t, env, "report", "--input", v2, "--format", format)
		if r.code != 0 || r.stdout != scan.stdout {
			t.Errorf("report --format %s of the saved report differs from the scan's output (exit %d %s)", format, r.code, r.stderr)
		}
	}
}

// The version 1 demo report re-renders as the demo scan printed it when it
// was written (testdata/golden/report-v1-demo.*, equal to that day's
// scan-demo.* goldens); as JSON it becomes a version 2 report.
func TestReportRerendersVersion1(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	for _, tc := range []struct{ format, golden string }{
		{"table", "table"}, {"json", "json"}, {"sarif", "sarif"}, {"csv", "csv"}, {"markdown", "md"}, {"junit", "junit.xml"},
	} {
		r := runCLI(t, env, "report", "--input", v1Demo, "--format", tc.format)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.format, r.code, r.stderr)
		}
		golden(t, "report-v1-demo."+tc.golden+".golden", []byte(r.stdout))
	}
}

// asVersion2 rewrites a version 1 report as version 2 without nhiscan's
// code: each rule's title, remediation and controls (by provider) from its
// first finding go into rules, and findings lose the ones equal to their
// rule's entry. Evidence stays as written, in its order.
func asVersion2(t *testing.T, v1 []byte) []byte {
	t.Helper()
	var doc map[string]json.RawMessage
	var fs []map[string]json.RawMessage
	if err := json.Unmarshal(v1, &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc["findings"], &fs); err != nil {
		t.Fatal(err)
	}
	type entry struct {
		ID          string                     `json:"id"`
		Title       json.RawMessage            `json:"title"`
		Remediation json.RawMessage            `json:"remediation"`
		Controls    map[string]json.RawMessage `json:"controls"`
	}
	var rules []*entry
	byID := map[string]*entry{}
	for _, f := range fs {
		var id string
		var identity struct{ Provider string }
		json.Unmarshal(f["rule_id"], &id)
		json.Unmarshal(f["identity"], &identity)
		e := byID[id]
		if e == nil {
			e = &entry{ID: id, Title: f["title"], Remediation: f["remediation"], Controls: map[string]json.RawMessage{}}
			byID[id] = e
			rules = append(rules, e)
		}
		if _, ok := e.Controls[identity.Provider]; !ok {
			e.Controls[identity.Provider] = f["controls"]
		}
		for k, v := range map[string]json.RawMessage{"title": e.Title, "remediation": e.Remediation, "controls": e.Controls[identity.Provider]} {
			if string(f[k]) == string(v) {
				delete(f, k)
			}
		}
	}
	doc["schema_version"] = json.RawMessage(`"2"`)
	doc["rules"], _ = json.Marshal(rules)
	doc["findings"], _ = json.Marshal(fs)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A version 1 report and the same report written as version 2 re-render
// the same in every format, with and without baseline states and
// suppressions.
func TestVersion1And2RenderTheSame(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	for _, v1 := range []string{v1Demo, v1DemoSuppressed} {
		data, err := os.ReadFile(v1)
		if err != nil {
			t.Fatal(err)
		}
		v2 := filepath.Join(dir, filepath.Base(v1))
		os.WriteFile(v2, asVersion2(t, data), 0o644)
		if strings.Contains(string(data), `"schema_version": "2"`) || strings.Count(readString(t, v2), `"title"`) >= strings.Count(string(data), `"title"`) {
			t.Fatalf("%s: the fixture is not version 1 or its rewrite kept the titles", v1)
		}
		for _, format := range [][]string{{"--format", "table"}, {"--format", "json"}, {"--format", "sarif"}, {"--format", "sarif", "--sarif-profile", "audit"}, {"--format", "csv"}, {"--format", "markdown"}, {"--format", "junit"}, {"--format", "html"}} {
			a := runCLI(t, env, append([]string{"report", "--input", v1}, format...)...)
			b := runCLI(t, env, append([]string{"report", "--input", v2}, format...)...)
			if a.code != 0 || b.code != 0 || a.stdout != b.stdout {
				t.Errorf("%s %v: version 1 and 2 render differently (exit %d/%d %s%s)", filepath.Base(v1), format, a.code, b.code, a.stderr, b.stderr)
			}
		}
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// merge, --baseline and controls --results read a version 1 report as they
// read the same report written as version 2; merge joins reports of both
// versions.
func TestVersion1ReportsReadEverywhere(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	data, err := os.ReadFile(v1Demo)
	if err != nil {
		t.Fatal(err)
	}
	v2 := filepath.Join(t.TempDir(), "v2.json")
	os.WriteFile(v2, asVersion2(t, data), 0o644)
	for _, format := range []string{"json", "table", "sarif"} {
		want := runCLI(t, env, "merge", v2, "--format", format)
		for _, inputs := range [][]string{{v1Demo}, {v1Demo, v2}, {v2, v1Demo}} {
			r := runCLI(t, env, append(append([]string{"merge"}, inputs...), "--format", format)...)
			if want.code != 0 || r.code != 0 || r.stdout != want.stdout {
				t.Errorf("merge %v --format %s differs from merging the version 2 report (exit %d %s)", inputs, format, r.code, r.stderr)
			}
		}
	}

	want := runCLI(t, env, "scan", "--demo", "--format", "json", "--baseline", v2)
	if r := runCLI(t, env, "scan", "--demo", "--format", "json", "--baseline", v1Demo); r.code != 0 || r.stdout != want.stdout || !strings.Contains(r.stdout, `"status": "unchanged"`) {
		t.Errorf("--baseline with the version 1 report: exit %d %s", r.code, r.stderr)
	}

	want = runCLI(t, env, "controls", "--results", v2, "--format", "json")
	if r := runCLI(t, env, "controls", "--results", v1Demo, "--format", "json"); r.code != 0 || r.stdout != want.stdout || !strings.Contains(r.stdout, `"status": "FAIL"`) {
		t.Errorf("controls --results of the version 1 report differs (exit %d %s)", r.code, r.stderr)
	}
}

// A report of a version this nhiscan does not know, with fields it does not
// know, is refused by every reader with one line naming the file and the
// version, exit 2.
func TestUnknownReportVersionRefused(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	good := runCLI(t, env, "scan", "--demo", "--format", "json").stdout
	future := strings.Replace(good, `"schema_version": "2",`, `"schema_version": "3",
  "rule_catalogue": {},`, 1)
	if future == good {
		t.Fatal("replacement not found")
	}
	p := filepath.Join(dir, "future.json")
	os.WriteFile(p, []byte(future), 0o644)
	for _, args := range [][]string{
		{"report", "--input", p},
		{"report", "--input", p, "--format", "sarif"},
		{"merge", v1Demo, p},
		{"scan", "--demo", "--baseline", p},
		{"controls", "--results", p},
	} {
		r := runCLI(t, env, args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 2 || r.stdout != "" || len(lines) != 1 || !strings.Contains(lines[0], p+": ") || !strings.Contains(lines[0], `schema_version "3" is not supported`) {
			t.Errorf("%v: exit %d, stdout %.80q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}

	// A version 2 report that lost a rule's entry names the finding.
	var doc map[string]any
	json.Unmarshal([]byte(good), &doc)
	doc["rules"] = doc["rules"].([]any)[1:]
	broken, _ := json.Marshal(doc)
	os.WriteFile(p, broken, 0o644)
	if r := runCLI(t, env, "report", "--input", p); r.code != 2 || !strings.Contains(r.stderr, p+": finding ") || !strings.Contains(r.stderr, "has no entry in the rules section") {
		t.Errorf("report without a rule's entry: exit %d, stderr %q", r.code, r.stderr)
	}
	delete(doc, "rules")
	broken, _ = json.Marshal(doc)
	os.WriteFile(p, broken, 0o644)
	if r := runCLI(t, env, "report", "--input", p); r.code != 2 || !strings.Contains(r.stderr, p+": no rules section") {
		t.Errorf("version 2 report without rules: exit %d, stderr %q", r.code, r.stderr)
	}
}

// Whatever a report file holds, reading it is one line of error or a report
// every format renders: never a panic.
func FuzzReadReport(f *testing.F) {
	// Seeds: the version 1 and 2 demo reports cut to a few findings (the
	// fuzzer slows to a crawl on inputs of a hundred kilobytes).
	small := func(doc []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			f.Fatal(err)
		}
		fs := m["findings"].([]any)
		m["findings"] = append(fs[:2:2], fs[len(fs)-1])
		if rs, ok := m["rules"].([]any); ok {
			m["rules"] = rs[:3]
		}
		out, _ := json.Marshal(m)
		return out
	}
	v1, err := os.ReadFile(v1DemoSuppressed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small(v1))
	var v2 bytes.Buffer
	if code := run(context.Background(), []string{"scan", "--demo", "--format", "json"}, &v2, io.Discard, testEnv(inventory.Inventory{})); code != 0 {
		f.Fatalf("demo scan: exit %d", code)
	}
	f.Add(small(v2.Bytes()))
	f.Add([]byte(`{"schema_version": "2", "rules": [{"id": "NHI-STA-001", "title": "t", "remediation": "r", "controls": {"aws": null}}], "sources": [], "findings": [{"fingerprint": "0123456789abcdef0123456789abcdef", "rule_id": "NHI-STA-001", "category": "static", "severity": "low", "identity": {"provider": "aws", "id": "u"}, "message": "m", "evidence": {}, "controls": null}]}`))
	catalogue := []findings.Rule{}
	for _, rule := range rules.All() {
		catalogue = append(catalogue, rules.Describe(rule))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := readReport(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of several lines: %q", err)
			}
			return
		}
		r.Rules = catalogue
		for _, format := range output.Formats {
			if err := output.Write(io.Discard, format, r, output.SARIFOptions{Profile: output.ProfileAudit}); err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("%s: error of several lines: %q", format, err)
			}
		}
	})
}
