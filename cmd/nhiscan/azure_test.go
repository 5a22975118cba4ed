package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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
