package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func TestVersionFlags(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		r := runCLI(t, testEnv(inventory.Inventory{}), args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "nhiscan test (commit ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestResolveVersion(t *testing.T) {
	unset := versionInfo{"dev", "none", "unknown"}
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "3f749b7468486651d21f07f181595a9d18a44153"},
		{Key: "vcs.time", Value: "2026-11-29T19:58:52Z"},
		{Key: "vcs.modified", Value: "false"},
	}
	dirty := append(append([]debug.BuildSetting(nil), vcs[:3]...), debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	for _, tc := range []struct {
		name string
		set  versionInfo
		info *debug.BuildInfo
		want versionInfo
	}{
		{"goreleaser ldflags win", versionInfo{"1.2.0", "abc", "2026-11-01"}, &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}}, versionInfo{"1.2.0", "abc", "2026-11-01"}},
		{"go install of a tag", unset, &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, versionInfo{"v1.3.0", "none", "unknown"}},
		{"go build in a clone: pseudo-version and revision", unset,
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261129195852-3f749b746848"}, Settings: vcs},
			versionInfo{"v0.0.0-20261129195852-3f749b746848", "3f749b7468486651d21f07f181595a9d18a44153", "2026-11-29T19:58:52Z"}},
		{"older toolchain: (devel) with revision", unset, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			versionInfo{"devel-3f749b746848", "3f749b7468486651d21f07f181595a9d18a44153", "2026-11-29T19:58:52Z"}},
		{"modified tree", unset, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: dirty},
			versionInfo{"devel-3f749b746848-dirty", "3f749b7468486651d21f07f181595a9d18a44153", "2026-11-29T19:58:52Z"}},
		{"modified tree, pseudo-version", unset, &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261129195852-3f749b746848"}, Settings: dirty},
			versionInfo{"v0.0.0-20261129195852-3f749b746848+dirty", "3f749b7468486651d21f07f181595a9d18a44153", "2026-11-29T19:58:52Z"}},
		{"nothing recorded", unset, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, unset},
	} {
		if got := resolveVersion(tc.set, tc.info, true); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := resolveVersion(unset, nil, false); got != unset {
		t.Errorf("no build info: %+v", got)
	}
}

