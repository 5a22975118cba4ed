package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/inventory"
	"github.com/nhiscan/nhiscan/scanners/registry"
)

var update = flag.Bool("update", false, "rewrite golden files")

const goldenDir = "../../testdata/golden"

// golden compares got with the named golden file, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./... -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, d)
	}
}

// fakeLive is a live scanner returning a fixed inventory, or an error
// when the inventory has a source named "no-credentials".
type fakeLive struct{ inv inventory.Inventory }

func (f fakeLive) Name() string { return "aws" }
func (f fakeLive) Scan(context.Context) (inventory.Inventory, error) {
	if len(f.inv.Sources) == 1 && f.inv.Sources[0].Scope == "no-credentials" {
		return inventory.Inventory{}, errors.New("loading credentials: no credentials found")
	}
	return f.inv, nil
}

// fakeFlags keeps a provider's flags and checks but builds fakeLive.
type fakeFlags struct {
	registry.Live
	inv inventory.Inventory
}

func (f fakeFlags) Scanner(registry.Common) scanners.Live { return fakeLive{f.inv} }

// testEnv has every provider of the registry, each scanning live with
// fakeLive.
func testEnv(live inventory.Inventory) *environment {
	providers := registry.All()
	for i := range providers {
		newLive := providers[i].NewLive
		providers[i].NewLive = func() registry.Live { return fakeFlags{newLive(), live} }
	}
	return &environment{
		now:       func() time.Time { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC) },
		providers: providers,
	}
}

// withProvider replaces the provider of the same name in env.
func withProvider(env *environment, p registry.Provider) *environment {
	for i := range env.providers {
		if env.providers[i].Name == p.Name {
			env.providers[i] = p
		}
	}
	return env
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, env *environment, args ...string) result {
	t.Helper()
	version = "test"
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, env)
	return result{code, out.String(), errb.String()}
}

