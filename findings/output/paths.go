package output

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/olekukonko/tablewriter/tw"

	"github.com/nhiscan/nhiscan/findings"
)

// Path formats: the table and JSON, and two pictures.
const (
	DOT     Format = "dot"
	Mermaid Format = "mermaid"
)

// ParsePathFormat reads a format name for the paths command.
func ParsePathFormat(s string) (Format, error) {
	switch Format(s) {
	case Table, JSON, DOT, Mermaid:
		return Format(s), nil
	}
	return "", fmt.Errorf("unknown format %q (want table, json, dot or mermaid)", s)
}

func stepLabel(s findings.PathStep) string {
	label := s.Method
	if label == "" {
		label = s.Via
	}
	if s.Conditional {
		label += " (conditional)"
	}
	if s.Possible {
		label += " (if the resource exists)"
	}
	return label
}

// WritePaths renders the paths command's report.
func WritePaths(w io.Writer, f Format, r *findings.PathReport) error {
	switch f {
	case JSON:
		out := *r
		if out.Paths == nil {
			out.Paths = []findings.Path{}
		}
		if out.Sources == nil {
			out.Sources = []findings.Source{}
		}
		return encodeJSON(w, out)
	case DOT:
		return writeDOT(w, r)
	case Mermaid:
		return writeMermaid(w, r)
	case Table:
	default:
		return fmt.Errorf("format %q is not available for paths", f)
	}
	if len(r.Paths) > 0 {
		widths := tw.NewMapper[int, int]().Set(0, 14).Set(1, 22).Set(2, 6).Set(3, 58)
		t := newTable(w, widths)
		t.Header("ACCOUNT", "FROM", "HOPS", "PATH")
		for _, p := range r.Paths {
			var b strings.Builder
			for i, s := range p.Steps {
				if i > 0 {
					b.WriteString(" ")
				}
				fmt.Fprintf(&b, "-[%s]-> %s", stepLabel(s), s.ToName)
			}
			if err := t.Append(wrapRow([]any{p.Account, p.FromName, fmt.Sprint(p.Hops), b.String()}, widths)...); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d path(s)\n", len(r.Paths))
	return err
}

// graphOf collects the nodes and edges of the paths, deduplicated and
// sorted so pictures are stable.
func graphOf(r *findings.PathReport) (nodes map[string]string, edges []findings.PathStep) {
	nodes = map[string]string{}
	seen := map[string]bool{}
	for _, p := range r.Paths {
		for _, s := range p.Steps {
			nodes[s.From] = s.FromName
			nodes[s.To] = s.ToName
			k := s.From + "\x00" + s.To + "\x00" + stepLabel(s)
			if !seen[k] {
				seen[k] = true
				edges = append(edges, s)
			}
		}
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].From != edges[j].From {
			return edges[i].From < edges[j].From
		}
		if edges[i].To != edges[j].To {
			return edges[i].To < edges[j].To
		}
		return stepLabel(edges[i]) < stepLabel(edges[j])
	})
	return nodes, edges
}

func sortedIDs(nodes map[string]string) []string {
	ids := make([]string, 0, len(nodes))
	for id := range nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// writeDOT draws the paths for Graphviz: nodes are identities (their
// names; full ids in tooltips), administrator is a double octagon, and
// edges are labelled with the method; conditional edges are dashed.
func writeDOT(w io.Writer, r *findings.PathReport) error {
	nodes, edges := graphOf(r)
	var b strings.Builder
	b.WriteString("digraph nhiscan_paths {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	for _, id := range sortedIDs(nodes) {
		attrs := fmt.Sprintf("label=%s, tooltip=%s", dotQuote(nodes[id]), dotQuote(id))
		if id == "administrator" {
			attrs += ", shape=doubleoctagon, style=filled, fillcolor=\"#f4cccc\""
		}
		fmt.Fprintf(&b, "  %s [%s];\n", dotQuote(id), attrs)
	}
	for _, e := range edges {
		style := ""
		if e.Conditional || e.Possible {
			style = ", style=dashed"
		}
		fmt.Fprintf(&b, "  %s -> %s [label=%s%s];\n", dotQuote(e.From), dotQuote(e.To), dotQuote(stepLabel(e)), style)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMermaid draws the paths as a Mermaid flowchart.
func writeMermaid(w io.Writer, r *findings.PathReport) error {
	nodes, edges := graphOf(r)
	ids := sortedIDs(nodes)
	short := map[string]string{}
	for i, id := range ids {
		short[id] = fmt.Sprintf("n%d", i)
	}
	esc := strings.NewReplacer(`"`, "#quot;", "|", "#124;", "<", "#lt;", ">", "#gt;")
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, id := range ids {
		if id == "administrator" {
			fmt.Fprintf(&b, "  %s{{\"%s\"}}\n", short[id], esc.Replace(nodes[id]))
			continue
		}
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", short[id], esc.Replace(nodes[id]))
	}
	for _, e := range edges {
		arrow := "-->"
		if e.Conditional || e.Possible {
			arrow = "-.->"
		}
		fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", short[e.From], arrow, esc.Replace(stepLabel(e)), short[e.To])
	}
	if _, ok := short["administrator"]; ok {
		fmt.Fprintf(&b, "  style %s fill:#f4cccc\n", short["administrator"])
	}
	_, err := io.WriteString(w, b.String())
	return err
}
