// Package findings holds what rules produce and renderers print: findings,
// severities, the rule catalogue entries and the report that carries them.
// It imports nothing of the project and nothing outside the standard library.
package findings

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Severity of a finding. The zero value is invalid.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota + 1
	Low
	Medium
	High
	Critical
)

var severityNames = map[Severity]string{Info: "info", Low: "low", Medium: "medium", High: "high", Critical: "critical"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads a severity name.
func ParseSeverity(name string) (Severity, error) {
	for s, n := range severityNames {
		if strings.EqualFold(n, name) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", name)
}

// Raise returns the severity one step higher, capped at Critical.
func (s Severity) Raise() Severity {
	if s >= Critical {
		return Critical
	}
	return s + 1
}

// MarshalText writes the severity name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Categories of rules.
const (
	Overbroad  = "overbroad"
	Escalation = "escalation"
	Static     = "static"
	Dormant    = "dormant"
	Ownerless  = "ownerless"
	Delegation = "delegation"
)

// Categories lists every category in display order.
var Categories = []string{Overbroad, Escalation, Static, Dormant, Ownerless, Delegation}

// Identity is the identity a finding is about.
type Identity struct {
	Provider string `json:"provider"`
	Account  string `json:"account"`
	ID       string `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Agent    bool   `json:"agent"`
}

// Credential is the credential a finding is about, when it is about one.
type Credential struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

// Control is one framework control a rule maps to.
type Control struct {
	Framework string `json:"framework"`
	ID        string `json:"id"`
}

// Evidence is one fact that triggered a finding.
type Evidence struct {
	Key   string
	Value string
}

// EvidenceList is the facts of a finding in the order the rule gave them.
// In JSON it is one object whose keys keep that order.
type EvidenceList []Evidence

// MarshalJSON writes the list as an object, in order, without HTML
// escaping (evidence holds policy text such as "<" and "&").
func (l EvidenceList) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, e := range l {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(e.Key); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
		buf.WriteByte(':')
		if err := enc.Encode(e.Value); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads an object, keeping its key order.
func (l *EvidenceList) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("evidence must be an object")
	}
	out := EvidenceList{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return err
		}
		out = append(out, Evidence{Key: kt.(string), Value: v})
	}
	*l = out
	return nil
}

// Finding is one problem with one identity or credential.
//
// Title, Remediation and Controls are the same for every finding of a
// rule: the JSON report (schema version 2) writes them once, in its rules
// section, and a finding carries them only where they differ from it. In
// memory every finding has them.
type Finding struct {
	Fingerprint string       `json:"fingerprint"`
	RuleID      string       `json:"rule_id"`
	Title       string       `json:"title,omitempty"`
	Category    string       `json:"category"`
	Severity    Severity     `json:"severity"`
	Identity    Identity     `json:"identity"`
	Credential  *Credential  `json:"credential,omitempty"`
	Message     string       `json:"message"`
	Evidence    EvidenceList `json:"evidence"`
	Remediation string       `json:"remediation,omitempty"`
	Controls    []Control    `json:"controls,omitempty"`
	// Status is the finding's baseline state, set when a baseline was
	// given: StatusNew, StatusUpdated or StatusUnchanged.
	Status string `json:"status,omitempty"`
	// PreviousSeverity is the severity the baseline recorded, when the
	// finding is StatusUpdated (its severity rose since).
	PreviousSeverity Severity `json:"previous_severity,omitempty"`
	// Suppression is the unexpired suppression entry that accepts the
	// finding, when one does.
	Suppression *Suppression `json:"suppression,omitempty"`
}

// Baseline states.
const (
	StatusNew       = "new"
	StatusUnchanged = "unchanged"
	// StatusUpdated is a baseline finding whose severity rose: it gates
	// like a new one.
	StatusUpdated = "updated"
)

// Suppression records why a finding is accepted, by whom and until when.
type Suppression struct {
	Rule    string `json:"rule"`
	Match   string `json:"match"` // the identity glob or fingerprint the entry matched on
	Reason  string `json:"reason"`
	Owner   string `json:"owner"`
	Expires string `json:"expires"` // YYYY-MM-DD, the last day it applies
}

// Gated reports whether the finding counts for --fail-on: it is not
// suppressed and not already in the baseline at the same or a higher
// severity.
func (f *Finding) Gated() bool {
	return f.Suppression == nil && f.Status != StatusUnchanged
}

// Fingerprint is a stable hash of what a finding is about: rule, provider,
// account, identity and credential. It never includes times, so the same
// problem keeps the same fingerprint across scans.
func Fingerprint(ruleID, provider, account, identityID, credentialID string) string {
	var buf [256]byte // the parts of nearly every finding fit: no allocation
	b := buf[:0]
	for _, part := range [...]string{ruleID, provider, account, identityID, credentialID} {
		b = append(b, part...)
		b = append(b, 0)
	}
	sum := sha256.Sum256(b)
	var out [32]byte
	hex.Encode(out[:], sum[:16])
	return string(out[:])
}

// Rule describes one rule of the catalogue.
type Rule struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Category    string    `json:"category"`
	Severity    Severity  `json:"severity"`
	Description string    `json:"description"`
	Rationale   string    `json:"rationale"`
	Remediation string    `json:"remediation"`
	Defaults    string    `json:"defaults,omitempty"`
	References  []string  `json:"references"`
	Providers   []string  `json:"providers"`
	Controls    []Control `json:"controls"`
	// Needs lists the data a source must have read for the rule to judge
	// (the sources' not_assessed values that leave it blind).
	Needs []string `json:"-"`
}

// Tool names the program that wrote a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Source is one scanned scope as reported.
type Source struct {
	Scanner  string   `json:"scanner"`
	Scope    string   `json:"scope"`
	Mode     string   `json:"mode"`
	Status   string   `json:"status"`
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Principal is the identity a live scan ran as (the caller ARN), when
	// the scanner knows it.
	Principal string `json:"principal,omitempty"`
	// NotAssessed lists what the scope's data did not allow to judge
	// ("permissions", "trust", "tags", "user credentials", "service
	// account dormancy"…): a finding absent for it proves nothing.
	NotAssessed []string `json:"not_assessed,omitempty"`
}

// Summary counts findings.
type Summary struct {
	Total      int            `json:"total"`
	BySeverity map[string]int `json:"by_severity"`
	ByCategory map[string]int `json:"by_category"`
	Identities int            `json:"identities"`
	// Suppressed counts findings an unexpired suppression accepts.
	Suppressed int `json:"suppressed"`
	// Gated counts findings that count for --fail-on: not suppressed and
	// not in the baseline.
	Gated int `json:"gated"`
}

// SchemaVersion of the JSON report. Bump it on any incompatible change.
// Version 2 moved each rule's title, remediation and controls out of its
// findings into the report's rules section; version 1 reports still read.
const SchemaVersion = "2"

// ListingSchemaVersion is the schema version of the inventory listing and
// the escalation paths report, which version 2 of the report left alone.
const ListingSchemaVersion = "1"

// Report is a complete scan result.
type Report struct {
	SchemaVersion string    `json:"schema_version"`
	Tool          Tool      `json:"tool"`
	AsOf          time.Time `json:"as_of"`
	Summary       Summary   `json:"summary"`
	// Scan records what was and was not checked, and when; absent in
	// reports written before it existed.
	Scan    *ScanInfo `json:"scan,omitempty"`
	Sources []Source  `json:"sources"`
	// RuleSection is the JSON report's rules section as read: what every
	// finding of a rule shares. The JSON writer builds it anew from the
	// findings; ExpandRules copies it into the findings of a read report.
	RuleSection []ReportRule `json:"rules"`
	Findings    []Finding    `json:"findings"`
	// Rules is the catalogue used for the scan; not part of the JSON report.
	Rules []Rule `json:"-"`
	// Invocation describes the run that made the report (SARIF records it).
	Invocation Invocation `json:"-"`
}

// ScanInfo is the audit record of a scan: when it ran, with which rules
// and settings. It travels with the report, so a re-render shows the scan's
// facts, not its own.
type ScanInfo struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// CommandLine is the command that ran the scan, secrets redacted.
	CommandLine string `json:"command_line,omitempty"`
	// RulesEnabled and RulesDisabled partition the catalogue: the rules that
	// ran and the ones the config or the command line turned off.
	RulesEnabled  []string `json:"rules_enabled"`
	RulesDisabled []string `json:"rules_disabled"`
	// SeverityOverrides maps a rule id to the severity configured for it.
	SeverityOverrides map[string]string `json:"severity_overrides"`
	// Exclude lists the identity globs left out of the scan.
	Exclude []string `json:"exclude"`
	// IncludeProviderManaged is true when service-linked, SSO and
	// Google-managed identities were scanned too.
	IncludeProviderManaged bool `json:"include_provider_managed"`
	// Thresholds are the day and hour limits the rules used.
	Thresholds map[string]int `json:"thresholds"`
	// FailOn is the --fail-on threshold of the run ("none" when off).
	FailOn string `json:"fail_on"`
}

// RuleDisabled reports whether the scan recorded id as disabled.
func (s *ScanInfo) RuleDisabled(id string) bool {
	if s == nil {
		return false
	}
	for _, d := range s.RulesDisabled {
		if d == id {
			return true
		}
	}
	return false
}

// Invocation is how and when the report was made.
type Invocation struct {
	CommandLine string
	Start, End  time.Time
}

// Summarize counts findings by severity and category.
func Summarize(fs []Finding, identities int) Summary {
	s := Summary{BySeverity: map[string]int{}, ByCategory: map[string]int{}, Identities: identities}
	for _, sev := range []Severity{Critical, High, Medium, Low, Info} {
		s.BySeverity[sev.String()] = 0
	}
	for _, c := range Categories {
		s.ByCategory[c] = 0
	}
	for i := range fs {
		f := &fs[i]
		s.Total++
		s.BySeverity[f.Severity.String()]++
		s.ByCategory[f.Category]++
		if f.Suppression != nil {
			s.Suppressed++
		}
		if f.Gated() {
			s.Gated++
		}
	}
	return s
}

// AtOrAbove counts the findings that count for the gate (new and not
// suppressed) at or above the threshold.
func AtOrAbove(fs []Finding, threshold Severity) int {
	n := 0
	for i := range fs {
		if fs[i].Severity >= threshold && fs[i].Gated() {
			n++
		}
	}
	return n
}
