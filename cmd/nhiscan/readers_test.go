package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// The same exports given twice (a directory and a file in it) are merged,
// not doubled: the report is the same and fingerprints stay unique.
func TestInputsGivenTwice(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	once := runCLI(t, env, "scan", "--input", "demo", "--as-of", "2026-11-01T00:00:00Z", "--format", "json")
	twice := runCLI(t, env, "scan", "--input", "demo", "--input", "demo/aws", "--input", "demo/aws/credential-report.csv", "--as-of", "2026-11-01T00:00:00Z", "--format", "json")
	if twice.code != once.code || twice.stderr != once.stderr {
		t.Fatalf("twice: exit %d, stderr %q; once: exit %d, stderr %q", twice.code, twice.stderr, once.code, once.stderr)
	}
	var a, b findings.Report
	if err := json.Unmarshal([]byte(once.stdout), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(twice.stdout), &b); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range b.Findings {
		if seen[f.Fingerprint] {
			t.Errorf("fingerprint %s twice (%s %s)", f.Fingerprint, f.RuleID, f.Identity.ID)
		}
		seen[f.Fingerprint] = true
	}
	if len(a.Findings) != len(b.Findings) || a.Summary.Identities != b.Summary.Identities {
		t.Errorf("given twice: %d findings on %d identities, once: %d on %d", len(b.Findings), b.Summary.Identities, len(a.Findings), a.Summary.Identities)
	}
}

// A date that cannot be read names the file and the field, on one line.
func TestBadDateNamesFileAndField(t *testing.T) {
	r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--input", "../../testdata/bad/bad-date-gaad.json")
	want := `bad-date-gaad.json: line 10: field RoleDetailList.CreateDate: "25/02/2020 16:08" is not a date`
	if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || strings.Contains(r.stderr, "not a recognised export") {
		t.Errorf("exit %d, stderr %q; want exit 2 and %q", r.code, r.stderr, want)
	}
}

// The gcloud layout with the IAM API's REST responses where gcloud prints
// a list ({"accounts": [...]}, {"keys": [...]}, {"roles": [...]}, as saved
// with curl) scans like the gcloud lists: no other loader claims them.
func TestGCPLayoutWithRESTShapes(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	want := runCLI(t, env, "scan", "--input", "demo/gcp", "--as-of", "2026-11-01T00:00:00Z", "--format", "json")
	if want.code != 0 {
		t.Fatalf("demo: exit %d %s", want.code, want.stderr)
	}
	dir := filepath.Join(t.TempDir(), "gcp")
	wrapped := 0
	err := fs.WalkDir(demoFS, "demo/gcp", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := demoFS.ReadFile(name)
		if err != nil {
			return err
		}
		field := ""
		switch {
		case strings.HasSuffix(name, "/service-accounts.json"):
			field = "accounts"
		case strings.Contains(name, "/keys/"):
			field = "keys"
		case strings.HasSuffix(name, "/custom-roles.json"):
			field = "roles"
		}
		if field != "" {
			data = []byte(`{"` + field + `": ` + string(data) + `}`)
			wrapped++
		}
		out := filepath.Join(dir, strings.TrimPrefix(name, "demo/gcp/"))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil || wrapped < 3 {
		t.Fatalf("%d files wrapped: %v", wrapped, err)
	}
	got := runCLI(t, env, "scan", "--input", dir, "--as-of", "2026-11-01T00:00:00Z", "--format", "json")
	if got.code != 0 || got.stdout != want.stdout {
		t.Errorf("REST shapes: exit %d, stderr %q; output equal to the gcloud lists': %v", got.code, got.stderr, got.stdout == want.stdout)
	}
}
