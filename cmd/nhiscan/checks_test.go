package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/rules"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// ruleSet runs a demo scan with args and returns the rules that reported.
func ruleSet(t *testing.T, args ...string) []string {
	t.Helper()
	r := runCLI(t, testEnv(inventory.Inventory{}), append([]string{"scan", "--demo", "--format", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
	}
	seen := map[string]bool{}
	for _, f := range decodeReport(t, r.stdout).Findings {
		seen[f.RuleID] = true
	}
	var out []string
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func groupHas(rs []rules.Rule, id string) bool {
	for _, r := range rs {
		if r.Meta().ID == id {
			return true
		}
	}
	return false
}

func TestCheckAndSkipCheck(t *testing.T) {
	all := ruleSet(t)
	for _, tc := range []struct {
		name string
		args []string
		keep func(id string) bool
	}{
		{"glob", []string{"--check", "NHI-OVB-*"}, func(id string) bool { return strings.HasPrefix(id, "NHI-OVB-") }},
		{"ids in any case, repeated", []string{"--check", "nhi-ovb-001", "--check", "NHI-STA-002"}, func(id string) bool { return id == "NHI-OVB-001" || id == "NHI-STA-002" }},
		{"skip, comma-separated", []string{"--skip-check", "NHI-STA-*,NHI-DOR-004"}, func(id string) bool { return !strings.HasPrefix(id, "NHI-STA-") && id != "NHI-DOR-004" }},
		{"provider group", []string{"--check", "gcp"}, func(id string) bool { return groupHas(rules.GCP(), id) }},
		{"skip a provider group", []string{"--skip-check", "AWS"}, func(id string) bool { return !groupHas(rules.AWS(), id) }},
		{"check then skip", []string{"--check", "NHI-OVB-*", "--skip-check", "NHI-OVB-001"}, func(id string) bool { return strings.HasPrefix(id, "NHI-OVB-") && id != "NHI-OVB-001" }},
	} {
		var want []string
		for _, id := range all {
			if tc.keep(id) {
				want = append(want, id)
			}
		}
		got := ruleSet(t, tc.args...)
		if strings.Join(got, " ") != strings.Join(want, " ") || len(got) == 0 {
			t.Errorf("%s: got %v, want %v", tc.name, got, want)
		}
	}

	// With the config: --skip-check adds to rules.disable; --check wins over it.
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("rules:\n  disable: [NHI-OWN-001]\n"), 0o644)
	got := strings.Join(ruleSet(t, "--config", cfg, "--skip-check", "NHI-DEL-*"), " ")
	if strings.Contains(got, "NHI-OWN-001") || strings.Contains(got, "NHI-DEL-") || !strings.Contains(got, "NHI-OVB-001") {
		t.Errorf("config disable + --skip-check: %s", got)
	}
	if got := ruleSet(t, "--config", cfg, "--check", "NHI-OWN-001"); strings.Join(got, " ") != "NHI-OWN-001" {
		t.Errorf("--check over the config's disable: %v", got)
	}

	for _, args := range [][]string{{"--check", "NHI-NOPE-*"}, {"--skip-check", "OVB"}} {
		r := runCLI(t, testEnv(inventory.Inventory{}), append([]string{"scan", "--demo"}, args...)...)
		if r.code != 2 || r.stderr != "nhiscan: "+args[0]+": no rule matches \""+args[1]+"\" (see 'nhiscan rules')\n" {
			t.Errorf("%v: exit %d %q", args, r.code, r.stderr)
		}
	}
	if r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--skip-check", "*"); r.code != 2 || !strings.Contains(r.stderr, "no rule is left to run") {
		t.Errorf("skip all: exit %d %q", r.code, r.stderr)
	}
}
