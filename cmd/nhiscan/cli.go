package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/nhiscan/nhiscan/findings/output"
	"github.com/nhiscan/nhiscan/rules"
)

// caseInsensitiveFlags take fixed values in any case: --format JSON is
// --format json.
var caseInsensitiveFlags = []string{"format", "fail-on", "sarif-profile"}

// lowerFlagValues lowercases the values of caseInsensitiveFlags before
// a command parses them.
func lowerFlagValues(cmd *cobra.Command, _ []string) error {
	for _, name := range caseInsensitiveFlags {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		if v := f.Value.String(); v != strings.ToLower(v) {
			if err := f.Value.Set(strings.ToLower(v)); err != nil {
				return err
			}
		}
	}
	return nil
}

// formatValues lists the --format values of each command, for completion.
func formatValues(cmd *cobra.Command) []string {
	switch cmd.Name() {
	case "inventory", "controls":
		return []string{string(output.Table), string(output.JSON)}
	case "paths":
		return []string{string(output.Table), string(output.JSON), string(output.DOT), string(output.Mermaid)}
	case "agents":
		return []string{string(output.Table), string(output.JSON), string(output.Markdown)}
	}
	var out []string
	for _, f := range output.Formats {
		out = append(out, string(f))
	}
	return out
}

func ruleIDs() []string {
	var ids []string
	for _, r := range rules.All() {
		ids = append(ids, r.Meta().ID)
	}
	return ids
}

func fixed(values ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// registerCompletions completes the values of the flags that take fixed
// values, in every command that has them.
func registerCompletions(cmd *cobra.Command) {
	severities := []string{"critical", "high", "medium", "low"}
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		var fn cobra.CompletionFunc
		switch f.Name {
		case "format":
			fn = fixed(formatValues(cmd)...)
		case "fail-on":
			fn = fixed(append(severities, "none")...)
		case "severity":
			fn = fixed(append(severities, "info")...)
		case "sarif-profile":
			fn = fixed(output.ProfileGitHub, output.ProfileAudit)
		case "check", "skip-check", "rule":
			fn = fixed(ruleIDs()...)
		}
		if fn != nil {
			cmd.RegisterFlagCompletionFunc(f.Name, fn) //nolint:errcheck // the flag exists: VisitAll found it
		}
	})
	for _, c := range cmd.Commands() {
		registerCompletions(c)
	}
}

// errorText is the message printed for an error: one line, except that
// an unknown command's suggestion goes on a line of its own.
func errorText(err error) string {
	var uc unknownCommandError
	if !errors.As(err, &uc) {
		return fmt.Sprintf("nhiscan: %s\n", strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", " "))
	}
	parent := uc.parent
	text := fmt.Sprintf("nhiscan: unknown command %q for %q (see '%s --help')\n", uc.name, parent.CommandPath(), parent.CommandPath())
	if parent.SuggestionsMinimumDistance <= 0 {
		parent.SuggestionsMinimumDistance = 2
	}
	if s := parent.SuggestionsFor(uc.name); len(s) > 0 {
		text += fmt.Sprintf("Did you mean: %s %s\n", parent.CommandPath(), s[0])
	}
	return text
}
