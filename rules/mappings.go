package rules

import (
	"strings"
	"sync"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
)

// mapping lists one rule's controls per framework, ids separated by
// spaces. Primary ids come first. The choices follow the reviewed table
// in the project's reference notes (controls.md, section 5).
type mapping struct {
	asi, tm, nhi, maestro, cisAWS3, cisAWS5, cisGCP3, nist string
}

var mappings = map[string]mapping{
	// overbroad
	"NHI-OVB-001": {asi: "ASI03 ASI02", tm: "T3 T2", nhi: "NHI5", maestro: "cross-layer/privilege-escalation L4/lateral-movement", cisAWS3: "1.16", cisAWS5: "1.15", nist: "AC-6 AC-6(5) AC-6(1)"},
	"NHI-OVB-002": {asi: "ASI03 ASI02", tm: "T3 T2", nhi: "NHI5", maestro: "cross-layer/privilege-escalation L4/lateral-movement", nist: "AC-6 AC-6(7)"},
	"NHI-OVB-003": {asi: "ASI03 ASI02", tm: "T3 T2", nhi: "NHI5", maestro: "cross-layer/privilege-escalation L4/lateral-movement", nist: "AC-6 AC-6(7)"},
	"NHI-OVB-004": {asi: "ASI03 ASI02", tm: "T3 T2", nhi: "NHI5", maestro: "cross-layer/privilege-escalation", cisAWS3: "1.16 1.22", cisAWS5: "1.15 1.21", nist: "AC-6 AC-6(5)"},
	"NHI-OVB-005": {asi: "ASI03 ASI02", tm: "T3 T2", nhi: "NHI5", maestro: "cross-layer/privilege-escalation", nist: "AC-6 AC-6(1)"},
	// static
	"NHI-STA-001": {asi: "ASI03", tm: "T3 T9", nhi: "NHI7", maestro: "L7/agent-identity-attack L4", cisAWS3: "1.18", cisAWS5: "1.17", nist: "IA-5 IA-9"},
	"NHI-STA-002": {asi: "ASI03", tm: "T3 T9", nhi: "NHI7", maestro: "L4", cisAWS3: "1.14", cisAWS5: "1.13", cisGCP3: "1.7", nist: "IA-5"},
	"NHI-STA-003": {asi: "ASI03", tm: "T3", nhi: "NHI7 NHI1", maestro: "L4", cisAWS3: "1.13", cisAWS5: "1.12", cisGCP3: "1.4", nist: "IA-5 AC-2(3)"},
	"NHI-STA-004": {asi: "ASI03", tm: "T3", nhi: "NHI5 NHI7", maestro: "cross-layer/privilege-escalation", cisAWS3: "1.4", cisAWS5: "1.3", nist: "AC-6(5) IA-5"},
	// dormant
	"NHI-DOR-001": {asi: "ASI03", tm: "T3", nhi: "NHI1", maestro: "L4/lateral-movement L6", nist: "AC-2(3) AC-2"},
	"NHI-DOR-002": {asi: "ASI03", tm: "T3", nhi: "NHI1 NHI7", maestro: "L4", cisAWS3: "1.12", cisAWS5: "1.11", nist: "AC-2(3) IA-5"},
	"NHI-DOR-003": {asi: "ASI03", tm: "T3", nhi: "NHI1", maestro: "L4/lateral-movement L6", cisAWS3: "1.12", cisAWS5: "1.11", nist: "AC-2(3) AC-2"},
	"NHI-DOR-004": {asi: "ASI03", tm: "T3", nhi: "NHI1", maestro: "L4", nist: "IA-5 AC-2"},
	// ownerless
	"NHI-OWN-001": {asi: "ASI03", tm: "T8", nhi: "NHI1", maestro: "L6", nist: "AC-2 CM-8(4) IA-4"},
	// delegation
	"NHI-DEL-001": {asi: "ASI03 ASI04", tm: "T3 T9", nhi: "NHI3", maestro: "L7/integration-risks cross-layer/lateral-movement", cisAWS3: "1.20", cisAWS5: "1.19", nist: "AC-3 AC-20 IA-9"},
	"NHI-DEL-002": {asi: "ASI03 ASI04", tm: "T3 T9", nhi: "NHI3", maestro: "L7/integration-risks", cisAWS3: "1.20", cisAWS5: "1.19", nist: "AC-20 SA-9"},
	"NHI-DEL-003": {asi: "ASI03", tm: "T9 T3", nhi: "NHI6", maestro: "L7/agent-identity-attack cross-layer/lateral-movement", nist: "IA-9 AC-3"},
	"NHI-DEL-004": {asi: "ASI03", tm: "T3", nhi: "NHI7", maestro: "L4", nist: "AC-12 IA-5"},
	"NHI-ESC-001": {asi: "ASI03", tm: "T3 T14", nhi: "NHI5", maestro: "cross-layer/privilege-escalation", cisGCP3: "1.6", nist: "AC-6 AC-5 AC-3"},
	"NHI-ESC-002": {asi: "ASI03", tm: "T3", nhi: "NHI5", maestro: "cross-layer/privilege-escalation", nist: "AC-6 AC-6(1) AC-5"},
	"NHI-DEL-006": {asi: "ASI03 ASI07", tm: "T3 T8", nhi: "NHI5 NHI9", maestro: "cross-layer/lateral-movement L7/integration-risks", nist: "AC-20 AC-6 AU-10"},
	// GCP
	"NHI-OVB-101": {asi: "ASI03 ASI02", tm: "T3 T2", nhi: "NHI5", maestro: "cross-layer/privilege-escalation L4/lateral-movement", cisGCP3: "1.5", nist: "AC-6 AC-6(5)"},
	"NHI-OVB-102": {asi: "ASI03 ASI02", tm: "T3 T2", nhi: "NHI5", maestro: "cross-layer/privilege-escalation", cisGCP3: "1.5 1.8", nist: "AC-6 AC-6(1) AC-5"},
	"NHI-OVB-103": {asi: "ASI03", tm: "T3", nhi: "NHI5", maestro: "cross-layer/privilege-escalation", nist: "AC-6 AC-6(1)"},
	"NHI-ESC-101": {asi: "ASI03", tm: "T3 T14", nhi: "NHI5", maestro: "cross-layer/privilege-escalation", cisGCP3: "1.6", nist: "AC-6 AC-5 AC-3"},
	"NHI-STA-101": {asi: "ASI03", tm: "T3 T9", nhi: "NHI7", maestro: "L7/agent-identity-attack L4", cisGCP3: "1.4", nist: "IA-5 IA-9"},
	"NHI-STA-102": {asi: "ASI03", tm: "T3 T9", nhi: "NHI7", maestro: "L4", cisGCP3: "1.7", nist: "IA-5"},
	"NHI-DOR-101": {asi: "ASI03", tm: "T3", nhi: "NHI1", maestro: "L4/lateral-movement L6", nist: "AC-2(3) AC-2"},
	"NHI-DEL-101": {asi: "ASI03", tm: "T3 T9", nhi: "NHI5", maestro: "cross-layer/privilege-escalation cross-layer/lateral-movement", cisGCP3: "1.6", nist: "AC-6 AC-5"},
	"NHI-DEL-102": {asi: "ASI03 ASI04", tm: "T3 T9", nhi: "NHI5 NHI3", maestro: "L7/integration-risks", nist: "AC-3 AC-6"},
	"NHI-DEL-103": {asi: "ASI03", tm: "T9 T3", nhi: "NHI6", maestro: "L7/agent-identity-attack cross-layer/lateral-movement", nist: "IA-9 AC-3"},
	"NHI-DEL-104": {asi: "ASI03", tm: "T3", nhi: "NHI1", maestro: "L6", nist: "AC-2"},
	"NHI-DEL-005": {asi: "ASI03", tm: "T8", nhi: "NHI10", maestro: "L7/repudiation", cisAWS3: "1.11", cisAWS5: "1.10", nist: "IA-2 AU-10 AC-2"},
}

