package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Every file nhiscan writes gets its missing directories, mode 0644, and
// no temporary file left beside it.
func TestWrittenFilesCreateDirectories(t *testing.T) {
	old := syscall.Umask(0o077) // a strict umask must not make reports private
	defer syscall.Umask(old)
	dir := t.TempDir()
	report := filepath.Join(dir, "out", "reports", "nhiscan.sarif")
	base := filepath.Join(dir, ".nhiscan", "baseline.json")
	r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--format", "sarif", "--output", report, "--write-baseline", base)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, p := range []string{report, base} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644", p, st.Mode().Perm())
		}
		left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".nhiscan-*.tmp"))
		if len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
	paths := filepath.Join(dir, "deep", "paths.json")
	if r := runCLI(t, testEnv(inventory.Inventory{}), "paths", "--demo", "--format", "json", "--output", paths); r.code != 0 {
		t.Fatalf("paths: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(paths); err != nil {
		t.Error(err)
	}
}

// An unwritable path is an input error naming the flag the user passed,
// and the existing file is kept.
func TestUnwritablePathNamesFlag(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, []byte("x"), 0o644)
	for _, tc := range []struct{ flag, want string }{
		{"--output", "--output " + filepath.Join(blocker, "r.json") + ": "},
		{"--write-baseline", "--write-baseline " + filepath.Join(blocker, "b.json") + ": "},
	} {
		target := filepath.Join(blocker, map[string]string{"--output": "r.json", "--write-baseline": "b.json"}[tc.flag])
		r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--format", "json", tc.flag, target)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "nhiscan: "+tc.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", tc.flag, r.code, r.stderr)
		}
	}
	if r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--output", dir); r.code != 2 || r.stderr != "nhiscan: --output "+dir+": is a directory; name the file to write\n" {
		t.Errorf("directory as --output: exit %d %q", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(blocker); string(data) != "x" {
		t.Error("existing file changed")
	}
}
