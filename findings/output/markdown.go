package output

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
)

// githubSummaryMax is the size GitHub accepts for one step's job summary
// ($GITHUB_STEP_SUMMARY, 1 MiB); the findings table stops short of it.
const githubSummaryMax = 1 << 20

// markdownReserve is room kept for the closing line after the findings.
const markdownReserve = 4 << 10

// writeMarkdown writes the report as GitHub-flavoured Markdown that fits a
// job summary: the summary, what was checked, the scopes, then one table
// row per finding, cut (with a line saying so) before GitHub's size limit.
// MarkdownReporter renders a report for a GitHub job summary.
type MarkdownReporter struct{}

var _ Reporter = (*MarkdownReporter)(nil)

// Write renders r as Markdown.
func (MarkdownReporter) Write(w io.Writer, r *findings.Report) error { return writeMarkdown(w, r) }

func writeMarkdown(w io.Writer, r *findings.Report) error {
	var b strings.Builder
	s := r.Summary
	b.WriteString("## nhiscan report\n\n")
	fmt.Fprintf(&b, "**%d finding(s)** on %d identities, as of %s: ", s.Total, s.Identities, r.AsOf.UTC().Format("2006-01-02 15:04 UTC"))
	var parts []string
	for _, sev := range severitiesHighFirst {
		parts = append(parts, fmt.Sprintf("%d %s", s.BySeverity[sev.String()], sev))
	}
	fmt.Fprintf(&b, "%s. %d count for the gate, %d suppressed.\n\n", strings.Join(parts, ", "), s.Gated, s.Suppressed)
	b.WriteString("| Category | Findings |\n|---|---:|\n")
	for _, c := range findings.Categories {
		fmt.Fprintf(&b, "| %s | %d |\n", c, s.ByCategory[c])
	}
	b.WriteString("\n### Scopes\n\n| Provider | Scope | Mode | Status | Ran as | Problem |\n|---|---|---|---|---|---|\n")
	for _, src := range r.Sources {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", mdText(src.Scanner), mdText(src.Scope), mdText(src.Mode), mdText(src.Status), mdText(src.Principal), mdText(src.Error))
	}
	b.WriteString("\n")
	if sc := r.Scan; sc != nil {
		b.WriteString("### What was checked\n\n")
		fmt.Fprintf(&b, "- Scan ran from %s to %s with %s %s.\n", sc.Started.UTC().Format("2006-01-02T15:04:05Z"), sc.Finished.UTC().Format("2006-01-02T15:04:05Z"), mdText(r.Tool.Name), mdText(r.Tool.Version))
		fmt.Fprintf(&b, "- Rules run: %d. Disabled: %s.\n", len(sc.RulesEnabled), mdList(sc.RulesDisabled))
		var ov []string
		for id, sev := range sc.SeverityOverrides {
			ov = append(ov, id+" → "+sev)
		}
		sort.Strings(ov)
		fmt.Fprintf(&b, "- Severity overrides: %s.\n", mdList(ov))
		fmt.Fprintf(&b, "- Excluded identities: %s.\n", mdList(sc.Exclude))
		var th []string
		for k, v := range sc.Thresholds {
			th = append(th, fmt.Sprintf("%s %d", k, v))
		}
		sort.Strings(th)
		fmt.Fprintf(&b, "- Thresholds: %s. Gate (--fail-on): %s.\n\n", mdList(th), mdText(sc.FailOn))
	}
	b.WriteString("### Findings\n\n")
	if len(r.Findings) == 0 {
		b.WriteString("No findings.\n")
	} else {
		b.WriteString("| Severity | Rule | Identity | Finding | State |\n|---|---|---|---|---|\n")
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		state := f.Status
		if state == "" {
			state = "open"
		}
		if f.Suppression != nil {
			state = "suppressed until " + f.Suppression.Expires + " (" + f.Suppression.Reason + ")"
		}
		id := f.Identity.Name + " (" + f.Identity.Provider + " " + f.Identity.Account + ")"
		if f.Credential != nil {
			id += ", credential " + f.Credential.ID
		}
		row := fmt.Sprintf("| %s | %s %s | %s | %s | %s |\n", f.Severity, f.RuleID, mdText(f.Title), mdText(id), mdText(f.Message), mdText(state))
		if b.Len()+len(row) > githubSummaryMax-markdownReserve {
			fmt.Fprintf(&b, "\n%d more finding(s) not shown (GitHub job summaries hold 1 MiB): see the JSON or CSV report.\n", len(r.Findings)-i)
			break
		}
		b.WriteString(row)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var severitiesHighFirst = []findings.Severity{findings.Critical, findings.High, findings.Medium, findings.Low, findings.Info}

func mdList(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = mdText(it)
	}
	return strings.Join(out, ", ")
}

// mdEscaper makes any text inert in a Markdown table cell: HTML is shown,
// not parsed (GitHub renders raw HTML in summaries), Markdown punctuation
// is literal, and a line break cannot end the row.
var mdEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
	"~", `\~`, "#", `\#`, "!", `\!`,
	"\r\n", " ", "\n", " ", "\r", " ",
)

func mdText(s string) string { return mdEscaper.Replace(s) }
