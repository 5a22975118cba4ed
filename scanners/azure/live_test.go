package azure

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"

	"github.com/nhiscan/nhiscan/scanners/azure/aztest"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// The live fixture: a tenant export written in az's shapes (see
// aztest), with two subscriptions.
const (
	fixtureTenant = "0b7e6c1d-4a2f-4e8b-9d3c-5f6a7b8c9d0e"
	liveDir       = "testdata/live/" + fixtureTenant
	subA          = "3c9f1e2d-5b6a-4c7d-8e9f-a0b1c2d3e4f5"
	subB          = "7d2e3f4a-6b5c-4d8e-9f0a-b1c2d3e4f5a6"
	spDeploy      = "a1000000-0000-4000-8000-000000000001"
	spCI          = "a1000000-0000-4000-8000-000000000002"
	spAgent       = "a1000000-0000-4000-8000-000000000006"
	// tokenSecret is the fake tokens' signature: it must appear nowhere.
	tokenSecret = "SIGNATURE-6f1d0c2b9a8e7f6d5c4b3a2918070605"
)

var liveAsOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// liveScan scans the server's tenant with the real Graph client and the
// real ARM clients, over TLS, with a fake credential.
func liveScan(t *testing.T, srv *aztest.Server, o LiveOptions) (inventory.Inventory, error) {
	t.Helper()
	if o.Credential == nil {
		o.Credential = &aztest.Credential{Secret: tokenSecret, AppID: "e8d3a0f4-0000-4000-8000-000000000001"}
	}
	o.ClientOptions.Transport = srv.Client
	o.ClientOptions.Cloud = srv.Cloud()
	o.GraphEndpoint = srv.URL
	o.Now = func() time.Time { return liveAsOf }
	return NewLive(o).Scan(context.Background())
}

// offlineScan reads the export directory with the offline reader.
func offlineScan(t *testing.T, dir string) inventory.Inventory {
	t.Helper()
	o := NewOffline()
	o.SetNow(liveAsOf)
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(filepath.Dir(dir), n)
		if ok, err := o.Add(rel, data); err != nil || !ok {
			t.Fatalf("offline %s: claimed %v, %v", rel, ok, err)
		}
	}
	inv, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// The live scan of a tenant equals the offline scan of its export: the
// same identities, credentials, owners, grants and sign-ins, and a
// source that differs only in its mode and principal.
func TestLiveEqualsOffline(t *testing.T) {
	for _, dir := range []string{liveDir, "../../cmd/nhiscan/demo/azure/5a1f0c2e-7d3b-4e8a-9c61-2f4b8d7e0a13"} {
		t.Run(filepath.Base(filepath.Dir(dir)), func(t *testing.T) {
			srv := aztest.New(t, dir, aztest.Options{PageSize: 2})
			live, err := liveScan(t, srv, LiveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			off := offlineScan(t, dir)
			if len(off.Identities) < 5 {
				t.Fatalf("offline read only %d identities", len(off.Identities))
			}
			if d := cmp.Diff(off.Identities, live.Identities); d != "" {
				t.Errorf("live identities differ from offline (-offline +live):\n%s", d)
			}
			if len(live.Sources) != 1 {
				t.Fatalf("sources: %+v", live.Sources)
			}
			got, want := live.Sources[0], off.Sources[0]
			if got.Mode != "live" || got.Principal != "application e8d3a0f4-0000-4000-8000-000000000001" {
				t.Errorf("live source: mode %q, principal %q", got.Mode, got.Principal)
			}
			if n := len(srv.Calls("GET /v1.0/organization")); n != 1 {
				t.Errorf("without --tenant and a tid claim, asked Graph for the tenant %d times", n)
			}
			got.Mode, got.Principal = want.Mode, want.Principal
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("live source differs from offline (-offline +live):\n%s", d)
			}
		})
	}
}

