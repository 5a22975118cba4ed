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

// interrupted is the cause of a run cancelled by SIGINT or SIGTERM.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string {
	name := "SIGINT"
	if i.sig == syscall.SIGTERM {
		name = "SIGTERM"
	}
	return "interrupted by " + name + ": nothing was written"
}

// code is the shell's code for a process ended by the signal: 128+signal.
func (i interrupted) code() int {
	if i.sig == syscall.SIGTERM {
		return 128 + int(syscall.SIGTERM)
	}
	return 128 + int(syscall.SIGINT)
}

// interruption returns the interrupted error once ctx is cancelled.
func interruption(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	var in interrupted
	if errors.As(context.Cause(ctx), &in) {
		return in
	}
	return interrupted{os.Interrupt}
}

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		// A second signal ends the process at once.
		signal.Stop(sigs)
		cancel(interrupted{sig})
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, defaultEnv())
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
	var in interrupted
	if errors.As(err, &in) {
		fmt.Fprintf(stderr, "nhiscan: %s\n", in)
		return in.code()
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
