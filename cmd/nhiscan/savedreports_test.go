package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// A report or baseline saved through PowerShell 5.1 redirection (UTF-16
// with CRLF) or gzipped is read by report, merge and --baseline like the
// plain file.
func TestSavedReportsInOtherEncodings(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	rep := runCLI(t, env, "scan", "--demo", "--format", "json")
	if rep.code != 0 {
		t.Fatalf("scan: exit %d %s", rep.code, rep.stderr)
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "report.json")
	if err := os.WriteFile(plain, []byte(rep.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	commands := func(p string) map[string][]string {
		return map[string][]string{
			"report":     {"report", "--input", p, "--format", "csv"},
			"merge":      {"merge", p, "--format", "csv"},
			"--baseline": {"scan", "--demo", "--baseline", p, "--format", "csv"},
		}
	}
	want := map[string]result{}
	for what, args := range commands(plain) {
		want[what] = runCLI(t, env, args...)
		if want[what].code != 0 {
			t.Fatalf("%s of the plain report: exit %d %s", what, want[what].code, want[what].stderr)
		}
	}
	for name, data := range map[string][]byte{
		"powershell.json": utf16With(crlf([]byte(rep.stdout)), binary.LittleEndian, []byte{0xff, 0xfe}),
		"report.json.gz":  gz(t, []byte(rep.stdout)),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for what, args := range commands(p) {
			got := runCLI(t, env, args...)
			if got.code != 0 || got.stdout != want[what].stdout {
				t.Errorf("%s of %s: exit %d, stderr %q; output equal to the plain report's: %v", what, name, got.code, got.stderr, got.stdout == want[what].stdout)
			}
		}
	}
}

// SARIF for code scanning must carry every open finding: an upload that
// leaves one out closes its alert as fixed.
func TestNewOnlyRefusedForGitHubSARIF(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	base := filepath.Join(dir, "baseline.json")
	if r := runCLI(t, env, "scan", "--demo", "--write-baseline", base); r.code != 0 {
		t.Fatalf("baseline: exit %d %s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "out.sarif")
	r := runCLI(t, env, "scan", "--demo", "--baseline", base, "--new-only", "--format", "sarif", "--output", out)
	if r.code != exitUsage || !strings.Contains(r.stderr, "--new-only cannot be used with --format sarif") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a SARIF file was written")
	}
	if r := runCLI(t, env, "scan", "--demo", "--baseline", base, "--new-only", "--format", "sarif", "--sarif-profile", "audit"); r.code != 0 {
		t.Errorf("audit profile: exit %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, env, "scan", "--demo", "--severity", "critical", "--format", "sarif"); r.code != 0 || !strings.Contains(r.stderr, "closes their open alerts") {
		t.Errorf("--severity with SARIF: exit %d, stderr %q", r.code, r.stderr)
	}
}

// A control is not shown as passing on data the scan never read: a
// credential report alone says nothing of permissions or trust, so the
// CIS controls about them are NOT TESTED, and the report's source says
// what was not assessed.
func TestComplianceOfDataNotAssessed(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	out := filepath.Join(dir, "report.json")
	r := runCLI(t, env, "scan", "--input", "../../scanners/aws/testdata/credential-report.csv", "--as-of", "2024-11-01", "--format", "json", "--output", out)
	if r.code != 0 {
		t.Fatalf("scan: exit %d %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), `"not_assessed": [`) {
		t.Fatalf("the report's source does not say what was not assessed (%v)", err)
	}
	m := runCLI(t, env, "controls", "--results", out, "--framework", "cis-aws-3.0.0", "--format", "csv")
	if m.code != 0 {
		t.Fatalf("controls: exit %d %s", m.code, m.stderr)
	}
	for _, want := range []string{
		"1.16,", "not assessed: permissions in aws 123456789012",
		"1.20,", "not assessed: trust in aws 123456789012",
	} {
		if !strings.Contains(m.stdout, want) {
			t.Errorf("matrix lacks %q:\n%s", want, m.stdout)
		}
	}
	for _, line := range strings.Split(m.stdout, "\n") {
		if strings.Contains(line, "1.16,") && strings.Contains(line, "PASS") {
			t.Errorf("CIS AWS 1.16 passes on permissions never read: %s", line)
		}
	}
	// The demo read everything: its controls pass or fail on their own.
	demo := runCLI(t, env, "scan", "--demo", "--format", "json", "--output", filepath.Join(dir, "demo.json"))
	if demo.code != 0 {
		t.Fatalf("demo: exit %d", demo.code)
	}
	if m := runCLI(t, env, "controls", "--results", filepath.Join(dir, "demo.json"), "--format", "csv"); strings.Contains(m.stdout, "not assessed") {
		t.Errorf("the demo has controls not assessed:\n%s", m.stdout)
	}
}