// Every list is paged (Graph's @odata.nextLink, ARM's nextLink) and
// every page is read; ARM sees the api-version the SDK sends.
func TestLivePaging(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{PageSize: 2})
	cred := &aztest.Credential{Secret: tokenSecret}
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant, Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	// Each token is asked for once: Graph's by the client's cache, ARM's
	// by the SDK's.
	if got := cred.Scopes(); got[aztest.GraphScope] != 1 || got[aztest.ARMScope] != 1 {
		t.Errorf("tokens asked for: %v", got)
	}
	if n := len(inv.Identities); n != 9 {
		t.Errorf("%d identities, want the 9 service principals", n)
	}
	for endpoint, pages := range map[string]int{
		"GET /v1.0/servicePrincipals":                        5, // 9 items
		"GET /v1.0/applications":                             2, // 3 items
		"GET /beta/reports/servicePrincipalSignInActivities": 2,
		"GET /subscriptions/" + subA + "/providers/Microsoft.Authorization/roleAssignments": 3, // 6 items
		"GET /subscriptions": 1,
	} {
		if got := len(srv.Calls(endpoint)); got != pages {
			t.Errorf("%s: %d requests, want %d pages", endpoint, got, pages)
		}
	}
	// The owners of the Microsoft Graph service principal (Microsoft's,
	// no credential of the tenant) are not read; those of Exchange
	// Online, which the tenant gave a secret, are.
	if n := len(srv.Calls("GET /v1.0/servicePrincipals/a1000000-0000-4000-8000-000000000003/owners")); n != 0 {
		t.Errorf("read the owners of Microsoft Graph %d times", n)
	}
	if n := len(srv.Calls("GET /v1.0/servicePrincipals/a1000000-0000-4000-8000-000000000004/owners")); n != 1 {
		t.Errorf("read the owners of Exchange Online %d times", n)
	}
	deploy := identity(t, inv, spDeploy)
	var roles []string
	for _, b := range deploy.Bindings {
		roles = append(roles, b.Role+" "+b.Scope)
	}
	for _, want := range []string{"Owner /subscriptions/" + subA, "appRole:Microsoft Graph/Application.ReadWrite.All servicePrincipals/a1000000-0000-4000-8000-000000000003"} {
		if !slices.Contains(roles, want) {
			t.Errorf("deploy-bot lacks %q: %q", want, roles)
		}
	}
	ci := identity(t, inv, spCI)
	var custom *inventory.Binding
	for i, b := range ci.Bindings {
		if b.Role == "VM Operator" {
			custom = &ci.Bindings[i]
		}
	}
	if custom == nil || !slices.Contains(custom.Permissions, "Microsoft.Compute/virtualMachines/start/action") {
		t.Errorf("ci-runner's custom role from the second subscription: %+v", ci.Bindings)
	}
}

func identity(t *testing.T, inv inventory.Inventory, id string) inventory.Identity {
	t.Helper()
	for _, i := range inv.Identities {
		if i.ID == id {
			return i
		}
	}
	t.Fatalf("no identity %s", id)
	return inventory.Identity{}
}

// A 429 is retried after the Retry-After it carries, by the Graph
// client and by the ARM SDK client alike.
func TestLiveThrottled(t *testing.T) {
	assignments := "GET /subscriptions/" + subA + "/providers/Microsoft.Authorization/roleAssignments"
	srv := aztest.New(t, liveDir, aztest.Options{PageSize: 50, RetryAfter: "1",
		Throttle: map[string]int{"GET /v1.0/servicePrincipals": 1, assignments: 1}})
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant})
	if err != nil {
		t.Fatal(err)
	}
	if s := inv.Sources[0]; s.Status != inventory.StatusOK || len(inv.Identities) != 9 {
		t.Fatalf("throttled scan: %+v, %d identities", s, len(inv.Identities))
	}
	for _, e := range []string{"GET /v1.0/servicePrincipals", assignments} {
		calls := srv.Calls(e)
		if len(calls) != 2 {
			t.Fatalf("%s: %d requests, want the 429 and its retry", e, len(calls))
		}
		if gap := calls[1].Sub(calls[0]); gap < time.Second {
			t.Errorf("%s retried after %v, before the Retry-After of 1s", e, gap)
		}
	}
}

