package k8s

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
	// owners in order; managed-by Helm names a tool, no owner.
	if len(dep.OwnerHints) < 1 || dep.OwnerHints[0] != (inventory.OwnerHint{Value: "ci-runner", From: "annotation meta.helm.sh/release-name"}) || dep.Owner != "" {
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
		// Items count from 1, as the AWS, GCP and Azure readers count.
		if name != "c/bad.yaml" && !strings.HasPrefix(err.Error(), "item 1: ") {
			t.Errorf("%s: error %q does not name item 1", name, err)
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

// workloadsOf returns an account's workloads as "Kind ns/name pods automount".
func workloadsOf(id *inventory.Identity) []string {
	var out []string
	for _, w := range id.Workloads {
		out = append(out, fmt.Sprintf("%s %s/%s %d %v", w.Kind, w.Namespace, w.Name, w.Pods, w.Automount))
	}
	return out
}

// TestWorkloads reads pods and every workload controller of a kubectl
// export (JSON and a -o yaml file of pods) into the workloads of the
// accounts they run as, each pod folded into its top-most controller.
func TestWorkloads(t *testing.T) {
	inv := load(t, NewOffline(), "apps-kind/k8s.json", "apps-kind/pods.yaml")
	if slices.Contains(inv.Sources[0].NotAssessed, inventory.NotAssessedUsage) {
		t.Fatalf("usage was in the export: %+v", inv.Sources[0])
	}
	for sa, want := range map[string][]string{
		// The Deployment, its ReplicaSet and two pods are one entry.
		"apps:web": {"Deployment apps/web 2 true"},
		// The old rollout's ReplicaSet named no account: default's.
		"apps:default": {"Deployment apps/web 0 true"},
		// automountServiceAccountToken: false on the template and pod.
		"apps:db": {"StatefulSet apps/db 1 false"},
		// The account opts out; the CronJob's template opts back in.
		"tools:backup":     {"CronJob tools/backup 1 true"},
		"tools:node-agent": {"DaemonSet tools/node-agent 2 true"},
		// The ReplicaSet is not in the export: the pod joins its
		// Deployment through the pod-template-hash.
		"agents:planner": {"Deployment agents/planner 1 true"},
		// Only the deprecated serviceAccount field names the account.
		"agents:legacy-runner": {"Pod agents/debug 1 true"},
		"tools:cleaner":        nil,
	} {
		id := byID(inv, "system:serviceaccount:"+sa)
		if id == nil {
			t.Fatalf("no %s", sa)
		}
		if got := workloadsOf(id); !slices.Equal(got, want) {
			t.Errorf("%s runs %q, want %q", sa, got, want)
		}
	}
	// The template's labels are the workload's (agent markers).
	if p := byID(inv, "system:serviceaccount:agents:planner"); p.Workloads[0].Labels["nhiscan.io/agent"] != "true" {
		t.Errorf("planner labels %v", p.Workloads[0].Labels)
	}
}

// An account's own automountServiceAccountToken: false holds for a bare
// pod that says nothing; the pod's own setting wins either way.
func TestAutomountPrecedence(t *testing.T) {
	o := NewOffline()
	list := `{"apiVersion":"v1","kind":"List","items":[
	 {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"quiet","namespace":"n"},"automountServiceAccountToken":false},
	 {"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"n"},"spec":{"serviceAccountName":"quiet"}},
	 {"apiVersion":"v1","kind":"Pod","metadata":{"name":"b","namespace":"n"},"spec":{"serviceAccountName":"quiet","automountServiceAccountToken":true}},
	 {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"n"},"spec":{"template":{"spec":{"serviceAccountName":"quiet"}}}}]}`
	if ok, err := o.Add("c/k8s.json", []byte(list)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	inv, _ := o.Inventory()
	want := []string{"Job n/j 0 false", "Pod n/a 1 false", "Pod n/b 1 true"}
	if got := workloadsOf(&inv.Identities[0]); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Without any pod or workload in the export, usage is not assessed (no
// account is judged unused); an empty typed PodList does tell that there
// are no pods.
func TestUsageNotAssessed(t *testing.T) {
	inv := load(t, NewOffline(), "prod-eks/k8s.json")
	if !slices.Contains(inv.Sources[0].NotAssessed, inventory.NotAssessedUsage) {
		t.Errorf("source %+v", inv.Sources[0])
	}
	o := NewOffline()
	for i, d := range []string{
		`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a","namespace":"n"}}]}`,
		`{"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"9"},"items":[]}`,
	} {
		if ok, err := o.Add(fmt.Sprintf("c/f%d.json", i), []byte(d)); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	inv, _ = o.Inventory()
	if len(inv.Sources[0].NotAssessed) != 0 || inv.Identities[0].Workloads != nil {
		t.Errorf("an empty PodList assesses usage: %+v", inv)
	}
}

// Aggregated ClusterRoles select by matchExpressions too; the export's
// "rules: null" (the controller had not filled it) takes the selected
// roles' rules.
func TestAggregationExpressions(t *testing.T) {
	inv := load(t, NewOffline(), "apps-kind/k8s.json")
	web := byID(inv, "system:serviceaccount:apps:web")
	var res []string
	for _, b := range web.Bindings {
		for _, r := range b.RBACRules {
			res = append(res, r.Resources...)
		}
	}
	slices.Sort(res)
	if !slices.Equal(res, []string{"nodes", "pods"}) {
		t.Errorf("monitoring aggregates %v, want nodes and pods (not billing's secrets)", res)
	}
	// Aggregation nests (top picks mid, itself aggregated and left
	// empty, which picks leaf), and a cycle ends.
	o := NewOffline()
	nested := `apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: top}
  aggregationRule:
    clusterRoleSelectors:
    - matchExpressions: [{key: agg-top, operator: Exists}]
  rules: null
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: mid, labels: {agg-top: "true", agg-mid: "x"}}
  aggregationRule:
    clusterRoleSelectors:
    - matchExpressions: [{key: agg-mid, operator: In, values: ["yes"]}]
    - matchLabels: {agg-mid: "x"}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: leaf, labels: {agg-mid: "yes"}}
  rules:
  - {apiGroups: [""], resources: [pods], verbs: [create]}
`
	if ok, err := o.Add("c/roles.yaml", []byte(nested)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if rs, ok := o.clusters["c"].rulesOf("ClusterRole", "", "top"); !ok || len(rs) != 1 || rs[0].Resources[0] != "pods" {
		t.Errorf("nested aggregation: %+v", rs)
	}
	labels := map[string]string{"tier": "a", "env": "prod"}
	expr := func(key, op string, values ...string) labelSelector {
		var s labelSelector
		s.MatchExpressions = append(s.MatchExpressions, struct {
			Key      string   `json:"key"`
			Operator string   `json:"operator"`
			Values   []string `json:"values"`
		}{key, op, values})
		return s
	}
	for _, c := range []struct {
		sel  labelSelector
		want bool
	}{
		{expr("tier", "In", "a", "b"), true},
		{expr("tier", "In", "b"), false},
		{expr("missing", "In", "a"), false},
		{expr("tier", "NotIn", "b"), true},
		{expr("tier", "NotIn", "a"), false},
		{expr("missing", "NotIn", "a"), true},
		{expr("env", "Exists"), true},
		{expr("missing", "Exists"), false},
		{expr("missing", "DoesNotExist"), true},
		{expr("env", "DoesNotExist"), false},
		{expr("env", "Gt", "1"), false},
		{labelSelector{}, false},
		{labelSelector{MatchLabels: map[string]string{"env": "prod"}}, true},
	} {
		if got := c.sel.selects(labels); got != c.want {
			t.Errorf("%+v selects %v, want %v", c.sel, got, c.want)
		}
	}
}

// Provider-managed: managed namespaces, and accounts that only the API
// server's bootstrap RBAC binds to system: roles; a user's own binding to
// a system: role is not.
func TestProviderManaged(t *testing.T) {
	inv := load(t, NewOffline(), "apps-kind/k8s.json")
	for sa, excluded := range map[string]bool{
		"gke-managed-system:gke-metrics-agent": true,
		"apps:metrics-reader":                  true,
		"apps:custom-sys":                      false,
		"apps:default":                         false, // no binding at all
		"tools:node-agent":                     false,
	} {
		if id := byID(inv, "system:serviceaccount:"+sa); (id.Excluded != "") != excluded {
			t.Errorf("%s excluded %q, want %v", sa, id.Excluded, excluded)
		}
	}
}

// Owner hints: the managing tool and the application before the Helm
// release, then the namespace's labels and annotations under their keys.
func TestOwnerHints(t *testing.T) {
	inv := load(t, NewOffline(), "apps-kind/k8s.json", "prod-eks/k8s.json")
	web := byID(inv, "system:serviceaccount:apps:web")
	want := []inventory.OwnerHint{
		{Value: "shop", From: "label app.kubernetes.io/part-of"},
		{Value: "apps-team", From: "namespace apps label team", Key: "team"},
	}
	if !slices.Equal(web.OwnerHints, want) {
		t.Errorf("web hints %+v", web.OwnerHints)
	}
	cl := byID(inv, "system:serviceaccount:tools:cleaner")
	if !slices.Equal(cl.OwnerHints, []inventory.OwnerHint{{Value: "ops@example.com", From: "namespace tools annotation contact", Key: "contact"}}) {
		t.Errorf("cleaner hints %+v", cl.OwnerHints)
	}
	if na := byID(inv, "system:serviceaccount:tools:node-agent"); na.Tags["owner"] != "platform-team" {
		t.Errorf("owner annotation not a tag: %v", na.Tags)
	}
	// The namespace metadata.name label is no owner.
	if pl := byID(inv, "system:serviceaccount:agents:planner"); len(pl.OwnerHints) != 0 {
		t.Errorf("planner hints %+v", pl.OwnerHints)
	}
	dep := byID(inv, "system:serviceaccount:ci:deployer")
	if len(dep.OwnerHints) != 1 || dep.OwnerHints[0].From != "annotation meta.helm.sh/release-name" {
		t.Errorf("deployer hints %+v", dep.OwnerHints)
	}
}

// Token use tracking: a cluster where a token carries the last-used label
// tracks use, so a token without it was not used since the earliest such
// date; where none does, use stays unknown.
func TestTokenTracking(t *testing.T) {
	inv := load(t, NewOffline(), "apps-kind/k8s.json")
	c := byID(inv, "system:serviceaccount:tools:cleaner").Credentials[0]
	if !c.LastUsedKnown || c.LastUsed != nil || c.UsageTrackedSince == nil || c.UsageTrackedSince.Format(time.DateOnly) != "2025-06-01" {
		t.Errorf("cleaner token %+v", c)
	}
	inv = load(t, NewOffline(), "dev-gke/serviceaccounts.yaml")
	if c := byID(inv, "system:serviceaccount:reports:reporter").Credentials[0]; c.LastUsedKnown || c.UsageTrackedSince != nil {
		t.Errorf("untracked cluster: %+v", c)
	}
}

// A workload's annotations (its own and its template's) are kept short:
// kubectl's last-applied-configuration is not.
func TestWorkloadAnnotations(t *testing.T) {
	o := NewOffline()
	list := `{"apiVersion":"v1","kind":"List","items":[
	 {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"bot","namespace":"n"}},
	 {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bot","namespace":"n","annotations":{
	   "kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\"}","deployment.kubernetes.io/revision":"3"}},
	  "spec":{"template":{"metadata":{"annotations":{"nhiscan.io/agent":"true"}},"spec":{"serviceAccountName":"bot"}}}}]}`
	if ok, err := o.Add("c/k8s.json", []byte(list)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	inv, _ := o.Inventory()
	w := inv.Identities[0].Workloads
	want := map[string]string{"deployment.kubernetes.io/revision": "3", "nhiscan.io/agent": "true"}
	if len(w) != 1 || !mapsEqual(w[0].Annotations, want) || w[0].Labels != nil {
		t.Errorf("workloads %+v", w)
	}
}

// A managed-by or part-of value naming a tool or controller (kagent,
// Helm, Argo CD, an operator) is no owner; a team's name is.
func TestOwnerHintsSkipTools(t *testing.T) {
	const list = `{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
  {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "k8s-agent", "namespace": "kagent",
    "labels": {"app.kubernetes.io/managed-by": "kagent", "app.kubernetes.io/part-of": "kagent", "app.kubernetes.io/name": "k8s-agent"}}},
  {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "syncer", "namespace": "gitops",
    "labels": {"app.kubernetes.io/managed-by": "ArgoCD", "app.kubernetes.io/part-of": "payments"}}},
  {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "db", "namespace": "data",
    "labels": {"app.kubernetes.io/managed-by": "postgres-operator"}}},
  {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "etl", "namespace": "data",
    "labels": {"app.kubernetes.io/managed-by": "data-platform-team"}}}
]}`
	o := NewOffline()
	if ok, err := o.Add("tools-kind/k8s.json", []byte(list)); err != nil || !ok {
		t.Fatalf("Add = %v, %v", ok, err)
	}
	inv, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]inventory.OwnerHint{
		"system:serviceaccount:kagent:k8s-agent": nil,
		"system:serviceaccount:gitops:syncer":    {{Value: "payments", From: "label app.kubernetes.io/part-of"}},
		"system:serviceaccount:data:db":          nil,
		"system:serviceaccount:data:etl":         {{Value: "data-platform-team", From: "label app.kubernetes.io/managed-by"}},
	} {
		got := byID(inv, id)
		if got == nil || !slices.Equal(got.OwnerHints, want) {
			t.Errorf("%s hints %+v, want %+v", id, got, want)
		}
	}
}
