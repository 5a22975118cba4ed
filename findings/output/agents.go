package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter/tw"

	"github.com/nhiscan/nhiscan/findings"
)

// ParseAgentFormat reads the name of an agents view's format.
func ParseAgentFormat(s string) (Format, error) {
	switch Format(s) {
	case Table, JSON, Markdown:
		return Format(s), nil
	}
	return "", fmt.Errorf("unknown format %q for the agents view (want table, json or markdown)", s)
}

// WriteAgents renders the agents command's report.
func WriteAgents(w io.Writer, f Format, r *findings.AgentReport) error {
	switch f {
	case JSON:
		out := *r
		if out.Agents == nil {
			out.Agents = []findings.AgentRow{}
		}
		if out.Sources == nil {
			out.Sources = []findings.Source{}
		}
		return encodeJSON(w, out)
	case Table:
		return agentsTable(w, r)
	case Markdown:
		return agentsMarkdown(w, r)
	}
	return fmt.Errorf("format %q is not available for the agents view", f)
}

// agentCells are a row's texts, shared by the table and Markdown.
type agentCells struct {
	agent, actsAs, credential, owner, shared, reach, findings string
}

func cellsOf(a *findings.AgentRow) agentCells {
	c := agentCells{credential: a.Credential, owner: a.Owner}
	c.agent = a.Name + " [" + a.Platform + "]"
	if a.Location != "" {
		c.agent += " " + a.Location
	}
	switch {
	case a.Identity == "":
		c.actsAs = "unknown (details not given)"
	case !a.IdentityKnown:
		c.actsAs = a.Identity + " (" + a.IdentityType + "; not in the scan)"
	default:
		c.actsAs = a.IdentityName + " (" + a.IdentityType + ")"
	}
	if c.owner == "" && a.OwnerNotAssessed {
		c.owner = "not assessed"
	} else if c.owner == "" {
		c.owner = "none"
	}
	var sh []string
	if len(a.SharedWithAgents) > 0 {
		sh = append(sh, "agents: "+strings.Join(a.SharedWithAgents, ", "))
	}
	if len(a.SharedWithPeople) > 0 {
		sh = append(sh, "people: "+strings.Join(a.SharedWithPeople, ", "))
	}
	if len(a.SharedWithWorkloads) > 0 {
		sh = append(sh, "workloads: "+strings.Join(a.SharedWithWorkloads, ", "))
	}
	c.shared = "no"
	if len(sh) > 0 {
		c.shared = strings.Join(sh, "; ")
	}
	switch {
	case !a.IdentityKnown:
		c.reach = "unknown"
	case a.Admin:
		c.reach = "ADMIN"
	case a.PathToAdmin != "":
		c.reach = fmt.Sprintf("admin in %d hop(s): %s", a.PathHops, a.PathToAdmin)
	default:
		c.reach = "not admin"
	}
	if a.IdentityKnown {
		switch n := len(a.WritableServices); {
		case n == 1 && a.WritableServices[0] == "*":
			c.reach += "; writes every service"
		case n > 0:
			c.reach += fmt.Sprintf("; writes %d service(s): %s", n, strings.Join(a.WritableServices, ", "))
		default:
			c.reach += "; writes nothing"
		}
	}
	// Rule ids by severity, highest first.
	bySev := map[findings.Severity][]string{}
	for _, f := range a.Findings {
		bySev[f.Severity] = append(bySev[f.Severity], f.RuleID)
	}
	var fs []string
	for _, sev := range severitiesHighFirst {
		if ids := bySev[sev]; len(ids) > 0 {
			fs = append(fs, sev.String()+": "+strings.Join(ids, " "))
		}
	}
	c.findings = "-"
	if len(fs) > 0 {
		c.findings = strings.Join(fs, "; ")
	}
	return c
}

func agentsTable(w io.Writer, r *findings.AgentReport) error {
	widths := tw.NewMapper[int, int]().Set(0, 14).Set(1, 28).Set(2, 28).Set(3, 20).Set(4, 16).Set(5, 26).Set(6, 32).Set(7, 22)
	t := newTable(w, widths)
	t.Header("ACCOUNT", "AGENT", "ACTS AS", "CREDENTIAL", "OWNER", "SHARED WITH", "REACH", "FINDINGS")
	for i := range r.Agents {
		a := &r.Agents[i]
		c := cellsOf(a)
		if err := t.Append(wrapRow([]any{a.Account, c.agent, c.actsAs, c.credential, c.owner, c.shared, c.reach, c.findings}, widths)...); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d agents\n", len(r.Agents))
	return err
}

func agentsMarkdown(w io.Writer, r *findings.AgentReport) error {
	var b strings.Builder
	b.WriteString("## nhiscan agents\n\n")
	fmt.Fprintf(&b, "**%d agent(s)**, as of %s.\n\n", len(r.Agents), r.AsOf.UTC().Format("2006-01-02 15:04 UTC"))
	b.WriteString("| Account | Agent | Acts as | Credential | Owner | Shared with | Reach | Findings |\n|---|---|---|---|---|---|---|---|\n")
	for i := range r.Agents {
		a := &r.Agents[i]
		c := cellsOf(a)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", mdText(a.Account), mdText(c.agent), mdText(c.actsAs), mdText(c.credential),
			mdText(c.owner), mdText(c.shared), mdText(c.reach), mdText(c.findings))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