// Throttling that does not end gives up after a bounded number of
// retries, with an error naming the endpoint.
func TestLiveThrottledForever(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{RetryAfter: "0", Throttle: map[string]int{"GET /v1.0/applications": 1000}})
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Calls("GET /v1.0/applications")); n != graphRetries+1 {
		t.Errorf("%d requests, want %d", n, graphRetries+1)
	}
	s := inv.Sources[0]
	if s.Status != inventory.StatusPartial || !strings.Contains(s.Error, "applications: GET /v1.0/applications: HTTP 429 TooManyRequests") {
		t.Errorf("source: %+v", s)
	}
}

// A subscription the credential may not read fails alone: its
// assignments are missing, the tenant is partial (exit 3), the other
// subscription and the directory are complete.
func TestLiveDeniedSubscription(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{DenySubscription: map[string]bool{subB: true}})
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant})
	if err != nil {
		t.Fatal(err)
	}
	s := inv.Sources[0]
	want := "subscription " + subB + ": GET /subscriptions/" + subB + "/providers/Microsoft.Authorization/roleAssignments: HTTP 403 AuthorizationFailed: The client"
	if s.Status != inventory.StatusPartial || !strings.HasPrefix(s.Error, want) || strings.Contains(s.Error, "\n") {
		t.Errorf("source status %q error %q", s.Status, s.Error)
	}
	if !slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
		t.Errorf("warnings %q", s.Warnings)
	}
	if len(inv.Identities) != 9 {
		t.Errorf("%d identities", len(inv.Identities))
	}
	for _, b := range identity(t, inv, spCI).Bindings {
		if strings.Contains(b.Scope, subB) {
			t.Errorf("ci-runner holds %s at %s from the denied subscription", b.Role, b.Scope)
		}
	}
	if !slices.ContainsFunc(identity(t, inv, spDeploy).Bindings, func(b inventory.Binding) bool { return b.Role == "Owner" }) {
		t.Error("deploy-bot lost its Owner assignment of the readable subscription")
	}
	// What the denied subscription grants is unknown: permissions are not
	// assessed, as when an export says a subscription failed.
	if !slices.Contains(identity(t, inv, spDeploy).NotAssessed, inventory.NotAssessedPermissions) {
		t.Error("permissions assessed although a subscription could not be read")
	}
}

// --subscription limits the ARM calls to those subscriptions; the
// subscriptions are not listed.
func TestLiveNamedSubscription(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{})
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant, Subscriptions: []string{strings.ToUpper(subA)}})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Sources[0].Status != inventory.StatusOK {
		t.Errorf("source %+v", inv.Sources[0])
	}
	for _, e := range srv.Endpoints() {
		if e == "GET /subscriptions" || strings.Contains(e, subB) {
			t.Errorf("called %s", e)
		}
	}
}

// Sign-in activity the credential may not read (no AuditLog.Read.All, no
// Entra ID P1/P2) makes dormancy not assessed, not the scan partial.
func TestLiveSignInsDenied(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{Deny: map[string]bool{"GET /beta/reports/servicePrincipalSignInActivities": true}})
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant})
	if err != nil {
		t.Fatal(err)
	}
	s := inv.Sources[0]
	if s.Status != inventory.StatusOK || !slices.Contains(s.NotAssessed, NotAssessedSignIns) {
		t.Errorf("source %+v", s)
	}
	if !slices.ContainsFunc(s.Warnings, func(w string) bool {
		return strings.Contains(w, "GET /beta/reports/servicePrincipalSignInActivities: HTTP 403 Authorization_RequestDenied")
	}) {
		t.Errorf("warnings %q", s.Warnings)
	}
	if d := identity(t, inv, spDeploy); d.LastUsedKnown || d.LastUsed != nil {
		t.Errorf("deploy-bot's last use is known without sign-ins: %v", d.LastUsed)
	}
}

