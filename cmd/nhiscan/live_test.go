package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/nhiscan/nhiscan/findings"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/aws"
	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
	"github.com/nhiscan/nhiscan/scanners/gcp"
	"github.com/nhiscan/nhiscan/scanners/gcp/gcptest"
	"github.com/nhiscan/nhiscan/scanners/inventory"
	"github.com/nhiscan/nhiscan/scanners/registry"
)

// liveEnv runs the real AWS scanner, against the local wire-protocol
// server, with short polling delays.
func liveEnv() *environment {
	return withProvider(testEnv(inventory.Inventory{}), registry.AWS(func(o aws.LiveOptions) scanners.Live {
		o.ReportPoll, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
		return aws.NewLive(o)
	}))
}

// gcpEnv runs the real GCP scanner against the local gRPC and REST servers.
func gcpEnv(srv *gcptest.Server) *environment {
	return withProvider(testEnv(inventory.Inventory{}), registry.GCP(func(o gcp.LiveOptions) scanners.Live {
		o.GRPCOptions, o.RESTOptions = srv.GRPCOptions, srv.RESTOptions
		return gcp.NewLive(o)
	}))
}

func TestGCPLiveScanEndToEnd(t *testing.T) {
	srv := gcptest.New(t, "demo/gcp")
	r := runCLI(t, gcpEnv(srv), "scan", "gcp", "--project", "acme-prod", "--format", "sarif", "--as-of", "2026-11-01T00:00:00Z")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{`"id": "nhiscan/gcp/acme-prod/"`, `"fullyQualifiedName": "deployer@acme-prod.iam.gserviceaccount.com"`, `"ruleId": "NHI-OVB-101"`, `"ruleId": "NHI-ESC-101"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("GCP live SARIF lacks %s", want)
		}
	}
	keepSARIF(t, "gcp-live.sarif", r.stdout)
	srv.DenyProject["acme-prod"] = true
	r = runCLI(t, gcpEnv(srv), "scan", "gcp", "--project", "acme-prod", "--format", "json")
	if r.code != 3 || !strings.Contains(r.stderr, "error: gcp acme-prod: iam.serviceAccounts.list: PermissionDenied") {
		t.Errorf("denied project: exit %d, stderr %q", r.code, r.stderr)
	}
}

// keepSARIF saves a SARIF output for CI's validation with Microsoft's
// SARIF Multitool when NHISCAN_SARIF_DIR is set.
func keepSARIF(t *testing.T, name, sarif string) {
	if dir := os.Getenv("NHISCAN_SARIF_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(sarif), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLiveScanEndToEnd(t *testing.T) {
	awstest.New(t)
	r := runCLI(t, liveEnv(), "scan", "aws", "--format", "sarif", "--as-of", "2024-06-01T00:00:00Z")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{`"id": "nhiscan/aws/111111111111/"`, `"fullyQualifiedName": "arn:aws:iam::111111111111:role/app"`, `"ruleId": "NHI-OVB-001"`, `"ruleId": "NHI-STA-004"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("live SARIF lacks %s", want)
		}
	}
	if strings.Contains(r.stdout, "TOPSECRETMATERIAL") || strings.Contains(r.stderr, "TOPSECRETMATERIAL") {
		t.Error("secret access key in the output")
	}
	keepSARIF(t, "live.sarif", r.stdout)
}

