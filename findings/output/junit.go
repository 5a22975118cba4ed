package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
)

// JUnit XML in the shape GitLab's unit test reports parse: testsuites >
// testsuite (name, tests, failures, errors, skipped, time) > testcase
// (classname, name, file, time) > failure | error | skipped, with text
// content. GitLab shows a testcase's classname as its suite and keeps only
// the first of two testcases with the same name, so names are unique.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Error     *junitMessage `xml:"error"`
	Skipped   *junitMessage `xml:"skipped"`
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes one test suite per rule of the catalogue. Each finding
// is a testcase: a failure unless it is suppressed (then skipped, with the
// reason). A rule that ran without findings is one passing testcase; a
// disabled rule one skipped testcase, so the report shows what was not
// checked. A last suite has one testcase per scanned scope, an error when
// the scope failed or was read in part.
// JUnitReporter renders a report as JUnit XML (GitLab unit test reports).
type JUnitReporter struct{}

var _ Reporter = (*JUnitReporter)(nil)

// Write renders r as JUnit XML.
func (JUnitReporter) Write(w io.Writer, r *findings.Report) error { return writeJUnit(w, r) }

func writeJUnit(w io.Writer, r *findings.Report) error {
	byRule := map[string][]*findings.Finding{}
	for i := range r.Findings {
		f := &r.Findings[i]
		byRule[f.RuleID] = append(byRule[f.RuleID], f)
	}
	elapsed := "0"
	timestamp := ""
	if s := r.Scan; s != nil {
		elapsed = fmt.Sprintf("%.3f", s.Finished.Sub(s.Started).Seconds())
		timestamp = s.Started.UTC().Format("2006-01-02T15:04:05")
	}
	doc := junitSuites{Name: "nhiscan", Time: elapsed}
	for _, rule := range r.Rules {
		suite := junitSuite{Name: rule.ID + " " + rule.Title, Time: "0", Timestamp: timestamp}
		classname := rule.ID + " " + rule.Title
		switch fs := byRule[rule.ID]; {
		case r.Scan.RuleDisabled(rule.ID):
			suite.Cases = append(suite.Cases, junitCase{Classname: classname, Name: "rule disabled", Time: "0",
				Skipped: &junitMessage{Message: "disabled by the configuration or the command line: not checked"}})
		case len(fs) == 0:
			suite.Cases = append(suite.Cases, junitCase{Classname: classname, Name: "no findings", Time: "0"})
		default:
			seen := map[string]bool{}
			for _, f := range fs {
				suite.Cases = append(suite.Cases, junitFinding(f, classname, seen))
			}
		}
		doc.Suites = append(doc.Suites, suite)
	}
	scopes := junitSuite{Name: "scanned scopes", Time: elapsed, Timestamp: timestamp}
	for _, s := range r.Sources {
		c := junitCase{Classname: "scanned scopes", Name: s.Scanner + " " + s.Scope, Time: "0"}
		if s.Status != "ok" {
			c.Error = &junitMessage{Message: s.Scanner + " " + s.Scope + " " + s.Status, Type: s.Status, Text: s.Error}
		}
		scopes.Cases = append(scopes.Cases, c)
	}
	if len(scopes.Cases) > 0 {
		doc.Suites = append(doc.Suites, scopes)
	}
	for i := range doc.Suites {
		s := &doc.Suites[i]
		for _, c := range s.Cases {
			s.Tests++
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Error != nil:
				s.Errors++
			case c.Skipped != nil:
				s.Skipped++
			}
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitFinding(f *findings.Finding, classname string, seen map[string]bool) junitCase {
	name := f.Identity.ID
	if f.Credential != nil {
		name += " credential " + f.Credential.ID
	}
	if seen[name] {
		name += " #" + f.Fingerprint
	}
	seen[name] = true
	c := junitCase{Classname: classname, Name: name, File: ArtifactPath(f.Identity), Time: "0"}
	var text strings.Builder
	fmt.Fprintf(&text, "%s\nSeverity: %s\nIdentity: %s (%s, %s %s)\n", f.Message, f.Severity, f.Identity.ID, f.Identity.Kind, f.Identity.Provider, f.Identity.Account)
	if f.Status != "" {
		fmt.Fprintf(&text, "Baseline: %s\n", f.Status)
	}
	for _, e := range f.Evidence {
		fmt.Fprintf(&text, "%s: %s\n", e.Key, e.Value)
	}
	fmt.Fprintf(&text, "Remediation: %s\nFingerprint: %s\n", f.Remediation, f.Fingerprint)
	if s := f.Suppression; s != nil {
		c.Skipped = &junitMessage{Message: fmt.Sprintf("suppressed until %s by %s: %s", s.Expires, s.Owner, s.Reason), Text: text.String()}
		return c
	}
	c.Failure = &junitMessage{Message: f.Message, Type: f.Severity.String(), Text: text.String()}
	return c
}
