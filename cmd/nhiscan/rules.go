package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/rules"
)

func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rule catalogue",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			for _, r := range rules.All() {
				m := r.Meta()
				if _, err := fmt.Fprintf(w, "%-12s %-11s %-9s %s\n", m.ID, m.Category, m.Severity, m.Title); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "explain RULE-ID",
		Short: "Explain one rule",
		Args:  usageArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			var ids []string
			for _, r := range rules.All() {
				ids = append(ids, r.Meta().ID)
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			r, ok := rules.ByID(rules.All(), strings.ToUpper(args[0]))
			if !ok {
				return inputError{fmt.Errorf("no rule %q (see 'nhiscan rules')", args[0])}
			}
			m := rules.Describe(r)
			var b strings.Builder
			fmt.Fprintf(&b, "%s  %s\n\n", m.ID, m.Title)
			fmt.Fprintf(&b, "Category:  %s\nSeverity:  %s (default)\nProviders: %s\n\n", m.Category, m.Severity, strings.Join(m.Providers, ", "))
			fmt.Fprintf(&b, "Description\n  %s\n\nRationale\n  %s\n\nRemediation\n  %s\n", m.Description, m.Rationale, m.Remediation)
			if m.Defaults != "" {
				fmt.Fprintf(&b, "\nDefaults\n  %s\n", m.Defaults)
			}
			b.WriteString("\nControls\n")
			for _, c := range m.Controls {
				title := ""
				if ctl, ok := controls.Lookup(c.Framework, c.ID); ok {
					title = ctl.Title
				}
				fmt.Fprintf(&b, "  %-18s %-34s %s\n", c.Framework, c.ID, title)
			}
			if len(m.References) > 0 {
				b.WriteString("\nReferences\n")
				for _, ref := range m.References {
					fmt.Fprintf(&b, "  %s\n", ref)
				}
			}
			_, err := fmt.Fprint(cmd.OutOrStdout(), b.String())
			return err
		},
	})
	return cmd
}