// Owners that cannot be read leave ownership not assessed for those
// objects and make the tenant partial; the rest is read.
func TestLiveOwnersDenied(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{Deny: map[string]bool{"GET /v1.0/applications/c3000000-0000-4000-8000-000000000001/owners": true}})
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant})
	if err != nil {
		t.Fatal(err)
	}
	s := inv.Sources[0]
	if s.Status != inventory.StatusPartial || !strings.Contains(s.Error, "owners: not read for 1 of 8 objects (first: GET /v1.0/applications/c3000000-0000-4000-8000-000000000001/owners: HTTP 403") {
		t.Errorf("source %+v", s)
	}
	if d := identity(t, inv, spDeploy); !slices.Contains(d.NotAssessed, inventory.NotAssessedOwners) || d.Owner != "" {
		t.Errorf("deploy-bot: owner %q, not assessed %q", d.Owner, d.NotAssessed)
	}
	if d := identity(t, inv, spDeploy); slices.Contains(d.NotAssessed, inventory.NotAssessedPermissions) {
		t.Error("owners that could not be read made permissions not assessed")
	}
	if a := identity(t, inv, spAgent); a.Owner != "bob@contoso.com" {
		t.Errorf("the agent's sponsor: %q", a.Owner)
	}
}

// The bearer token goes in the Authorization header only: it appears in
// no error, warning or inventory, also when the server refuses it.
func TestLiveTokenNeverShown(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{DenySubscription: map[string]bool{subB: true},
		Deny: map[string]bool{"GET /beta/reports/servicePrincipalSignInActivities": true}})
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(inv)
	if strings.Contains(string(out), tokenSecret) {
		t.Error("the token is in the inventory")
	}
	// A token for the wrong audience: Graph answers 401.
	wrong := &audienceSwap{aztest.Credential{Secret: tokenSecret}}
	inv, err = liveScan(t, srv, LiveOptions{Tenant: fixtureTenant, Credential: wrong})
	if err != nil {
		t.Fatal(err)
	}
	s := inv.Sources[0]
	if s.Status != inventory.StatusFailed || s.Error != "GET /v1.0/servicePrincipals: HTTP 401 InvalidAuthenticationToken: Access token validation failure. Invalid audience. (the token was refused: is it for this tenant?)" {
		t.Errorf("source %+v", s)
	}
	out, _ = json.Marshal(inv)
	if strings.Contains(string(out), tokenSecret) || strings.Contains(string(out), "Bearer") {
		t.Errorf("the token is in the failed inventory: %s", out)
	}
}

// audienceSwap asks for Resource Manager's token when Graph's is wanted.
type audienceSwap struct{ aztest.Credential }

func (a *audienceSwap) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return a.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{aztest.ARMScope}})
}

// Without credentials the scan stops before reading anything, with one
// line naming where it looked.
func TestLiveNoCredentials(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{})
	_, err := liveScan(t, srv, LiveOptions{Credential: &aztest.Credential{Fail: errors.New("DefaultAzureCredential: failed to acquire a token.\nAttempted credentials:\n\tEnvironmentCredential: missing environment variables\n\tManagedIdentityCredential authentication failed. \n\t\tGET http://169.254.169.254/metadata/identity/oauth2/token\n\t\t----\n\t\tRESPONSE 403: 403 Forbidden\n\t\t----\n\t\tresolve_deny: denied destination")}})
	want := "no Azure credential gave a token: EnvironmentCredential: missing environment variables; ManagedIdentityCredential authentication failed (HTTP 403: 403 Forbidden); run 'az login'"
	if !errors.Is(err, errNoCredentials) || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %v", err)
	}
	if e := srv.Endpoints(); len(e) != 0 {
		t.Errorf("called %q without credentials", e)
	}
}

