package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// An unknown key in the config or ignore file is one line naming the
// file, the line, the key with its section, and what was probably meant.
func TestUnknownYAMLKey(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "nhiscan.yaml")
	os.WriteFile(cfg, []byte("thresholds:\n  role_unused_day: 30\nrules:\n  disable: [NHI-OWN-001]\n"), 0o644)
	ign := filepath.Join(dir, "ignore.yaml")
	os.WriteFile(ign, []byte("version: 1\nsuppressions:\n  - rule: NHI-OVB-001\n    identity: x\n    reason: r\n    owner: o\n    expires: 2027-01-01\n    until: never\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", cfg}, "nhiscan: config " + cfg + ": line 2: unknown key \"thresholds.role_unused_day\" (did you mean \"role_unused_days\"?)\n"},
		{[]string{"--ignore-file", ign}, "nhiscan: ignore file " + ign + ": line 8: unknown key \"suppressions[0].until\" (known keys here: expires, fingerprint, identity, owner, reason, rule)\n"},
	} {
		r := runCLI(t, testEnv(inventory.Inventory{}), append([]string{"scan", "--demo"}, tc.args...)...)
		if r.code != 2 || r.stderr != tc.want {
			t.Errorf("exit %d\n got %q\nwant %q", r.code, r.stderr, tc.want)
		}
	}
}

// A SARIF log or other JSON given as --baseline says what it is and what
// is expected.
func TestForeignBaseline(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	sarif := filepath.Join(dir, "nhiscan.sarif")
	listing := filepath.Join(dir, "inventory.json")
	runCLI(t, env, "scan", "--demo", "--format", "sarif", "--output", sarif)
	runCLI(t, env, "inventory", "--demo", "--format", "json", "--output", listing)
	other := filepath.Join(dir, "other.json")
	os.WriteFile(other, []byte(`{"results": []}`), 0o644)
	array := filepath.Join(dir, "array.json")
	os.WriteFile(array, []byte(`[{"fingerprint": "x"}]`), 0o644)
	want := "; want a baseline written by --write-baseline or a JSON report from --format json\n"
	for path, what := range map[string]string{
		sarif:   "a SARIF log, which cannot serve as a baseline",
		listing: "an inventory listing (nhiscan inventory), not a baseline",
		other:   `JSON without a "findings" list, not a nhiscan baseline or report`,
		array:   "a JSON array, not a nhiscan baseline or report",
	} {
		r := runCLI(t, env, "scan", "--demo", "--baseline", path)
		if r.code != 2 || r.stderr != "nhiscan: baseline "+path+": "+what+want {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	}
	r := runCLI(t, env, "scan", "--demo", "--baseline", "../../README.md")
	if r.code != 2 || !strings.HasPrefix(r.stderr, "nhiscan: baseline ../../README.md: not JSON (") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// A value of the wrong kind in the config or ignore file is one line with
// its line, dotted key, what was wanted and what was given, never the
// decoder's YAML tags and Go types.
func TestYAMLWrongKinds(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		flag, yaml, want string
	}{
		{"--config", "rules:\n  disable: NHI-DEL-004\n", `line 2: rules.disable: want a list, got the text "NHI-DEL-004"`},
		{"--config", "thresholds:\n  role_unused_days: ninety\n", `line 2: thresholds.role_unused_days: want a whole number, got the text "ninety"`},
		{"--config", "thresholds: 5\n", `line 1: thresholds: want a mapping of keys to values, got the number 5`},
		{"--config", "owners:\n  - team-a\n", `line 2: owners: want a mapping of keys to values, got a list`},
		{"--config", "rules:\n  disable: [NHI-DEL-004, {a: b}]\n", `line 2: rules.disable[1]: want text, got a mapping`},
		{"--config", "include_provider_managed: yes please\n", `line 1: include_provider_managed: want true or false, got the text "yes please"`},
		{"--ignore-file", "version: 1\nsuppressions:\n  rule: NHI-OVB-001\n", `line 3: suppressions: want a list, got a mapping`},
		{"--ignore-file", "version: one\n", `line 1: version: want a whole number, got the text "one"`},
	} {
		p := filepath.Join(dir, "f.yaml")
		if err := os.WriteFile(p, []byte(tc.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		kind := map[string]string{"--config": "config ", "--ignore-file": "ignore file "}[tc.flag]
		r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", tc.flag, p)
		if want := "nhiscan: " + kind + p + ": " + tc.want + "\n"; r.code != 2 || r.stderr != want {
			t.Errorf("%q: exit %d\n got %q\nwant %q", tc.yaml, r.code, r.stderr, want)
		}
	}
}
