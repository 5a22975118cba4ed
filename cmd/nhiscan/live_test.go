package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/aws"
	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
	"github.com/nhiscan/nhiscan/scanners/gcp"
	"github.com/nhiscan/nhiscan/scanners/gcp/gcptest"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// liveEnv runs the real AWS scanner, against the local wire-protocol
// server, with short polling delays.
func liveEnv() *environment {
	env := testEnv(inventory.Inventory{})
	env.awsLive = func(o aws.LiveOptions) scanners.Live {
		o.ReportPoll, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
		return aws.NewLive(o)
	}
	return env
}

// gcpEnv runs the real GCP scanner against the local gRPC and REST servers.
func gcpEnv(srv *gcptest.Server) *environment {
	env := testEnv(inventory.Inventory{})
	env.gcpLive = func(o gcp.LiveOptions) scanners.Live {
		o.GRPCOptions, o.RESTOptions = srv.GRPCOptions, srv.RESTOptions
		return gcp.NewLive(o)
	}
	return env
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
