package main

import (
	"fmt"
	"reflect"

	"github.com/nhiscan/nhiscan/findings"
)

// mergeScanInfo joins the audit records of shard reports. The shards of
// one organization scan run with one configuration: a merge of shards that
// differ in rules or settings is refused, since no single record could say
// what was checked. The merged scan started with the first shard and
// finished with the last; the command line is kept when every shard ran
// the same one. Reports written before the record existed make it absent.
func mergeScanInfo(parts []*findings.Report) (*findings.ScanInfo, error) {
	var out *findings.ScanInfo
	for i, p := range parts {
		s := p.Scan
		if s == nil {
			return nil, nil
		}
		if out == nil {
			c := *s
			out = &c
			continue
		}
		for _, d := range []struct {
			what string
			a, b any
		}{
			{"enabled rules", out.RulesEnabled, s.RulesEnabled},
			{"disabled rules", out.RulesDisabled, s.RulesDisabled},
			{"severity overrides", out.SeverityOverrides, s.SeverityOverrides},
			{"exclusions", out.Exclude, s.Exclude},
			{"provider-managed identities", out.IncludeProviderManaged, s.IncludeProviderManaged},
			{"thresholds", out.Thresholds, s.Thresholds},
		} {
			if !reflect.DeepEqual(d.a, d.b) {
				return nil, fmt.Errorf("report %d was scanned with other %s than report 1: merge only shards of one scan configuration", i+1, d.what)
			}
		}
		if s.Started.Before(out.Started) {
			out.Started = s.Started
		}
		if s.Finished.After(out.Finished) {
			out.Finished = s.Finished
		}
		if s.CommandLine != out.CommandLine {
			out.CommandLine = ""
		}
		if s.FailOn != out.FailOn {
			out.FailOn = ""
		}
	}
	return out, nil
}
