package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"

	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
	"github.com/nhiscan/nhiscan/scanners/gcp/gcptest"
)

func TestOrgAccountsAWS(t *testing.T) {
	awstest.New(t) // two pages: 222222222222 and 333333333333 (suspended), then 444444444444 and 555555555555
	r := runCLI(t, liveEnv(), "org", "accounts", "aws")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var list scopeList
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range list.Scopes {
		ids = append(ids, s.ID+"="+s.Name)
	}
	if list.Provider != "aws" || strings.Join(ids, " ") != "222222222222=acct-222222222222 444444444444=acct-444444444444 555555555555=acct-555555555555" {
		t.Errorf("scopes = %s", r.stdout)
	}

	r = runCLI(t, liveEnv(), "org", "accounts", "aws", "--matrix", "--per", "2")
	want := `{"include":[{"shard":0,"scopes":"222222222222 444444444444","args":"--account 222222222222 --account 444444444444"},{"shard":1,"scopes":"555555555555","args":"--account 555555555555"}]}` + "\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("matrix: exit %d\n got %s\nwant %s", r.code, r.stdout, want)
	}
	r = runCLI(t, liveEnv(), "org", "accounts", "aws", "--per", "2", "--shard", "1")
	if r.code != 0 || r.stdout != "--account 555555555555\n" {
		t.Errorf("shard 1: exit %d, %q", r.code, r.stdout)
	}
	r = runCLI(t, liveEnv(), "org", "accounts", "aws", "--per", "2", "--shard", "2")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--shard 2: there are 2 shards of 2 (0 to 1)") {
		t.Errorf("shard out of range: exit %d, %q", r.code, r.stderr)
	}
}

func TestScanAWSAccountShards(t *testing.T) {
	f := awstest.New(t)
	dir := t.TempDir()
	asOf := "2024-06-01T00:00:00Z"
	// The whole organization in one scan, then in the two shards of the
	// matrix above, merged.
	whole := runCLI(t, liveEnv(), "scan", "aws", "--org", "--assume-role", "NhiscanAudit", "--format", "json", "--as-of", asOf)
	if whole.code != 0 {
		t.Fatalf("whole: exit %d: %s", whole.code, whole.stderr)
	}
	once := map[string]int{}
	for _, a := range []string{"222222222222", "444444444444", "555555555555"} {
		once[a] = f.Count(a, "GetAccountAuthorizationDetails")
	}
	var reports []string
	for i, args := range [][]string{{"--account", "222222222222", "--account", "444444444444"}, {"--account", "555555555555"}} {
		out := filepath.Join(dir, "shard"+string(rune('0'+i))+".json")
		r := runCLI(t, liveEnv(), append([]string{"scan", "aws", "--assume-role", "NhiscanAudit", "--format", "json", "--as-of", asOf, "--output", out}, args...)...)
		if r.code != 0 {
			t.Fatalf("shard %d: exit %d: %s", i, r.code, r.stderr)
		}
		reports = append(reports, out)
	}
	for a, n := range once {
		if got := f.Count(a, "GetAccountAuthorizationDetails") - n; n == 0 || got != n {
			t.Errorf("account %s: %d calls by the shards, %d by the whole scan: each shard should read only its accounts", a, got, n)
		}
	}
	merged := runCLI(t, liveEnv(), append([]string{"merge", "--format", "json"}, reports...)...)
	if merged.code != 0 || merged.stdout != whole.stdout {
		t.Errorf("merged shards differ from the whole organization's scan (exit %d)", merged.code)
	}

	// An account that is not in the organization is a failed scope.
	r := runCLI(t, liveEnv(), "scan", "aws", "--assume-role", "NhiscanAudit", "--account", "333333333333", "--account", "222222222222", "--format", "json", "--as-of", asOf)
	if r.code != exitPartial || !strings.Contains(r.stderr, "error: aws 333333333333: not an ACTIVE account of the organization") || !strings.Contains(r.stdout, `"scope": "222222222222"`) {
		t.Errorf("suspended account: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, liveEnv(), "scan", "aws", "--account", "222222222222")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--account need --assume-role") {
		t.Errorf("--account without --assume-role: exit %d, %q", r.code, r.stderr)
	}
	r = runCLI(t, liveEnv(), "scan", "--demo", "--account", "222222222222")
	if r.code != exitUsage {
		t.Errorf("--account offline: exit %d", r.code)
	}
}

func TestOrgAccountsGCP(t *testing.T) {
	srv := gcptest.New(t, "demo/gcp")
	srv.Org = &gcptest.Org{ID: "555", Folders: map[string]string{"folders/777": "organizations/555"}, ProjectParent: map[string]string{"acme-prod": "folders/777"}}
	srv.SetPolicy("organizations/555", &iampb.Policy{Bindings: []*iampb.Binding{{Role: "roles/owner", Members: []string{"serviceAccount:tidy@acme-prod.iam.gserviceaccount.com"}}}})
	r := runCLI(t, gcpEnv(srv), "org", "accounts", "gcp", "--organization", "555", "--matrix")
	want := `{"include":[{"shard":0,"scopes":"acme-prod","args":"--organization 555 --project acme-prod"}]}` + "\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}

	// The shard's scan equals the organization's: the project keeps the
	// owner role it inherits from the organization.
	asOf := []string{"--as-of", "2026-11-01T00:00:00Z", "--format", "json"}
	whole := runCLI(t, gcpEnv(srv), append([]string{"scan", "gcp", "--organization", "555"}, asOf...)...)
	shard := runCLI(t, gcpEnv(srv), append(append([]string{"scan", "gcp"}, strings.Fields("--organization 555 --project acme-prod")...), asOf...)...)
	if whole.code != 0 || shard.code != 0 || shard.stdout != whole.stdout || !strings.Contains(whole.stdout, "roles/owner") {
		t.Errorf("shard differs from the organization's scan: exit %d / %d", whole.code, shard.code)
	}
	r = runCLI(t, gcpEnv(srv), append([]string{"scan", "gcp", "--organization", "555", "--project", "acme-prod", "--project", "elsewhere"}, asOf...)...)
	if r.code != exitPartial || !strings.Contains(r.stderr, "error: gcp elsewhere: not an ACTIVE project of organizations/555") {
		t.Errorf("project outside the organization: exit %d, %q", r.code, r.stderr)
	}

	r = runCLI(t, gcpEnv(srv), "org", "accounts", "gcp")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--organization") {
		t.Errorf("no organization: exit %d, %q", r.code, r.stderr)
	}
}

