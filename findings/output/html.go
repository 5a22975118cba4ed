package output

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
)

var (
	//go:embed assets/report.html.tmpl
	htmlTemplateText string
	//go:embed assets/report.css
	htmlCSS string
	//go:embed assets/report.js
	htmlJS string

	htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
		"join":    strings.Join,
		"stclass": func(status string) string { return "st-" + strings.ReplaceAll(status, " ", "-") },
	}).Parse(htmlTemplateText))
)

// htmlCSP allows the page's own inline style and script, by hash, and
// nothing else: no network, and no script an identity name could smuggle
// in even if escaping ever failed.
func htmlCSP() string {
	h := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return "default-src 'none'; style-src " + h(htmlCSS) + "; script-src " + h(htmlJS) + "; img-src 'none'; form-action 'none'; base-uri 'none'"
}

type htmlCount struct {
	Name  string
	Count int
}

type htmlStep struct {
	Name  string
	Edge  string // the hop to the next node; empty for the last
	Admin bool
}

type htmlPath struct {
	Finding *findings.Finding
	Steps   []htmlStep
}

type htmlData struct {
	R          *findings.Report
	AsOf       string
	CSP        string
	CSS        template.CSS
	JS         template.JS
	Severities []htmlCount
	Categories []htmlCount
	Providers  []string
	Overrides  []string
	Thresholds []string
	Compliance Compliance
	Paths      []htmlPath
}

// writeHTML renders one self-contained page: inline CSS and script, no
// fonts, images or requests; every value from the scan is escaped by
// html/template (identity names and tags are attacker-controlled).
// HTMLReporter renders a report as one self-contained page.
type HTMLReporter struct{}

var _ Reporter = (*HTMLReporter)(nil)

// Write renders r as HTML.
func (HTMLReporter) Write(w io.Writer, r *findings.Report) error { return writeHTML(w, r) }

func writeHTML(w io.Writer, r *findings.Report) error {
	d := htmlData{
		R: r, AsOf: r.AsOf.UTC().Format("2006-01-02T15:04:05Z"), CSP: htmlCSP(),
		CSS: template.CSS(htmlCSS), JS: template.JS(htmlJS),
		Compliance: BuildCompliance(r, "", true),
	}
	for _, s := range severitiesHighFirst {
		d.Severities = append(d.Severities, htmlCount{s.String(), r.Summary.BySeverity[s.String()]})
	}
	for _, c := range findings.Categories {
		d.Categories = append(d.Categories, htmlCount{c, r.Summary.ByCategory[c]})
	}
	providers := map[string]bool{}
	for _, s := range r.Sources {
		providers[s.Scanner] = true
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		providers[f.Identity.Provider] = true
		for _, e := range f.Evidence {
			if e.Key == "path" {
				d.Paths = append(d.Paths, htmlPath{Finding: f, Steps: pathSteps(e.Value)})
			}
		}
	}
	for p := range providers {
		d.Providers = append(d.Providers, p)
	}
	sort.Strings(d.Providers)
	if s := r.Scan; s != nil {
		for id, sev := range s.SeverityOverrides {
			d.Overrides = append(d.Overrides, id+" → "+sev)
		}
		sort.Strings(d.Overrides)
		for k, v := range s.Thresholds {
			d.Thresholds = append(d.Thresholds, fmt.Sprintf("%s %d", k, v))
		}
		sort.Strings(d.Thresholds)
	}
	return htmlTemplate.Execute(w, d)
}

// hopRE splits a path as the escalation rules write it:
// "a -[how]-> b -[how]-> administrator".
var hopRE = regexp.MustCompile(` -\[(.*?)\]-> `)

func pathSteps(path string) []htmlStep {
	names := hopRE.Split(path, -1)
	edges := hopRE.FindAllStringSubmatch(path, -1)
	steps := make([]htmlStep, len(names))
	for i, n := range names {
		steps[i] = htmlStep{Name: n, Admin: n == "administrator"}
		if i < len(edges) {
			steps[i].Edge = edges[i][1]
		}
	}
	return steps
}
