package output

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
)

// Control states of the compliance matrix.
const (
	Pass      = "PASS"
	Fail      = "FAIL"
	NotTested = "NOT TESTED"
)

// ControlResult is one control of the compliance matrix: the rules that
// test it and, when a report was given, whether it passed.
type ControlResult struct {
	controls.Control
	// Rules are every rule mapped to the control.
	Rules []string `json:"rules"`
	// Status is PASS, FAIL or NOT TESTED; empty without a report.
	Status string `json:"status,omitempty"`
	// Reason says why a control was not tested.
	Reason string `json:"reason,omitempty"`
	// Open counts unsuppressed findings of the control's rules; Suppressed
	// the accepted ones.
	Open       int `json:"open_findings"`
	Suppressed int `json:"suppressed_findings"`
}

// FrameworkResult is one framework of the matrix with its counts.
type FrameworkResult struct {
	controls.Framework
	Pass      int             `json:"pass"`
	Fail      int             `json:"fail"`
	NotTested int             `json:"not_tested"`
	Controls  []ControlResult `json:"controls"`
}

// Compliance is the compliance matrix of a report (Assessed) or the bare
// coverage of the rule catalogue.
type Compliance struct {
	Assessed   bool              `json:"assessed"`
	AsOf       string            `json:"as_of,omitempty"`
	Frameworks []FrameworkResult `json:"frameworks"`
}

// BuildCompliance maps the report's findings onto every control of the
// catalogue (of one framework when framework is set). A control FAILs
// when an unsuppressed finding cites it; it is NOT TESTED
// when no rule maps to it, when its rules were disabled, or when none of
// their providers was scanned (for a framework about one provider, such
// as a CIS benchmark, when that provider was not scanned); otherwise it
// PASSes. A finding counts for the controls it cites, which follow its
// identity's provider. With assess false only
// the rules per control are filled in.
func BuildCompliance(r *findings.Report, framework string, assess bool) Compliance {
	c := Compliance{Assessed: assess}
	if assess {
		c.AsOf = r.AsOf.UTC().Format("2006-01-02T15:04:05Z")
	}
	byControl := map[[2]string][]findings.Rule{}
	for _, rule := range r.Rules {
		for _, ctl := range rule.Controls {
			k := [2]string{ctl.Framework, ctl.ID}
			byControl[k] = append(byControl[k], rule)
		}
	}
	scanned := map[string]bool{}
	for _, s := range r.Sources {
		if s.Status != "failed" {
			scanned[s.Scanner] = true
		}
	}
	// A finding counts for the controls it cites: mappings follow the
	// identity's provider, so a GCP key's rotation finding fails CIS GCP
	// 1.7 and never CIS AWS 1.14, though one rule maps to both.
	ruleControls := map[string][]findings.Control{}
	for _, rule := range r.Rules {
		ruleControls[rule.ID] = rule.Controls
	}
	open, suppressed := map[[2]string]int{}, map[[2]string]int{}
	for i := range r.Findings {
		f := &r.Findings[i]
		scanned[f.Identity.Provider] = true
		cited := f.Controls
		if len(cited) == 0 {
			cited = ruleControls[f.RuleID] // a report that left them out
		}
		for _, ctl := range cited {
			k := [2]string{ctl.Framework, ctl.ID}
			if f.Suppression != nil {
				suppressed[k]++
			} else {
				open[k]++
			}
		}
	}
	for _, fw := range controls.Frameworks() {
		if framework != "" && fw.ID != framework {
			continue
		}
		fr := FrameworkResult{Framework: fw, Controls: []ControlResult{}}
		for _, ctl := range controls.All() {
			if ctl.Framework != fw.ID {
				continue
			}
			cr := ControlResult{Control: ctl, Rules: []string{}}
			tested := false
			enabled := false
			for _, rule := range byControl[[2]string{ctl.Framework, ctl.ID}] {
				cr.Rules = append(cr.Rules, rule.ID)
				if r.Scan.RuleDisabled(rule.ID) {
					continue
				}
				enabled = true
				for _, p := range rule.Providers {
					if scanned[p] && (fw.Provider == "" || p == fw.Provider) {
						tested = true
					}
				}
			}
			if enabled {
				k := [2]string{ctl.Framework, ctl.ID}
				cr.Open, cr.Suppressed = open[k], suppressed[k]
			}
			var lacking, partly string
			if enabled && tested {
				lacking, partly = unassessed(r.Sources, byControl[[2]string{ctl.Framework, ctl.ID}], r.Scan, fw.Provider)
			}
			if assess {
				switch {
				case len(cr.Rules) == 0:
					cr.Status, cr.Reason = NotTested, "no rule tests it"
				case !enabled:
					cr.Status, cr.Reason = NotTested, "its rules were disabled"
				case !tested && fw.Provider != "":
					cr.Status, cr.Reason = NotTested, "its provider ("+fw.Provider+") was not scanned"
				case !tested:
					cr.Status, cr.Reason = NotTested, "no provider its rules cover was scanned"
				case cr.Open > 0:
					cr.Status = Fail
				case lacking != "":
					cr.Status, cr.Reason = NotTested, "not assessed: "+lacking
				default:
					cr.Status, cr.Reason = Pass, partly
				}
				switch cr.Status {
				case Pass:
					fr.Pass++
				case Fail:
					fr.Fail++
				default:
					fr.NotTested++
				}
			}
			fr.Controls = append(fr.Controls, cr)
		}
		c.Frameworks = append(c.Frameworks, fr)
	}
	return c
}

