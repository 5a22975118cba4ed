package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/inventory"
	"github.com/nhiscan/nhiscan/scanners/registry"
)

var errDenied = errors.New("AccessDenied")

// failingFlags keeps a provider's flags but scans with a scanner that fails.
type failingFlags struct{ registry.Live }

func (failingFlags) Scanner(registry.Common) scanners.Live { return failingLive{} }

type failingLive struct{}

func (failingLive) Name() string { return "aws" }
func (failingLive) Scan(context.Context) (inventory.Inventory, error) {
	return inventory.Inventory{}, errDenied
}

// execute runs the command line and returns its error, unprinted.
func execute(env *environment, args ...string) error {
	root := newRootCmd(env)
	root.SetArgs(args)
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	return root.ExecuteContext(context.Background())
}

// Errors wrap their causes: callers can tell them with errors.Is and As.
func TestErrorsWrapCauses(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	for i := range env.providers {
		newLive := env.providers[i].NewLive
		env.providers[i].NewLive = func() registry.Live { return failingFlags{newLive()} }
	}
	if err := execute(env, "scan", "aws"); !errors.Is(err, errDenied) || !isUsageError(err) {
		t.Errorf("live scan: %v does not wrap the scanner's error", err)
	}
	dir := t.TempDir()
	if err := execute(env, "scan", "--input", filepath.Join(dir, "nope.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing input: %v does not wrap fs.ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"Roles": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	var syntax *json.SyntaxError
	if err := execute(env, "scan", "--demo", "--baseline", bad); !errors.As(err, &syntax) {
		t.Errorf("bad baseline: %v does not wrap the JSON syntax error", err)
	}
	if err := execute(env, "report", "--input", filepath.Join(dir, "none.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("report: %v does not wrap fs.ErrNotExist", err)
	}
	if _, err := findings.ParseBaseline([]byte(`{"schema_version": "1", "findings": [], "tool": 5}`)); !errors.As(err, new(*json.UnmarshalTypeError)) {
		t.Errorf("ParseBaseline: %v does not wrap the JSON error", err)
	}
}

// countingFlags keeps a provider's flags and counts the live scans.
type countingFlags struct {
	registry.Live
	scans *int
}

func (c countingFlags) Scanner(registry.Common) scanners.Live { return countingLive{c.scans} }

type countingLive struct{ scans *int }

func (countingLive) Name() string { return "aws" }
func (c countingLive) Scan(context.Context) (inventory.Inventory, error) {
	*c.scans++
	return inventory.Inventory{}, nil
}

// Every command rejects a format it cannot write before it scans or
// reads anything: exit 2, no live scan.
func TestFormatCheckedBeforeScanning(t *testing.T) {
	scans := 0
	env := testEnv(inventory.Inventory{})
	for i := range env.providers {
		newLive := env.providers[i].NewLive
		env.providers[i].NewLive = func() registry.Live { return countingFlags{newLive(), &scans} }
	}
	for _, args := range [][]string{
		{"scan", "aws", "--format", "xml"},
		{"scan", "aws", "--format", "dot"},
		{"scan", "aws", "--format", "sarif", "--sarif-profile", "gitlab"},
		{"inventory", "aws", "--format", "sarif"},
		{"paths", "aws", "--format", "sarif"},
		{"controls", "--format", "sarif"},
		{"report", "--input", "missing.json", "--format", "xml"},
		{"merge", "missing.json", "--format", "xml"},
	} {
		r := runCLI(t, env, args...)
		if r.code != exitUsage || scans != 0 || r.stdout != "" || !strings.Contains(r.stderr, "format") && !strings.Contains(r.stderr, "profile") {
			t.Errorf("%v: exit %d, %d scans, stderr %q", args, r.code, scans, r.stderr)
		}
	}
	if r := runCLI(t, env, "inventory", "aws", "--format", "json"); r.code != 0 || scans != 1 {
		t.Errorf("a valid format: exit %d, %d scans", r.code, scans)
	}
}
