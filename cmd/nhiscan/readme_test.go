package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/rules"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// The configuration and ignore-file examples in README.md must be what
// nhiscan accepts.
func TestREADMEExamples(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(data), "```yaml\n")
	var config, ignore int
	for _, b := range blocks[1:] {
		body, _, _ := strings.Cut(b, "```")
		switch {
		case strings.Contains(body, "thresholds:"):
			config++
			cfg := rules.DefaultConfig(time.Now())
			if err := applyConfig([]byte(body), &cfg); err != nil {
				t.Errorf("README config example: %v", err)
			}
			if cfg.OwnerDescription == nil || cfg.OwnerDescription.String() != rules.DefaultOwnerDescription.String() {
				t.Errorf("README owner_description_pattern %v differs from the default %v", cfg.OwnerDescription, rules.DefaultOwnerDescription)
			}
		case strings.Contains(body, "suppressions:"):
			ignore++
			if _, err := parseIgnoreFile([]byte(body)); err != nil {
				t.Errorf("README ignore-file example: %v", err)
			}
		}
	}
	if config != 1 || ignore != 1 {
		t.Errorf("found %d config and %d ignore-file examples, want 1 each", config, ignore)
	}
}

// readmeSection returns README.md from the heading start up to the next
// heading of the same or a higher level.
func readmeSection(t *testing.T, start string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n"+start+"\n")
	if i < 0 {
		t.Fatalf("README has no %q", start)
	}
	body := s[i+1+len(start):]
	level := strings.SplitN(start, " ", 2)[0]
	for _, l := range strings.Split(body, "\n") {
		if h, _, ok := strings.Cut(l, " "); ok && strings.Trim(h, "#") == "" && len(h) <= len(level) && len(h) > 0 {
			return body[:strings.Index(body, "\n"+l+"\n")]
		}
	}
	return body
}

// fencedBlocks returns the bodies of the ```lang blocks in text.
func fencedBlocks(text, lang string) []string {
	var out []string
	parts := strings.Split(text, "```"+lang+"\n")
	for _, p := range parts[1:] {
		body, _, _ := strings.Cut(p, "```")
		out = append(out, body)
	}
	return out
}

// The README's CI section, run as written: its nhiscan commands, with the
// live account ("scan aws") replaced by the demo account's exports, in a
// fresh directory, so the baseline, gate and suppression steps are exactly
// what a new user types.
func TestREADMECISection(t *testing.T) {
	section := readmeSection(t, "## CI: fail only on new findings")
	var cmds [][]string
	for _, block := range fencedBlocks(section, "sh") {
		for _, line := range strings.Split(block, "\n") {
			line, _, _ = strings.Cut(line, "#")
			if f := strings.Fields(line); len(f) > 0 && f[0] == "nhiscan" {
				cmds = append(cmds, f[1:])
			}
		}
	}
	if len(cmds) != 4 {
		t.Fatalf("want 4 commands in the CI section (write baseline, 2 gates, gate with suppressions), got %d: %v", len(cmds), cmds)
	}
	var ignoreYAML, gateExample string
	for _, b := range fencedBlocks(section, "yaml") {
		if strings.Contains(b, "suppressions:") {
			ignoreYAML = b
		}
	}
	for _, b := range fencedBlocks(section, "") {
		if strings.HasPrefix(b, "nhiscan: ") {
			gateExample = b
		}
	}
	if ignoreYAML == "" || gateExample == "" {
		t.Fatal("the CI section lost its ignore-file example or its gate output example")
	}
	env := testEnv(inventory.Inventory{})
	run := func(args []string, input string) result {
		t.Helper()
		var out []string
		for i, a := range args {
			if a == "aws" && i > 0 && args[i-1] == "scan" {
				out = append(out, "--input", input)
				continue
			}
			out = append(out, a)
		}
		return runCLI(t, env, out...)
	}
	t.Chdir(t.TempDir())
	account := copyDemoWithAdmin(t, "")

	// Write the baseline: its directory does not exist yet.
	if r := run(cmds[0], account); r.code != 0 {
		t.Fatalf("%v: exit %d: %s", cmds[0], r.code, r.stderr)
	}
	if _, err := os.Stat(".nhiscan/baseline.json"); err != nil {
		t.Fatal(err)
	}
	// The same account passes both gates; SARIF lands in a new directory.
	for _, c := range cmds[1:3] {
		if r := run(c, account); r.code != 0 {
			t.Errorf("%v on the baselined account: exit %d: %s", c, r.code, r.stderr)
		}
	}
	if data, err := os.ReadFile("reports/nhiscan.sarif"); err != nil || !strings.Contains(string(data), `"version": "2.1.0"`) {
		t.Errorf("reports/nhiscan.sarif: %v", err)
	}
	// A new break-glass administrator fails the gate, named as the README shows.
	changed := copyDemoWithAdmin(t, "breakglass-ops")
	r := run(cmds[1], changed)
	if r.code != 1 || !strings.Contains(r.stderr, gateExample) {
		t.Errorf("%v with a new admin role: exit %d, stderr:\n%s\nwant it to contain:\n%s", cmds[1], r.code, r.stderr, gateExample)
	}
	if rep := r.stdout; !strings.Contains(rep, "breakglass-ops") || strings.Contains(rep, "legacy-etl") {
		t.Errorf("--new-only listed the wrong findings:\n%s", rep)
	}
	// The README's ignore file, saved where nhiscan looks by default, accepts it.
	if err := os.WriteFile(".nhiscan-ignore.yaml", []byte(ignoreYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(cmds[3], changed); r.code != 0 {
		t.Errorf("%v with the README's suppression: exit %d: %s", cmds[3], r.code, r.stderr)
	}
	if r := run(cmds[1], changed); r.code != 0 {
		t.Errorf("%v with the README's suppression: exit %d: %s", cmds[1], r.code, r.stderr)
	}
}
