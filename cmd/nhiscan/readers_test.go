package main

import (
	"encoding/json"
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