func TestGoldenDemo(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	for _, tc := range []struct{ file, args string }{
		{"scan-demo.table", "scan --demo"},
		{"scan-demo.json", "scan --demo --format json"},
		{"scan-demo.sarif", "scan --demo --format sarif"},
		{"inventory-demo.table", "inventory --demo"},
		{"inventory-demo.json", "inventory --demo --format json"},
		{"agents-demo.table", "agents --demo"},
		{"agents-demo.json", "agents --demo --format json"},
		{"agents-demo.md", "agents --demo --format markdown"},
		{"rules.txt", "rules"},
		{"rules-explain.txt", "rules explain NHI-DOR-002"},
		{"controls.txt", "controls"},
		{"paths-demo.table", "paths --demo"},
		{"paths-demo.json", "paths --demo --format json"},
		{"paths-demo.dot", "paths --demo --format dot"},
		{"paths-demo.mermaid", "paths --demo --format mermaid"},
		{"paths-demo-to.table", "paths --demo --to arn:aws:iam::111122223333:role/breakglass-admin"},
		{"paths-demo-from.table", "paths --demo --from arn:aws:iam::111122223333:user/jenkins"},
		{"controls.json", "controls --format json"},
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

// The JSON report reads back into the same findings, so it can serve as a
// baseline and be re-rendered.
func TestJSONRoundTrip(t *testing.T) {
	r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--format", "json")
	var rep findings.Report
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion != findings.SchemaVersion || rep.Summary.Total != len(rep.Findings) || len(rep.Findings) == 0 {
		t.Fatalf("report = %+v", rep.Summary)
	}
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		if seen[f.Fingerprint] {
			t.Errorf("duplicate fingerprint %s (%s on %s)", f.Fingerprint, f.RuleID, f.Identity.Name)
		}
		seen[f.Fingerprint] = true
	}
	again, _ := json.MarshalIndent(rep, "", "  ")
	var a, b any
	json.Unmarshal(again, &a)
	json.Unmarshal([]byte(r.stdout), &b)
	if d := cmp.Diff(b, a); d != "" {
		t.Errorf("round trip changed the report:\n%s", d)
	}
}

// The demo must show every category.
func TestDemoCoversEveryCategory(t *testing.T) {
	r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--format", "json")
	var rep findings.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	for _, c := range findings.Categories {
		if rep.Summary.ByCategory[c] == 0 {
			t.Errorf("demo has no %s finding", c)
		}
	}
	sharedAgent := false
	for _, f := range rep.Findings {
		if strings.Contains(f.Identity.Name, "AWSServiceRole") || strings.Contains(f.Identity.Name, "AWSReservedSSO") {
			t.Errorf("finding on an excluded identity: %s %s", f.RuleID, f.Identity.Name)
		}
		// The Reasoning Engine service agent is the identity of the
		// project's Agent Engine agents: in scope, unlike other service agents.
		if strings.Contains(f.Identity.ID, "@gcp-sa-") && !strings.Contains(f.Identity.ID, "@gcp-sa-aiplatform-re.") {
			t.Errorf("finding on a Google-managed service agent: %s %s", f.RuleID, f.Identity.ID)
		}
		if strings.Contains(f.Identity.ID, "@gcp-sa-aiplatform-re.") && f.RuleID == "NHI-AGT-001" {
			sharedAgent = true
		}
		if f.Identity.Name == "data-pipeline" || f.Identity.Name == "tidy" {
			t.Errorf("finding on the tidy role: %s %s", f.RuleID, f.Message)
		}
	}
	if !sharedAgent {
		t.Error("the Agent Engine agents' shared service agent has no NHI-AGT-001 finding")
	}
}

func TestInputDirectoryMatchesDemo(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	demo := runCLI(t, env, "scan", "--demo", "--format", "json")
	dir := runCLI(t, env, "scan", "--input", "demo", "--as-of", "2026-11-01T00:00:00Z", "--format", "json")
	if dir.code != 0 || demo.stdout != dir.stdout {
		t.Errorf("--input demo (exit %d, %q) differs from --demo", dir.code, dir.stderr)
	}
	files := runCLI(t, env, "scan", "--input", "demo/aws/get-account-authorization-details.json", "--input", "demo/aws/credential-report.csv", "--input", "demo/aws/list-roles.json", "--input", "demo/aws/bedrock-list-agents.json", "--input", "demo/aws/bedrock-get-agent-SUPPRT4AGT.json", "--input", "demo/gcp", "--input", "demo/k8s", "--input", "demo/azure", "--as-of", "2026-11-01T00:00:00Z", "--format", "json")
	if files.stdout != demo.stdout {
		t.Error("--input per file differs from --demo")
	}
}

func TestExitCodes(t *testing.T) {
	partialInv := inventory.Inventory{Sources: []inventory.Source{
		{Scanner: "aws", Scope: "111111111111", Mode: "live", Status: inventory.StatusOK},
		{Scanner: "aws", Scope: "222222222222", Mode: "live", Status: inventory.StatusFailed, Error: "sts:AssumeRole: AccessDenied: nope"},
	}}
	admin := inventory.Identity{ID: "arn:aws:iam::111111111111:role/a", Provider: inventory.AWS, Kind: inventory.KindAWSRole, Account: "111111111111", Name: "a",
		CreatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Tags: map[string]string{"owner": "x"}, LastUsedKnown: true,
		Grants: []inventory.Grant{{Source: "inline", PolicyName: "p", Statements: []inventory.Statement{{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}}}}}}
	partialWithAdmin := partialInv
	partialWithAdmin.Identities = []inventory.Identity{admin}
	tests := []struct {
		name       string
		live       inventory.Inventory
		args       string
		want       int
		wantStderr string
	}{
		{name: "clean_demo", args: "scan --demo", want: 0},
		{name: "fail_on_high", args: "scan --demo --fail-on high", want: 1, wantStderr: "at or above high"},
		{name: "fail_on_none", args: "scan --demo --fail-on none", want: 0},
		{name: "bad_fail_on", args: "scan --demo --fail-on severe", want: 2, wantStderr: "--fail-on"},
		{name: "bad_format", args: "scan --demo --format xml", want: 2, wantStderr: "unknown format"},
		{name: "bad_as_of", args: "scan --demo --as-of yesterday", want: 2, wantStderr: "--as-of"},
		{name: "unknown_flag", args: "scan --demo --nope", want: 2, wantStderr: "unknown flag"},
		{name: "nothing_to_scan", args: "scan", want: 2, wantStderr: "exactly one of"},
		{name: "two_modes", args: "scan aws --demo", want: 2, wantStderr: "exactly one of"},
		{name: "unknown_provider", args: "scan oci", want: 2, wantStderr: "unknown provider"},
		{name: "azure_bad_tenant", args: "scan azure --tenant contoso.onmicrosoft.com", want: 2, wantStderr: "is not a tenant id"},
		{name: "gcp_needs_project", args: "scan gcp", want: 2, wantStderr: "--project"},
		{name: "project_without_gcp", args: "scan aws --project p", want: 2, wantStderr: "--project and --organization apply"},
		{name: "org_needs_role", args: "scan aws --org", want: 2, wantStderr: "--assume-role"},
		{name: "missing_file", args: "scan --input ../../testdata/bad/nope.json", want: 2, wantStderr: "nope.json: no such file"},
		{name: "empty_file", args: "scan --input ../../testdata/bad/empty.json", want: 2, wantStderr: "empty.json: file is empty"},
		{name: "truncated", args: "scan --input ../../testdata/bad/truncated.json", want: 2, wantStderr: "truncated.json: not valid JSON"},
		{name: "wrong_header", args: "scan --input ../../testdata/bad/wrong-header.csv", want: 2, wantStderr: "wrong-header.csv: not a recognised export"},
		{name: "unknown_json", args: "scan --input ../../testdata/bad/unknown.json", want: 2, wantStderr: "unknown.json: not a recognised export"},
		{name: "bad_date", args: "scan --input ../../testdata/bad/bad-date.csv", want: 2, wantStderr: "bad-date.csv: credential report line 2, column user_creation_time: bad time"},
		{name: "bad_config", args: "scan --demo --config ../../testdata/bad/bad-config.yaml", want: 2, wantStderr: "bad-config.yaml: line 2: unknown key \"thresholds.role_unused_dayz\" (did you mean \"role_unused_days\"?)"},
		{name: "missing_config", args: "scan --demo --config ../../testdata/bad/none.yaml", want: 2, wantStderr: "none.yaml"},
		{name: "partial", live: partialInv, args: "scan aws", want: 3, wantStderr: "222222222222: sts:AssumeRole: AccessDenied"},
		{name: "partial_and_gate", live: partialWithAdmin, args: "scan aws --fail-on critical", want: 1},
		{name: "partial_gate_not_hit", live: partialWithAdmin, args: "scan aws --fail-on critical --config ../../testdata/golden/override.yaml", want: 3},
		{name: "unknown_rule", args: "rules explain NHI-XXX-999", want: 2, wantStderr: "no rule"},
		{name: "no_credentials", live: inventory.Inventory{Sources: []inventory.Source{{Scope: "no-credentials"}}}, args: "scan aws", want: 2, wantStderr: "aws: loading credentials: no credentials found"},
		{name: "unknown_framework", args: "controls --framework gov", want: 2, wantStderr: "unknown framework"},
		{name: "paths_unknown_identity", args: "paths --demo --from arn:aws:iam::1:role/nope", want: 2, wantStderr: "no identity"},
		{name: "paths_bad_format", args: "paths --demo --format svg", want: 2, wantStderr: "want table, json, dot or mermaid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, testEnv(tt.live), strings.Fields(tt.args)...)
			if r.code != tt.want {
				t.Errorf("exit %d, want %d; stderr %q", r.code, tt.want, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tt.wantStderr)
			}
			if tt.want == 2 {
				lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
				if len(lines) != 1 || r.stdout != "" {
					t.Errorf("usage/input errors must be one line and no output: stderr %q stdout %d bytes", r.stderr, len(r.stdout))
				}
				if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
					t.Errorf("stack trace on stderr: %q", r.stderr)
				}
			}
		})
	}
}

func TestNoPartialOutputFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.json")
	r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--input", "../../testdata/bad/truncated.json", "--output", out, "--format", "json")
	if r.code != 2 {
		t.Fatalf("exit %d", r.code)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
	// A good scan writes the file, and only the file.
	r = runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--output", out, "--format", "json")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil || !json.Valid(data) {
		t.Fatalf("report file: %v", err)
	}
	// A later failing scan leaves the earlier report as it was.
	r = runCLI(t, testEnv(inventory.Inventory{}), "scan", "--input", "../../testdata/bad/empty.json", "--output", out)
	again, _ := os.ReadFile(out)
	if r.code != 2 || !bytes.Equal(data, again) {
		t.Errorf("failed scan touched the earlier report (exit %d)", r.code)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// An output directory that does not exist is created.
	r = runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--output", filepath.Join(dir, "no", "such", "dir.json"))
	if _, err := os.Stat(filepath.Join(dir, "no", "such", "dir.json")); r.code != 0 || err != nil {
		t.Errorf("exit %d stderr %q: %v", r.code, r.stderr, err)
	}
}

func TestConfigChangesFindings(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("thresholds:\n  key_rotation_days: 10000\nrules:\n  disable: [NHI-OWN-001]\n  severity:\n    NHI-DEL-004: high\nexclude: [\"svc-*\"]\n"), 0o644)
	r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--format", "json", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
	var rep findings.Report
	json.Unmarshal([]byte(r.stdout), &rep)
	sawDel004 := false
	for _, f := range rep.Findings {
		switch {
		case f.RuleID == "NHI-OWN-001" || f.RuleID == "NHI-STA-002":
			t.Errorf("disabled or out-of-threshold rule reported: %s %s", f.RuleID, f.Identity.Name)
		case strings.HasPrefix(f.Identity.Name, "svc-"):
			t.Errorf("excluded identity reported: %s", f.Identity.Name)
		case f.RuleID == "NHI-DEL-004":
			sawDel004 = true
			if f.Severity != findings.High {
				t.Errorf("severity override ignored: %v", f.Severity)
			}
		}
	}
	if !sawDel004 {
		t.Error("NHI-DEL-004 missing")
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t, testEnv(inventory.Inventory{}), "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "nhiscan test (commit ") {
		t.Errorf("version = %q", r.stdout)
	}
}

func TestConfigEnableOnly(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("rules:\n  enable: [NHI-OVB-001, NHI-STA-004]\n"), 0o644)
	r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--format", "json", "--config", cfg)
	var rep findings.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Summary.Total == 0 {
		t.Fatalf("exit %d, %v", r.code, err)
	}
	for _, f := range rep.Findings {
		if f.RuleID != "NHI-OVB-001" && f.RuleID != "NHI-STA-004" {
			t.Errorf("rule %s ran", f.RuleID)
		}
	}
	os.WriteFile(cfg, []byte("rules:\n  enable: [NHI-NOPE]\n"), 0o644)
	if r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--config", cfg); r.code != 2 || !strings.Contains(r.stderr, "NHI-NOPE") {
		t.Errorf("unknown rule in enable: exit %d %q", r.code, r.stderr)
	}
}
