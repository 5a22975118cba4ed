// Command nhiscan finds non-human identities whose credentials are
// overbroad, static, dormant or ownerless, or whose trust lets others act
// as them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Set by goreleaser through -ldflags.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// Exit codes. Scripts rely on them.
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
	exitPartial  = 3
)

// inputError is a usage, config or input problem: exit 2.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// exitError carries an exit code whose message was already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, defaultEnv())
	stop()
	os.Exit(code)
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env *environment) int {
	root := newRootCmd(env)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprint(stderr, errorText(root, err))
	var ie inputError
	if errors.As(err, &ie) || isUsageError(err) {
		return exitUsage
	}
	return exitPartial
}

// isUsageError recognises cobra's own flag and argument errors.
func isUsageError(err error) bool {
	m := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand", "unknown command", "flag needs an argument", "invalid argument", "accepts ", "requires ", "bad flag", "if any flags"} {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}