// WriteCompliance renders the matrix as table, json, csv or markdown.
func WriteCompliance(w io.Writer, f Format, c Compliance) error {
	switch f {
	case Table:
		return complianceTable(w, c)
	case JSON:
		return encodeJSON(w, c)
	case CSV:
		return complianceCSV(w, c)
	case Markdown:
		_, err := io.WriteString(w, complianceMarkdown(c, "##"))
		return err
	}
	return fmt.Errorf("the compliance matrix has no %s format (want table, json, csv or markdown)", f)
}

func complianceTable(w io.Writer, c Compliance) error {
	var b strings.Builder
	for _, fw := range c.Frameworks {
		fmt.Fprintf(&b, "%s: %s %s (%s)\n  %s\n", fw.ID, fw.Name, fw.Version, fw.Organization, fw.URL)
		covered := 0
		for _, ctl := range fw.Controls {
			rs := "-"
			if len(ctl.Rules) > 0 {
				covered++
				rs = strings.Join(ctl.Rules, " ")
			}
			if c.Assessed {
				detail := ""
				switch ctl.Status {
				case Fail:
					detail = fmt.Sprintf(" (%d open finding(s))", ctl.Open)
				case NotTested:
					detail = " (" + ctl.Reason + ")"
				}
				fmt.Fprintf(&b, "  %-10s  %s  %s%s\n      rules: %s\n", ctl.Status, ctl.ID, ctl.Title, detail, rs)
			} else {
				fmt.Fprintf(&b, "  %s  %s\n      rules: %s\n", ctl.ID, ctl.Title, rs)
			}
		}
		if c.Assessed {
			fmt.Fprintf(&b, "  %d PASS, %d FAIL, %d NOT TESTED of %d controls\n\n", fw.Pass, fw.Fail, fw.NotTested, len(fw.Controls))
		} else {
			fmt.Fprintf(&b, "  %d of %d covered\n\n", covered, len(fw.Controls))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func complianceCSV(w io.Writer, c Compliance) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	head := []string{"framework", "control", "title", "rules"}
	if c.Assessed {
		head = append(head, "status", "open_findings", "suppressed_findings", "reason")
	}
	cw.Write(head)
	for _, fw := range c.Frameworks {
		for _, ctl := range fw.Controls {
			row := []string{fw.ID, ctl.ID, ctl.Title, strings.Join(ctl.Rules, " ")}
			if c.Assessed {
				row = append(row, ctl.Status, fmt.Sprint(ctl.Open), fmt.Sprint(ctl.Suppressed), ctl.Reason)
			}
			if err := cw.Write(safeCells(row)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// complianceMarkdown renders the matrix under headings of the given level.
func complianceMarkdown(c Compliance, level string) string {
	var b strings.Builder
	for _, fw := range c.Frameworks {
		fmt.Fprintf(&b, "%s %s %s\n\n", level, mdText(fw.Name), mdText(fw.Version))
		if c.Assessed {
			fmt.Fprintf(&b, "**%d PASS**, **%d FAIL**, **%d NOT TESTED** of %d controls.\n\n", fw.Pass, fw.Fail, fw.NotTested, len(fw.Controls))
			b.WriteString("| Status | Control | Title | Open findings | Rules |\n|---|---|---|---:|---|\n")
		} else {
			b.WriteString("| Control | Title | Rules |\n|---|---|---|\n")
		}
		for _, ctl := range fw.Controls {
			rs := mdText(strings.Join(ctl.Rules, ", "))
			if rs == "" {
				rs = "–"
			}
			if c.Assessed {
				st := ctl.Status
				if ctl.Reason != "" {
					st += " (" + ctl.Reason + ")"
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %d | %s |\n", mdText(st), mdText(ctl.ID), mdText(ctl.Title), ctl.Open, rs)
			} else {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", mdText(ctl.ID), mdText(ctl.Title), rs)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// unassessed says, for a control its enabled rules would pass, whether
// the scanned scopes lacked the data those rules need: lacking when every
// scope of the rules' providers lacked it (the control was not tested),
// partly when some did (it passes, with that caveat).
func unassessed(sources []findings.Source, rules []findings.Rule, scan *findings.ScanInfo, provider string) (lacking, partly string) {
	var without []string
	relevant := 0
	for _, s := range sources {
		if s.Status == "failed" || (provider != "" && s.Scanner != provider) {
			continue
		}
		covered, missing := false, []string{}
		for _, rule := range rules {
			if scan.RuleDisabled(rule.ID) || !slices.Contains(rule.Providers, s.Scanner) {
				continue
			}
			covered = true
			for _, n := range rule.Needs {
				if slices.Contains(s.NotAssessed, n) && !slices.Contains(missing, n) {
					missing = append(missing, n)
				}
			}
		}
		if !covered {
			continue
		}
		relevant++
		if len(missing) > 0 {
			without = append(without, strings.Join(missing, ", ")+" in "+s.Scanner+" "+s.Scope)
		}
	}
	switch {
	case len(without) == 0:
		return "", ""
	case len(without) == relevant:
		return strings.Join(without, "; "), ""
	default:
		return "", "partly assessed: no " + strings.Join(without, "; no ")
	}
}
