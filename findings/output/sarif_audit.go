package output

import "github.com/nhiscan/nhiscan/findings"

// invocationProperties carries the scan's audit record into the SARIF
// invocation: the rules that ran and did not, exclusions, overrides and
// thresholds. Disabled rules are left out of tool.driver.rules, so no
// viewer shows them as if they ran.
func invocationProperties(s *findings.ScanInfo) map[string]any {
	if s == nil {
		return nil
	}
	return map[string]any{
		"rulesEnabled":           s.RulesEnabled,
		"rulesDisabled":          s.RulesDisabled,
		"severityOverrides":      s.SeverityOverrides,
		"exclude":                s.Exclude,
		"includeProviderManaged": s.IncludeProviderManaged,
		"thresholds":             s.Thresholds,
		"failOn":                 s.FailOn,
	}
}
