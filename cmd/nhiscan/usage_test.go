package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Usage errors are told by type: an error whose text happens to read like
// cobra's (a cloud's "requires MFA", "invalid argument") is not one.
func TestUsageErrorsByType(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{errors.New("sts:AssumeRole: AccessDenied: the role requires MFA"), false},
		{errors.New("iam: invalid argument: accepts 2 values"), false},
		{fmt.Errorf("scan: %w", errors.New("unknown flag in the response")), false},
		{inputError{errors.New("--per must be at least 1")}, true},
		{fmt.Errorf("config: %w", inputError{errors.New("bad key")}), true},
		{unknownCommandError{name: "x", parent: newRootCmd(testEnv(inventory.Inventory{}))}, true},
	} {
		if got := isUsageError(tc.err); got != tc.want {
			t.Errorf("isUsageError(%q) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// Every kind of command-line mistake cobra finds reaches run as a typed
// usage error: exit 2 and one line.
func TestCobraErrorsAreTyped(t *testing.T) {
	for _, args := range [][]string{
		{"scan", "--demo", "--nope"},                // unknown flag
		{"scan", "--demo", "-Z"},                    // unknown shorthand
		{"scan", "--demo", "--format"},              // flag needs an argument
		{"scan", "--demo", "--timeout", "soon"},     // invalid value
		{"scan", "--demo", "--concurrency", "many"}, // invalid value
		{"scan", "aws", "gcp"},                      // too many arguments
		{"merge"},                                   // too few arguments
		{"org", "accounts"},                         // exactly one argument
		{"rules", "explain"},                        // exactly one argument
		{"version", "now"},                          // no arguments
		{"scna"},                                    // unknown command
	} {
		root := newRootCmd(testEnv(inventory.Inventory{}))
		root.SetArgs(args)
		var out, errb strings.Builder
		root.SetOut(&out)
		root.SetErr(&errb)
		err := checkCommand(root, args)
		if err == nil {
			err = root.Execute()
		}
		if err == nil || !isUsageError(err) {
			t.Errorf("%v: error %v (%T) is not a typed usage error", args, err, err)
		}
		r := runCLI(t, testEnv(inventory.Inventory{}), args...)
		if r.code != exitUsage || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}