var (
	controlsOnce   sync.Once
	controlsByRule map[string][]findings.Control
)

// ControlsFor returns a rule's controls for findings about an identity of
// a provider: CIS benchmarks of other providers are left out (an AWS
// finding never cites CIS GCP, nor a GCP finding CIS AWS). An empty
// provider returns every control of the rule. The slice is shared by
// every finding of the rule: callers must not modify it.
func ControlsFor(ruleID, provider string) []findings.Control {
	controlsOnce.Do(func() {
		controlsByRule = make(map[string][]findings.Control, 3*len(mappings))
		for id := range mappings {
			for _, p := range []string{"", "aws", "gcp"} {
				controlsByRule[id+"|"+p] = buildControls(id, p)
			}
		}
	})
	if cs, ok := controlsByRule[ruleID+"|"+provider]; ok {
		return cs
	}
	if cs, ok := controlsByRule[ruleID+"|"]; ok {
		return cs // a provider without its own benchmark: every control
	}
	return []findings.Control{}
}

func buildControls(ruleID, provider string) []findings.Control {
	m := mappings[ruleID]
	aws, gcp := provider != "gcp", provider != "aws"
	var out []findings.Control
	for _, part := range []struct {
		fw, ids string
		keep    bool
	}{
		{controls.ASI, m.asi, true}, {controls.ASITM, m.tm, true}, {controls.NHI, m.nhi, true}, {controls.MAESTRO, m.maestro, true},
		{controls.CISAWS3, m.cisAWS3, aws}, {controls.CISAWS5, m.cisAWS5, aws}, {controls.CISGCP3, m.cisGCP3, gcp}, {controls.NIST, m.nist, true},
	} {
		if !part.keep {
			continue
		}
		for _, id := range strings.Fields(part.ids) {
			out = append(out, findings.Control{Framework: part.fw, ID: id})
		}
	}
	return out
}

// Describe returns a rule's catalogue entry with its control mappings.
func Describe(r Rule) findings.Rule {
	m := r.Meta()
	m.Controls = ControlsFor(m.ID, "")
	return m
}
