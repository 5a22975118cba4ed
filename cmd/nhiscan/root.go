package main

import (
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/aws"
	"github.com/nhiscan/nhiscan/scanners/gcp"
	"github.com/nhiscan/nhiscan/scanners/registry"
)

// environment holds what commands take from the outside world, so tests
// can replace it.
type environment struct {
	now         func() time.Time
	stderrIsTTY bool
	offline     func() []scanners.Offline
	awsLive     func(aws.LiveOptions) scanners.Live
	gcpLive     func(gcp.LiveOptions) scanners.Live
	// commandLine is recorded in SARIF invocations (values of flags that
	// may carry secrets are redacted).
	commandLine string
}

func defaultEnv() *environment {
	return &environment{
		now:         time.Now,
		stderrIsTTY: term.IsTerminal(int(os.Stderr.Fd())),
		offline:     registry.Offline,
		awsLive:     func(o aws.LiveOptions) scanners.Live { return aws.NewLive(o) },
		gcpLive:     func(o gcp.LiveOptions) scanners.Live { return gcp.NewLive(o) },
		commandLine: redactedCommandLine(os.Args),
	}
}

// redactedCommandLine joins the arguments, hiding the value of
// --external-id (a shared secret with the trusted party).
func redactedCommandLine(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		switch {
		case i > 0 && args[i-1] == "--external-id":
			a = "REDACTED"
		case strings.HasPrefix(a, "--external-id="):
			a = "--external-id=REDACTED"
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