func TestLiveOrganizationEndToEnd(t *testing.T) {
	f := awstest.New(t)
	f.DenyAssume["444444444444"] = true
	for _, profile := range []string{"github", "audit"} {
		r := runCLI(t, liveEnv(), "scan", "aws", "--org", "--assume-role", "NhiscanAudit", "--format", "sarif", "--sarif-profile", profile, "--as-of", "2024-06-01T00:00:00Z")
		if r.code != 3 || !strings.Contains(r.stderr, "error: aws 444444444444: sts:AssumeRole") {
			t.Fatalf("%s: exit %d, stderr %q", profile, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "444444444444 was scanned not at all") {
			t.Errorf("%s: no notification for the failed account", profile)
		}
		keepSARIF(t, "live-org-"+profile+".sarif", r.stdout)
	}
}

// reportSchema compiles the shipped report schema.
func reportSchema(t *testing.T) *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("../../schema/report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// readReport checks a JSON report against the schema and returns it.
func readSchemaReport(t *testing.T, sch *jsonschema.Schema, path string) *findings.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("%s does not match the schema: %v", path, err)
	}
	var r findings.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func readBaseline(t *testing.T, path string) *findings.Baseline {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := findings.ParseBaseline(data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fingerprints lists the findings' fingerprints, of one account or all.
func fingerprints(fs []findings.Finding, account string) []string {
	var out []string
	for _, f := range fs {
		if account == "" || f.Identity.Account == account {
			out = append(out, f.Fingerprint)
		}
	}
	sort.Strings(out)
	return out
}

func entryPrints(b *findings.Baseline) []string {
	var out []string
	for _, e := range b.Findings {
		out = append(out, e.Fingerprint)
	}
	sort.Strings(out)
	return out
}

// Faults between nhiscan and the AWS API, end to end: the exit code, a
// report that matches the schema, the baseline before and after, and the
// findings of the clean run wherever the data was eventually read.
func TestLiveFaultsEndToEnd(t *testing.T) {
	sch := reportSchema(t)
	const asOf = "2024-06-01T00:00:00Z"
	type tc struct {
		org    bool
		faults []awstest.Fault
		code   int
		stderr string
		// failed is the account not read at all; partial: read in part.
		failed, partial string
	}
	cases := map[string]tc{
		"throttled 2 of the first 3":            {faults: []awstest.Fault{awstest.Only(awstest.Throttle, "GetAccountAuthorizationDetails", 1, 2)}},
		"500 then 503":                          {faults: []awstest.Fault{awstest.Only(awstest.InternalError, "ListRoles", 1), awstest.Only(awstest.Unavailable, "ListRoles", 2)}},
		"delay":                                 {faults: []awstest.Fault{{Kind: awstest.Delay, Action: "GetAccountAuthorizationDetails", Delay: 100 * time.Millisecond}}},
		"connection dropped mid-body":           {faults: []awstest.Fault{awstest.Only(awstest.DropMidBody, "GetAccountAuthorizationDetails", 1)}},
		"truncated body":                        {faults: []awstest.Fault{awstest.Only(awstest.Truncate, "GetAccountAuthorizationDetails", 2)}},
		"GetAccountAuthorizationDetails denied": {faults: []awstest.Fault{{Kind: awstest.Deny, Action: "GetAccountAuthorizationDetails"}}, code: 3, stderr: "error: aws 111111111111: iam:GetAccountAuthorizationDetails: AccessDenied", failed: "111111111111"},
		"ListAccessKeys denied":                 {faults: []awstest.Fault{{Kind: awstest.Deny, Action: "ListAccessKeys"}}, code: 3, stderr: "access keys of 1 user(s) not listed, their keys taken from the credential report: ci", partial: "111111111111"},
		"org, AssumeRole always throttled":      {org: true, faults: []awstest.Fault{{Kind: awstest.Throttle, Action: "AssumeRole", Account: "444444444444"}}, code: 3, stderr: "error: aws 444444444444: sts:AssumeRole arn:aws:iam::444444444444:role/NhiscanAudit: Throttling", failed: "444444444444"},
		"org, one account times out":            {org: true, faults: []awstest.Fault{{Kind: awstest.Delay, Action: "ListRoles", Account: "555555555555", Delay: time.Hour}}, code: 3, stderr: "error: aws 555555555555: timed out after 1s (--timeout) during iam:ListRoles; the account was not assessed", failed: "555555555555"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			timeout := "60s"
			if strings.Contains(name, "times out") {
				timeout = "1s"
			}
			args := []string{"scan", "aws", "--format", "json", "--as-of", asOf, "--timeout", timeout}
			if c.org {
				args = append(args, "--org", "--assume-role", "NhiscanAudit")
			}
			dir := t.TempDir()
			base := filepath.Join(dir, "baseline.json")
			cleanOut := filepath.Join(dir, "clean.json")
			awstest.New(t)
			if r := runCLI(t, liveEnv(), append(args, "--output", cleanOut, "--write-baseline", base)...); r.code != 0 {
				t.Fatalf("clean run: exit %d: %s", r.code, r.stderr)
			}
			clean := readSchemaReport(t, sch, cleanOut)
			before := readBaseline(t, base)
			if len(before.Findings) == 0 || len(before.Findings) != len(clean.Findings) {
				t.Fatalf("clean baseline has %d entries for %d findings", len(before.Findings), len(clean.Findings))
			}

			f := awstest.New(t)
			f.Faults = c.faults
			out := filepath.Join(dir, "faulty.json")
			r := runCLI(t, liveEnv(), append(args, "--output", out, "--baseline", base, "--write-baseline", base)...)
			if r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, c.code, r.stderr)
			}
			got := readSchemaReport(t, sch, out)
			after := readBaseline(t, base)
			// Every account read, in full or in part, has the clean run's
			// findings, except what the denied call hides.
			for _, s := range clean.Sources {
				if s.Scope == c.failed || s.Scope == c.partial {
					continue
				}
				if d := cmp.Diff(fingerprints(clean.Findings, s.Scope), fingerprints(got.Findings, s.Scope)); d != "" {
					t.Errorf("findings of %s differ from the clean run:\n%s", s.Scope, d)
				}
			}
			if c.failed != "" && len(fingerprints(got.Findings, c.failed)) != 0 {
				t.Errorf("findings reported for the failed account %s", c.failed)
			}
			// The baseline never shrinks: what was not found again in a
			// failed or partial account is carried over, marked.
			if c.partial == "" {
				if d := cmp.Diff(entryPrints(before), entryPrints(after)); d != "" {
					t.Errorf("baseline changed (-before +after):\n%s", d)
				}
			}
			firstSeen := map[string]time.Time{}
			for _, e := range after.Findings {
				firstSeen[e.Fingerprint] = e.FirstSeen
			}
			for _, e := range before.Findings {
				if ts, ok := firstSeen[e.Fingerprint]; !ok || !ts.Equal(e.FirstSeen) {
					t.Errorf("baseline entry %s %s lost or its first-seen time changed", e.RuleID, e.Identity)
				}
			}
			carried := 0
			for _, e := range after.Findings {
				if e.CarriedOver != "" {
					carried++
					if !strings.HasPrefix(e.Scope, "aws/"+c.failed+c.partial) || c.failed+c.partial == "" {
						t.Errorf("entry of %s carried over: %+v", e.Scope, e)
					}
				}
			}
			if c.failed != "" && carried != len(fingerprints(clean.Findings, c.failed)) {
				t.Errorf("%d entries carried over, want the %d of %s", carried, len(fingerprints(clean.Findings, c.failed)), c.failed)
			}
		})
	}
}

