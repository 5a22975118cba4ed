package output

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
)

func sampleReport(accounts int) *findings.Report {
	rule := findings.Rule{ID: "NHI-TST-001", Title: "Test rule", Category: findings.Static, Severity: findings.High,
		Description: "d", Rationale: "r", Remediation: "fix it", References: []string{"https://example.com/a"}, Providers: []string{"aws"},
		Controls: []findings.Control{{Framework: controls.ASI, ID: "ASI03"}, {Framework: controls.NHI, ID: "NHI7"}, {Framework: controls.MAESTRO, ID: "L4"}, {Framework: controls.NIST, ID: "IA-5"}}}
	r := &findings.Report{SchemaVersion: "1", Tool: findings.Tool{Name: "nhiscan", Version: "v1.2.3"}, AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Rules:      []findings.Rule{rule},
		Invocation: findings.Invocation{CommandLine: "nhiscan scan aws", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)}}
	for a := 0; a < accounts; a++ {
		acct := fmt.Sprintf("%012d", a+1)
		r.Sources = append(r.Sources, findings.Source{Scanner: "aws", Scope: acct, Mode: "live", Status: "ok"})
		for i := 0; i < 2; i++ {
			id := findings.Identity{Provider: "aws", Account: acct, ID: fmt.Sprintf("arn:aws:iam::%s:role/path/r%d", acct, i), Name: fmt.Sprintf("r:%d", i), Kind: "aws.iam.role"}
			r.Findings = append(r.Findings, findings.Finding{
				Fingerprint: findings.Fingerprint(rule.ID, "aws", acct, id.ID, ""), RuleID: rule.ID, Title: rule.Title, Category: rule.Category,
				Severity: findings.Severity(1 + i*3), Identity: id, Message: "Something is wrong. More detail.", Evidence: findings.EvidenceList{{Key: "k", Value: "v"}},
				Remediation: "fix it", Controls: rule.Controls,
			})
		}
	}
	return r
}

func renderSARIF(t *testing.T, r *findings.Report, profile string) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, r, SARIFOptions{Profile: profile}); err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	checkGitHubRules(t, log)
	return log
}

func m(v any) map[string]any { return v.(map[string]any) }
func a(v any) []any          { return v.([]any) }

// checkGitHubRules asserts what GitHub code scanning requires of a SARIF
// file, beyond the schema.
func checkGitHubRules(t *testing.T, log map[string]any) {
	t.Helper()
	if log["version"] != "2.1.0" || !strings.HasSuffix(log["$schema"].(string), "sarif-2.1.0.json") {
		t.Errorf("version/schema = %v %v", log["version"], log["$schema"])
	}
	categories := map[string]bool{}
	for _, rv := range a(log["runs"]) {
		run := m(rv)
		cat := m(run["automationDetails"])["id"].(string)
		if categories[cat] {
			t.Errorf("category %s appears twice", cat)
		}
		categories[cat] = true
		driver := m(m(run["tool"])["driver"])
		if driver["name"] != "nhiscan" {
			t.Errorf("driver name %v", driver["name"])
		}
		rules := a(driver["rules"])
		taxa := map[string]string{} // guid -> component
		for _, tv := range a(run["taxonomies"]) {
			tc := m(tv)
			for _, x := range a(tc["taxa"]) {
				taxa[m(x)["guid"].(string)] = tc["name"].(string)
			}
		}
		for _, rv := range rules {
			rule := m(rv)
			for _, k := range []string{"shortDescription", "fullDescription", "help"} {
				if s, _ := m(rule[k])["text"].(string); s == "" || len(s) > 1024 && k != "help" {
					t.Errorf("rule %v: %s text empty or too long", rule["id"], k)
				}
			}
			props := m(rule["properties"])
			sev, err := strconv.ParseFloat(props["security-severity"].(string), 64)
			if err != nil || sev <= 0 || sev > 10 {
				t.Errorf("rule %v: security-severity %v", rule["id"], props["security-severity"])
			}
			tags := a(props["tags"])
			if len(tags) > 10 || tags[0] != "security" {
				t.Errorf("rule %v: tags %v", rule["id"], tags)
			}
			for _, rel := range a(rule["relationships"]) {
				target := m(m(rel)["target"])
				if comp, ok := taxa[target["guid"].(string)]; !ok || comp != m(target["toolComponent"])["name"] {
					t.Errorf("rule %v relates to %v, not declared in run.taxonomies", rule["id"], target)
				}
			}
		}
		for _, resv := range a(run["results"]) {
			res := m(resv)
			idx := int(res["ruleIndex"].(float64))
			if m(rules[idx])["id"] != res["ruleId"] {
				t.Errorf("ruleIndex %d does not point at %v", idx, res["ruleId"])
			}
			if s, _ := m(res["message"])["text"].(string); s == "" {
				t.Error("empty message")
			}
			locs := a(res["locations"])
			if len(locs) == 0 {
				t.Fatal("result without locations")
			}
			phys := m(m(locs[0])["physicalLocation"])
			uri := m(phys["artifactLocation"])["uri"].(string)
			first, _, _ := strings.Cut(uri, "/")
			if uri == "" || strings.HasPrefix(uri, "/") || strings.Contains(first, ":") || strings.Contains(uri, "arn:") {
				t.Errorf("artifact uri %q is not a relative path", uri)
			}
			if m(phys["region"])["startLine"].(float64) < 1 {
				t.Error("region without startLine")
			}
			fp := m(res["fingerprints"])["nhiscan/v1"].(string)
			if m(res["partialFingerprints"])["primaryLocationLineHash"] != fp[:16]+":1" {
				t.Errorf("primaryLocationLineHash does not come from the fingerprint")
			}
			logical := m(a(m(locs[0])["logicalLocations"])[0])
			if !strings.HasPrefix(logical["fullyQualifiedName"].(string), "arn:aws:iam::") || logical["kind"] != "resource" {
				t.Errorf("logical location %v", logical)
			}
		}
	}
}

