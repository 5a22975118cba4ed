package k8s

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// load feeds the files of testdata/dir to a fresh loader, named as the
// command names them (relative to the input directory).
func load(t *testing.T, o *Offline, files ...string) inventory.Inventory {
	t.Helper()
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		ok, err := o.Add(f, data)
		if err != nil || !ok {
			t.Fatalf("Add(%s) = %v, %v", f, ok, err)
		}
	}
	inv, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func byID(inv inventory.Inventory, id string) *inventory.Identity {
	for i := range inv.Identities {
		if inv.Identities[i].ID == id {
			return &inv.Identities[i]
		}
	}
	return nil
}

func TestOfflineJSONList(t *testing.T) {
	inv := load(t, NewOffline(), "prod-eks/k8s.json")
	if len(inv.Identities) != 4 || len(inv.Sources) != 1 || inv.Sources[0].Scope != "prod-eks" {
		t.Fatalf("got %d identities, sources %+v", len(inv.Identities), inv.Sources)
	}
	api := byID(inv, "system:serviceaccount:payments:payments-api")
	if api == nil || api.Provider != inventory.K8s || api.Kind != inventory.KindK8sAccount || api.Account != "prod-eks" || api.Name != "payments/payments-api" {
		t.Fatalf("payments-api: %+v", api)
	}
	if api.Tags["eks.amazonaws.com/role-arn"] != "arn:aws:iam::111122223333:role/payments-api" || api.Tags["owner"] != "alice@example.com" {
		t.Errorf("tags %v", api.Tags)
	}
	if _, ok := api.Tags["kubectl.kubernetes.io/last-applied-configuration"]; ok {
		t.Error("other annotations are not tags")
	}
	if len(api.Credentials) != 1 {
		t.Fatalf("credentials %+v", api.Credentials)
	}
	c := api.Credentials[0]
	if c.ID != "payments/payments-api-token" || c.Kind != inventory.CredK8sLegacyToken || c.Status != inventory.CredentialActive ||
		c.LastUsed == nil || c.LastUsed.Format("2006-01-02") != "2025-11-02" || c.CreatedAt.IsZero() {
		t.Errorf("credential %+v", c)
	}
	// The namespaced Role with resourceNames, and the aggregated
	// ClusterRole reached through the namespace's group.
	roles := map[string]inventory.Binding{}
	for _, b := range api.Bindings {
		roles[b.Role] = b
	}
	if b := roles["Role/config-reader"]; b.Scope != "namespaces/payments" || len(b.RBACRules) != 1 || !slices.Equal(b.RBACRules[0].ResourceNames, []string{"payments-config"}) {
		t.Errorf("config-reader: %+v", b)
	}
	if b := roles["ClusterRole/monitoring"]; b.Scope != "cluster" || len(b.RBACRules) != 1 || b.Members[0] != (inventory.Principal{Type: "Group", Value: "system:serviceaccounts:payments"}) {
		t.Errorf("aggregated monitoring: %+v", b)
	}
	if len(api.Bindings) != 2 {
		t.Errorf("payments-api holds %d bindings, want 2", len(api.Bindings))
	}

	// A RoleBinding to cluster-admin applies in its namespace only; the
	// ClusterRoleBinding is cluster-wide. The ci namespace's group does not
	// reach payments' monitoring binding.
	dep := byID(inv, "system:serviceaccount:ci:deployer")
	scopes := map[string]string{}
	for _, b := range dep.Bindings {
		scopes[b.Name] = b.Role + "@" + b.Scope
	}
	want := map[string]string{
		"RoleBinding/payments/deployer-admin": "ClusterRole/cluster-admin@namespaces/payments",
		"ClusterRoleBinding/ci-cluster-admin": "ClusterRole/cluster-admin@cluster",
	}
	if !mapsEqual(scopes, want) {
		t.Errorf("deployer bindings %v, want %v", scopes, want)
	}
	// Owners are classification's: the loader lists the conventions'
	// owners in order, the managing tool before the Helm release.
	if len(dep.OwnerHints) < 1 || dep.OwnerHints[0] != (inventory.OwnerHint{Value: "Helm", From: "label app.kubernetes.io/managed-by"}) || dep.Owner != "" {
		t.Errorf("deployer owner %q, hints %+v", dep.Owner, dep.OwnerHints)
	}
	if api.Owner != "" {
		t.Errorf("an owner annotation is left to classification, got %q", api.Owner)
	}
	if sys := byID(inv, "system:serviceaccount:kube-system:replicaset-controller"); sys == nil || sys.Excluded == "" {
		t.Errorf("kube-system controller not excluded: %+v", sys)
	}
	if def := byID(inv, "system:serviceaccount:payments:default"); len(def.Bindings) != 1 {
		t.Errorf("payments/default gets the namespace group's binding only: %+v", def.Bindings)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestOfflineYAMLAndSplitFiles(t *testing.T) {
	inv := load(t, NewOffline(), "dev-gke/rbac.json", "dev-gke/serviceaccounts.yaml")
	if len(inv.Identities) != 3 || inv.Sources[0].Scope != "dev-gke" {
		t.Fatalf("identities %d, sources %+v", len(inv.Identities), inv.Sources)
	}
	// The bindings to unauthenticated requests sit on the cluster's identity.
	cl := byID(inv, "cluster:dev-gke")
	// The bindings to every authenticated identity too, each once.
	if cl == nil || cl.Kind != inventory.KindK8sCluster || len(cl.ResourceBindings) != 3 || len(cl.Bindings) != 0 {
		t.Fatalf("cluster identity %+v", cl)
	}
	if b := cl.ResourceBindings[0]; b.Name != "ClusterRoleBinding/authenticated-view" || !slices.Equal(b.Members, []inventory.Principal{{Type: "Group", Value: "system:authenticated"}}) {
		t.Errorf("authenticated binding %+v", b)
	}
	if b := cl.ResourceBindings[2]; b.Role != "ClusterRole/everything-reader" || b.Members[0] != (inventory.Principal{Type: "User", Value: "system:anonymous"}) || len(b.RBACRules) != 1 {
		t.Errorf("anonymous binding %+v", b)
	}
	r := byID(inv, "system:serviceaccount:reports:reporter")
	if r.Tags["iam.gke.io/gcp-service-account"] != "reporter@dev-project.iam.gserviceaccount.com" || r.Tags["team"] != "analytics" {
		t.Errorf("tags %v", r.Tags)
	}
	if len(r.Credentials) != 1 || r.Credentials[0].Status != inventory.CredentialInactive || r.Credentials[0].LastUsedKnown {
		t.Errorf("invalidated token: %+v", r.Credentials)
	}
	// The RoleBinding from the JSON file, the system:authenticated
	// ClusterRoleBinding, whose role the export lacks, and the bootstrap
	// public-info-viewer one.
	if len(r.Bindings) != 3 || !slices.Contains(r.NotAssessed, inventory.NotAssessedPermissions) {
		t.Errorf("bindings %+v, not assessed %v", r.Bindings, r.NotAssessed)
	}
	for _, b := range r.Bindings {
		if b.Role == "ClusterRole/everything-reader" && b.Scope != "namespaces/reports" {
			t.Errorf("RoleBinding to a ClusterRole must stay in its namespace: %+v", b)
		}
	}
}

func TestClusterNameFlag(t *testing.T) {
	o := NewOffline()
	o.ClusterName = "prod"
	inv := load(t, o, "dev-gke/serviceaccounts.yaml")
	if inv.Identities[0].Account != "prod" || inv.Sources[0].Scope != "prod" {
		t.Errorf("account %q scope %q", inv.Identities[0].Account, inv.Sources[0].Scope)
	}
}

// TestTypedListFromTheAPI reads a SecretList as the API returns it (curl,
// client libraries): items carry no kind.
func TestTypedListFromTheAPI(t *testing.T) {
	o := NewOffline()
	sa := `{"kind":"ServiceAccountList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"bot","namespace":"app","creationTimestamp":"2026-04-18T18:19:50Z"}}]}`
	sec := `{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"1532"},"items":[{"metadata":{"name":"bot-token","namespace":"app","creationTimestamp":"2026-04-18T18:19:52Z","annotations":{"kubernetes.io/service-account.name":"bot"}},"data":{"token":"VE9LRU4="},"type":"kubernetes.io/service-account-token"}]}`
	for i, d := range []string{sa, sec} {
		if ok, err := o.Add("c1/f"+string(rune('a'+i))+".json", []byte(d)); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	inv, _ := o.Inventory()
	if len(inv.Identities) != 1 || len(inv.Identities[0].Credentials) != 1 {
		t.Fatalf("%+v", inv.Identities)
	}
}

func TestNotKubernetes(t *testing.T) {
	for name, data := range map[string]string{
		"a/roles.json":  `{"Roles":[{"RoleName":"x"}]}`,
		"a/keys.json":   `[{"name":"k"}]`,
		"a/other.yaml":  "foo: bar\n",
		"a/config.json": `{"apiVersion":"v1","kind":"Config","clusters":[]}`,
	} {
		if ok, err := NewOffline().Add(name, []byte(data)); ok || err != nil {
			t.Errorf("%s: claimed (%v, %v)", name, ok, err)
		}
	}
}

func TestBadInput(t *testing.T) {
	bad := map[string]string{
		"c/bad.yaml":     "apiVersion: v1\nkind: List\nitems:\n  - kind: ServiceAccount\n   metadata: x\n",
		"c/binding.json": `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"b","namespace":"n"},"roleRef":{"kind":"Group","name":"x"}}]}`,
		"c/rules.json":   `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r","namespace":"n"},"rules":"all"}]}`,
	}
	for name, data := range bad {
		ok, err := NewOffline().Add(name, []byte(data))
		if !ok || err == nil {
			t.Errorf("%s: want an error, got %v, %v", name, ok, err)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", name, err)
		}
	}
}

// TestTokenDataNeverKept: the Secrets' data (tokens, CA, other secrets)
// appears nowhere in the inventory, nor in an error about a malformed
// Secret.
func TestTokenDataNeverKept(t *testing.T) {
	inv := load(t, NewOffline(), "prod-eks/k8s.json", "dev-gke/rbac.json", "dev-gke/serviceaccounts.yaml")
	out, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	canaries := []string{
		"ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNklrWkJTMFZmVkU5TFJVNWZSRUZVUVY5VFNFOVZURVJmVGtWV1JWSmZRVkJRUlVGU0luMC5lTEotU0VDUkVULVRPS0VOLUNBTkFSWQ==",
		"ZXlKaGJHY2lPaUpTVXpJMU5pSjkuWUFNTC1TRUNSRVQtVE9LRU4tQ0FOQVJZ", "aHVudGVyMg==", "cGF5bWVudHM=", "LS0tLS1CRUdJTi",
	}
	for _, c := range canaries {
		if strings.Contains(string(out), c) {
			t.Errorf("secret data %q in the inventory", c[:12])
		}
	}
	// A Secret whose data is malformed, and one whose metadata is: the
	// error names the object, never the data.
	for _, d := range []string{
		`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"n","labels":"x"},"data":{"token":"U0VDUkVULUNBTkFSWQ=="},"type":"kubernetes.io/service-account-token"}]}`,
		`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"n"},"data":"U0VDUkVULUNBTkFSWQ==","type":"kubernetes.io/service-account-token"}]}`,
	} {
		_, err := NewOffline().Add("c/s.json", []byte(d))
		if err != nil && strings.Contains(err.Error(), "U0VDUkVULUNBTkFSWQ") {
			t.Errorf("error carries secret data: %v", err)
		}
	}
}

// An empty list, as older kubectl prints it (with selfLink), is a
// Kubernetes export with nothing in it: the cluster is a source with a
// warning, not an unknown file.
func TestEmptyYAMLList(t *testing.T) {
	o := NewOffline()
	ok, err := o.Add("c9/deploy.yaml", []byte("apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n  selfLink: \"\"\n"))
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	inv, _ := o.Inventory()
	if len(inv.Identities) != 0 || len(inv.Sources) != 1 || inv.Sources[0].Scope != "c9" || len(inv.Sources[0].Warnings) != 1 {
		t.Errorf("%+v", inv)
	}
}
