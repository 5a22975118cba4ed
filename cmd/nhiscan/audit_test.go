package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/rules"
	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// sarifDoc is the part of a SARIF log the audit tests read.
type sarifDoc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Version string `json:"version"`
				Rules   []struct {
					ID string `json:"id"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			StartTimeUTC string         `json:"startTimeUtc"`
			EndTimeUTC   string         `json:"endTimeUtc"`
			Account      string         `json:"account"`
			Properties   map[string]any `json:"properties"`
		} `json:"invocations"`
		Results []struct {
			RuleID        string `json:"ruleId"`
			BaselineState string `json:"baselineState"`
			Suppressions  []any  `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

func decodeSARIF(t *testing.T, s string) sarifDoc {
	t.Helper()
	var d sarifDoc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("SARIF: %v", err)
	}
	return d
}

// The report records what was and was not checked: rule set, exclusions,
// overrides, thresholds, the gate and when the scan ran; SARIF does not
// list a disabled rule as if it ran and carries the same facts.
func TestReportRecordsWhatWasChecked(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("thresholds:\n  key_unused_days: 30\nrules:\n  disable: [NHI-DEL-004, NHI-OWN-001]\n  severity:\n    NHI-STA-001: low\nexclude:\n  - \"arn:aws:iam::*:role/breakglass-*\"\n"), 0o644)
	env := testEnv(inventory.Inventory{})
	r := runCLI(t, env, "scan", "--demo", "--config", cfg, "--format", "json", "--fail-on", "critical")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	s := rep.Scan
	if s == nil {
		t.Fatal("no scan record in the JSON report")
	}
	if !slices.Equal(s.RulesDisabled, []string{"NHI-DEL-004", "NHI-OWN-001"}) || slices.Contains(s.RulesEnabled, "NHI-DEL-004") || !slices.Contains(s.RulesEnabled, "NHI-STA-001") {
		t.Errorf("rules: enabled %v disabled %v", s.RulesEnabled, s.RulesDisabled)
	}
	if s.SeverityOverrides["NHI-STA-001"] != "low" || !slices.Equal(s.Exclude, []string{"arn:aws:iam::*:role/breakglass-*"}) ||
		s.Thresholds["key_unused_days"] != 30 || s.Thresholds["role_unused_days"] != 90 || s.FailOn != "critical" {
		t.Errorf("settings: %+v", s)
	}
	if want := env.now(); !s.Started.Equal(want) || !s.Finished.Equal(want) {
		t.Errorf("times %v %v, want %v", s.Started, s.Finished, want)
	}

	sr := runCLI(t, env, "scan", "--demo", "--config", cfg, "--format", "sarif")
	keepSARIF(t, "disabled-rules.sarif", sr.stdout)
	doc := decodeSARIF(t, sr.stdout)
	for _, run := range doc.Runs {
		for _, rule := range run.Tool.Driver.Rules {
			if rule.ID == "NHI-DEL-004" || rule.ID == "NHI-OWN-001" {
				t.Errorf("disabled rule %s listed in tool.driver.rules", rule.ID)
			}
		}
		inv := run.Invocations[0]
		dis, _ := inv.Properties["rulesDisabled"].([]any)
		if len(dis) != 2 || dis[0] != "NHI-DEL-004" || inv.Properties["failOn"] != "none" || inv.StartTimeUTC != "2026-11-20T00:00:00.000Z" {
			t.Errorf("invocation properties %v, start %q", inv.Properties, inv.StartTimeUTC)
		}
	}
}

// A live scan records the identity it ran as, in JSON and in SARIF.
func TestLiveScanRecordsPrincipal(t *testing.T) {
	awstest.New(t)
	r := runCLI(t, liveEnv(), "scan", "aws", "--format", "json", "--as-of", "2024-06-01T00:00:00Z")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	const want = "arn:aws:sts::111111111111:assumed-role/audit/nhiscan"
	if len(rep.Sources) != 1 || rep.Sources[0].Principal != want {
		t.Errorf("sources %+v, want principal %s", rep.Sources, want)
	}
	r = runCLI(t, liveEnv(), "scan", "aws", "--format", "sarif", "--as-of", "2024-06-01T00:00:00Z")
	if doc := decodeSARIF(t, r.stdout); doc.Runs[0].Invocations[0].Account != want {
		t.Errorf("SARIF invocation account %q", doc.Runs[0].Invocations[0].Account)
	}
}

