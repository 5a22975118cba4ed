package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// An Entra secret's expiry is judged as of --as-of, not the wall clock:
// an old export is judged as of the day it was taken.
func TestAzureExpiryAsOf(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "11111111-2222-4333-8444-555555555555")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sp := `[{"id": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "appId": "9a8b7c6d-0000-4000-8000-000000000001", "displayName": "app-a", "servicePrincipalType": "Application",
		"passwordCredentials": [{"keyId": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "startDateTime": "2025-06-01T00:00:00Z", "endDateTime": "2026-06-01T00:00:00Z"}]}]`
	if err := os.WriteFile(filepath.Join(dir, "service-principals.json"), []byte(sp), 0o644); err != nil {
		t.Fatal(err)
	}
	for asOf, want := range map[string]int{"2026-01-01": 1, "2026-07-01": 0} {
		r := runCLI(t, testEnv(inventory.Inventory{}), "inventory", "--input", filepath.Dir(dir), "--as-of", asOf, "--format", "json")
		var out struct {
			Identities []struct {
				Credentials int `json:"credentials"`
			} `json:"identities"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || len(out.Identities) != 1 {
			t.Fatalf("--as-of %s: exit %d, %v, stderr %q", asOf, r.code, err, r.stderr)
		}
		if got := out.Identities[0].Credentials; got != want {
			t.Errorf("--as-of %s: %d active credentials, want %d", asOf, got, want)
		}
	}
}

// One identity's missing owners or sponsors file leaves that identity
// unjudged, not the tenant: NHI-OWN-001 still fires for the others.
func TestAzureOneOwnersFileMissing(t *testing.T) {
	const tenant = "5a1f0c2e-7d3b-4e8a-9c61-2f4b8d7e0a13"
	for missing, name := range map[string]string{
		"sponsors/61c37f95-5062-4baa-8d5f-bf6e8c7ad106.json": "Contoso Support Agent",
		"owners/7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a01.json":   "billing-sync", // its application's owners
	} {
		root := t.TempDir()
		dir := filepath.Join(root, tenant)
		if err := os.CopyFS(dir, os.DirFS(filepath.Join("demo", "azure", tenant))); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(dir, missing)); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--input", root, "--as-of", "2026-06-01", "--format", "json")
		var out struct {
			Sources []struct {
				NotAssessed []string `json:"not_assessed"`
				Warnings    []string `json:"warnings"`
			} `json:"sources"`
			Findings []struct {
				RuleID   string `json:"rule_id"`
				Identity struct {
					Name string `json:"name"`
				} `json:"identity"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Sources) != 1 {
			t.Fatalf("without %s: exit %d, %v, stderr %q", missing, r.code, err, r.stderr)
		}
		if slices.Contains(out.Sources[0].NotAssessed, inventory.NotAssessedOwners) {
			t.Errorf("without %s: the tenant lists owners as not assessed: %q", missing, out.Sources[0].NotAssessed)
		}
		if !slices.ContainsFunc(out.Sources[0].Warnings, func(w string) bool { return strings.Contains(w, "owners for 1 of 9 ("+name+")") }) {
			t.Errorf("without %s: no warning counts the identity: %q", missing, out.Sources[0].Warnings)
		}
		owned := map[string]bool{}
		for _, f := range out.Findings {
			if f.RuleID == "NHI-OWN-001" {
				owned[f.Identity.Name] = true
			}
		}
		if !owned["deploy-pipeline"] {
			t.Errorf("without %s: NHI-OWN-001 no longer fires for deploy-pipeline: %v", missing, owned)
		}
		if strings.HasPrefix(missing, "sponsors/") && owned["Contoso Support Agent"] {
			t.Errorf("without %s: the agent whose sponsors were not exported is judged ownerless", missing)
		}
	}
}

// A tenant exported without sign-ins says so where the user looks: the
// table's scan line and stderr name "sign-in activity" (Azure's own
// wording), and controls --results gives it as the NOT TESTED reason.
func TestAzureNotAssessedShown(t *testing.T) {
	const tenant = "5a1f0c2e-7d3b-4e8a-9c61-2f4b8d7e0a13"
	root := t.TempDir()
	dir := filepath.Join(root, "in", tenant)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("demo", "azure", tenant))); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "sign-ins.json")); err != nil {
		t.Fatal(err)
	}
	env := testEnv(inventory.Inventory{})
	r := runCLI(t, env, "scan", "--input", filepath.Dir(dir), "--as-of", "2026-06-01")
	if want := "scanned azure " + tenant + " (offline): ok; not assessed: sign-in activity\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("table lacks %q:\n%s", want, r.stdout)
	}
	if want := "note: azure " + tenant + ": not assessed: sign-in activity\n"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	report := filepath.Join(root, "r.json")
	if r := runCLI(t, env, "scan", "--input", filepath.Dir(dir), "--as-of", "2026-06-01", "--format", "json", "--output", report); r.code != 0 {
		t.Fatalf("scan: exit %d, %s", r.code, r.stderr)
	}
	r = runCLI(t, env, "controls", "--results", report)
	if want := "NOT TESTED  AC-2(3)  Disable Accounts (not assessed: sign-in activity in azure " + tenant + ")"; !strings.Contains(r.stdout, want) {
		t.Errorf("controls --results lacks %q:\n%s", want, r.stdout)
	}
}

// agents --help names every platform the view lists.
func TestAgentsHelpPlatforms(t *testing.T) {
	r := runCLI(t, testEnv(inventory.Inventory{}), "agents", "--help")
	for _, want := range []string{"Bedrock agents", "AgentCore runtimes", "Agent Engine agents", "Entra agent identities", "kagent Agents", "Kubernetes workloads with an agent marker"} {
		if !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), want) {
			t.Errorf("agents --help lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "agents' ") {
		t.Errorf("agents --help has a stray \"agents'\":\n%s", r.stdout)
	}
}