func TestSARIFOneRunPerScope(t *testing.T) {
	r := sampleReport(3)
	log := renderSARIF(t, r, ProfileGitHub)
	runs := a(log["runs"])
	if len(runs) != 3 {
		t.Fatalf("runs = %d, want one per account", len(runs))
	}
	run := m(runs[1])
	if id := m(run["automationDetails"])["id"]; id != "nhiscan/aws/000000000002/" {
		t.Errorf("automationDetails.id = %v", id)
	}
	res := a(run["results"])
	if len(res) != 2 || m(res[0])["level"] != "note" || m(res[1])["level"] != "error" {
		t.Errorf("results/levels = %v", res)
	}
	uri := m(m(m(a(m(res[0])["locations"])[0])["physicalLocation"])["artifactLocation"])["uri"]
	if uri != "nhi/aws/000000000002/iam/role/r_0" {
		t.Errorf("uri = %v (the ':' in the name must be replaced)", uri)
	}
	driver := m(m(run["tool"])["driver"])
	if driver["semanticVersion"] != "1.2.3" || driver["version"] != "1.2.3" {
		t.Errorf("versions = %v %v", driver["version"], driver["semanticVersion"])
	}
	inv := m(a(run["invocations"])[0])
	if inv["commandLine"] != "nhiscan scan aws" || inv["executionSuccessful"] != true || inv["startTimeUtc"] != "2026-01-01T00:00:00.000Z" {
		t.Errorf("invocation = %v", inv)
	}
}

func TestSARIFSuppressionsAndBaseline(t *testing.T) {
	r := sampleReport(1)
	r.Findings[0].Suppression = &findings.Suppression{Rule: "NHI-TST-*", Match: "arn:*", Reason: "accepted", Owner: "sec@example.com", Expires: "2026-03-31"}
	r.Findings[0].Status = findings.StatusUnchanged
	r.Findings[1].Status = findings.StatusNew

	gh := renderSARIF(t, r, ProfileGitHub)
	res := a(m(a(gh["runs"])[0])["results"])
	if len(res) != 1 {
		t.Fatalf("github profile kept %d results, want the unsuppressed one", len(res))
	}
	if _, ok := m(res[0])["suppressions"]; ok {
		t.Error("github profile carries suppressions")
	}

	audit := renderSARIF(t, r, ProfileAudit)
	res = a(m(a(audit["runs"])[0])["results"])
	if len(res) != 2 {
		t.Fatalf("audit profile kept %d results", len(res))
	}
	sup := a(m(res[0])["suppressions"])
	if len(sup) != 1 || m(sup[0])["kind"] != "external" || m(sup[0])["justification"] != "accepted" || m(m(sup[0])["properties"])["expiryUtc"] != "2026-03-31T23:59:59Z" {
		t.Errorf("suppression = %v", sup)
	}
	if s, ok := m(res[1])["suppressions"]; !ok || len(a(s)) != 0 {
		t.Errorf("unsuppressed result in a run with suppressions needs suppressions: [], got %v", s)
	}
	if m(res[0])["baselineState"] != "unchanged" || m(res[1])["baselineState"] != "new" {
		t.Errorf("baselineState = %v %v", m(res[0])["baselineState"], m(res[1])["baselineState"])
	}
}