// report re-renders a saved report exactly: states, suppressions, times
// and the tool version are the saved ones, whatever the clock, the
// version or the ignore file in the directory say now.
func TestReportRerendersExactly(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "b.json")
	ignore := filepath.Join(dir, "i.yaml")
	saved := filepath.Join(dir, "r.json")
	os.WriteFile(ignore, []byte("version: 1\nsuppressions:\n  - rule: NHI-OWN-*\n    identity: \"*\"\n    reason: tagging under way\n    owner: platform@example.com\n    expires: 2026-12-31\n"), 0o644)
	then := testEnv(inventory.Inventory{})
	runCLI(t, then, "scan", "--demo", "--write-baseline", base)
	args := []string{"--demo", "--baseline", base, "--ignore-file", ignore, "--sarif-profile", "audit"}
	if r := runCLI(t, then, append([]string{"scan", "--format", "json", "--output", saved}, args...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	scanSARIF := runCLI(t, then, append([]string{"scan", "--format", "sarif"}, args...)...).stdout
	orig, _ := os.ReadFile(saved)
	if !strings.Contains(string(orig), `"status": "unchanged"`) || !strings.Contains(string(orig), `"suppression": {`) {
		t.Fatal("the saved report lacks states or suppressions to keep")
	}

	later := testEnv(inventory.Inventory{})
	later.now = func() time.Time { return time.Date(2027, 2, 3, 4, 5, 6, 0, time.UTC) }
	r := runCLI(t, later, "report", "--input", saved, "--format", "json")
	if r.code != 0 || r.stdout != string(orig) {
		t.Errorf("report --format json is not the saved report (exit %d %s)", r.code, r.stderr)
	}
	r = runCLI(t, later, "report", "--input", saved, "--format", "sarif", "--sarif-profile", "audit")
	if r.code != 0 || r.stdout != scanSARIF {
		t.Errorf("report --format sarif differs from the scan's SARIF (exit %d %s)", r.code, r.stderr)
	}

	// The saved tool version is the one reported.
	other := filepath.Join(dir, "v.json")
	os.WriteFile(other, []byte(strings.Replace(string(orig), `"version": "test"`, `"version": "v1.2.3"`, 1)), 0o644)
	r = runCLI(t, later, "report", "--input", other, "--format", "sarif")
	if doc := decodeSARIF(t, r.stdout); r.code != 0 || doc.Runs[0].Tool.Driver.Version != "1.2.3" {
		t.Errorf("driver version %q (exit %d %s)", doc.Runs[0].Tool.Driver.Version, r.code, r.stderr)
	}

	// A report from before the scan record: no times are invented.
	var old map[string]any
	json.Unmarshal(orig, &old)
	delete(old, "scan")
	legacy := filepath.Join(dir, "legacy.json")
	b, _ := json.Marshal(old)
	os.WriteFile(legacy, b, 0o644)
	r = runCLI(t, later, "report", "--input", legacy, "--format", "sarif")
	if doc := decodeSARIF(t, r.stdout); r.code != 0 || doc.Runs[0].Invocations[0].StartTimeUTC != "" {
		t.Errorf("a report without a scan record got start time %q (exit %d %s)", doc.Runs[0].Invocations[0].StartTimeUTC, r.code, r.stderr)
	}

	// An explicit --ignore-file decides suppressions anew.
	empty := filepath.Join(dir, "e.yaml")
	os.WriteFile(empty, []byte("version: 1\nsuppressions: []\n"), 0o644)
	r = runCLI(t, later, "report", "--input", saved, "--format", "json", "--ignore-file", empty)
	if rep := decodeReport(t, r.stdout); r.code != 0 || rep.Summary.Suppressed != 0 {
		t.Errorf("--ignore-file did not replace the saved suppressions: %d suppressed", rep.Summary.Suppressed)
	}
}

// Reports are checked on input: a bad field is one line naming the file
// and the finding, exit 2, never a panic.
func TestReportValidatesInput(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	good := runCLI(t, env, "scan", "--demo", "--format", "json").stdout
	rep := decodeReport(t, good)
	fp := rep.Findings[0].Fingerprint
	dir := t.TempDir()
	for _, tc := range []struct{ name, from, to, want string }{
		{"short_fingerprint", `"fingerprint": "` + fp + `"`, `"fingerprint": "abc"`, `finding 1: fingerprint "abc" is not 32 hex digits`},
		{"bad_status", `"status": "ok"`, `"status": "fine"`, `source 1: unknown status "fine"`},
		{"bad_category", `"category": "` + rep.Findings[0].Category + `"`, `"category": "misc"`, `finding 1: unknown category "misc"`},
		{"disabled_rule_with_finding", `"rules_disabled": []`, `"rules_disabled": ["` + rep.Findings[0].RuleID + `"]`, "finding 1: rule " + rep.Findings[0].RuleID + " is listed as disabled but has a finding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(good, tc.from, tc.to, 1)
			if doc == good {
				t.Fatalf("replacement %q not found", tc.from)
			}
			p := filepath.Join(dir, tc.name+".json")
			os.WriteFile(p, []byte(doc), 0o644)
			for _, format := range []string{"sarif", "json", "table"} {
				r := runCLI(t, env, "report", "--input", p, "--format", format)
				if r.code != 2 || !strings.Contains(r.stderr, p+": "+tc.want) || strings.Contains(r.stderr, "goroutine") {
					t.Errorf("%s: exit %d, stderr %q", format, r.code, r.stderr)
				}
			}
		})
	}
}

