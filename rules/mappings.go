package rules

import (
	"strings"
	"sync"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// controlIDs is a rule's control mapping, written in its Meta: framework
// id (findings/controls) -> the rule's control ids in that framework,
// separated by spaces, primary ids first. The choices follow the reviewed
// table in the project's reference notes (controls.md, section 5). A new
// framework is a catalogue entry in findings/controls and a key here.
type controlIDs map[string]string

// list returns the controls in the catalogue's framework order; a
// framework the catalogue does not know comes last, so the catalogue test
// reports it.
func (m controlIDs) list() []findings.Control {
	out := make([]findings.Control, 0, 16)
	add := func(fw string) {
		for id := range strings.FieldsSeq(m[fw]) {
			out = append(out, findings.Control{Framework: fw, ID: id})
		}
	}
	known := 0
	for _, fw := range frameworks {
		if _, ok := m[fw.ID]; ok {
			known++
			add(fw.ID)
		}
	}
	if known < len(m) {
		for fw := range m {
			if _, ok := controls.FrameworkByID(fw); !ok {
				add(fw)
			}
		}
	}
	return out
}

var frameworks = controls.Frameworks()

// controlsByRule holds controlsOf's answers by rule id and provider.
var controlsByRule = struct {
	sync.RWMutex
	m map[ruleProvider][]findings.Control
}{m: map[ruleProvider][]findings.Control{}}

type ruleProvider struct{ rule, provider string }

// ControlsFor returns a rule's controls for findings about an identity of
// a provider: a framework about one provider only (a CIS benchmark) is
// cited for that provider's identities alone, so an AWS finding never
// cites CIS GCP, nor a GCP finding CIS AWS. An empty provider returns
// every control of the rule. The slice is shared by every finding of the
// rule: callers must not modify it.
func ControlsFor(ruleID, provider string) []findings.Control {
	if r, ok := ByID(All(), ruleID); ok {
		return controlsOf(metaOf(r), provider)
	}
	return []findings.Control{}
}

// controlsOf is ControlsFor of a rule's metadata, computed once per rule
// and provider.
func controlsOf(m findings.Rule, provider string) []findings.Control {
	k := ruleProvider{m.ID, provider}
	controlsByRule.RLock()
	cs, ok := controlsByRule.m[k]
	controlsByRule.RUnlock()
	if ok {
		return cs
	}
	out := []findings.Control{}
	for _, c := range m.Controls {
		if fw, _ := controls.FrameworkByID(c.Framework); provider == "" || fw.Provider == "" || fw.Provider == provider {
			out = append(out, c)
		}
	}
	controlsByRule.Lock()
	defer controlsByRule.Unlock()
	if cs, ok := controlsByRule.m[k]; ok {
		return cs // another worker's, first
	}
	controlsByRule.m[k] = out
	return out
}

// Describe returns a rule's catalogue entry with its control mappings.
func Describe(r Rule) findings.Rule {
	m := r.Meta()
	m.Controls = controlsOf(m, "")
	m.Needs = needs[m.Category]
	return m
}

// needs maps a rule category to the sources' not_assessed values that
// leave its rules without data: a scope that did not read permissions
// cannot pass an overbroad control.
var needs = map[string][]string{
	findings.Overbroad:  {inventory.NotAssessedPermissions},
	findings.Escalation: {inventory.NotAssessedPermissions},
	findings.Delegation: {inventory.NotAssessedTrust, inventory.NotAssessedProjectPolicy},
	findings.Ownerless:  {inventory.NotAssessedTags, inventory.NotAssessedOwners},
	findings.Dormant:    {inventory.NotAssessedUserCredentials, inventory.NotAssessedAccountDormancy, inventory.NotAssessedKeyDormancy, inventory.NotAssessedSignIns, inventory.NotAssessedK8sTokens, inventory.NotAssessedUsage},
	findings.Static:     {inventory.NotAssessedUserCredentials, inventory.NotAssessedK8sTokens},
}