// Without --baseline, the file --write-baseline replaces is the one whose
// entries are carried over; a clean run then drops the carried marks.
func TestLiveFailedScanKeepsWrittenBaseline(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "b.json")
	awstest.New(t)
	if r := runCLI(t, liveEnv(), "scan", "aws", "--write-baseline", base, "--as-of", "2024-06-01T00:00:00Z"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	before := readBaseline(t, base)
	f := awstest.New(t)
	f.DenyAction["GetAccountAuthorizationDetails"] = true
	r := runCLI(t, liveEnv(), "scan", "aws", "--write-baseline", base, "--as-of", "2024-06-01T00:00:00Z")
	if r.code != 3 || !strings.Contains(r.stderr, fmt.Sprintf("nhiscan: baseline %s: %d entry(ies) of scopes not read completely carried over", base, len(before.Findings))) {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mid := readBaseline(t, base)
	if d := cmp.Diff(entryPrints(before), entryPrints(mid)); d != "" || mid.Findings[0].CarriedOver != "aws 111111111111 failed" {
		t.Errorf("baseline after a failed scan: %+v\n%s", mid.Findings[0], d)
	}
	awstest.New(t)
	if r := runCLI(t, liveEnv(), "scan", "aws", "--baseline", base, "--write-baseline", base, "--as-of", "2024-06-01T00:00:00Z"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	after := readBaseline(t, base)
	for i, e := range after.Findings {
		if e.CarriedOver != "" || !e.FirstSeen.Equal(before.Findings[i].FirstSeen) {
			t.Errorf("after a clean run: %+v", e)
		}
	}
	// An unreadable file is not replaced by a partial scan's baseline.
	os.WriteFile(base, []byte("not json"), 0o644)
	f = awstest.New(t)
	f.DenyAction["GetAccountAuthorizationDetails"] = true
	r = runCLI(t, liveEnv(), "scan", "aws", "--write-baseline", base)
	if r.code != 2 || !strings.Contains(r.stderr, "--write-baseline "+base+": not replaced: the scan is partial") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(base); string(data) != "not json" {
		t.Error("unreadable baseline replaced")
	}
}

// A GCP scan cancelled by a signal mid-call writes nothing and exits 130;
// a project that times out fails with exit 3 and the rest is reported.
func TestGCPLiveInterruptedAndTimeout(t *testing.T) {
	srv := gcptest.New(t, "demo/gcp")
	srv.Delay["ListRoles"] = time.Hour
	dir := t.TempDir()
	out, base := filepath.Join(dir, "out.json"), filepath.Join(dir, "b.json")
	os.WriteFile(out, []byte("previous report"), 0o644)
	os.WriteFile(base, []byte("previous baseline"), 0o644)
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		for srv.Count("ListRoles") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel(interrupted{syscall.SIGTERM})
	}()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"scan", "gcp", "--project", "acme-prod", "--output", out, "--write-baseline", base}, &stdout, &stderr, gcpEnv(srv))
	if code != 143 || stderr.String() != "nhiscan: interrupted by SIGTERM: nothing was written\n" {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	unchanged(t, dir, map[string]string{"out.json": "previous report", "b.json": "previous baseline"})

	r := runCLI(t, gcpEnv(srv), "scan", "gcp", "--project", "acme-prod", "--timeout", "300ms", "--output", out)
	if r.code != 3 || !strings.Contains(r.stderr, "error: gcp acme-prod: timed out after 300ms (--timeout); the project was not assessed") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// unchanged checks that dir holds exactly these files with this content.
func unchanged(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(want) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files in %s: %v", dir, names)
	}
	for name, content := range want {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(data) != content {
			t.Errorf("%s changed: %q %v", name, data, err)
		}
	}
}

