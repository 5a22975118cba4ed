package main

import (
	"sort"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/rules"
)

// scanInfo records, for the report, what a scan checked and with which
// settings: the effective rule set after the config file and the command
// line (catalogue is the list of rules the run was given), exclusions,
// overrides and thresholds.
func scanInfo(cfg *rules.Config, catalogue []rules.Rule, commandLine string, failOn findings.Severity, start time.Time) *findings.ScanInfo {
	s := &findings.ScanInfo{
		Started:                start.UTC().Truncate(time.Millisecond),
		CommandLine:            commandLine,
		RulesEnabled:           []string{},
		RulesDisabled:          []string{},
		SeverityOverrides:      map[string]string{},
		Exclude:                append([]string{}, cfg.Exclude...),
		IncludeProviderManaged: cfg.IncludeProviderManaged,
		Thresholds: map[string]int{
			"role_unused_days":         cfg.RoleUnusedDays,
			"user_unused_days":         cfg.UserUnusedDays,
			"key_unused_days":          cfg.KeyUnusedDays,
			"key_rotation_days":        cfg.KeyRotationDays,
			"max_session_hours":        cfg.MaxSessionHours,
			"secret_max_validity_days": cfg.SecretMaxValidityDays,
		},
		FailOn: "none",
	}
	if failOn > 0 {
		s.FailOn = failOn.String()
	}
	ran := map[string]bool{}
	for _, r := range catalogue {
		ran[r.Meta().ID] = true
	}
	// Against the whole catalogue: a rule left out of the run's catalogue
	// (by the command line) is as disabled as one the config turned off.
	for _, r := range rules.All() {
		id := r.Meta().ID
		if cfg.Disabled[id] || !ran[id] {
			s.RulesDisabled = append(s.RulesDisabled, id)
		} else {
			s.RulesEnabled = append(s.RulesEnabled, id)
		}
	}
	for id, sev := range cfg.SeverityOverrides {
		s.SeverityOverrides[id] = sev.String()
	}
	sort.Strings(s.RulesEnabled)
	sort.Strings(s.RulesDisabled)
	return s
}
