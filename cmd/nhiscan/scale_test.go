package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func TestSeverityFiltersEveryFormat(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	all := runCLI(t, env, "scan", "--demo", "--format", "json")
	var full struct {
		Summary  struct{ Total int }
		Findings []struct{ Severity string }
	}
	if err := json.Unmarshal([]byte(all.stdout), &full); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, f := range full.Findings {
		if f.Severity == "critical" || f.Severity == "high" {
			want++
		}
	}
	if want == 0 || want == len(full.Findings) {
		t.Fatalf("the demo should have findings both in and out of the filter (%d of %d)", want, len(full.Findings))
	}

	r := runCLI(t, env, "scan", "--demo", "--format", "json", "--severity", "HIGH,critical")
	var got struct {
		Summary  struct{ Total int }
		Findings []struct{ Severity string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Findings) != want || got.Summary.Total != want {
		t.Errorf("json: %d findings, summary %d, want %d", len(got.Findings), got.Summary.Total, want)
	}
	for _, f := range got.Findings {
		if f.Severity != "critical" && f.Severity != "high" {
			t.Errorf("json lists a %s finding", f.Severity)
		}
	}
	if !strings.Contains(r.stderr, "--severity critical,high: ") {
		t.Errorf("stderr does not say what was left out: %q", r.stderr)
	}

	r = runCLI(t, env, "scan", "--demo", "--format", "sarif", "--severity", "critical", "--severity", "high")
	var log struct {
		Runs []struct {
			Results []struct {
				Properties struct{ Severity string }
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, run := range log.Runs {
		for _, res := range run.Results {
			n++
			if s := res.Properties.Severity; s != "critical" && s != "high" {
				t.Errorf("sarif lists a %s result", s)
			}
		}
	}
	if n != want {
		t.Errorf("sarif: %d results, want %d", n, want)
	}

	r = runCLI(t, env, "scan", "--demo", "--severity", "low")
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "| critical") || strings.HasPrefix(line, "| high") || strings.HasPrefix(line, "| medium") {
			t.Errorf("table lists %q", line)
		}
	}
	// --fail-on still counts every finding.
	r = runCLI(t, env, "scan", "--demo", "--format", "json", "--severity", "low", "--fail-on", "critical")
	if r.code != exitFindings {
		t.Errorf("--fail-on critical with --severity low: exit %d, want 1", r.code)
	}
	r = runCLI(t, env, "scan", "--demo", "--severity", "urgent")
	if r.code != exitUsage || !strings.Contains(r.stderr, `--severity: want a comma list of critical, high, medium, low, info, got "urgent"`) {
		t.Errorf("bad --severity: exit %d, %q", r.code, r.stderr)
	}
}

func TestOfflineProgressOnlyOnATerminal(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	r := runCLI(t, env, "scan", "--demo", "--format", "json")
	if r.code != 0 || r.stderr != "" {
		t.Errorf("not a terminal: exit %d, stderr %q, want nothing", r.code, r.stderr)
	}
	env.stderrIsTTY = true
	r = runCLI(t, env, "scan", "--demo", "--format", "json")
	for _, want := range []string{"… read 54 files (", "identities in 4 scopes", "… evaluating ", " rules on ", "findings; writing the json report"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("terminal: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !json.Valid([]byte(r.stdout)) {
		t.Error("progress leaked into stdout")
	}
}

func TestOfflineProgressNamesLargeFiles(t *testing.T) {
	dir := t.TempDir()
	writeSyntheticAccount(t, dir, 600, 100, 100)
	env := testEnv(inventory.Inventory{})
	env.stderrIsTTY = true
	r := runCLI(t, env, "scan", "--input", dir, "--format", "json", "--output", dir+"/report.json.out")
	if r.code != 0 || !strings.Contains(r.stderr, "get-account-authorization-details.json (") || !strings.Contains(r.stderr, " MB, file 2 of 3)") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
