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
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
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
	if os.Getenv("GOGC") == "" {
		// A scan allocates far more than it keeps: collecting at 150%
		// heap growth instead of 100% saves about 7% of the CPU time of
		// a 20,000-role account for about 70 MB more peak RSS (344 MB).
		// GOGC in the environment still decides.
		debug.SetGCPercent(150)
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, defaultEnv())
	os.Exit(code)
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env *environment) int {
	root := newRootCmd(env)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := checkCommand(root, args)
	if err == nil {
		err = root.ExecuteContext(ctx)
	}
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
	fmt.Fprint(stderr, errorText(err))
	if isUsageError(err) {
		return exitUsage
	}
	return exitPartial
}

// isUsageError tells a usage, config or input problem (exit 2) by its
// type, never by its text: a cloud's message may well say "requires".
func isUsageError(err error) bool {
	var ie inputError
	var uc unknownCommandError
	return errors.As(err, &ie) || errors.As(err, &uc)
}

// unknownCommandError is an argument where a command takes none, or a
// command name that does not exist: a usage error.
type unknownCommandError struct {
	name   string
	parent *cobra.Command
}

func (e unknownCommandError) Error() string {
	return fmt.Sprintf("unknown command %q for %q", e.name, e.parent.CommandPath())
}

// noArgs is cobra.NoArgs with a typed error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return unknownCommandError{name: args[0], parent: cmd}
	}
	return nil
}

// usageArgs makes the errors of an argument validator usage errors.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return inputError{err}
		}
		return nil
	}
}

// flagError makes cobra's flag parsing errors (unknown flag, missing or
// invalid value) usage errors.
func flagError(_ *cobra.Command, err error) error { return inputError{err} }

// checkCommand reports a misspelt command as a typed error before cobra
// runs anything (cobra itself reports it as text). The only error Find
// returns is an unknown command of the root.
func checkCommand(root *cobra.Command, args []string) error {
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		return nil
	}
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd(args...)
	_, rest, err := root.Find(args)
	if err == nil {
		return nil
	}
	for _, a := range rest {
		if !strings.HasPrefix(a, "-") {
			return unknownCommandError{name: a, parent: root}
		}
	}
	return inputError{err}
}
