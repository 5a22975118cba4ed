package gcp

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"
	"github.com/google/go-cmp/cmp"

	"github.com/nhiscan/nhiscan/scanners/gcp/gcptest"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// exportWithoutInsights copies the gcloud fixture less insights.json
// (the live scanner reads Policy Analyzer, not Recommender).
func exportWithoutInsights(t *testing.T) string {
	dir := t.TempDir()
	src := gcloudExport
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || info.Name() == "insights.json" {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		data, _ := os.ReadFile(p)
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func sorted(inv inventory.Inventory) inventory.Inventory {
	sort.Slice(inv.Identities, func(i, j int) bool { return inv.Identities[i].ID < inv.Identities[j].ID })
	for i := range inv.Sources {
		inv.Sources[i].Mode = ""
	}
	return inv
}

// The live scanner, through the real IAM, Resource Manager and Policy
// Analyzer clients, sees exactly what the offline loader sees in the
// gcloud export of the same project.
func TestLiveMatchesOffline(t *testing.T) {
	dir := exportWithoutInsights(t)
	srv := gcptest.New(t, dir)
	live, err := NewLive(LiveOptions{Projects: []string{"acme-prod"}, GRPCOptions: srv.GRPCOptions, RESTOptions: srv.RESTOptions}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if live.Sources[0].Mode != "live" || live.Sources[0].Status != inventory.StatusOK {
		t.Fatalf("source = %+v", live.Sources[0])
	}
	offline := load(t, dir)
	for i := range live.Sources {
		live.Sources[i].Principal = "" // a live-only fact (TestLivePrincipal)
	}
	if d := cmp.Diff(sorted(offline), sorted(live)); d != "" {
		t.Errorf("live differs from offline (-offline +live):\n%s", d)
	}
	// Pagination: 7 accounts at 2 a page, activities at 1 a page.
	if n := srv.Count("ListServiceAccounts"); n != 4 {
		t.Errorf("ListServiceAccounts calls = %d, want 4 pages", n)
	}
	if n := srv.Count("activities.query"); n != 6 {
		t.Errorf("activities.query calls = %d, want 4 + 2 pages", n)
	}
}

func TestLiveProjectDenied(t *testing.T) {
	srv := gcptest.New(t, exportWithoutInsights(t))
	srv.DenyProject["acme-prod"] = true
	inv, err := NewLive(LiveOptions{Projects: []string{"acme-prod", "other"}, GRPCOptions: srv.GRPCOptions, RESTOptions: srv.RESTOptions}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range inv.Sources {
		got = append(got, s.Scope+" "+s.Status)
	}
	if strings.Join(got, ",") != "acme-prod failed,other partial" {
		t.Errorf("sources = %v", got)
	}
	if e := inv.Sources[0].Error; !strings.Contains(e, "PermissionDenied") || !strings.Contains(e, "iam.serviceAccounts.list") {
		t.Errorf("error = %q", e)
	}
}

func TestLiveOrganization(t *testing.T) {
	srv := gcptest.New(t, exportWithoutInsights(t))
	srv.Org = &gcptest.Org{ID: "555", Folders: map[string]string{"folders/777": "organizations/555"}, ProjectParent: map[string]string{"acme-prod": "folders/777"}}
	srv.SetPolicy("folders/777", &iampb.Policy{Bindings: []*iampb.Binding{{Role: "roles/iam.serviceAccountUser", Members: []string{"group:ops@acme.example"}}}})
	srv.SetPolicy("organizations/555", &iampb.Policy{Bindings: []*iampb.Binding{{Role: "roles/owner", Members: []string{"serviceAccount:tidy@acme-prod.iam.gserviceaccount.com"}}}})
	inv, err := NewLive(LiveOptions{Organization: "555", GRPCOptions: srv.GRPCOptions, RESTOptions: srv.RESTOptions}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Sources) != 1 || inv.Sources[0].Scope != "acme-prod" {
		t.Fatalf("sources = %+v", inv.Sources)
	}
	tidy := byID(t, inv, "tidy"+sfx)
	found := false
	for _, b := range tidy.Bindings {
		if b.Role == "roles/owner" && b.Scope == "organizations/555" {
			found = true
		}
	}
	if !found {
		t.Errorf("organization-level grant not inherited: %+v", tidy.Bindings)
	}
	proj := byID(t, inv, "projects/acme-prod")
	folder := false
	for _, b := range proj.ResourceBindings {
		if b.Scope == "folders/777" {
			folder = true
		}
	}
	if !folder {
		t.Error("folder policy not in the project's trust")
	}
}

// A service account deleted between listing and reading its keys is not
// an error: its NotFound answers are skipped and the project stays ok.
func TestLiveVanishedAccount(t *testing.T) {
	srv := gcptest.New(t, exportWithoutInsights(t))
	srv.Vanished["deployer"+sfx] = true
	inv, err := NewLive(LiveOptions{Projects: []string{"acme-prod"}, GRPCOptions: srv.GRPCOptions, RESTOptions: srv.RESTOptions}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if inv.Sources[0].Status != inventory.StatusOK {
		t.Errorf("source = %+v", inv.Sources[0])
	}
	dep := byID(t, inv, "deployer"+sfx)
	if len(dep.Credentials) != 0 || len(dep.ResourceBindings) != 0 {
		t.Errorf("vanished account kept keys or policy: %+v", dep)
	}
}

// twoProjects serves the demo project twice, as acme-prod and acme-dev.
func twoProjects(t *testing.T) *gcptest.Server {
	dir := exportWithoutInsights(t)
	os.Rename(filepath.Join(dir, "acme-prod"), filepath.Join(dir, "p"))
	if err := os.CopyFS(filepath.Join(dir, "acme-prod"), os.DirFS(filepath.Join(dir, "p"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "p"), filepath.Join(dir, "acme-dev")); err != nil {
		t.Fatal(err)
	}
	return gcptest.New(t, dir)
}

// A project whose calls never answer fails after --timeout with a line
// saying so; the other project completes.
func TestLiveProjectTimeout(t *testing.T) {
	srv := twoProjects(t)
	srv.Delay["ListServiceAccountKeys acme-dev"] = time.Hour
	start := time.Now()
	inv, err := NewLive(LiveOptions{Projects: []string{"acme-dev", "acme-prod"}, GRPCOptions: srv.GRPCOptions, RESTOptions: srv.RESTOptions, Timeout: 300 * time.Millisecond}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("scan took %s with a 300ms timeout", d)
	}
	if len(inv.Sources) != 2 || inv.Sources[0].Scope != "acme-dev" || inv.Sources[0].Status != inventory.StatusFailed || inv.Sources[0].Error != "timed out after 300ms (--timeout); the project was not assessed" {
		t.Errorf("sources = %+v", inv.Sources)
	}
	if inv.Sources[1].Scope != "acme-prod" || inv.Sources[1].Status != inventory.StatusOK {
		t.Errorf("the other project: %+v", inv.Sources[1])
	}
	for _, id := range inv.Identities {
		if id.Account != "acme-prod" {
			t.Errorf("a timed-out project kept identity %s", id.ID)
		}
	}
	if len(inv.Identities) == 0 {
		t.Error("the project that answered has no identities")
	}
}

// Cancelling the scan mid-call returns an error wrapping context.Canceled
// and no inventory, promptly.
func TestLiveInterrupted(t *testing.T) {
	srv := gcptest.New(t, exportWithoutInsights(t))
	srv.Delay["ListRoles"] = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.Count("ListRoles") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	inv, err := NewLive(LiveOptions{Projects: []string{"acme-prod"}, GRPCOptions: srv.GRPCOptions, RESTOptions: srv.RESTOptions}).Scan(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(inv.Sources) != 0 || len(inv.Identities) != 0 {
		t.Errorf("an interrupted scan returned %d sources and %d identities", len(inv.Sources), len(inv.Identities))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancelled scan took %s", d)
	}
}

// Without Application Default Credentials, the scan says where it looked
// and how to set them.
func TestLiveNoCredentials(t *testing.T) {
	home := t.TempDir()
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("CLOUDSDK_CONFIG", home)
	t.Setenv("HOME", home)
	t.Setenv("APPDATA", home)
	t.Setenv("GCE_METADATA_HOST", "")
	t.Setenv("GCE_METADATA_IP", "127.0.0.1:1") // no metadata server here
	_, err := NewLive(LiveOptions{Projects: []string{"acme-prod"}}).Scan(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "no Google credentials found: tried GOOGLE_APPLICATION_CREDENTIALS") || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v", err)
	}
}

// The audit record names the identity of the Application Default
// Credentials, from the fields of the credentials file that identify it.
func TestLivePrincipal(t *testing.T) {
	dir := exportWithoutInsights(t)
	srv := gcptest.New(t, dir)
	creds := filepath.Join(t.TempDir(), "adc.json")
	for _, c := range []struct{ file, want string }{
		{`{"type": "service_account", "project_id": "acme-prod", "private_key_id": "k1", "private_key": "-----BEGIN PRIVATE KEY-----\nSECRETMATERIAL\n-----END PRIVATE KEY-----\n", "client_email": "nhiscan@acme-sec.iam.gserviceaccount.com"}`, "nhiscan@acme-sec.iam.gserviceaccount.com"},
		{`{"type": "external_account", "audience": "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/github", "subject_token_type": "urn:ietf:params:oauth:token-type:jwt", "token_url": "https://sts.googleapis.com/v1/token", "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/scanner@acme-sec.iam.gserviceaccount.com:generateAccessToken", "credential_source": {"file": "/var/run/token"}}`, "scanner@acme-sec.iam.gserviceaccount.com"},
		{`{"type": "external_account", "audience": "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/github", "credential_source": {"file": "/var/run/token"}}`, "workload identity federation: //iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/github"},
		{`{"type": "authorized_user", "client_id": "764086051850-x.apps.googleusercontent.com", "client_secret": "SECRETMATERIAL", "refresh_token": "SECRETMATERIAL"}`, "gcloud user credentials (application-default login)"},
	} {
		if err := os.WriteFile(creds, []byte(c.file), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", creds)
		inv, err := NewLive(LiveOptions{Projects: []string{"acme-prod"}, GRPCOptions: srv.GRPCOptions, RESTOptions: srv.RESTOptions}).Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := inv.Sources[0].Principal; got != c.want || strings.Contains(got, "SECRET") {
			t.Errorf("principal = %q, want %q", got, c.want)
		}
	}
}