func TestSARIFFailedScope(t *testing.T) {
	r := sampleReport(2)
	r.Sources = append(r.Sources, findings.Source{Scanner: "aws", Scope: "999999999999", Mode: "live", Status: "failed", Error: "sts:AssumeRole: AccessDenied: no"})
	gh := renderSARIF(t, r, ProfileGitHub)
	runs := a(gh["runs"])
	if len(runs) != 2 {
		t.Fatalf("github profile: %d runs, want none for the failed account", len(runs))
	}
	notes := a(m(a(m(runs[0])["invocations"])[0])["toolExecutionNotifications"])
	if len(notes) != 1 || !strings.Contains(m(m(notes[0])["message"])["text"].(string), "999999999999 was scanned not at all: sts:AssumeRole") {
		t.Errorf("notifications = %v", notes)
	}
	audit := renderSARIF(t, r, ProfileAudit)
	runs = a(audit["runs"])
	if len(runs) != 3 || m(a(m(runs[2])["invocations"])[0])["executionSuccessful"] != false {
		t.Errorf("audit profile should keep a failed run with executionSuccessful false")
	}
}

func TestSARIFGitHubLimits(t *testing.T) {
	var buf bytes.Buffer
	err := WriteSARIF(&buf, sampleReport(21), SARIFOptions{Profile: ProfileGitHub})
	if err == nil || !strings.Contains(err.Error(), "21 runs") || buf.Len() != 0 {
		t.Errorf("21 accounts: err %v, %d bytes written", err, buf.Len())
	}
	if err := WriteSARIF(&buf, sampleReport(21), SARIFOptions{Profile: ProfileAudit}); err != nil {
		t.Errorf("audit profile has no GitHub limits: %v", err)
	}
}

func TestUUID5(t *testing.T) {
	u := uuid5("taxonomy/owasp-asi-2026")
	if len(u) != 36 || u[14] != '5' || !strings.ContainsAny(u[19:20], "89ab") || u != uuid5("taxonomy/owasp-asi-2026") || u == uuid5("taxonomy/other") {
		t.Errorf("uuid5 = %s", u)
	}
}

// largeReport is one account with n findings of every severity in turn,
// sorted as rules.Sort sorts them (most severe first).
func largeReport(n int) *findings.Report {
	r := sampleReport(1)
	base := r.Findings[0]
	r.Findings = nil
	sevs := []findings.Severity{findings.Critical, findings.High, findings.Medium, findings.Low}
	for _, sev := range sevs {
		for i := 0; i < n/len(sevs); i++ {
			f := base
			f.Identity.ID = fmt.Sprintf("arn:aws:iam::000000000001:role/%s-%d", sev, i)
			f.Identity.Name = fmt.Sprintf("%s-%d", sev, i)
			f.Fingerprint = findings.Fingerprint(f.RuleID, "aws", "000000000001", f.Identity.ID, "")
			f.Severity = sev
			f.Evidence = findings.EvidenceList{{Key: "policy", Value: fmt.Sprintf("arn:aws:iam::000000000001:policy/team-%d", i)}, {Key: "statement", Value: strings.Repeat("s3:GetObject ", i%20)}}
			r.Findings = append(r.Findings, f)
		}
	}
	return r
}

func TestSARIFGitHubKeepsMostSevereWithinLimits(t *testing.T) {
	r := largeReport(28000) // 7,000 of each severity
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, r, SARIFOptions{Profile: ProfileGitHub}); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(buf.Bytes())
	zw.Close()
	if gz.Len() > githubMaxGzipBytes {
		t.Errorf("%d bytes gzipped, over GitHub's limit", gz.Len())
	}
	var log map[string]any
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	checkGitHubRules(t, log)
	run := m(a(log["runs"])[0])
	results := a(run["results"])
	if len(results) != githubMaxResults {
		t.Fatalf("%d results, want GitHub's %d", len(results), githubMaxResults)
	}
	// 7,000 critical, high and medium each, then 4,000 of the 7,000 low.
	counts := map[string]int{}
	for _, res := range results {
		counts[m(m(res)["properties"])["severity"].(string)]++
	}
	if counts["critical"] != 7000 || counts["high"] != 7000 || counts["medium"] != 7000 || counts["low"] != 4000 {
		t.Errorf("kept by severity %v, want the most severe first", counts)
	}
	if m(run["properties"])["omittedResults"] != float64(3000) {
		t.Errorf("omittedResults = %v", m(run["properties"])["omittedResults"])
	}
	notes := a(m(a(run["invocations"])[0])["toolExecutionNotifications"])
	text := m(m(notes[len(notes)-1])["message"])["text"].(string)
	for _, want := range []string{"3000 results were left out", "by severity: 3000 low;", "NHI-TST-001 3000", "--sarif-profile audit", "--format json"} {
		if !strings.Contains(text, want) {
			t.Errorf("notification %q lacks %q", text, want)
		}
	}
	if strings.Contains(text, "fail-on") {
		t.Errorf("notification still advises --fail-on: %q", text)
	}
	// The audit profile keeps every result.
	buf.Reset()
	if err := WriteSARIF(&buf, r, SARIFOptions{Profile: ProfileAudit}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), `"ruleId": "NHI-TST-001"`); n != 28000 {
		t.Errorf("audit profile has %d results, want 28000", n)
	}
}