func TestGoldenReportFormats(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	saved := filepath.Join(t.TempDir(), "r.json")
	if r := runCLI(t, env, "scan", "--demo", "--format", "json", "--output", saved); r.code != 0 {
		t.Fatal(r.stderr)
	}
	for _, tc := range []struct{ file, args string }{
		{"scan-demo.csv", "scan --demo --format csv"},
		{"scan-demo.md", "scan --demo --format markdown"},
		{"scan-demo.junit.xml", "scan --demo --format junit"},
		{"controls-results.txt", "controls --results " + saved},
		{"controls-results-nhi.md", "controls --results " + saved + " --framework owasp-nhi-2025 --format markdown"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r := runCLI(t, env, strings.Fields(tc.args)...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			golden(t, tc.file+".golden", []byte(r.stdout))
		})
	}
}

// controls --results: PASS, FAIL and NOT TESTED follow the scan's rule
// set, suppressions and scanned providers, in every format.
func TestControlsResults(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("rules:\n  disable: [NHI-DEL-005]\n"), 0o644)
	ignore := filepath.Join(dir, "i.yaml")
	os.WriteFile(ignore, []byte("version: 1\nsuppressions:\n  - rule: NHI-DEL-00*\n    identity: \"*\"\n    reason: vendor roles reviewed\n    owner: sec@example.com\n    expires: 2026-12-31\n  - rule: NHI-DEL-102\n    identity: \"*\"\n    reason: vendor roles reviewed\n    owner: sec@example.com\n    expires: 2026-12-31\n  - rule: NHI-DEL-303\n    identity: \"*\"\n    reason: vendor apps reviewed\n    owner: sec@example.com\n    expires: 2026-12-31\n  - rule: NHI-STA-302\n    identity: \"*\"\n    reason: vendor apps reviewed\n    owner: sec@example.com\n    expires: 2026-12-31\n"), 0o644)
	saved := filepath.Join(dir, "r.json")
	if r := runCLI(t, env, "scan", "--demo", "--config", cfg, "--ignore-file", ignore, "--format", "json", "--output", saved); r.code != 0 {
		t.Fatal(r.stderr)
	}
	gcpOnly := filepath.Join(dir, "gcp.json")
	if r := runCLI(t, env, "scan", "--input", "demo/gcp", "--as-of", "2026-11-01T00:00:00Z", "--format", "json", "--output", gcpOnly); r.code != 0 {
		t.Fatal(r.stderr)
	}
	type state struct {
		ID     string
		Status string
		Reason string
		Open   int `json:"open_findings"`
	}
	matrix := func(report string) map[string]state {
		r := runCLI(t, env, "controls", "--results", report, "--framework", "owasp-nhi-2025", "--format", "json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var c struct{ Frameworks []struct{ Controls []state } }
		if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
			t.Fatal(err)
		}
		out := map[string]state{}
		for _, ctl := range c.Frameworks[0].Controls {
			out[ctl.ID] = ctl
		}
		return out
	}
	m := matrix(saved)
	if s := m["NHI10"]; s.Status != "NOT TESTED" || s.Reason != "its rules were disabled" {
		t.Errorf("NHI10 (only NHI-DEL-005) = %+v", s)
	}
	if s := m["NHI3"]; s.Status != "PASS" {
		t.Errorf("NHI3 (all findings suppressed) = %+v", s)
	}
	if s := m["NHI1"]; s.Status != "FAIL" || s.Open == 0 {
		t.Errorf("NHI1 = %+v", s)
	}
	if s := m["NHI2"]; s.Status != "NOT TESTED" || s.Reason != "no rule tests it" {
		t.Errorf("NHI2 = %+v", s)
	}
	if s := matrix(gcpOnly)["NHI10"]; s.Status != "NOT TESTED" || s.Reason != "no provider its rules cover was scanned" {
		t.Errorf("NHI10 on a GCP-only scan = %+v", s)
	}

	r := runCLI(t, env, "controls", "--results", saved, "--framework", "owasp-nhi-2025")
	if !strings.Contains(r.stdout, "NOT TESTED  NHI10  Human Use of NHI (its rules were disabled)") || !strings.Contains(r.stdout, " PASS, ") {
		t.Errorf("table:\n%s", r.stdout)
	}
	r = runCLI(t, env, "controls", "--results", saved, "--format", "csv")
	if !strings.HasPrefix(r.stdout, "framework,control,title,rules,status,open_findings,suppressed_findings,reason\r\n") || !strings.Contains(r.stdout, "owasp-nhi-2025,NHI10,Human Use of NHI,NHI-DEL-005,NOT TESTED,0,0,its rules were disabled\r\n") {
		t.Errorf("csv:\n%s", r.stdout)
	}
	r = runCLI(t, env, "controls", "--results", saved, "--format", "markdown")
	if !strings.Contains(r.stdout, "| NOT TESTED (its rules were disabled) | NHI10 | Human Use of NHI |") {
		t.Errorf("markdown:\n%s", r.stdout)
	}
	for _, args := range [][]string{
		{"controls", "--format", "sarif"},
		{"controls", "--results", filepath.Join(dir, "missing.json")},
		{"controls", "--results", cfg},
	} {
		if r := runCLI(t, env, args...); r.code != 2 || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q", args, r.code, len(r.stdout), r.stderr)
		}
	}
}

