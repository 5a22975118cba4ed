package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
)

// gateListLimit is how many gating findings the gate line names before
// "and N more".
const gateListLimit = 10

// gating returns the findings that fail the gate: not suppressed, new or
// updated (or every finding without a baseline), at or above threshold.
func gating(fs []findings.Finding, threshold findings.Severity) []*findings.Finding {
	var out []*findings.Finding
	for i := range fs {
		if fs[i].Severity >= threshold && fs[i].Gated() {
			out = append(out, &fs[i])
		}
	}
	return out
}

// writeGate prints why the gate failed: a count, then each finding's
// severity, rule and identity (the first gateListLimit of them).
func writeGate(w io.Writer, failing []*findings.Finding, threshold findings.Severity, withBaseline bool) {
	what := "finding(s)"
	if withBaseline {
		what = "new finding(s)"
		updated := 0
		for _, f := range failing {
			if f.Status == findings.StatusUpdated {
				updated++
			}
		}
		if updated > 0 {
			what = fmt.Sprintf("new or updated finding(s) (%d updated)", updated)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "nhiscan: %d unsuppressed %s at or above %s:\n", len(failing), what, threshold)
	for i, f := range failing {
		if i == gateListLimit {
			fmt.Fprintf(&b, "  and %d more\n", len(failing)-gateListLimit)
			break
		}
		sev := f.Severity.String()
		if f.Status == findings.StatusUpdated {
			sev = fmt.Sprintf("%s (was %s)", f.Severity, f.PreviousSeverity)
		}
		id := f.Identity.ID
		if f.Identity.Provider == "azure" && f.Identity.Name != "" && f.Identity.Name != id {
			// an object id alone says nothing; a display name alone is
			// not unique
			id = f.Identity.Name + " (" + id + ")"
		}
		if f.Credential != nil {
			id += " key " + f.Credential.ID
		}
		fmt.Fprintf(&b, "  %-8s %s %s\n", sev, f.RuleID, id)
	}
	io.WriteString(w, b.String())
}

// onlyNew returns a copy of the report that lists only new and updated
// findings (every finding when no baseline marked them), with its summary
// recounted, for --new-only.
func onlyNew(r *findings.Report) *findings.Report {
	out := *r
	out.Findings = make([]findings.Finding, 0, len(r.Findings))
	for _, f := range r.Findings {
		if f.Status != findings.StatusUnchanged {
			out.Findings = append(out.Findings, f)
		}
	}
	out.Summary = findings.Summarize(out.Findings, r.Summary.Identities)
	return &out
}
