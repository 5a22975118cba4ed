package aws

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"time"

	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func testLive(opts LiveOptions) *Live {
	opts.ReportPoll = time.Millisecond
	opts.MaxBackoff = 5 * time.Millisecond
	if opts.ReportWait == 0 {
		opts.ReportWait = 5 * time.Second
	}
	return NewLive(opts)
}

func TestLiveSingleAccount(t *testing.T) {
	f := awstest.New(t)
	f.ThrottleOnce["GetAccountAuthorizationDetails"] = true
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Sources) != 1 || inv.Sources[0].Status != inventory.StatusOK || inv.Sources[0].Scope != awstest.MgmtAccount || inv.Sources[0].Mode != "live" {
		t.Fatalf("sources = %+v", inv.Sources)
	}
	// One throttled call, then both pages.
	if n := f.Count(awstest.MgmtAccount, "GetAccountAuthorizationDetails"); n != 3 {
		t.Errorf("GetAccountAuthorizationDetails calls = %d, want 3 (throttled, page 1, page 2)", n)
	}
	// The report was STARTED once, then COMPLETE; the first Get said ReportInProgress.
	if g, r := f.Count(awstest.MgmtAccount, "GenerateCredentialReport"), f.Count(awstest.MgmtAccount, "GetCredentialReport"); g != 3 || r != 2 {
		t.Errorf("credential report calls: generate %d, get %d; want 3 and 2", g, r)
	}
	app := find(t, inv, "app")
	if app.MaxSession != 4*time.Hour || app.LastUsed == nil || len(app.Trust) != 1 {
		t.Errorf("role from page 2 (URL-encoded trust, ListRoles session) = %+v", app)
	}
	if len(app.Grants) != 1 || len(app.Grants[0].Statements) != 1 || app.Grants[0].Statements[0].Actions[0] != "*" {
		t.Errorf("AWS-managed policy not resolved to its default version: %+v", app.Grants)
	}
	ci := find(t, inv, "ci")
	var got []string
	for _, c := range ci.Credentials {
		used := "never"
		if c.LastUsed != nil {
			used = c.LastUsed.Format("2006-01-02")
		}
		got = append(got, fmt.Sprintf("%s %s %s slot%s known=%v", c.Kind, c.ID, used, c.Slot, c.LastUsedKnown))
	}
	want := []string{
		"aws.console-password  2024-05-30 slot known=true",
		"aws.access-key AKIA111111111111KEY1 2024-05-31 slot1 known=true",
		"aws.access-key AKIA111111111111KEY2 never slot2 known=true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("credentials:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(ci.Grants) != 1 || ci.Grants[0].Statements[0].Resources[0] != "arn:aws:s3:::b/*" {
		t.Errorf("URL-encoded inline policy = %+v", ci.Grants)
	}
	root := find(t, inv, "root")
	if root.Kind != inventory.KindAWSRoot || len(root.Credentials) != 1 || !root.Credentials[0].Active() {
		t.Errorf("root = %+v", root)
	}
}

func TestLiveAccessDeniedOnOneCall(t *testing.T) {
	f := awstest.New(t)
	f.DenyAction["ListRoles"] = true
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	src := inv.Sources[0]
	if src.Status != inventory.StatusPartial || !strings.Contains(src.Error, "iam:ListRoles: AccessDenied") {
		t.Errorf("source = %+v", src)
	}
	if len(inv.Identities) != 3 {
		t.Errorf("identities = %d, want 3 despite the denied call", len(inv.Identities))
	}
}

func TestLiveCredentialReportNeverReady(t *testing.T) {
	f := awstest.New(t)
	f.ReportNotReady = true
	inv, err := testLive(LiveOptions{ReportWait: 30 * time.Millisecond}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	src := inv.Sources[0]
	if src.Status != inventory.StatusPartial || !strings.Contains(src.Error, "not ready within 30ms") {
		t.Errorf("source = %+v", src)
	}
	if n := f.Count(awstest.MgmtAccount, "GetCredentialReport"); n != 0 {
		t.Errorf("GetCredentialReport called %d times before the report was complete", n)
	}
}

func TestLiveNothingReadable(t *testing.T) {
	f := awstest.New(t)
	f.DenyAction["GetAccountAuthorizationDetails"] = true
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Sources) != 1 || inv.Sources[0].Status != inventory.StatusFailed || !strings.Contains(inv.Sources[0].Error, "AccessDenied") {
		t.Errorf("sources = %+v", inv.Sources)
	}
	for _, s := range inv.Sources {
		if strings.Contains(s.Error, "TOPSECRETMATERIAL") {
			t.Error("secret key in an error")
		}
	}
}

