package aws

import (
	"context"
	"fmt"
	"strings"
	"testing"
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
	if !app.Agent || app.MaxSession != 4*time.Hour || app.LastUsed == nil || len(app.Trust) != 1 {
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
