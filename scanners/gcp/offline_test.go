package gcp

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// loadDir feeds every file under dir (or the named files) to a loader.
func load(t *testing.T, paths ...string) inventory.Inventory {
	t.Helper()
	o := NewOffline()
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			ok, err := o.Add(p, data)
			if err != nil || !ok {
				t.Fatalf("Add(%s) = %v, %v", p, ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	inv, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func byID(t *testing.T, inv inventory.Inventory, id string) inventory.Identity {
	t.Helper()
	for _, x := range inv.Identities {
		if x.ID == id {
			return x
		}
	}
	t.Fatalf("no identity %s", id)
	return inventory.Identity{}
}

const sfx = "@acme-prod.iam.gserviceaccount.com"

// gcloudExport is the gcloud export of project acme-prod. It is also the
// demo that the command embeds, so it lives there, in one copy.
const gcloudExport = "../../cmd/nhiscan/demo/gcp"

func TestGcloudExport(t *testing.T) {
	inv := load(t, gcloudExport)
	if len(inv.Sources) != 1 || inv.Sources[0].Scope != "acme-prod" || inv.Sources[0].Status != inventory.StatusOK || len(inv.Sources[0].NotAssessed) != 0 {
		t.Fatalf("sources = %+v", inv.Sources)
	}

	dep := byID(t, inv, "deployer"+sfx)
	if dep.Kind != inventory.KindGCPAccount || dep.Account != "acme-prod" || dep.Name != "deployer" || dep.Description != "Deploys from CI. owner: team-platform" {
		t.Errorf("deployer = %+v", dep)
	}
	if len(dep.Credentials) != 1 {
		t.Fatalf("deployer keys = %+v (the system-managed key must be left out)", dep.Credentials)
	}
	k := dep.Credentials[0]
	if k.ID != "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678" || k.ExpiresAt != nil || !k.LastUsedKnown || k.LastUsed == nil || !k.LastUsed.Equal(time.Date(2026, 10, 30, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("deployer key = %+v", k)
	}
	if !dep.LastUsedKnown || dep.LastUsed == nil {
		t.Errorf("deployer activity (matched by unique id and by email) missing: %+v", dep.LastUsed)
	}
	var roles []string
	for _, b := range dep.Bindings {
		roles = append(roles, b.Role+"@"+b.Scope)
	}
	if d := cmp.Diff([]string{"roles/editor@projects/acme-prod"}, roles); d != "" {
		t.Errorf("deployer grants:\n%s", d)
	}
	// A binding the service account holds keeps its scope, its member
	// entry and its condition (title and CEL expression).
	old := byID(t, inv, "old-batch"+sfx)
	want := inventory.Binding{Role: "roles/iam.securityAdmin", Scope: "projects/acme-prod",
		Members:   []inventory.Principal{{Type: "serviceAccount", Value: "old-batch" + sfx}},
		Condition: &inventory.BindingCondition{Title: "until-2027", Expression: `request.time < timestamp("2027-01-01T00:00:00Z")`}}
	var got inventory.Binding
	for _, b := range old.Bindings {
		if b.Role == want.Role {
			got = b
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("old-batch conditional binding:\n%s", d)
	}
	var trust []string
	for _, b := range dep.ResourceBindings {
		for _, p := range b.Members {
			trust = append(trust, b.Role+" "+p.Type)
		}
	}
	if d := cmp.Diff([]string{"roles/iam.serviceAccountUser allAuthenticatedUsers", "roles/iam.workloadIdentityUser principalSet"}, trust); d != "" {
		t.Errorf("deployer service account policy:\n%s", d)
	}

	ar := byID(t, inv, "agent-runner"+sfx)
	var statuses []string
	for _, c := range ar.Credentials {
		statuses = append(statuses, c.ID[:8]+" "+c.Status)
	}
	if d := cmp.Diff([]string{"11112222 active", "99998888 active", "deadbeef inactive"}, statuses); d != "" {
		t.Errorf("agent-runner keys:\n%s", d)
	}
	for _, b := range ar.Bindings {
		if b.Role == "projects/acme-prod/roles/keyMinter" && !strings.Contains(strings.Join(b.Permissions, " "), "iam.serviceAccountKeys.create") {
			t.Errorf("custom role not expanded to its permissions: %+v", b.Permissions)
		}
	}

	if c := byID(t, inv, "318257490261-compute@developer.gserviceaccount.com"); c.Owner == "" {
		t.Error("default compute service account has no platform owner")
	}
	if a := byID(t, inv, "service-318257490261@gcp-sa-pubsub.iam.gserviceaccount.com"); a.Excluded != "Google-managed service agent" {
		t.Errorf("service agent = %+v", a)
	}
	if ob := byID(t, inv, "old-batch"+sfx); !strings.Contains(ob.DormantSignal, "SERVICE_ACCOUNT_USAGE") {
		t.Errorf("old-batch insight = %q", ob.DormantSignal)
	}
	if ds := byID(t, inv, "disabled-sa"+sfx); !ds.Disabled {
		t.Error("disabled-sa not disabled")
	}
	if tidy := byID(t, inv, "tidy"+sfx); tidy.Disabled || len(tidy.Credentials) != 0 || len(tidy.ResourceBindings) != 0 {
		t.Errorf("tidy = %+v", tidy)
	}

	proj := byID(t, inv, "projects/acme-prod")
	stale := false
	for _, b := range proj.ResourceBindings {
		for _, p := range b.Members {
			if p.Type == "deleted:serviceAccount" {
				stale = true
			}
		}
	}
	if proj.Kind != inventory.KindGCPProject || !stale {
		t.Errorf("project identity = %+v", proj)
	}
}

// Without activity data, dormancy is not assessed, and the source says so.
func TestNoActivityIsNotAssessed(t *testing.T) {
	dir := t.TempDir()
	src := gcloudExport + "/acme-prod"
	os.MkdirAll(filepath.Join(dir, "acme-prod", "keys"), 0o755)
	for _, f := range []string{"service-accounts.json", "iam-policy.json", "keys/deployer" + sfx + ".json"} {
		data, _ := os.ReadFile(filepath.Join(src, f))
		os.WriteFile(filepath.Join(dir, "acme-prod", f), data, 0o644)
	}
	inv := load(t, dir)
	src0 := inv.Sources[0]
	if !strings.Contains(strings.Join(src0.NotAssessed, ","), "service account dormancy") || !strings.Contains(strings.Join(src0.Warnings, "\n"), "dormancy of service accounts was not assessed") {
		t.Errorf("source = %+v", src0)
	}
	dep := byID(t, inv, "deployer"+sfx)
	if dep.LastUsedKnown || dep.Credentials[0].LastUsedKnown {
		t.Error("usage marked known without activity data")
	}
}

// An empty activity list in the layout means "nothing authenticated".
func TestEmptyActivityIsKnown(t *testing.T) {
	o := NewOffline()
	if ok, err := o.Add("x/acme-prod/activity-service-accounts.json", []byte("[]\n")); !ok || err != nil {
		t.Fatalf("empty activity: %v %v", ok, err)
	}
	if !o.projects["acme-prod"].saActivityKnown {
		t.Error("empty activity file not taken as known")
	}
	if ok, _ := o.Add("x/unrelated.json", []byte("[]")); ok {
		t.Error("an empty list outside the layout was claimed")
	}
}

func TestCloudAssetExports(t *testing.T) {
	for _, assets := range []string{"testdata/cai/assets.json", "testdata/cai/assets.ndjson"} {
		t.Run(filepath.Ext(assets), func(t *testing.T) {
			o := NewOffline()
			for _, f := range []string{assets, "testdata/cai/iam-policies.json"} {
				data, _ := os.ReadFile(f)
				if ok, err := o.Add(f, data); !ok || err != nil {
					t.Fatalf("Add(%s) = %v %v", f, ok, err)
				}
			}
			inv, _ := o.Inventory()
			etl := byID(t, inv, "etl@acme-data.iam.gserviceaccount.com")
			if etl.Disabled || len(etl.Credentials) != 1 || etl.Credentials[0].ExpiresAt != nil || etl.Account != "acme-data" {
				t.Errorf("etl (proto-JSON without disabled) = %+v", etl)
			}
			ml := byID(t, inv, "ml-agent@acme-data.iam.gserviceaccount.com")
			if len(ml.Bindings) != 1 || ml.Bindings[0].Role != "roles/owner" || len(ml.ResourceBindings) != 1 || ml.ResourceBindings[0].Members[0].Type != "allUsers" {
				t.Errorf("ml-agent = %+v", ml)
			}
			proj := byID(t, inv, "projects/acme-data")
			var from []string
			for _, b := range proj.ResourceBindings {
				from = append(from, b.Scope+" "+b.Role)
			}
			want := []string{"projects/acme-data roles/owner", "projects/acme-data roles/bigquery.dataEditor", "folders/777 roles/iam.serviceAccountTokenCreator", "organizations/555 roles/iam.serviceAccountUser"}
			if d := cmp.Diff(want, from); d != "" {
				t.Errorf("project bindings with inherited folder and organization policies:\n%s", d)
			}
		})
	}
}

func TestAddErrors(t *testing.T) {
	tests := []struct {
		name, file, data, wantErr string
		wantOK                    bool
	}{
		{name: "policy_outside_layout", file: "x/policy.json", data: `{"bindings": [], "etag": "x"}`, wantOK: true, wantErr: "does not say what it is set on"},
		{name: "bad_key_name", file: "p/keys/a.json", data: `[{"name": "keys/1", "keyType": "USER_MANAGED", "validAfterTime": "2024-01-01T00:00:00Z"}]`, wantOK: true, wantErr: "name is not"},
		{name: "bad_key_time", file: "p/keys/a.json", data: `[{"name": "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/1", "keyType": "USER_MANAGED", "validAfterTime": "soon"}]`, wantOK: true, wantErr: "bad validAfterTime"},
		{name: "bad_activity_time", file: "p/activity-keys.json", data: `[{"activityType": "serviceAccountLastAuthentication", "fullResourceName": "//iam.googleapis.com/projects/p/serviceAccounts/1", "activity": {"lastAuthenticatedTime": "x"}}]`, wantOK: true, wantErr: "bad lastAuthenticatedTime"},
		{name: "aws_file", file: "gaad.json", data: `{"UserDetailList": []}`},
		{name: "not_json", file: "x.json", data: `{"a": `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := NewOffline().Add(tt.file, []byte(tt.data))
			if ok != tt.wantOK || (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Add = %v, %v; want %v, %q", ok, err, tt.wantOK, tt.wantErr)
			}
		})
	}
}

// gcloud asset export --content-type=resource and --content-type=iam-policy
// (NDJSON, snake_case): projects by number, service accounts and keys by
// unique id, a key whose data has no name, organization-level custom roles.
func TestCloudAssetExportSnakeCase(t *testing.T) {
	for _, order := range [][]string{
		{"testdata/cai-export/resources.ndjson", "testdata/cai-export/iam-policy.ndjson"},
		{"testdata/cai-export/iam-policy.ndjson", "testdata/cai-export/resources.ndjson"},
	} {
		inv := load(t, order...)
		var scopes []string
		for _, s := range inv.Sources {
			scopes = append(scopes, s.Scope)
		}
		if d := cmp.Diff([]string{"acme-ml", "offline inputs"}, scopes); d != "" {
			t.Fatalf("%v: sources (the project number folds into its id):\n%s", order, d)
		}
		tr := byID(t, inv, "trainer@acme-ml.iam.gserviceaccount.com")
		if tr.Account != "acme-ml" || tr.Description != "owner: team-ml" || tr.Disabled {
			t.Errorf("trainer = %+v", tr)
		}
		if len(tr.Credentials) != 1 || tr.Credentials[0].ID != "5f1e2d3c4b5a69788796a5b4c3d2e1f001122334" || !tr.Credentials[0].CreatedAt.Equal(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("trainer keys (the nameless key, named by its asset; no system-managed key) = %+v", tr.Credentials)
		}
		if len(tr.Bindings) != 1 || tr.Bindings[0].Role != "organizations/555/roles/tokenMinter" || strings.Join(tr.Bindings[0].Permissions, ",") != "iam.serviceAccounts.getAccessToken,iam.serviceAccounts.signJwt" {
			t.Errorf("trainer grants (organization custom role expanded) = %+v", tr.Bindings)
		}
		if len(tr.ResourceBindings) != 1 || tr.ResourceBindings[0].Role != "roles/iam.serviceAccountTokenCreator" {
			t.Errorf("trainer service account policy (named by unique id) = %+v", tr.ResourceBindings)
		}
		sc := byID(t, inv, "scorer@acme-ml.iam.gserviceaccount.com")
		if !sc.Disabled || len(sc.Bindings) != 1 || len(sc.Bindings[0].Permissions) == 0 || sc.Bindings[0].Permissions[0] != "storage.objects.get" {
			t.Errorf("scorer (project custom role) = %+v", sc)
		}
		proj := byID(t, inv, "projects/acme-ml")
		var from []string
		for _, b := range proj.ResourceBindings {
			from = append(from, b.Scope+" "+b.Role)
		}
		want := []string{"projects/acme-ml organizations/555/roles/tokenMinter", "projects/acme-ml projects/acme-ml/roles/bucketReader", "folders/4242 roles/iam.serviceAccountUser", "organizations/555 roles/resourcemanager.organizationAdmin"}
		if d := cmp.Diff(want, from); d != "" {
			t.Errorf("%v: project bindings with inherited folder and organization policies:\n%s", order, d)
		}
	}
}

// Organization-level custom roles from gcloud iam roles describe
// --organization, saved beside a project's exports.
func TestOrganizationCustomRoleInLayout(t *testing.T) {
	o := NewOffline()
	for name, data := range map[string]string{
		"x/p1/custom-roles.json": `[{"name": "organizations/555/roles/keyMaker", "title": "k", "includedPermissions": ["iam.serviceAccountKeys.create"], "stage": "GA", "etag": "x"}]`,
		"x/p2/iam-policy.json":   `{"bindings": [{"role": "organizations/555/roles/keyMaker", "members": ["serviceAccount:a@p2.iam.gserviceaccount.com"]}], "etag": "y", "version": 1}`,
	} {
		if ok, err := o.Add(name, []byte(data)); !ok || err != nil {
			t.Fatalf("Add(%s) = %v %v", name, ok, err)
		}
	}
	inv, _ := o.Inventory()
	a := byID(t, inv, "a@p2.iam.gserviceaccount.com")
	if len(a.Bindings) != 1 || len(a.Bindings[0].Permissions) == 0 || a.Bindings[0].Permissions[0] != "iam.serviceAccountKeys.create" {
		t.Errorf("bindings = %+v", a.Bindings)
	}
}

// REST responses of the IAM API ({"accounts": [...]}, {"keys": [...]},
// {} for none) saved where the gcloud layout expects gcloud's lists.
func TestRESTShapesInLayout(t *testing.T) {
	inv := load(t, "testdata/rest")
	api := byID(t, inv, "api@acme-rest.iam.gserviceaccount.com")
	if api.Account != "acme-rest" || len(api.Credentials) != 1 || api.Credentials[0].ID != "9d8c7b6a5f4e3d2c1b0a99887766554433221100" || len(api.Bindings) != 1 {
		t.Errorf("api = %+v", api)
	}
	if idle := byID(t, inv, "idle@acme-rest.iam.gserviceaccount.com"); len(idle.Credentials) != 0 {
		t.Errorf("idle = %+v", idle)
	}
	// The same list twice adds nothing.
	o := NewOffline()
	data, _ := os.ReadFile("testdata/rest/acme-rest/keys/api@acme-rest.iam.gserviceaccount.com.json")
	sas, _ := os.ReadFile("testdata/rest/acme-rest/service-accounts.json")
	o.Add("x/acme-rest/service-accounts.json", sas)
	o.Add("x/acme-rest/keys/api@acme-rest.iam.gserviceaccount.com.json", data)
	o.Add("y/acme-rest/keys/api@acme-rest.iam.gserviceaccount.com.json", data)
	inv, _ = o.Inventory()
	if api := byID(t, inv, "api@acme-rest.iam.gserviceaccount.com"); len(api.Credentials) != 1 {
		t.Errorf("a key list given twice: %+v", api.Credentials)
	}
	if ok, _ := NewOffline().Add("x/unrelated.json", []byte(`{"keys": [], "colour": "blue"}`)); ok {
		t.Error("an object with other fields beside a list was taken as a REST list")
	}
}

// The same Cloud Asset exports given twice (or the export and the search
// results of one project) add no binding twice.
func TestCloudAssetExportsTwice(t *testing.T) {
	once := load(t, "testdata/cai-export", "testdata/cai/assets.ndjson", "testdata/cai/iam-policies.json")
	twice := load(t, "testdata/cai-export", "testdata/cai/assets.ndjson", "testdata/cai/iam-policies.json", "testdata/cai-export", "testdata/cai/assets.json", "testdata/cai/iam-policies.json")
	if d := cmp.Diff(once, twice); d != "" {
		t.Errorf("exports given twice differ from once:\n%s", d)
	}
}

// One page of a REST list says that later pages are missing.
func TestRESTListNextPage(t *testing.T) {
	o := NewOffline()
	data := `{"accounts": [{"email": "a@p.iam.gserviceaccount.com", "uniqueId": "1", "projectId": "p"}], "nextPageToken": "CgwI2e"}`
	if ok, err := o.Add("x/p/service-accounts.json", []byte(data)); !ok || err != nil {
		t.Fatalf("Add = %v, %v", ok, err)
	}
	inv, _ := o.Inventory()
	byID(t, inv, "a@p.iam.gserviceaccount.com")
	last := inv.Sources[len(inv.Sources)-1]
	if !strings.Contains(strings.Join(last.Warnings, "\n"), "later pages are missing") {
		t.Errorf("no missing-pages warning: %+v", inv.Sources)
	}
}

// Keys whose service account is not in the export are not silently lost.
func TestKeysWithoutTheirAccountWarn(t *testing.T) {
	o := NewOffline()
	data, _ := os.ReadFile("testdata/rest/acme-rest/keys/api@acme-rest.iam.gserviceaccount.com.json")
	if ok, err := o.Add("x/acme-rest/keys/api@acme-rest.iam.gserviceaccount.com.json", data); !ok || err != nil {
		t.Fatalf("Add = %v, %v", ok, err)
	}
	inv, _ := o.Inventory()
	if w := strings.Join(inv.Sources[0].Warnings, "\n"); !strings.Contains(w, "keys of api@acme-rest.iam.gserviceaccount.com were given, but not the service account") {
		t.Errorf("warnings = %q", w)
	}
}
