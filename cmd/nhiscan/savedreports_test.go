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
