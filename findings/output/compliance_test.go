package output

import (
	"fmt"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
)

// One rule maps to CIS AWS and CIS GCP controls; its findings cite only
// their own provider's benchmark. The matrix follows the findings: a GCP
// finding never fails a CIS AWS control, and a scan without AWS leaves
// the CIS AWS controls NOT TESTED whatever other providers the rule covers.
func TestComplianceFollowsTheFindingsProvider(t *testing.T) {
	awsCtl := findings.Control{Framework: "cis-aws-3.0.0", ID: "1.14"}
	gcpCtl := findings.Control{Framework: "cis-gcp-3.0.0", ID: "1.7"}
	nhiCtl := findings.Control{Framework: "owasp-nhi-2025", ID: "NHI7"}
	rule := findings.Rule{ID: "NHI-STA-002", Providers: []string{"aws", "gcp"}, Controls: []findings.Control{nhiCtl, awsCtl, gcpCtl}}
	gcpKey := findings.Finding{RuleID: rule.ID, Identity: findings.Identity{Provider: "gcp", ID: "sa@p.iam.gserviceaccount.com"}, Controls: []findings.Control{nhiCtl, gcpCtl}}
	status := func(r *findings.Report) map[string]string {
		got := map[string]string{}
		for _, fw := range BuildCompliance(r, "", true).Frameworks {
			for _, c := range fw.Controls {
				if c.Framework+":"+c.ID == "cis-aws-3.0.0:1.14" || c.Framework+":"+c.ID == "cis-gcp-3.0.0:1.7" || c.Framework+":"+c.ID == "owasp-nhi-2025:NHI7" {
					got[c.Framework+":"+c.ID] = c.Status + "/" + c.Reason + "/" + fmt.Sprint(c.Open)
				}
			}
		}
		return got
	}
	for name, tc := range map[string]struct {
		sources []findings.Source
		want    map[string]string
	}{
		"gcp_only": {
			sources: []findings.Source{{Scanner: "gcp", Scope: "p", Status: "ok"}},
			want: map[string]string{
				"cis-aws-3.0.0:1.14":  "NOT TESTED/its provider (aws) was not scanned/0",
				"cis-gcp-3.0.0:1.7":   "FAIL//1",
				"owasp-nhi-2025:NHI7": "FAIL//1",
			},
		},
		"aws_and_gcp": {
			sources: []findings.Source{{Scanner: "aws", Scope: "111122223333", Status: "ok"}, {Scanner: "gcp", Scope: "p", Status: "ok"}},
			want: map[string]string{
				"cis-aws-3.0.0:1.14":  "PASS//0", // the AWS keys are rotated
				"cis-gcp-3.0.0:1.7":   "FAIL//1",
				"owasp-nhi-2025:NHI7": "FAIL//1",
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := &findings.Report{SchemaVersion: "1", Rules: []findings.Rule{rule}, Sources: tc.sources, Findings: []findings.Finding{gcpKey}}
			got := status(r)
			for k, want := range tc.want {
				if got[k] != want {
					t.Errorf("%s: %s, want %s", k, got[k], want)
				}
			}
		})
	}
}