func TestLiveOrganization(t *testing.T) {
	f := awstest.New(t)
	f.DenyAssume["444444444444"] = true
	inv, err := testLive(LiveOptions{Org: true, AssumeRole: "NhiscanAudit", Concurrency: 2}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range inv.Sources {
		got = append(got, s.Scope+" "+s.Status)
	}
	want := "222222222222 ok|444444444444 failed|555555555555 ok"
	if strings.Join(got, "|") != want {
		t.Errorf("sources = %q, want %q", strings.Join(got, "|"), want)
	}
	if e := inv.Sources[1].Error; !strings.Contains(e, "AccessDenied") || !strings.Contains(e, "arn:aws:iam::444444444444:role/NhiscanAudit") {
		t.Errorf("failed account error = %q", e)
	}
	if f.Count("333333333333", "GetCallerIdentity") != 0 {
		t.Error("suspended account was scanned")
	}
	accounts := map[string]int{}
	for _, id := range inv.Identities {
		accounts[id.Account]++
	}
	if accounts["222222222222"] != 3 || accounts["555555555555"] != 3 || len(accounts) != 2 {
		t.Errorf("identities per account = %v", accounts)
	}
}

// cleanInventory scans the test account with no fault.
func cleanInventory(t *testing.T) inventory.Inventory {
	t.Helper()
	awstest.New(t)
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil || len(inv.Sources) != 1 || inv.Sources[0].Status != inventory.StatusOK {
		t.Fatalf("clean scan: %v %+v", err, inv.Sources)
	}
	return inv
}

// Transient faults are retried, each call on its own, and the scan then
// reads exactly what a scan without faults reads.
func TestLiveTransientFaultsRetried(t *testing.T) {
	clean := cleanInventory(t)
	cases := map[string][]awstest.Fault{
		"throttled 3 of the first 5 calls": {awstest.Only(awstest.Throttle, "GetAccountAuthorizationDetails", 1, 2, 4)},
		"500 and 503": {
			awstest.Only(awstest.InternalError, "ListRoles", 1),
			awstest.Only(awstest.Unavailable, "GenerateCredentialReport", 1, 2),
			awstest.Only(awstest.Unavailable, "GetCallerIdentity", 1),
		},
		"delayed answers":                 {{Kind: awstest.Delay, Action: "GetAccountAuthorizationDetails", Delay: 50 * time.Millisecond}, {Kind: awstest.Delay, Action: "ListAccessKeys", Delay: 50 * time.Millisecond}},
		"connection dropped mid-body":     {awstest.Only(awstest.DropMidBody, "GetAccountAuthorizationDetails", 1), awstest.Only(awstest.DropMidBody, "GetAccessKeyLastUsed", 1), awstest.Only(awstest.DropMidBody, "GetCallerIdentity", 1)},
		"truncated body":                  {awstest.Only(awstest.Truncate, "GetAccountAuthorizationDetails", 2), awstest.Only(awstest.Truncate, "ListAccessKeys", 1), awstest.Only(awstest.Truncate, "GetCredentialReport", 2)},
		"dropped then truncated then 503": {awstest.Only(awstest.DropMidBody, "ListRoles", 1), awstest.Only(awstest.Truncate, "ListRoles", 2), awstest.Only(awstest.Unavailable, "ListRoles", 3)},
	}
	for name, faults := range cases {
		t.Run(name, func(t *testing.T) {
			f := awstest.New(t)
			f.Faults = faults
			inv, err := testLive(LiveOptions{}).Scan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(clean, inv); d != "" {
				t.Errorf("inventory differs from the clean scan (-clean +faulty):\n%s", d)
			}
		})
	}
}

// A call that keeps failing transiently gives up after maxAttempts.
func TestLiveTransientFaultBounded(t *testing.T) {
	f := awstest.New(t)
	f.Faults = []awstest.Fault{{Kind: awstest.DropMidBody, Action: "ListRoles"}}
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Count(awstest.MgmtAccount, "ListRoles"); n != maxAttempts {
		t.Errorf("ListRoles called %d times, want %d", n, maxAttempts)
	}
	if src := inv.Sources[0]; src.Status != inventory.StatusPartial || !strings.HasPrefix(src.Error, "iam:ListRoles: ") {
		t.Errorf("source = %+v", src)
	}
}

// An always-throttled AssumeRole costs maxAttempts calls, not a round of
// credential retries per GetCallerIdentity attempt, and the other
// accounts complete.
func TestLiveAssumeRoleAlwaysThrottled(t *testing.T) {
	f := awstest.New(t)
	f.Faults = []awstest.Fault{{Kind: awstest.Throttle, Action: "AssumeRole", Account: "444444444444"}}
	inv, err := testLive(LiveOptions{Org: true, AssumeRole: "NhiscanAudit", Concurrency: 3}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// 10 for the throttled account, 1 for each of the two others.
	if n := f.Count(awstest.MgmtAccount, "AssumeRole"); n != maxAttempts+2 {
		t.Errorf("AssumeRole called %d times, want %d", n, maxAttempts+2)
	}
	if n := f.Count("444444444444", "GetCallerIdentity"); n != 0 {
		t.Errorf("GetCallerIdentity sent %d times without credentials", n)
	}
	var got []string
	for _, s := range inv.Sources {
		got = append(got, s.Scope+" "+s.Status)
	}
	if strings.Join(got, "|") != "222222222222 ok|444444444444 failed|555555555555 ok" {
		t.Errorf("sources = %q", got)
	}
	if e := inv.Sources[1].Error; e != "sts:AssumeRole arn:aws:iam::444444444444:role/NhiscanAudit: Throttling: Rate exceeded" {
		t.Errorf("error = %q", e)
	}
}

// An account whose calls never answer fails after Timeout, in one line;
// the other accounts complete.
func TestLiveAccountTimeout(t *testing.T) {
	f := awstest.New(t)
	f.Faults = []awstest.Fault{{Kind: awstest.Delay, Action: "GetAccountAuthorizationDetails", Account: "222222222222", Delay: time.Hour}}
	start := time.Now()
	inv, err := testLive(LiveOptions{Org: true, AssumeRole: "NhiscanAudit", Timeout: 500 * time.Millisecond}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("scan took %s", d)
	}
	var got []string
	for _, s := range inv.Sources {
		got = append(got, s.Scope+" "+s.Status+" "+s.Error)
	}
	want := "222222222222 failed timed out after 500ms (--timeout) during iam:GetAccountAuthorizationDetails; the account was not assessed|444444444444 ok |555555555555 ok "
	if strings.Join(got, "|") != want {
		t.Errorf("sources:\n%s\nwant:\n%s", strings.Join(got, "|"), want)
	}
}

// Cancelling the scan returns an error wrapping context.Canceled and no
// inventory, even in an organization scan where some accounts were read.
func TestLiveInterrupted(t *testing.T) {
	for _, org := range []bool{false, true} {
		f := awstest.New(t)
		f.Faults = []awstest.Fault{{Kind: awstest.Delay, Action: "ListRoles", Account: "555555555555", Delay: time.Hour}, {Kind: awstest.Delay, Action: "ListRoles", Account: awstest.MgmtAccount, Delay: time.Hour}}
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for f.Count("555555555555", "ListRoles")+f.Count(awstest.MgmtAccount, "ListRoles") == 0 {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
		}()
		inv, err := testLive(LiveOptions{Org: org, AssumeRole: "NhiscanAudit", Concurrency: 1}).Scan(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("org=%v: err = %v, want context.Canceled", org, err)
		}
		if len(inv.Sources)+len(inv.Identities) != 0 {
			t.Errorf("org=%v: interrupted scan returned %d sources", org, len(inv.Sources))
		}
	}
}

// One key whose last use cannot be read keeps the user's other keys, and
// takes its last use from the credential report; the error names it.
func TestLiveKeyLastUseDenied(t *testing.T) {
	f := awstest.New(t)
	f.Faults = []awstest.Fault{awstest.Only(awstest.Deny, "GetAccessKeyLastUsed", 2)}
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	src := inv.Sources[0]
	if src.Status != inventory.StatusPartial || !strings.HasPrefix(src.Error, "last use of 1 access key(s) not read, their last use taken from the credential report where it has them: ci/AKIA111111111111KEY2 (first error: iam:GetAccessKeyLastUsed AKIA111111111111KEY2: AccessDenied") {
		t.Errorf("source = %+v", src)
	}
	ci := find(t, inv, "ci")
	var ids []string
	for _, c := range ci.Credentials {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, " ") != " AKIA111111111111KEY1 AKIA111111111111KEY2" {
		t.Errorf("credentials of ci = %q, want the password and both keys", ids)
	}
}

// When ListAccessKeys fails, the user's keys come from the credential
// report (without ids), and the error names the user.
func TestLiveListAccessKeysDenied(t *testing.T) {
	f := awstest.New(t)
	f.DenyAction["ListAccessKeys"] = true
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	src := inv.Sources[0]
	if src.Status != inventory.StatusPartial || !strings.HasPrefix(src.Error, "access keys of 1 user(s) not listed, their keys taken from the credential report: ci (first error: iam:ListAccessKeys ci: AccessDenied") {
		t.Errorf("source = %+v", src)
	}
	ci := find(t, inv, "ci")
	var got []string
	for _, c := range ci.Credentials {
		got = append(got, fmt.Sprintf("%s slot%s %s", c.Kind, c.Slot, c.Status))
	}
	want := "aws.console-password slot active|aws.access-key slot1 active|aws.access-key slot2 active"
	if strings.Join(got, "|") != want {
		t.Errorf("credentials of ci = %q, want %q", strings.Join(got, "|"), want)
	}
}

// Without a credential report, the keys listed are still assessed, and
// no warning says they were not.
func TestLiveCredentialReportDenied(t *testing.T) {
	f := awstest.New(t)
	f.DenyAction["GenerateCredentialReport"] = true
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	src := inv.Sources[0]
	if src.Status != inventory.StatusPartial || !strings.HasSuffix(src.Error, "(console passwords and root credentials not assessed)") {
		t.Errorf("source = %+v", src)
	}
	for _, w := range src.Warnings {
		if strings.Contains(w, "key ages") {
			t.Errorf("wrong warning: %s", w)
		}
	}
	ci := find(t, inv, "ci")
	if len(ci.Credentials) != 2 || ci.Credentials[0].ID != "AKIA111111111111KEY1" || ci.Credentials[0].LastUsed == nil {
		t.Errorf("keys of ci = %+v", ci.Credentials)
	}
}

// clearCredentials removes every credential source awstest.New set.
func clearCredentials(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func TestLiveNoCredentials(t *testing.T) {
	awstest.New(t)
	clearCredentials(t)
	_, err := testLive(LiveOptions{}).Scan(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "no AWS credentials found: tried AWS_ACCESS_KEY_ID") {
		t.Errorf("err = %v", err)
	}
}

// The GitLab recipe: web-identity credentials (AWS_ROLE_ARN and
// AWS_WEB_IDENTITY_TOKEN_FILE) and no region set anywhere. STS
// AssumeRoleWithWebIdentity is called, and IAM is signed for us-east-1.
func TestLiveWebIdentityWithoutRegion(t *testing.T) {
	f := awstest.New(t)
	clearCredentials(t)
	f.WebIdentityToken = "eyJhbGciOiJSUzI1NiJ9.gitlab.sig"
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte(f.WebIdentityToken), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::666666666666:role/gitlab-nhiscan")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token)
	// Agents are listed per region by design; IAM and STS are what this
	// test watches, so agents are listed in us-east-1 only.
	inv, err := testLive(LiveOptions{AgentRegions: []string{"us-east-1"}}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Sources) != 1 || inv.Sources[0].Scope != "666666666666" || inv.Sources[0].Status != inventory.StatusOK {
		t.Errorf("sources = %+v", inv.Sources)
	}
	if n := f.Count(awstest.MgmtAccount, "AssumeRoleWithWebIdentity"); n != 1 {
		t.Errorf("AssumeRoleWithWebIdentity called %d times", n)
	}
	if r := f.Regions(); len(r) != 1 || r["us-east-1"] == 0 {
		t.Errorf("signing regions = %v, want us-east-1 only", r)
	}
	// A region the user set wins.
	t.Setenv("AWS_REGION", "eu-west-1")
	if _, err := testLive(LiveOptions{}).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := f.Regions(); r["eu-west-1"] == 0 {
		t.Errorf("signing regions = %v, want eu-west-1 used", r)
	}
}

// Without an endpoint override, the web-identity client goes to the
// regional STS endpoint of us-east-1: the region was chosen before the
// SDK built that client (an empty region fails with "Missing Region").
// A proxy on a closed local port keeps the request on this machine.
func TestLiveWebIdentityRegionBeforeLoad(t *testing.T) {
	awstest.New(t)
	clearCredentials(t)
	t.Setenv("AWS_ENDPOINT_URL", "")
	os.Unsetenv("AWS_ENDPOINT_URL")
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	t.Setenv("NO_PROXY", "")
	token := filepath.Join(t.TempDir(), "token")
	os.WriteFile(token, []byte("token"), 0o600)
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::666666666666:role/gitlab-nhiscan")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token)
	_, err := testLive(LiveOptions{}).Scan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "AssumeRoleWithWebIdentity") || !strings.Contains(err.Error(), `"https://sts.us-east-1.amazonaws.com/"`) {
		t.Errorf("err = %v, want a call to sts.us-east-1.amazonaws.com", err)
	}
}