// Listing an organization whose API never answers ends after --timeout
// with one line and exit 2, for AWS and GCP, rather than holding up the
// CI job that plans the shards.
func TestOrgAccountsTimeout(t *testing.T) {
	f := awstest.New(t)
	f.Faults = []awstest.Fault{{Kind: awstest.Delay, Action: "ListAccounts", Delay: time.Hour}}
	start := time.Now()
	r := runCLI(t, liveEnv(), "org", "accounts", "aws", "--timeout", "300ms")
	if r.code != exitUsage || r.stderr != "nhiscan: aws: listing the organization: timed out after 300ms (--timeout)\n" || r.stdout != "" {
		t.Errorf("aws: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("aws: took %s", d)
	}

	srv := gcptest.New(t, "demo/gcp")
	srv.Org = &gcptest.Org{ID: "555", ProjectParent: map[string]string{"acme-prod": "organizations/555"}}
	srv.Delay["ListProjects"] = time.Hour
	r = runCLI(t, gcpEnv(srv), "org", "accounts", "gcp", "--organization", "555", "--matrix", "--timeout", "300ms")
	if r.code != exitUsage || r.stderr != "nhiscan: gcp: listing the organization: timed out after 300ms (--timeout)\n" || r.stdout != "" {
		t.Errorf("gcp: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	r = runCLI(t, liveEnv(), "org", "accounts", "aws", "--timeout", "0s")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--timeout must be positive") {
		t.Errorf("--timeout 0s: exit %d, %q", r.code, r.stderr)
	}
}

// A scope read only in part ends the run with exit 3 and a last line that
// says so, rather than calling it failed.
func TestPartialScopeLastLine(t *testing.T) {
	f := awstest.New(t)
	f.DenyAction["ListRoles"] = true
	r := runCLI(t, liveEnv(), "scan", "aws", "--format", "json")
	if r.code != exitPartial || !strings.HasSuffix(r.stderr, "nhiscan: the scan is partial: some scopes failed or were read only in part (see the errors above)\n") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
