package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/nhiscan/nhiscan/scanners/registry"
)

// environment holds what commands take from the outside world, so tests
// can replace it.
type environment struct {
	now         func() time.Time
	stderrIsTTY bool
	// providers are the clouds: their offline loaders, live scanners and
	// flags (tests replace the live scanners).
	providers []registry.Provider
	// commandLine is recorded in SARIF invocations (values of flags that
	// may carry secrets are redacted).
	commandLine string
}

func defaultEnv() *environment {
	return &environment{
		now:         time.Now,
		stderrIsTTY: term.IsTerminal(int(os.Stderr.Fd())),
		providers:   registry.All(),
		commandLine: redactedCommandLine(os.Args, registry.All()),
	}
}

// redactedCommandLine joins the arguments, hiding the values of the
// providers' secret flags (such as --external-id, a shared secret with
// the trusted party).
func redactedCommandLine(args []string, providers []registry.Provider) string {
	out := make([]string, len(args))
	for i, a := range args {
		for _, p := range providers {
			for _, name := range p.SecretFlags {
				switch {
				case i > 0 && args[i-1] == "--"+name:
					a = "REDACTED"
				case strings.HasPrefix(a, "--"+name+"="):
					a = "--" + name + "=REDACTED"
				}
			}
		}
		if strings.ContainsAny(a, " \t\"'") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

func newRootCmd(env *environment) *cobra.Command {
	root := &cobra.Command{
		Use:           "nhiscan",
		Short:         "Entitlement posture scanner for non-human identities",
		Long:          "nhiscan finds non-human identities (workload roles and users, access keys, service accounts, AI agents) whose credentials are overbroad, static, dormant or ownerless, or whose trust lets others act as them.",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Exact suggestions for misspelt commands (scna -> scan).
		SuggestionsMinimumDistance: 2,
		PersistentPreRunE:          lowerFlagValues,
	}
	applyBuildInfo()
	root.Version = version
	root.SetVersionTemplate(versionLine() + "\n")
	root.AddCommand(
		newScanCmd(env),
		newInventoryCmd(env),
		newAgentsCmd(env),
		newRulesCmd(),
		newControlsCmd(),
		newReportCmd(env),
		newMergeCmd(env),
		newOrgCmd(env),
		newPathsCmd(env),
		newVersionCmd(),
	)
	root.SetFlagErrorFunc(flagError)
	registerCompletions(root)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), versionLine()+"\n")
			return err
		},
	}
}

// providerNames are the providers' names, for arguments and help.
func providerNames(ps []registry.Provider) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}

// providerArg accepts at most one argument, a provider's name (exactly
// one when exact), before anything runs.
func providerArg(ps []registry.Provider, exact bool) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 && !exact {
			return nil
		}
		if len(args) != 1 {
			n := "at most 1"
			if exact {
				n = "1"
			}
			return inputError{fmt.Errorf("accepts %s arg(s), received %d", n, len(args))}
		}
		for _, p := range ps {
			if p.Name == args[0] {
				return nil
			}
		}
		return inputError{fmt.Errorf("unknown provider %q (want %s)", args[0], strings.Join(providerNames(ps), " or "))}
	}
}

// liveFlags declares every provider's flags on cmd for command c; the
// returned map holds each provider's options by name.
func liveFlags(cmd *cobra.Command, ps []registry.Provider, c registry.Command) map[string]registry.Live {
	live := make(map[string]registry.Live, len(ps))
	for _, p := range ps {
		l := p.NewLive()
		l.Flags(cmd.Flags(), c)
		live[p.Name] = l
	}
	return live
}

// checkLive validates the providers' flags for command c: a provider not
// chosen must not have been given its own flags, and the chosen one
// (none for an offline scan) must have all it needs.
func checkLive(ps []registry.Provider, live map[string]registry.Live, chosen string, c registry.Command) error {
	for _, p := range ps {
		check := live[p.Name].Unused
		if p.Name == chosen {
			check = live[p.Name].Check
		}
		if err := check(c); err != nil {
			return inputError{err}
		}
	}
	return nil
}

// quotedNames is 'aws', 'gcp', for messages.
func quotedNames(ps []registry.Provider) string {
	q := make([]string, len(ps))
	for i, p := range ps {
		q[i] = "'" + p.Name + "'"
	}
	return strings.Join(q, ", ")
}