func TestCaseInsensitiveValues(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	lower := runCLI(t, env, "scan", "--demo", "--format", "json", "--fail-on", "critical")
	upper := runCLI(t, env, "scan", "--demo", "--format", "JSON", "--fail-on", "Critical")
	if upper.code != 1 || lower.code != 1 || upper.stdout != lower.stdout {
		t.Errorf("exit %d/%d, outputs equal: %v, stderr %q", lower.code, upper.code, upper.stdout == lower.stdout, upper.stderr)
	}
	if r := runCLI(t, env, "scan", "--demo", "--fail-on", "NONE", "--format", "Sarif", "--sarif-profile", "Audit"); r.code != 0 || !strings.Contains(r.stdout, `"version": "2.1.0"`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if r := runCLI(t, env, "paths", "--demo", "--format", "DOT"); r.code != 0 || !strings.HasPrefix(r.stdout, "digraph") {
		t.Errorf("paths --format DOT: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestAsOfDate(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	date := runCLI(t, env, "scan", "--demo", "--format", "json", "--as-of", "2027-02-01")
	full := runCLI(t, env, "scan", "--demo", "--format", "json", "--as-of", "2027-02-01T00:00:00Z")
	if date.code != 0 || date.stdout != full.stdout || !strings.Contains(date.stdout, `"as_of": "2027-02-01T00:00:00Z"`) {
		t.Errorf("exit %d %q", date.code, date.stderr)
	}
	if r := runCLI(t, env, "scan", "--demo", "--as-of", "2027-02-30"); r.code != 2 || !strings.Contains(r.stderr, "want a date such as 2026-11-01 or an RFC 3339 time") {
		t.Errorf("bad date: exit %d %q", r.code, r.stderr)
	}
}

// complete runs cobra's hidden completion command, as the shell scripts
// do, and returns the candidates.
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	r := runCLI(t, testEnv(inventory.Inventory{}), append([]string{"__complete"}, args...)...)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if !strings.HasPrefix(l, ":") {
			out = append(out, l)
		}
	}
	return out
}

func TestFlagCompletion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--format", ""}, "table json sarif csv markdown junit html"},
		{[]string{"report", "--format", ""}, "table json sarif csv markdown junit html"},
		{[]string{"paths", "--format", ""}, "table json dot mermaid"},
		{[]string{"inventory", "--format", ""}, "table json"},
		{[]string{"controls", "--format", ""}, "table json"},
		{[]string{"scan", "--fail-on", ""}, "critical high medium low none"},
		{[]string{"report", "--fail-on", "h"}, "critical high medium low none"},
		{[]string{"scan", "--sarif-profile", ""}, "github audit"},
	} {
		got := strings.Join(complete(t, tc.args...), " ")
		if got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.args, got, tc.want)
		}
	}
	for _, args := range [][]string{{"rules", "explain", ""}, {"scan", "--check", ""}, {"scan", "--skip-check", ""}} {
		got := complete(t, args...)
		if len(got) < 20 || got[0] != "NHI-OVB-001" {
			t.Errorf("%v: %v", args, got)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	r := runCLI(t, testEnv(inventory.Inventory{}), "scna", "--demo")
	want := "nhiscan: unknown command \"scna\" for \"nhiscan\" (see 'nhiscan --help')\nDid you mean: nhiscan scan\n"
	if r.code != 2 || r.stderr != want {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, testEnv(inventory.Inventory{}), "rules", "explian", "NHI-OVB-001")
	if r.code != 2 || r.stderr != "nhiscan: unknown command \"explian\" for \"nhiscan rules\" (see 'nhiscan rules --help')\nDid you mean: nhiscan rules explain\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, testEnv(inventory.Inventory{}), "frobnicate")
	if r.code != 2 || r.stderr != "nhiscan: unknown command \"frobnicate\" for \"nhiscan\" (see 'nhiscan --help')\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// A plain `go build` in a git checkout (no goreleaser -ldflags) prints the
// module's pseudo-version and the commit, not "dev". The working tree is
// copied into a fresh repository so the test builds this code, wherever
// the test itself runs (a git worktree's .git file is not stamped).
func TestBuiltBinaryVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	files, err := exec.Command(git, "-C", "../..", "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	repo := t.TempDir()
	for _, f := range strings.Split(strings.TrimSpace(string(files)), "\n") {
		data, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			continue // deleted in the working tree
		}
		dst := filepath.Join(repo, f)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitRun := func(args ...string) {
		cmd := exec.Command(git, append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	gitRun("init", "-q")
	gitRun("add", "-A")
	gitRun("commit", "-q", "-m", "snapshot")
	bin := filepath.Join(t.TempDir(), "nhiscan")
	build := exec.Command(gobin, "build", "-buildvcs=true", "-o", bin, "./cmd/nhiscan")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	head, _ := exec.Command(git, "-C", repo, "rev-parse", "HEAD").Output()
	want := regexp.MustCompile(`^nhiscan v0\.0\.0-\d{14}-[0-9a-f]{12} \(commit ` + strings.TrimSpace(string(head)) + `, built \d{4}-\d\d-\d\dT`)
	if !want.Match(out) {
		t.Errorf("--version of a go build: %q", out)
	}
}

// A format the command does not have is a usage error, found before
// anything is scanned.
func TestInventoryFormat(t *testing.T) {
	r := runCLI(t, testEnv(inventory.Inventory{}), "inventory", "--demo", "--format", "sarif")
	if r.code != 2 || r.stdout != "" || r.stderr != "nhiscan: --format: unknown format \"sarif\" for the inventory (want table or json)\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
