package main

import (
	"encoding/json"
	"fmt"
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
	if addAdmin {
		return copyDemoWithAdmin(t, "new-admin")
	}
	return copyDemoWithAdmin(t, "")
}

// copyDemoWithAdmin copies the demo exports, adding an administrator role
// of that name unless it is empty.
func copyDemoWithAdmin(t *testing.T, admin string) string {
	t.Helper()
	addAdmin := admin != ""
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
				"Path": "/", "RoleName": admin, "RoleId": "AROANEWADMINXXXXXXXXX", "Arn": "arn:aws:iam::111122223333:role/" + admin,
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

// A baseline finding whose severity rose past --fail-on gates like a new
// one, and the table, JSON and gate line say what changed.
func TestBaselineUpdatedSeverity(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	base := filepath.Join(dir, "baseline.json")
	if r := runCLI(t, env, "scan", "--demo", "--write-baseline", base, "--format", "json"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var b findings.Baseline
	data, _ := os.ReadFile(base)
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	for _, e := range b.Findings {
		if e.Severity == 0 {
			t.Fatalf("baseline entry %s has no severity", e.Fingerprint)
		}
	}
	raise := filepath.Join(dir, "raise.yaml")
	os.WriteFile(raise, []byte("rules:\n  severity:\n    NHI-DOR-004: critical\n"), 0o644)

	r := runCLI(t, env, "scan", "--demo", "--config", raise, "--baseline", base, "--fail-on", "critical", "--format", "json")
	if r.code != 1 {
		t.Fatalf("raised severity: exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "2 unsuppressed new or updated finding(s) (2 updated) at or above critical:\n") ||
		!strings.Contains(r.stderr, "  critical (was low) NHI-DOR-004 ") {
		t.Errorf("gate line: %q", r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	updated := 0
	for _, f := range rep.Findings {
		switch {
		case f.RuleID == "NHI-DOR-004":
			updated++
			if f.Status != findings.StatusUpdated || f.PreviousSeverity != findings.Low || f.Severity != findings.Critical {
				t.Errorf("%s on %s: status %q, %s -> %s", f.RuleID, f.Identity.Name, f.Status, f.PreviousSeverity, f.Severity)
			}
		case f.Status != findings.StatusUnchanged || f.PreviousSeverity != 0:
			t.Errorf("%s on %s: status %q", f.RuleID, f.Identity.Name, f.Status)
		}
	}
	if updated != 2 || rep.Summary.Gated != 2 || !strings.Contains(r.stdout, `"previous_severity": "low"`) {
		t.Errorf("%d updated, %d gated", updated, rep.Summary.Gated)
	}
	r = runCLI(t, env, "scan", "--demo", "--config", raise, "--baseline", base)
	if strings.Count(r.stdout, "[updated: low ->") != 2 {
		t.Errorf("table does not show the change:\n%s", r.stdout)
	}
	// Audit SARIF carries the SARIF baseline state.
	r = runCLI(t, env, "scan", "--demo", "--config", raise, "--baseline", base, "--format", "sarif", "--sarif-profile", "audit")
	if strings.Count(r.stdout, `"baselineState": "updated"`) != 2 {
		t.Errorf("SARIF has %d updated results", strings.Count(r.stdout, `"baselineState": "updated"`))
	}

	// Time alone: four months on, keys that were medium for rotation are
	// past twice the limit, high, and updated.
	r = runCLI(t, env, "scan", "--demo", "--as-of", "2027-03-01", "--baseline", base, "--format", "json")
	aged := 0
	for _, f := range decodeReport(t, r.stdout).Findings {
		if f.RuleID == "NHI-STA-002" && f.Status == findings.StatusUpdated && f.PreviousSeverity == findings.Medium && f.Severity == findings.High {
			aged++
		}
	}
	if aged == 0 {
		t.Error("no NHI-STA-002 finding updated from medium to high by age")
	}

	// A lower severity is not a change that gates.
	lower := filepath.Join(dir, "lower.yaml")
	os.WriteFile(lower, []byte("rules:\n  severity:\n    NHI-OVB-004: low\n"), 0o644)
	if r := runCLI(t, env, "scan", "--demo", "--config", lower, "--baseline", base, "--fail-on", "low"); r.code != 0 {
		t.Errorf("lowered severity: exit %d %q", r.code, r.stderr)
	}

	// A baseline written before severities were recorded still reads, and
	// its findings are unchanged.
	var raw map[string]any
	json.Unmarshal(data, &raw)
	for _, e := range raw["findings"].([]any) {
		delete(e.(map[string]any), "severity")
	}
	oldBase := filepath.Join(dir, "old.json")
	old, _ := json.Marshal(raw)
	os.WriteFile(oldBase, old, 0o644)
	if r := runCLI(t, env, "scan", "--demo", "--config", raise, "--baseline", oldBase, "--fail-on", "low"); r.code != 0 {
		t.Errorf("old baseline: exit %d %q", r.code, r.stderr)
	}
}

// --new-only lists only new and updated findings; the gate still counts
// them all and --write-baseline still records every finding.
func TestNewOnly(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	base := filepath.Join(dir, "baseline.json")
	asOf := "--as-of=2026-11-01"
	if r := runCLI(t, env, "scan", "--input", copyDemo(t, false), asOf, "--write-baseline", base); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rewritten := filepath.Join(dir, "rewritten.json")
	r := runCLI(t, env, "scan", "--input", copyDemo(t, true), asOf, "--baseline", base, "--new-only", "--format", "json",
		"--fail-on", "high", "--write-baseline", rewritten)
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	if len(rep.Findings) == 0 || rep.Summary.Total != len(rep.Findings) {
		t.Fatalf("%d findings, total %d", len(rep.Findings), rep.Summary.Total)
	}
	for _, f := range rep.Findings {
		if f.Status != findings.StatusNew || f.Identity.Name != "new-admin" {
			t.Errorf("listed %s on %s (%s)", f.RuleID, f.Identity.Name, f.Status)
		}
	}
	if !strings.Contains(r.stderr, "unchanged finding(s) not listed") {
		t.Errorf("stderr %q", r.stderr)
	}
	// The gate names each new finding: severity, rule, identity.
	for _, f := range rep.Findings {
		if f.Severity >= findings.High && !strings.Contains(r.stderr, fmt.Sprintf("  %-8s %s arn:aws:iam::111122223333:role/new-admin\n", f.Severity, f.RuleID)) {
			t.Errorf("gate line does not name %s: %q", f.RuleID, r.stderr)
		}
	}
	var full, nb findings.Baseline
	a, _ := os.ReadFile(base)
	c, _ := os.ReadFile(rewritten)
	json.Unmarshal(a, &full)
	json.Unmarshal(c, &nb)
	if len(nb.Findings) != len(full.Findings)+len(rep.Findings) {
		t.Errorf("--write-baseline with --new-only: %d entries, want %d", len(nb.Findings), len(full.Findings)+len(rep.Findings))
	}
}

// The gate line lists at most ten findings, then how many more.
func TestGateLineBounded(t *testing.T) {
	r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--fail-on", "low", "--format", "json")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	var rep findings.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Findings) <= 10 {
		t.Fatalf("demo report: %v (%d findings)", err, len(rep.Findings))
	}
	n := len(rep.Findings)
	if r.code != 1 || len(lines) != 12 || lines[0] != fmt.Sprintf("nhiscan: %d unsuppressed finding(s) at or above low:", n) || lines[11] != fmt.Sprintf("  and %d more", n-10) {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if !strings.HasPrefix(lines[1], "  critical NHI-") {
		t.Errorf("first line %q", lines[1])
	}
}

// The gate line names an Azure identity by display name and object id
// (a display name alone is not unique, an object id alone unreadable).
func TestGateLineAzureNameAndID(t *testing.T) {
	fs := []findings.Finding{
		{RuleID: "NHI-OVB-301", Severity: findings.Critical, Identity: findings.Identity{Provider: "azure", Name: "deploy", ID: "11111111-1111-1111-1111-111111111111"}},
		{RuleID: "NHI-OVB-001", Severity: findings.Critical, Identity: findings.Identity{Provider: "aws", Name: "r", ID: "arn:aws:iam::111122223333:role/r"}},
	}
	var b strings.Builder
	writeGate(&b, gating(fs, findings.Low), findings.Low, false)
	if !strings.Contains(b.String(), "NHI-OVB-301 deploy (11111111-1111-1111-1111-111111111111)\n") || !strings.Contains(b.String(), "NHI-OVB-001 arn:aws:iam::111122223333:role/r\n") {
		t.Errorf("gate lines:\n%s", b.String())
	}
}
