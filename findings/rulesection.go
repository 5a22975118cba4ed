package findings

import (
	"fmt"
	"slices"
	"strings"
)

// ReportRule is what every finding of one rule shares, written once in the
// JSON report's rules section: the rule's title and remediation, and the
// controls its findings cite by the provider of their identity (an AWS
// finding cites CIS AWS, a GCP finding CIS GCP).
type ReportRule struct {
	ID          string               `json:"id"`
	Title       string               `json:"title"`
	Remediation string               `json:"remediation"`
	Controls    map[string][]Control `json:"controls"`
}

// RuleSection returns the rules section for fs: one entry per rule that has
// a finding, sorted by rule id. An entry holds its rule's first finding's
// title and remediation, and for each provider the controls of the rule's
// first finding about an identity of that provider. For the findings of one
// scan every finding of a rule matches its entry.
func RuleSection(fs []Finding) []ReportRule {
	out := []ReportRule{}
	at := map[string]int{}
	for i := range fs {
		f := &fs[i]
		j, ok := at[f.RuleID]
		if !ok {
			j = len(out)
			at[f.RuleID] = j
			out = append(out, ReportRule{ID: f.RuleID, Title: f.Title, Remediation: f.Remediation, Controls: map[string][]Control{}})
		}
		if _, ok := out[j].Controls[f.Identity.Provider]; !ok {
			cs := f.Controls
			if cs == nil {
				cs = []Control{}
			}
			out[j].Controls[f.Identity.Provider] = cs
		}
	}
	slices.SortFunc(out, func(a, b ReportRule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// RuleIndex finds the entries of a rules section by rule id.
type RuleIndex map[string]*ReportRule

// IndexRules indexes a rules section; the index points into it.
func IndexRules(section []ReportRule) RuleIndex {
	x := make(RuleIndex, len(section))
	for i := range section {
		x[section[i].ID] = &section[i]
	}
	return x
}

// Shared reports which of the finding's title, remediation and controls its
// rule's entry holds: the JSON report leaves those out of the finding.
func (x RuleIndex) Shared(f *Finding) (title, remediation, controls bool) {
	e := x[f.RuleID]
	if e == nil {
		return false, false, false
	}
	cs, ok := e.Controls[f.Identity.Provider]
	return f.Title == e.Title, f.Remediation == e.Remediation, ok && sameControls(f.Controls, cs)
}

func sameControls(a, b []Control) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true // findings of one rule share one slice
	}
	return slices.Equal(a, b)
}

// ExpandRules gives each finding of a report read from JSON (schema version
// 2) the title, remediation and controls of its rule's entry in the rules
// section, where the finding carries none of its own. Findings of one rule
// share the entry's strings and slices. A finding whose rule, or whose
// provider's controls, the section lacks is an error naming the finding.
func (r *Report) ExpandRules() error {
	x := make(RuleIndex, len(r.RuleSection))
	for i := range r.RuleSection {
		e := &r.RuleSection[i]
		if _, dup := x[e.ID]; dup {
			return fmt.Errorf("rules: %s is listed twice", e.ID)
		}
		x[e.ID] = e
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		e := x[f.RuleID]
		if e == nil {
			return fmt.Errorf("finding %d: rule %q has no entry in the rules section", i+1, f.RuleID)
		}
		if f.Title == "" {
			f.Title = e.Title
		}
		if f.Remediation == "" {
			f.Remediation = e.Remediation
		}
		if f.Controls == nil {
			cs, ok := e.Controls[f.Identity.Provider]
			if !ok {
				return fmt.Errorf("finding %d: the rules section has no controls of %s for provider %q", i+1, f.RuleID, f.Identity.Provider)
			}
			f.Controls = cs
		}
	}
	return nil
}

// CheckSchemaVersion accepts the JSON report versions this program reads:
// the current one and version 1 (whose findings carry their rule's title,
// remediation and controls themselves).
func CheckSchemaVersion(v string) error {
	switch v {
	case SchemaVersion, "1":
		return nil
	case "":
		return fmt.Errorf("no schema_version: not a nhiscan JSON report")
	}
	return fmt.Errorf("schema_version %q is not supported: this nhiscan reads report versions 1 and %s (a newer nhiscan wrote it?)", v, SchemaVersion)
}