// The README's GitLab recipe, run as written (the live scan replaced by
// the demo): its JUnit report is the file artifacts:reports:junit names,
// and holds one failed test per open finding.
func TestREADMEGitLabRecipe(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(data), "### GitLab CI\n")
	_, block, _ := strings.Cut(section, "```yaml\n")
	block, _, _ = strings.Cut(block, "```")
	var job map[string]struct {
		Script      []string `yaml:"script"`
		AfterScript []string `yaml:"after_script"`
		Artifacts   struct {
			Reports struct {
				JUnit string `yaml:"junit"`
			} `yaml:"reports"`
		} `yaml:"artifacts"`
	}
	if err := yaml.Unmarshal([]byte(block), &job); err != nil {
		t.Fatalf("README GitLab recipe: %v", err)
	}
	recipe := job["nhiscan"]
	if recipe.Artifacts.Reports.JUnit == "" {
		t.Fatal("the GitLab recipe uploads no artifacts:reports:junit")
	}
	t.Chdir(t.TempDir())
	env := testEnv(inventory.Inventory{})
	os.Mkdir(".nhiscan", 0o755) // the committed baseline's directory
	if r := runCLI(t, env, "scan", "--demo", "--write-baseline", ".nhiscan/baseline.json"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	ran := 0
	for _, line := range append(recipe.Script, recipe.AfterScript...) {
		if !strings.HasPrefix(line, "nhiscan ") {
			continue
		}
		args := strings.Fields(strings.Replace(line, "scan aws", "scan --demo", 1))[1:]
		if r := runCLI(t, env, args...); r.code != 0 {
			t.Errorf("%s: exit %d: %s", line, r.code, r.stderr)
		}
		ran++
	}
	out, err := os.ReadFile(recipe.Artifacts.Reports.JUnit)
	if err != nil || ran < 2 {
		t.Fatalf("ran %d nhiscan commands; %v", ran, err)
	}
	var suites struct {
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out, &suites); err != nil {
		t.Fatal(err)
	}
	rep := decodeReport(t, runCLI(t, env, "scan", "--demo", "--format", "json").stdout)
	if suites.Failures != rep.Summary.Total-rep.Summary.Suppressed || len(suites.Suites) == 0 {
		t.Errorf("JUnit report has %d failures, the scan %d open findings", suites.Failures, rep.Summary.Total-rep.Summary.Suppressed)
	}
}

// A rule the run's catalogue leaves out (as a command-line filter does)
// is recorded as disabled, like one the config turns off.
func TestScanInfoRuleSet(t *testing.T) {
	cfg := rules.DefaultConfig(time.Now())
	cfg.Disabled = map[string]bool{"NHI-OWN-001": true}
	var catalogue []rules.Rule
	for _, r := range rules.All() {
		if r.Meta().ID != "NHI-DEL-004" {
			catalogue = append(catalogue, r)
		}
	}
	s := scanInfo(&cfg, catalogue, "", findings.High, time.Now())
	if !slices.Equal(s.RulesDisabled, []string{"NHI-DEL-004", "NHI-OWN-001"}) || len(s.RulesEnabled)+2 != len(rules.All()) || s.FailOn != "high" {
		t.Errorf("enabled %d, disabled %v, fail_on %s", len(s.RulesEnabled), s.RulesDisabled, s.FailOn)
	}
}