// The built binary, interrupted mid-call by SIGINT or SIGTERM, in single
// account and organization scans, writes nothing, leaves the files it
// would replace untouched, and exits 128+signal with one line.
func TestLiveSignalEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "nhiscan")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, c := range []struct {
		sig  syscall.Signal
		org  bool
		code int
	}{{syscall.SIGINT, false, 130}, {syscall.SIGTERM, false, 143}, {syscall.SIGINT, true, 130}} {
		f := awstest.New(t)
		// In the organization scan, the two other accounts are read.
		f.Faults = []awstest.Fault{{Kind: awstest.Delay, Action: "GetAccountAuthorizationDetails", Account: "555555555555", Delay: time.Hour}, {Kind: awstest.Delay, Action: "GetAccountAuthorizationDetails", Account: awstest.MgmtAccount, Delay: time.Hour}}
		dir := t.TempDir()
		out, base := filepath.Join(dir, "out.json"), filepath.Join(dir, "b.json")
		os.WriteFile(out, []byte("previous report"), 0o644)
		os.WriteFile(base, []byte(`{"version":1,"fingerprint_version":"nhiscan/v1","findings":[]}`), 0o644)
		args := []string{"scan", "aws", "--format", "json", "--output", out, "--baseline", base, "--write-baseline", base}
		if c.org {
			args = append(args, "--org", "--assume-role", "NhiscanAudit", "--concurrency", "3")
		}
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		started := func() bool {
			if c.org {
				return f.Count("555555555555", "GetAccountAuthorizationDetails") > 0 && f.Count("222222222222", "GetAccessKeyLastUsed") == 2 && f.Count("444444444444", "GetAccessKeyLastUsed") == 2
			}
			return f.Count(awstest.MgmtAccount, "GetAccountAuthorizationDetails") > 0
		}
		for !started() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !started() {
			t.Errorf("%v org=%v: the scan did not reach the delayed call", c.sig, c.org)
		}
		cmd.Process.Signal(c.sig)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.code {
			t.Errorf("%v org=%v: %v, want exit %d", c.sig, c.org, err, c.code)
		}
		want := "nhiscan: interrupted by " + map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[c.sig] + ": nothing was written\n"
		if stderr.String() != want {
			t.Errorf("%v org=%v: stderr %q, want %q", c.sig, c.org, stderr.String(), want)
		}
		unchanged(t, dir, map[string]string{"out.json": "previous report", "b.json": `{"version":1,"fingerprint_version":"nhiscan/v1","findings":[]}`})
	}
}

// A live scan without credentials says where it looked, in one line,
// and exits 2.
func TestLiveNoCredentialsEndToEnd(t *testing.T) {
	awstest.New(t)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		os.Unsetenv(k)
	}
	r := runCLI(t, liveEnv(), "scan", "aws")
	if r.code != 2 || !strings.HasPrefix(r.stderr, "nhiscan: aws: no AWS credentials found: tried ") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