// A cancelled scan returns no inventory and an error wrapping the
// cancellation.
func TestLiveCancelled(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{RetryAfter: "30", Throttle: map[string]int{"GET /v1.0/applications": 1}})
	ctx, cancel := context.WithCancel(context.Background())
	l := NewLive(LiveOptions{Tenant: fixtureTenant, Credential: &aztest.Credential{Secret: tokenSecret},
		ClientOptions: policy.ClientOptions{Transport: srv.Client, Cloud: srv.Cloud()}, GraphEndpoint: srv.URL})
	go func() {
		for len(srv.Calls("GET /v1.0/applications")) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	inv, err := l.Scan(ctx)
	if !errors.Is(err, context.Canceled) || len(inv.Identities)+len(inv.Sources) != 0 {
		t.Errorf("cancelled scan: %v, %+v", err, inv)
	}
	if time.Since(start) > 10*time.Second {
		t.Error("the scan waited out the Retry-After after it was cancelled")
	}
}

// The token goes only to the Graph endpoint: an @odata.nextLink to
// another host is refused, not followed.
func TestGraphNextLinkElsewhere(t *testing.T) {
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the client followed the nextLink to %s", r.URL)
	}))
	defer other.Close()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"value": []any{map[string]string{"id": "x"}}, "@odata.nextLink": other.URL + "/v1.0/servicePrincipals?$skiptoken=2"})
	}))
	defer srv.Close()
	g, err := newGraphClient(&aztest.Credential{Secret: tokenSecret}, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	err = g.list(context.Background(), "/v1.0/servicePrincipals", func(int, []json.RawMessage) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "@odata.nextLink") {
		t.Errorf("error %v", err)
	}
}

// Bad ids on the command line are refused before any call.
func TestCheckIDs(t *testing.T) {
	if err := CheckIDs(fixtureTenant, []string{subA}); err != nil {
		t.Error(err)
	}
	if err := CheckIDs("contoso.onmicrosoft.com", nil); err == nil || !strings.Contains(err.Error(), "--tenant") {
		t.Errorf("tenant: %v", err)
	}
	if err := CheckIDs("", []string{subA, "prod"}); err == nil || !strings.Contains(err.Error(), `--subscription "prod"`) {
		t.Errorf("subscription: %v", err)
	}
}

// The tenant is the token's tid claim when --tenant is not given; Graph is
// not asked.
func TestLiveTenantFromToken(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{})
	inv, err := liveScan(t, srv, LiveOptions{Credential: &aztest.Credential{Secret: tokenSecret, TenantID: strings.ToUpper(fixtureTenant)}})
	if err != nil {
		t.Fatal(err)
	}
	if s := inv.Sources[0]; s.Scope != fixtureTenant || s.Status != inventory.StatusOK {
		t.Errorf("source %+v", s)
	}
	if n := len(srv.Calls("GET /v1.0/organization")); n != 0 {
		t.Errorf("asked Graph for the tenant %d times", n)
	}
}

// Sponsors are listed by Graph only to AgentIdentity.ReadWrite.All: a
// read-only credential's 403 leaves the agents' ownership not assessed,
// with a warning, and does not make the scan partial.
func TestLiveSponsorsDenied(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{Deny: map[string]bool{"GET /v1.0/servicePrincipals/" + spAgent + "/microsoft.graph.agentIdentity/sponsors": true}})
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant})
	if err != nil {
		t.Fatal(err)
	}
	s := inv.Sources[0]
	if s.Status != inventory.StatusOK || !slices.ContainsFunc(s.Warnings, func(w string) bool {
		return strings.HasPrefix(w, "sponsors of 1 agent identities not read (GET /v1.0/servicePrincipals/"+spAgent+"/microsoft.graph.agentIdentity/sponsors: HTTP 403")
	}) {
		t.Errorf("source %+v", s)
	}
	if a := identity(t, inv, spAgent); a.Owner != "" || !slices.Contains(a.NotAssessed, inventory.NotAssessedOwners) {
		t.Errorf("agent: owner %q, not assessed %q", a.Owner, a.NotAssessed)
	}
	// One agent's denied sponsors leave the other identities judged: the
	// tenant does not list owners as not assessed, a warning counts the one.
	if slices.Contains(s.NotAssessed, inventory.NotAssessedOwners) || !slices.ContainsFunc(s.Warnings, func(w string) bool {
		return strings.Contains(w, "owners for 1 of ")
	}) {
		t.Errorf("source not assessed %q, warnings %q", s.NotAssessed, s.Warnings)
	}
	for _, id := range inv.Identities {
		if id.ID != spAgent && slices.Contains(id.NotAssessed, inventory.NotAssessedOwners) {
			t.Errorf("%s (%s): owners not assessed", id.Name, id.ID)
		}
	}
}

