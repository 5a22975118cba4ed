package main

import (
	"fmt"
	"regexp"
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

var unknownCommand = regexp.MustCompile(`^unknown command "([^"]*)" for "([^"]*)"`)

// errorText is the message printed for an error: one line, except that
// an unknown command's suggestion goes on a line of its own.
func errorText(root *cobra.Command, err error) string {
	msg := strings.TrimSpace(err.Error())
	m := unknownCommand.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Sprintf("nhiscan: %s\n", strings.ReplaceAll(msg, "\n", " "))
	}
	parent := root
	if c, _, ferr := root.Find(strings.Fields(m[2])[1:]); ferr == nil && c != nil {
		parent = c
	}
	text := fmt.Sprintf("nhiscan: unknown command %q for %q (see '%s --help')\n", m[1], parent.CommandPath(), parent.CommandPath())
	if parent.SuggestionsMinimumDistance <= 0 {
		parent.SuggestionsMinimumDistance = 2
	}
	if s := parent.SuggestionsFor(m[1]); len(s) > 0 {
		text += fmt.Sprintf("Did you mean: %s %s\n", parent.CommandPath(), s[0])
	}
	return text
}
