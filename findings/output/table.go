package output

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
)

// newTable returns an ASCII table with left-aligned, unmodified headers;
// widths, when given, fix each column's width. Cells are wrapped by
// wrapCell beforehand, so long identifiers break instead of being cut.
func newTable(w io.Writer, widths tw.Mapper[int, int]) *tablewriter.Table {
	opts := []tablewriter.Option{
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
	}
	if widths != nil {
		opts = append(opts, tablewriter.WithColumnWidths(widths))
	}
	return tablewriter.NewTable(w, opts...)
}

// All tablewriter calls live in this file: its API and defaults change
// between versions, and the golden files pin what users see.
// TableReporter renders a report as a text table for a terminal.
type TableReporter struct{}

var _ Reporter = (*TableReporter)(nil)

// Write renders r as a table.
func (TableReporter) Write(w io.Writer, r *findings.Report) error { return writeTable(w, r) }

func writeTable(w io.Writer, r *findings.Report) error {
	// Suppressed findings are counted, not listed.
	shown := make([]*findings.Finding, 0, len(r.Findings))
	for i := range r.Findings {
		if r.Findings[i].Suppression == nil {
			shown = append(shown, &r.Findings[i])
		}
	}
	if len(shown) > tableSummaryAfter {
		if err := writeRuleSummary(w, r, shown); err != nil {
			return err
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	rest, fewer := 0, ""
	if len(shown) > tableMaxRows {
		fewer = fewerHint(shown)
		rest = len(shown) - tableMaxRows
		shown = shown[:tableMaxRows]
	}
	if len(shown) > 0 {
		accounts := map[string]bool{}
		for _, f := range shown {
			accounts[f.Identity.Provider+"/"+f.Identity.Account] = true
		}
		// Widths add up to 100 columns with borders and padding; the
		// account column is left out when every finding is in one account.
		multi := len(accounts) > 1
		header := []any{"SEVERITY", "RULE", "IDENTITY", "FINDING", "CONTROLS"}
		widths := tw.NewMapper[int, int]().Set(0, 10).Set(1, 13).Set(2, 20).Set(3, 38).Set(4, 13)
		if multi {
			header = []any{"SEVERITY", "RULE", "ACCOUNT", "IDENTITY", "FINDING", "CONTROLS"}
			widths = tw.NewMapper[int, int]().Set(0, 10).Set(1, 13).Set(2, 14).Set(3, 18).Set(4, 25).Set(5, 13)
		}
		t := newTable(w, widths)
		t.Header(header...)
		for _, f := range shown {
			name := f.Identity.Name
			if f.Identity.Agent {
				name += " (agent)"
			}
			msg := f.Message
			switch f.Status {
			case findings.StatusNew:
				msg = "[new] " + msg
			case findings.StatusUpdated:
				msg = fmt.Sprintf("[updated: %s -> %s] %s", f.PreviousSeverity, f.Severity, msg)
			}
			row := []any{f.Severity.String(), f.RuleID, name, msg, compactControls(f.Controls)}
			if multi {
				row = []any{f.Severity.String(), f.RuleID, f.Identity.Account, name, msg, compactControls(f.Controls)}
			}
			if err := t.Append(wrapRow(row, widths)...); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if rest > 0 {
		if _, err := fmt.Fprintf(w, "... and %d more findings not listed: the table shows the first %d, most severe first.\nEvery finding: --format json --output FILE (or --format sarif)%s.\n", rest, tableMaxRows, fewer); err != nil {
			return err
		}
	}
	s := r.Summary
	var sev, cat []string
	for _, v := range []findings.Severity{findings.Critical, findings.High, findings.Medium, findings.Low, findings.Info} {
		sev = append(sev, fmt.Sprintf("%d %s", s.BySeverity[v.String()], v))
	}
	for _, c := range findings.Categories {
		cat = append(cat, fmt.Sprintf("%s %d", c, s.ByCategory[c]))
	}
	if _, err := fmt.Fprintf(w, "%d findings on %d identities: %s\nby category: %s\n", s.Total, s.Identities, strings.Join(sev, ", "), strings.Join(cat, ", ")); err != nil {
		return err
	}
	if s.Suppressed > 0 || s.Gated != s.Total {
		if _, err := fmt.Fprintf(w, "%d suppressed (not listed), %d count for --fail-on (not suppressed; new, or severity raised since the baseline)\n", s.Suppressed, s.Gated); err != nil {
			return err
		}
	}
	for _, src := range r.Sources {
		line := fmt.Sprintf("scanned %s %s (%s): %s", src.Scanner, src.Scope, src.Mode, src.Status)
		if src.Error != "" {
			line += ": " + src.Error
		}
		if n := len(src.Warnings); n > 0 {
			line += fmt.Sprintf(", %d warning(s)", n)
		}
		if len(src.NotAssessed) > 0 {
			line += "; not assessed: " + strings.Join(src.NotAssessed, ", ")
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

// fewerHint names the most severe severities whose findings fit in the
// table, for a --severity that lists them all ("; fewer: --severity
// critical,high"); when even the most severe alone do not fit, that one
// severity, which still narrows the list; nothing when the findings are
// all of one severity (--severity cannot narrow them).
func fewerHint(shown []*findings.Finding) string {
	count := map[findings.Severity]int{}
	var present []findings.Severity
	for _, f := range shown {
		if count[f.Severity] == 0 {
			present = append(present, f.Severity)
		}
		count[f.Severity]++
	}
	if len(present) < 2 {
		return ""
	}
	slices.SortFunc(present, func(a, b findings.Severity) int { return cmp.Compare(b, a) })
	keep, total := []string{present[0].String()}, count[present[0]]
	for _, sev := range present[1 : len(present)-1] {
		if total+count[sev] > tableMaxRows {
			break
		}
		keep, total = append(keep, sev.String()), total+count[sev]
	}
	return "; fewer: --severity " + strings.Join(keep, ",")
}

// tableMaxRows is the most findings a table lists; the rest are counted
// and the table says how to get them. A table is for reading: more rows
// than this are a job for the JSON report.
const tableMaxRows = 1000

// tableSummaryAfter is about a screenful of findings: a longer table
// starts with the number of findings per rule and category.
const tableSummaryAfter = 20

// writeRuleSummary counts the listed findings per category and rule, with
// the highest severity of each.
func writeRuleSummary(w io.Writer, r *findings.Report, shown []*findings.Finding) error {
	titles := map[string]string{}
	for _, rule := range r.Rules {
		titles[rule.ID] = rule.Title
	}
	type row struct {
		category, rule string
		count          int
		highest        findings.Severity
	}
	rows := map[string]*row{}
	var ids []string
	for _, f := range shown {
		x := rows[f.RuleID]
		if x == nil {
			x = &row{category: f.Category, rule: f.RuleID}
			rows[f.RuleID] = x
			ids = append(ids, f.RuleID)
		}
		x.count++
		x.highest = max(x.highest, f.Severity)
	}
	order := map[string]int{}
	for i, c := range findings.Categories {
		order[c] = i
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := rows[ids[i]], rows[ids[j]]
		if order[a.category] != order[b.category] {
			return order[a.category] < order[b.category]
		}
		return a.rule < b.rule
	})
	if _, err := fmt.Fprintf(w, "%d findings by rule:\n", len(shown)); err != nil {
		return err
	}
	widths := tw.NewMapper[int, int]().Set(0, 12).Set(1, 13).Set(2, 48).Set(3, 11).Set(4, 10)
	t := newTable(w, widths)
	t.Header("CATEGORY", "RULE", "TITLE", "FINDINGS", "HIGHEST")
	for _, id := range ids {
		x := rows[id]
		if err := t.Append(wrapRow([]any{x.category, x.rule, titles[id], fmt.Sprint(x.count), x.highest.String()}, widths)...); err != nil {
			return err
		}
	}
	return t.Render()
}

// wrapCell wraps text to width columns at spaces, breaking words longer
// than the width (ARNs, emails, key ids) rather than cutting them.
func wrapCell(text string, width int) string {
	if width <= 0 {
		return text
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		for len(word) > width {
			if line != "" {
				lines = append(lines, line)
				line = ""
			}
			lines = append(lines, word[:width])
			word = word[width:]
		}
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// wrapRow wraps each cell to its column's content width (the column
// width less the two padding spaces).
func wrapRow(cells []any, widths tw.Mapper[int, int]) []any {
	for i, c := range cells {
		if s, ok := c.(string); ok {
			cells[i] = wrapCell(s, widths.Get(i)-2)
		}
	}
	return cells
}

// compactControls names a finding's OWASP agentic and NHI ids, the ones
// that fit a table cell.
func compactControls(cs []findings.Control) string {
	var ids []string
	for _, c := range cs {
		if c.Framework == controls.ASI || c.Framework == controls.NHI {
			ids = append(ids, c.ID)
		}
	}
	return strings.Join(ids, " ")
}

// WriteListing renders the inventory command's report.
func WriteListing(w io.Writer, f Format, l *findings.Listing) error {
	switch f {
	case JSON:
		out := *l
		if out.Identities == nil {
			out.Identities = []findings.IdentityRow{}
		}
		if out.Sources == nil {
			out.Sources = []findings.Source{}
		}
		return encodeJSON(w, out)
	case Table:
	default:
		return fmt.Errorf("format %q is not available for the inventory", f)
	}
	widths := tw.NewMapper[int, int]().Set(0, 14).Set(1, 18).Set(2, 26).Set(3, 22).Set(4, 7).Set(5, 12).Set(6, 12).Set(7, 7).Set(8, 8).Set(9, 12)
	t := newTable(w, widths)
	t.Header("ACCOUNT", "KIND", "NAME", "OWNER", "AGENT", "CREATED", "LAST USED", "CREDS", "OLDEST", "PRIVILEGE")
	for _, r := range l.Identities {
		last := "-" // the source carried no usage data
		switch {
		case r.LastUsed != nil:
			last = r.LastUsed.Format("2006-01-02")
		case r.LastUsedKnown:
			last = "never"
		}
		oldest := "-"
		if r.OldestCredentialDays >= 0 {
			oldest = fmt.Sprintf("%dd", r.OldestCredentialDays)
		}
		agent := "no"
		if r.Agent {
			agent = "yes"
		}
		name := r.Name
		if r.Excluded != "" {
			name += " (excluded: " + r.Excluded + ")"
		}
		owner := r.Owner
		if owner == "" {
			owner = "-"
		}
		created := "-"
		if r.Created != nil {
			created = r.Created.Format("2006-01-02")
		}
		if err := t.Append(wrapRow([]any{r.Account, r.Kind, name, owner, agent, created, last, fmt.Sprint(r.Credentials), oldest, r.Privilege}, widths)...); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d identities\n", len(l.Identities))
	return err
}
