package main

import (
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/aws"
	"github.com/nhiscan/nhiscan/scanners/registry"
)

// environment holds what commands take from the outside world, so tests
// can replace it.
type environment struct {
	now         func() time.Time
	stderrIsTTY bool
	offline     func() []scanners.Offline
	awsLive     func(aws.LiveOptions) scanners.Live
}

func defaultEnv() *environment {
	return &environment{
		now:         time.Now,
		stderrIsTTY: term.IsTerminal(int(os.Stderr.Fd())),
		offline:     registry.Offline,
		awsLive:     func(o aws.LiveOptions) scanners.Live { return aws.NewLive(o) },
	}
}

func newRootCmd(env *environment) *cobra.Command {
	root := &cobra.Command{
		Use:           "nhiscan",
		Short:         "Entitlement posture scanner for non-human identities",
		Long:          "nhiscan finds non-human identities (workload roles and users, access keys, service accounts, AI agents) whose credentials are overbroad, static, dormant or ownerless, or whose trust lets others act as them.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newScanCmd(env),
		newInventoryCmd(env),
		newRulesCmd(),
		newControlsCmd(),
		newVersionCmd(),
	)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), "nhiscan "+version+" (commit "+commit+", built "+date+")\n")
			return err
		},
	}
}
