package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// copyDemo copies the demo exports into a temporary directory, optionally
// adding one administrator role to the authorization details.
func copyDemo(t *testing.T, addAdmin bool) string {
	t.Helper()
	dir := t.TempDir()
	entries, _ := demoFS.ReadDir("demo/aws")
	for _, e := range entries {
		data, _ := demoFS.ReadFile("demo/aws/" + e.Name())
		if addAdmin && e.Name() == "get-account-authorization-details.json" {
			var gaad map[string]any
			if err := json.Unmarshal(data, &gaad); err != nil {
				t.Fatal(err)
			}
			gaad["RoleDetailList"] = append(gaad["RoleDetailList"].([]any), map[string]any{
				"Path": "/", "RoleName": "new-admin", "RoleId": "AROANEWADMINXXXXXXXXX", "Arn": "arn:aws:iam::111122223333:role/new-admin",
				"CreateDate":               "2026-10-30T00:00:00+00:00",
				"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}}},
				"RolePolicyList":           []any{},
				"AttachedManagedPolicies":  []any{map[string]any{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}},
				"Tags":                     []any{map[string]any{"Key": "owner", "Value": "team-x"}},
				"RoleLastUsed":             map[string]any{},
			})
			data, _ = json.Marshal(gaad)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func decodeReport(t *testing.T, s string) findings.Report {
	t.Helper()
	var r findings.Report
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("%v: %.200s", err, s)
	}
	return r
}

func TestBaselineGate(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	work := t.TempDir()
	base := filepath.Join(work, "baseline.json")
	asOf := "--as-of=2026-11-01T00:00:00Z"

	// First scan writes the baseline.
	r := runCLI(t, env, "scan", "--input", copyDemo(t, false), asOf, "--write-baseline", base, "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var b findings.Baseline
	data, _ := os.ReadFile(base)
	if err := json.Unmarshal(data, &b); err != nil || b.Version != 1 || len(b.Findings) != decodeReport(t, r.stdout).Summary.Total {
		t.Fatalf("baseline: %v, %d entries", err, len(b.Findings))
	}

	// Unchanged account: nothing new, the gate passes.
	r = runCLI(t, env, "scan", "--input", copyDemo(t, false), asOf, "--baseline", base, "--fail-on", "high", "--format", "json")
	if r.code != 0 {
		t.Fatalf("unchanged account with baseline: exit %d: %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	if rep.Summary.Gated != 0 {
		t.Errorf("gated = %d", rep.Summary.Gated)
	}
	for _, f := range rep.Findings {
		if f.Status != findings.StatusUnchanged {
			t.Errorf("%s on %s is %q", f.RuleID, f.Identity.Name, f.Status)
		}
	}

	// One admin role more: exit 1, and only its findings are new.
	withAdmin := copyDemo(t, true)
	r = runCLI(t, env, "scan", "--input", withAdmin, asOf, "--baseline", base, "--fail-on", "high", "--format", "json")
	if r.code != 1 || !strings.Contains(r.stderr, "new finding(s) at or above high") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	rep = decodeReport(t, r.stdout)
	newOnes := 0
	for _, f := range rep.Findings {
		if f.Status == findings.StatusNew {
			newOnes++
			if f.Identity.Name != "new-admin" {
				t.Errorf("%s on %s marked new", f.RuleID, f.Identity.Name)
			}
		}
	}
	if newOnes == 0 {
		t.Fatal("no new findings for the admin role")
	}

	// A live suppression silences it...
	ignore := filepath.Join(work, "ignore.yaml")
	os.WriteFile(ignore, []byte(`version: 1
suppressions:
  - rule: "NHI-*"
    identity: "arn:aws:iam::111122223333:role/new-admin"
    reason: "break-glass role, reviewed"
    owner: "secops@example.com"
    expires: 2026-12-31
  - rule: "NHI-OVB-001"
    fingerprint: "0000000000000000"
    reason: "stale"
    owner: "secops@example.com"
    expires: 2027-01-31
`), 0o644)
	r = runCLI(t, env, "scan", "--input", withAdmin, asOf, "--baseline", base, "--ignore-file", ignore, "--fail-on", "high", "--format", "json")
	if r.code != 0 {
		t.Fatalf("suppressed: exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "warning: suppression 2 (rule NHI-OVB-001, fingerprint 0000000000000000, owner secops@example.com) matches no finding") {
		t.Errorf("no warning for the unused entry: %q", r.stderr)
	}
	rep = decodeReport(t, r.stdout)
	for _, f := range rep.Findings {
		if f.Identity.Name == "new-admin" && (f.Suppression == nil || f.Suppression.Owner != "secops@example.com" || f.Suppression.Expires != "2026-12-31") {
			t.Errorf("%s on new-admin not marked suppressed: %+v", f.RuleID, f.Suppression)
		}
	}
	// ...and, in SARIF for GitHub, leaves the suppressed results out.
	r = runCLI(t, env, "scan", "--input", withAdmin, asOf, "--ignore-file", ignore, "--format", "sarif")
	if r.code != 0 || strings.Contains(r.stdout, "role/new-admin\"") {
		t.Errorf("suppressed findings in github SARIF (exit %d)", r.code)
	}

	// Two weeks before expiry: a notice. After expiry: it no longer suppresses, with a warning.
	r = runCLI(t, env, "scan", "--input", withAdmin, "--as-of=2026-12-20T00:00:00Z", "--ignore-file", ignore, "--format", "json")
	if !strings.Contains(r.stderr, "notice: suppression 1 ") || !strings.Contains(r.stderr, "expires on 2026-12-31") {
		t.Errorf("no expiry notice: %q", r.stderr)
	}
	r = runCLI(t, env, "scan", "--input", withAdmin, "--as-of=2027-01-01T00:00:00Z", "--baseline", base, "--ignore-file", ignore, "--fail-on", "high", "--format", "json")
	if r.code != 1 || !strings.Contains(r.stderr, "warning: suppression 1 (rule NHI-*, identity arn:aws:iam::111122223333:role/new-admin, owner secops@example.com) expired on 2026-12-31") {
		t.Errorf("expired suppression: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestIgnoreFileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"no-reason.yaml":   "version: 1\nsuppressions:\n  - rule: NHI-OVB-001\n    identity: x\n    owner: o\n    expires: 2027-01-01\n",
		"no-owner.yaml":    "version: 1\nsuppressions:\n  - rule: NHI-OVB-001\n    identity: x\n    reason: r\n    expires: 2027-01-01\n",
		"no-expiry.yaml":   "version: 1\nsuppressions:\n  - rule: NHI-OVB-001\n    identity: x\n    reason: r\n    owner: o\n",
		"bad-date.yaml":    "version: 1\nsuppressions:\n  - rule: NHI-OVB-001\n    identity: x\n    reason: r\n    owner: o\n    expires: soon\n",
		"both.yaml":        "version: 1\nsuppressions:\n  - rule: NHI-OVB-001\n    identity: x\n    fingerprint: y\n    reason: r\n    owner: o\n    expires: 2027-01-01\n",
		"version.yaml":     "version: 2\nsuppressions: []\n",
		"unknown-key.yaml": "version: 1\nsuppressions:\n  - rule: NHI-OVB-001\n    identity: x\n    reason: r\n    owner: o\n    expires: 2027-01-01\n    until: never\n",
		"not-yaml.yaml":    "{{{",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		out := filepath.Join(dir, name+".out")
		r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--ignore-file", p, "--output", out)
		if r.code != 2 || !strings.Contains(r.stderr, name) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q", name, r.code, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: report written despite the bad ignore file", name)
		}
	}
	r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--baseline", filepath.Join(dir, "no-reason.yaml"))
	if r.code != 2 || !strings.Contains(r.stderr, "baseline") {
		t.Errorf("bad baseline: exit %d %q", r.code, r.stderr)
	}
}

func TestReportRerenders(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	saved := filepath.Join(dir, "findings.json")
	if r := runCLI(t, env, "scan", "--demo", "--format", "json", "--output", saved); r.code != 0 {
		t.Fatal(r.stderr)
	}
	orig, _ := os.ReadFile(saved)
	r := runCLI(t, env, "report", "--input", saved, "--format", "json")
	if r.code != 0 || r.stdout != string(orig) {
		t.Errorf("report --format json differs from the saved report (exit %d)", r.code)
	}
	scanSARIF := runCLI(t, env, "scan", "--demo", "--format", "sarif")
	r = runCLI(t, env, "report", "--input", saved, "--format", "sarif")
	if r.code != 0 || r.stdout != scanSARIF.stdout {
		t.Errorf("report --format sarif differs from scan --format sarif (exit %d)", r.code)
	}
	r = runCLI(t, env, "report", "--input", saved, "--fail-on", "critical")
	if r.code != 1 {
		t.Errorf("report gate: exit %d", r.code)
	}
	r = runCLI(t, env, "report", "--input", "../../testdata/bad/truncated.json")
	if r.code != 2 || !strings.Contains(r.stderr, "truncated.json: not a nhiscan JSON report") {
		t.Errorf("bad report input: exit %d %q", r.code, r.stderr)
	}
}