// --timeout bounds the tenant: a tenant that takes longer fails, naming
// the step it was at.
func TestLiveTimeout(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{RetryAfter: "30", Throttle: map[string]int{"GET /v1.0/applications": 1}})
	start := time.Now()
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	want := "timed out after 300ms (--timeout) during GET /v1.0/applications; the tenant was not assessed"
	if len(inv.Sources) != 1 || inv.Sources[0].Status != inventory.StatusFailed || inv.Sources[0].Error != want || inv.Sources[0].Scope != fixtureTenant {
		t.Errorf("sources %+v", inv.Sources)
	}
	if time.Since(start) > 10*time.Second {
		t.Error("the scan outlived its timeout")
	}
}

// An object Graph returns that the model cannot take fails the list in
// one line naming the endpoint, the page, the item and the field.
func TestLiveBadItem(t *testing.T) {
	dir := filepath.Join(t.TempDir(), fixtureTenant)
	if err := os.CopyFS(dir, os.DirFS(liveDir)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "service-principals.json")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), `"id": "a1000000-0000-4000-8000-000000000005"`, `"id": "not-a-guid"`, 1))
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := aztest.New(t, dir, aztest.Options{PageSize: 2})
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant})
	if err != nil {
		t.Fatal(err)
	}
	want := `GET /v1.0/servicePrincipals: page 3: item 1 ("func-orders"): field id: "not-a-guid" is not an object id (GUID)`
	if s := inv.Sources[0]; s.Status != inventory.StatusFailed || s.Error != want {
		t.Errorf("source %+v", s)
	}
}

// A credential that never answers (an unreachable managed identity
// endpoint) is bounded by --timeout: nothing is scanned.
func TestLiveTokenTimeout(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{})
	_, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant, Timeout: 100 * time.Millisecond, Credential: hangingCredential{}})
	if err == nil || !strings.HasPrefix(err.Error(), "no Azure token within 100ms (--timeout)") {
		t.Errorf("error %v", err)
	}
	if e := srv.Endpoints(); len(e) != 0 {
		t.Errorf("called %q without a token", e)
	}
}

type hangingCredential struct{}

func (hangingCredential) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	<-ctx.Done()
	return azcore.AccessToken{}, ctx.Err()
}

// Entra agent identities are listed as agents, live as offline: each
// acts as itself, its first sponsor answers for it, its blueprint's appId
// is kept; other service principals (the blueprint principal included)
// are no agents.
func TestLiveAgents(t *testing.T) {
	srv := aztest.New(t, liveDir, aztest.Options{})
	inv, err := liveScan(t, srv, LiveOptions{Tenant: fixtureTenant})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Agents) != 1 {
		t.Fatalf("agents = %+v", inv.Agents)
	}
	ag := inv.Agents[0]
	want := inventory.Agent{Provider: inventory.Azure, Platform: inventory.PlatformEntraAgent, ID: spAgent, Name: "invoice-agent", Account: fixtureTenant,
		IdentityID: spAgent, IdentityType: inventory.ActsAsAgentPrincipal, Owner: "bob@contoso.com",
		CreatedAt: time.Date(2026, 8, 14, 12, 30, 0, 0, time.UTC), Tags: map[string]string{"azure.blueprint": "b2000000-0000-4000-8000-000000000007"}}
	if !reflect.DeepEqual(ag, want) {
		t.Errorf("agent = %+v\nwant    %+v", ag, want)
	}
}
