package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Three shards of offline inputs: two AWS accounts (the demo's and the
// AWS fixtures', which do not trust each other) and a GCP project.
var shardInputs = [][]string{
	{"--input", "demo/aws"},
	{"--input", "../../scanners/aws/testdata/gaad-cli.json", "--input", "../../scanners/aws/testdata/credential-report.csv"},
	{"--input", "demo/gcp"},
}

func TestShardedScanMergedEqualsSingleScan(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	asOf := []string{"--as-of", "2026-11-01T00:00:00Z"}
	var all, reports []string
	for i, in := range shardInputs {
		all = append(all, in...)
		out := filepath.Join(dir, "shard-"+string(rune('a'+i))+".json")
		// Shards given in another order than the single scan's.
		reports = append([]string{out}, reports...)
		r := runCLI(t, env, append(append([]string{"scan", "--format", "json", "--output", out}, in...), asOf...)...)
		if r.code != 0 {
			t.Fatalf("shard %d: exit %d: %s", i, r.code, r.stderr)
		}
	}
	for _, format := range [][]string{{"--format", "json"}, {"--format", "table"}, {"--format", "sarif"}, {"--format", "sarif", "--sarif-profile", "audit"}, {"--format", "json", "--severity", "critical"}} {
		single := runCLI(t, env, append(append(append([]string{"scan"}, all...), asOf...), format...)...)
		merged := runCLI(t, env, append(append([]string{"merge"}, reports...), format...)...)
		if single.code != 0 || merged.code != 0 {
			t.Fatalf("%v: exit %d / %d: %s", format, single.code, merged.code, merged.stderr)
		}
		if merged.stdout != single.stdout {
			t.Errorf("%v: the merged shards differ from the single scan", format)
		}
	}
	// A finding reported by several shards is kept once.
	once := runCLI(t, env, "merge", reports[0], "--format", "json")
	twice := runCLI(t, env, "merge", reports[0], reports[0], "--format", "json")
	if once.code != 0 || twice.stdout != once.stdout || !strings.Contains(once.stdout, `"fingerprint"`) {
		t.Errorf("duplicates are not removed (exit %d)", twice.code)
	}
}

func TestMergeGatesBaselinesAndFailedShards(t *testing.T) {
	f := awstest.New(t)
	f.DenyAssume["444444444444"] = true
	dir := t.TempDir()
	org := filepath.Join(dir, "org.json")
	r := runCLI(t, liveEnv(), "scan", "aws", "--org", "--assume-role", "NhiscanAudit", "--format", "json", "--output", org, "--as-of", "2024-06-01T00:00:00Z")
	if r.code != exitPartial {
		t.Fatalf("org shard: exit %d: %s", r.code, r.stderr)
	}
	demo := filepath.Join(dir, "demo.json")
	env := testEnv(inventory.Inventory{})
	if r := runCLI(t, env, "scan", "--demo", "--format", "json", "--output", demo); r.code != 0 {
		t.Fatalf("demo shard: exit %d", r.code)
	}

	// The failed account stays a failed scope of the merged report.
	r = runCLI(t, env, "merge", org, demo)
	if r.code != exitPartial || !strings.Contains(r.stdout, "scanned aws 444444444444 (live): failed: sts:AssumeRole") || !strings.Contains(r.stdout, "scanned aws 111122223333 (offline): ok") {
		t.Errorf("merged table: exit %d:\n%s", r.code, r.stdout)
	}
	r = runCLI(t, env, "merge", org, demo, "--format", "sarif", "--sarif-profile", "audit")
	if !strings.Contains(r.stdout, "444444444444 was scanned not at all") || !strings.Contains(r.stdout, `"id": "nhiscan/aws/222222222222/"`) || !strings.Contains(r.stdout, `"id": "nhiscan/aws/111122223333/"`) {
		t.Error("merged SARIF lacks the failed account's notification or a shard's run")
	}

	// --fail-on and baselines work on the merged result.
	r = runCLI(t, env, "merge", org, demo, "--format", "json", "--fail-on", "low")
	if r.code != exitFindings {
		t.Errorf("--fail-on low: exit %d, want 1", r.code)
	}
	base := filepath.Join(dir, "baseline.json")
	if r = runCLI(t, env, "merge", org, demo, "--format", "json", "--write-baseline", base); r.code != exitPartial {
		t.Fatalf("--write-baseline: exit %d: %s", r.code, r.stderr)
	}
	r = runCLI(t, env, "merge", org, demo, "--format", "json", "--baseline", base, "--fail-on", "low")
	if r.code != exitPartial || strings.Contains(r.stdout, `"status": "new"`) || !strings.Contains(r.stdout, `"status": "unchanged"`) {
		t.Errorf("against its own baseline: exit %d, want 3 (partial, nothing new)", r.code)
	}

	// Bad input: one line naming the file, exit 2.
	junk := filepath.Join(dir, "junk.json")
	os.WriteFile(junk, []byte(`{"schema_version": "1", "findings": [`), 0o644)
	for _, args := range [][]string{{"merge", filepath.Join(dir, "missing.json")}, {"merge", demo, junk}, {"merge"}} {
		r = runCLI(t, env, args...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if r = runCLI(t, env, "merge", demo, junk); !strings.Contains(r.stderr, "junk.json: not a nhiscan JSON report") {
		t.Errorf("junk report: %q", r.stderr)
	}
}