func TestSARIFGitHubGzipLimit(t *testing.T) {
	saved := githubLimits
	t.Cleanup(func() { githubLimits = saved })
	githubLimits.gzipBytes = 64 << 10
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, largeReport(4000), SARIFOptions{Profile: ProfileGitHub}); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(buf.Bytes())
	zw.Close()
	if gz.Len() > githubLimits.gzipBytes {
		t.Errorf("%d bytes gzipped, over the %d limit", gz.Len(), githubLimits.gzipBytes)
	}
	var log map[string]any
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	// CI validates it with Microsoft's SARIF Multitool (.ci/run): a
	// truncated log, with its notification, must stay valid.
	if dir := os.Getenv("NHISCAN_SARIF_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "github-truncated.sarif"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := m(a(log["runs"])[0])
	n := len(a(run["results"]))
	if n == 0 || n >= 4000 || m(run["properties"])["omittedResults"] != float64(4000-n) {
		t.Errorf("%d results kept, omittedResults %v", n, m(run["properties"])["omittedResults"])
	}
	if first := m(m(a(run["results"])[0])["properties"])["severity"]; first != "critical" {
		t.Errorf("first kept result is %v, want critical", first)
	}
}

// BenchmarkSARIFGitHub renders a 100,000-finding account for GitHub: the
// 25,000 most severe results are kept.
func BenchmarkSARIFGitHub(b *testing.B) {
	r := largeReport(100000)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteSARIF(io.Discard, r, SARIFOptions{Profile: ProfileGitHub}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEncodeSARIFMatchesEncodingJSON(t *testing.T) {
	failed := sampleReport(3)
	failed.Sources[1].Status, failed.Sources[1].Error = "failed", `denied: "results": [] in a message`
	failed.Findings[0].Message = `a "results": [] inside a string`
	failed.Findings[1].Suppression = &findings.Suppression{Rule: "NHI-TST-001", Reason: "<accepted> & known"}
	for name, r := range map[string]*findings.Report{"sample": sampleReport(2), "failed": failed, "none": {SchemaVersion: "1"}, "large": largeReport(200)} {
		for _, profile := range []string{ProfileGitHub, ProfileAudit} {
			log := buildSARIF(r, SARIFOptions{Profile: profile}, 30)
			var want, got bytes.Buffer
			if err := encodeJSON(&want, log); err != nil {
				t.Fatal(err)
			}
			if err := encodeSARIF(&got, log); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("%s %s: encodeSARIF differs from encoding/json", name, profile)
			}
		}
	}
}

// Two Azure service principals with the same display name have distinct
// locations (their object ids); other providers keep the name.
func TestArtifactPathAzureUsesObjectID(t *testing.T) {
	a := findings.Identity{Provider: "azure", Account: "t1", Kind: "azure.application", Name: "deploy", ID: "11111111-1111-1111-1111-111111111111"}
	b := a
	b.ID = "22222222-2222-2222-2222-222222222222"
	if pa, pb := ArtifactPath(a), ArtifactPath(b); pa == pb || pa != "nhi/azure/t1/application/11111111-1111-1111-1111-111111111111" {
		t.Errorf("paths %q and %q; want distinct, by object id", pa, pb)
	}
	aws := findings.Identity{Provider: "aws", Account: "111122223333", Kind: "aws.role", Name: "deploy", ID: "arn:aws:iam::111122223333:role/deploy"}
	if p := ArtifactPath(aws); p != "nhi/aws/111122223333/role/deploy" {
		t.Errorf("AWS path %q", p)
	}
}
