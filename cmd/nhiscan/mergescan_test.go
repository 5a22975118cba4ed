package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Shards scanned with different rule sets cannot be merged into one audit
// record; shards of one configuration keep their rule set and times.
func TestMergeScanRecord(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), filepath.Join(dir, "c.json")
	for _, s := range []struct {
		out  string
		args []string
	}{
		{a, []string{"--input", "demo/aws"}},
		{b, []string{"--input", "demo/gcp"}},
		{c, []string{"--input", "demo/gcp", "--skip-check", "NHI-STA-*"}},
	} {
		args := append([]string{"scan", "--format", "json", "--output", s.out, "--as-of", "2026-11-01"}, s.args...)
		if r := runCLI(t, env, args...); r.code != 0 {
			t.Fatalf("%v: exit %d: %s", s.args, r.code, r.stderr)
		}
	}
	r := runCLI(t, env, "merge", a, b, "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"rules_enabled"`) || !strings.Contains(r.stdout, `"NHI-STA-001"`) {
		t.Errorf("merge of one configuration: exit %d, scan record missing:\n%.400s", r.code, r.stdout)
	}
	r = runCLI(t, env, "merge", a, c, "--format", "json")
	if r.code != exitUsage || !strings.Contains(r.stderr, "other enabled rules") || r.stdout != "" {
		t.Errorf("merge of different rule sets: exit %d, stderr %q", r.code, r.stderr)
	}
}
