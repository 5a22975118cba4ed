package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/findings/output"
	"github.com/nhiscan/nhiscan/rules"
)

// coverage is one control with the rules that map to it.
type coverage struct {
	controls.Control
	Rules []string `json:"rules"`
}

type coverageReport struct {
	Frameworks []controls.Framework `json:"frameworks"`
	Controls   []coverage           `json:"controls"`
}

func newControlsCmd() *cobra.Command {
	var format, framework string
	cmd := &cobra.Command{
		Use:   "controls",
		Short: "List framework controls and the rules that cover them",
		Long: `List the frameworks nhiscan maps findings to and, for each control, the
rules that cover it: an auditor's coverage view. Controls no rule covers are
listed with no rules.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := output.ParseFormat(format)
			if err != nil {
				return inputError{fmt.Errorf("--format: %v", err)}
			}
			if framework != "" {
				if _, ok := controls.FrameworkByID(framework); !ok {
					var ids []string
					for _, fw := range controls.Frameworks() {
						ids = append(ids, fw.ID)
					}
					return inputError{fmt.Errorf("--framework: unknown framework %q (want one of %s)", framework, strings.Join(ids, ", "))}
				}
			}
			by := map[[2]string][]string{}
			for _, r := range rules.All() {
				m := rules.Describe(r)
				for _, c := range m.Controls {
					k := [2]string{c.Framework, c.ID}
					by[k] = append(by[k], m.ID)
				}
			}
			rep := coverageReport{}
			for _, fw := range controls.Frameworks() {
				if framework == "" || fw.ID == framework {
					rep.Frameworks = append(rep.Frameworks, fw)
				}
			}
			for _, c := range controls.All() {
				if framework != "" && c.Framework != framework {
					continue
				}
				rs := by[[2]string{c.Framework, c.ID}]
				if rs == nil {
					rs = []string{}
				}
				rep.Controls = append(rep.Controls, coverage{Control: c, Rules: rs})
			}
			w := cmd.OutOrStdout()
			if f == output.JSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			var b strings.Builder
			for _, fw := range rep.Frameworks {
				fmt.Fprintf(&b, "%s: %s %s (%s)\n  %s\n", fw.ID, fw.Name, fw.Version, fw.Organization, fw.URL)
				covered, total := 0, 0
				for _, c := range rep.Controls {
					if c.Framework != fw.ID {
						continue
					}
					total++
					rs := "-"
					if len(c.Rules) > 0 {
						covered++
						rs = strings.Join(c.Rules, " ")
					}
					fmt.Fprintf(&b, "  %s  %s\n      rules: %s\n", c.ID, c.Title, rs)
				}
				fmt.Fprintf(&b, "  %d of %d covered\n\n", covered, total)
			}
			_, err = fmt.Fprint(w, b.String())
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.Flags().StringVar(&framework, "framework", "", "show one framework only (for example owasp-nhi-2025)")
	return cmd
}
