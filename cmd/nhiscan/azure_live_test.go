package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/azure"
	"github.com/nhiscan/nhiscan/scanners/azure/aztest"
	"github.com/nhiscan/nhiscan/scanners/inventory"
	"github.com/nhiscan/nhiscan/scanners/registry"
)

const (
	azureDemoTenant = "5a1f0c2e-7d3b-4e8a-9c61-2f4b8d7e0a13"
	azureDemoSub    = "9b2d4c1e-3f5a-4b6c-8d7e-0f1a2b3c4d5e"
	azureToken      = "SIGNATURE-0d9c8b7a6f5e4d3c2b1a"
)

// azureEnv runs the real Azure scanner against the local Graph and ARM
// server, with a fake credential.
func azureEnv(srv *aztest.Server) *environment {
	return withProvider(testEnv(inventory.Inventory{}), registry.Azure(func(o azure.LiveOptions) scanners.Live {
		o.Credential = &aztest.Credential{Secret: azureToken, AppID: "e8d3a0f4-0000-4000-8000-000000000001"}
		o.ClientOptions = policy.ClientOptions{Transport: srv.Client, Cloud: srv.Cloud()}
		o.GraphEndpoint = srv.URL
		return azure.NewLive(o)
	}))
}

// reportPart returns one top-level field of a JSON report.
func reportPart(t *testing.T, report, field string) []any {
	t.Helper()
	var r map[string]json.RawMessage
	if err := json.Unmarshal([]byte(report), &r); err != nil {
		t.Fatal(err)
	}
	var v []any
	if err := json.Unmarshal(r[field], &v); err != nil {
		t.Fatalf("%s: %v", field, err)
	}
	return v
}

// 'scan azure' and 'inventory azure' give what 'scan --input' and
// 'inventory --input' give for the export of the same tenant; a
// subscription the credential may not read fails alone (exit 3).
func TestAzureLiveScanEndToEnd(t *testing.T) {
	for _, tc := range []struct{ dir, tenant, asOf string }{
		{"demo/azure", azureDemoTenant, "2026-11-01T00:00:00Z"},
		// A certificate that expires on 2026-07-05: live judges it as of
		// --as-of, as offline does, not by the wall clock.
		{"../../scanners/azure/testdata/live", "0b7e6c1d-4a2f-4e8b-9d3c-5f6a7b8c9d0e", "2026-06-01T00:00:00Z"},
	} {
		srv := aztest.New(t, tc.dir+"/"+tc.tenant, aztest.Options{})
		for _, c := range []struct{ command, field string }{{"inventory", "identities"}, {"scan", "findings"}} {
			live := runCLI(t, azureEnv(srv), c.command, "azure", "--format", "json", "--as-of", tc.asOf)
			if live.code != 0 && live.code != 1 {
				t.Fatalf("%s %s: exit %d: %s", tc.dir, c.command, live.code, live.stderr)
			}
			offline := runCLI(t, testEnv(inventory.Inventory{}), c.command, "--input", tc.dir, "--format", "json", "--as-of", tc.asOf)
			if offline.code != live.code {
				t.Fatalf("%s %s: offline exit %d, live %d: %s", tc.dir, c.command, offline.code, live.code, offline.stderr)
			}
			lv, ov := reportPart(t, live.stdout, c.field), reportPart(t, offline.stdout, c.field)
			if c.field == "identities" && len(ov) < 5 {
				t.Fatalf("%s: the offline inventory has %d identities", tc.dir, len(ov))
			}
			if d := cmp.Diff(ov, lv); d != "" {
				t.Errorf("%s %s: live %s differ from offline (-offline +live):\n%s", tc.dir, c.command, c.field, d)
			}
			if strings.Contains(live.stdout+live.stderr, azureToken) {
				t.Errorf("%s: the bearer token is in the output", c.command)
			}
		}
	}

	srv := aztest.New(t, "demo/azure/"+azureDemoTenant, aztest.Options{DenySubscription: map[string]bool{azureDemoSub: true}})
	r := runCLI(t, azureEnv(srv), "scan", "azure", "--format", "sarif")
	want := "error: azure " + azureDemoTenant + ": subscription " + azureDemoSub + ": GET /subscriptions/" + azureDemoSub + "/providers/Microsoft.Authorization/roleAssignments: HTTP 403 AuthorizationFailed"
	if r.code != 3 || !strings.Contains(r.stderr, want) {
		t.Errorf("denied subscription: exit %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, azureToken) {
		t.Error("the bearer token is in the output")
	}
}
