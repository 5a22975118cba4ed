package k8s

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	appsv1 "k8s.io/api/apps/v1"
	authzv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/nhiscan/nhiscan/scanners/inventory"
	"github.com/nhiscan/nhiscan/scanners/k8s/k8stest"
)

// canary is the token the seeded Secrets hold: it must never reach the
// scanner, raw or base64-encoded.
const canary = "nhiscan-live-canary-token-5d2e81"

func containsCanary(b []byte) bool {
	return bytes.Contains(b, []byte(canary)) || bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString([]byte(canary))))
}

// seed creates, through the API, service accounts, legacy token Secrets
// (no controller manager runs, so they keep the data given), RBAC and
// workloads of every kind the scanner lists.
func seed(t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %s: %v", what, err)
		}
	}
	om := func(ns, name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: ns, Name: name} }
	for _, ns := range []string{"team-a", "team-b"} {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": ns}}}, metav1.CreateOptions{})
		must("namespace", err)
	}
	for _, sa := range []corev1.ServiceAccount{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "builder", Labels: map[string]string{"owner": "alice"},
			Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/builder"}}},
		{ObjectMeta: om("team-a", "runner")},
		{ObjectMeta: om("team-b", "reporter")},
		{ObjectMeta: om("team-b", "default")},
		{ObjectMeta: om("kube-system", "controller")},
	} {
		_, err := cs.CoreV1().ServiceAccounts(sa.Namespace).Create(ctx, &sa, metav1.CreateOptions{})
		must("service account", err)
	}
	for _, s := range []corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "builder-token",
			Labels:      map[string]string{lastUsedKey: "2026-01-02"},
			Annotations: map[string]string{saNameKey: "builder"}},
			Type: corev1.SecretTypeServiceAccountToken, Data: map[string][]byte{"token": []byte(canary)}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "reporter-token",
			Labels:      map[string]string{invalidSinceKey: "2026-02-03"},
			Annotations: map[string]string{saNameKey: "reporter"}},
			Type: corev1.SecretTypeServiceAccountToken, Data: map[string][]byte{"token": []byte(canary)}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "default-token", Annotations: map[string]string{saNameKey: "default"}},
			Type: corev1.SecretTypeServiceAccountToken, Data: map[string][]byte{"token": []byte(canary)}},
		{ObjectMeta: om("team-a", "app-config"), Data: map[string][]byte{"password": []byte(canary)}},
		// Not a token Secret, though annotated like one: only the type
		// makes a legacy token.
		{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "lookalike", Annotations: map[string]string{saNameKey: "builder"}},
			Data: map[string][]byte{"token": []byte(canary)}},
	} {
		_, err := cs.CoreV1().Secrets(s.Namespace).Create(ctx, &s, metav1.CreateOptions{})
		must("secret", err)
	}
	rbac := cs.RbacV1()
	_, err := rbac.Roles("team-a").Create(ctx, &rbacv1.Role{ObjectMeta: om("team-a", "deployer"), Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods"}},
		{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"app-config"}},
	}}, metav1.CreateOptions{})
	must("role", err)
	_, err = rbac.ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "nhiscan-test-part", Labels: map[string]string{"nhiscan-test/aggregate": "true"}},
		Rules: []rbacv1.PolicyRule{{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"configmaps"}}}}, metav1.CreateOptions{})
	must("cluster role", err)
	_, err = rbac.ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "nhiscan-test-aggregated"},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"nhiscan-test/aggregate": "true"}}}}}, metav1.CreateOptions{})
	must("aggregated cluster role", err)
	_, err = rbac.RoleBindings("team-a").Create(ctx, &rbacv1.RoleBinding{ObjectMeta: om("team-a", "deployer"),
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "deployer"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "builder", Namespace: "team-a"}}}, metav1.CreateOptions{})
	must("role binding", err)
	_, err = rbac.RoleBindings("team-b").Create(ctx, &rbacv1.RoleBinding{ObjectMeta: om("team-b", "aggregated"),
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "nhiscan-test-aggregated"},
		Subjects: []rbacv1.Subject{{Kind: "Group", Name: "system:serviceaccounts:team-b", APIGroup: rbacv1.GroupName}}}, metav1.CreateOptions{})
	must("role binding to a cluster role", err)
	_, err = rbac.ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "runner-admin"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "runner", Namespace: "team-a"}}}, metav1.CreateOptions{})
	must("cluster role binding", err)
	_, err = rbac.ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "anonymous-view"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{{Kind: "Group", Name: "system:unauthenticated", APIGroup: rbacv1.GroupName}}}, metav1.CreateOptions{})
	must("anonymous binding", err)

	labels := map[string]string{"app": "x"}
	spec := func(sa string, restart corev1.RestartPolicy) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
			ServiceAccountName: sa, RestartPolicy: restart,
			Containers: []corev1.Container{{Name: "c", Image: "registry.example/app:1"}}}}
	}
	sel := &metav1.LabelSelector{MatchLabels: labels}
	_, err = cs.CoreV1().Pods("team-a").Create(ctx, &corev1.Pod{ObjectMeta: om("team-a", "web"), Spec: spec("builder", "").Spec}, metav1.CreateOptions{})
	must("pod", err)
	apps, batch := cs.AppsV1(), cs.BatchV1()
	_, err = apps.Deployments("team-a").Create(ctx, &appsv1.Deployment{ObjectMeta: om("team-a", "api"), Spec: appsv1.DeploymentSpec{Selector: sel, Template: spec("runner", "")}}, metav1.CreateOptions{})
	must("deployment", err)
	_, err = apps.StatefulSets("team-b").Create(ctx, &appsv1.StatefulSet{ObjectMeta: om("team-b", "db"), Spec: appsv1.StatefulSetSpec{Selector: sel, Template: spec("reporter", "")}}, metav1.CreateOptions{})
	must("statefulset", err)
	_, err = apps.DaemonSets("team-b").Create(ctx, &appsv1.DaemonSet{ObjectMeta: om("team-b", "agent"), Spec: appsv1.DaemonSetSpec{Selector: sel, Template: spec("reporter", "")}}, metav1.CreateOptions{})
	must("daemonset", err)
	_, err = apps.ReplicaSets("team-b").Create(ctx, &appsv1.ReplicaSet{ObjectMeta: om("team-b", "rs"), Spec: appsv1.ReplicaSetSpec{Selector: sel, Template: spec("reporter", "")}}, metav1.CreateOptions{})
	must("replicaset", err)
	_, err = batch.Jobs("team-b").Create(ctx, &batchv1.Job{ObjectMeta: om("team-b", "report"), Spec: batchv1.JobSpec{Template: spec("reporter", corev1.RestartPolicyNever)}}, metav1.CreateOptions{})
	must("job", err)
	_, err = batch.CronJobs("team-b").Create(ctx, &batchv1.CronJob{ObjectMeta: om("team-b", "nightly"), Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *",
		JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: spec("reporter", corev1.RestartPolicyNever)}}}}, metav1.CreateOptions{})
	must("cronjob", err)
}

// exportList is what `kubectl get serviceaccounts,secrets,... -A -o json`
// prints for the cluster, built with the typed client (items with their
// apiVersion and kind, as kubectl prints them), Secret data removed as
// scripts/export-k8s.sh does.
func exportList(t *testing.T, cs kubernetes.Interface) []byte {
	t.Helper()
	ctx := context.Background()
	var items []any
	add := func(apiVersion, kind string, err error, objs ...any) {
		t.Helper()
		if err != nil {
			t.Fatalf("export %s: %v", kind, err)
		}
		for _, o := range objs {
			raw, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			m["apiVersion"], m["kind"] = apiVersion, kind
			delete(m, "data")
			delete(m, "stringData")
			items = append(items, m)
		}
	}
	all := metav1.ListOptions{}
	ptrs := func(n int, at func(int) any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = at(i)
		}
		return out
	}
	sas, err := cs.CoreV1().ServiceAccounts("").List(ctx, all)
	add("v1", "ServiceAccount", err, ptrs(len(sas.Items), func(i int) any { return &sas.Items[i] })...)
	secrets, err := cs.CoreV1().Secrets("").List(ctx, all)
	add("v1", "Secret", err, ptrs(len(secrets.Items), func(i int) any { return &secrets.Items[i] })...)
	roles, err := cs.RbacV1().Roles("").List(ctx, all)
	add("rbac.authorization.k8s.io/v1", "Role", err, ptrs(len(roles.Items), func(i int) any { return &roles.Items[i] })...)
	croles, err := cs.RbacV1().ClusterRoles().List(ctx, all)
	add("rbac.authorization.k8s.io/v1", "ClusterRole", err, ptrs(len(croles.Items), func(i int) any { return &croles.Items[i] })...)
	rbs, err := cs.RbacV1().RoleBindings("").List(ctx, all)
	add("rbac.authorization.k8s.io/v1", "RoleBinding", err, ptrs(len(rbs.Items), func(i int) any { return &rbs.Items[i] })...)
	crbs, err := cs.RbacV1().ClusterRoleBindings().List(ctx, all)
	add("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", err, ptrs(len(crbs.Items), func(i int) any { return &crbs.Items[i] })...)
	pods, err := cs.CoreV1().Pods("").List(ctx, all)
	add("v1", "Pod", err, ptrs(len(pods.Items), func(i int) any { return &pods.Items[i] })...)
	deps, err := cs.AppsV1().Deployments("").List(ctx, all)
	add("apps/v1", "Deployment", err, ptrs(len(deps.Items), func(i int) any { return &deps.Items[i] })...)
	sts, err := cs.AppsV1().StatefulSets("").List(ctx, all)
	add("apps/v1", "StatefulSet", err, ptrs(len(sts.Items), func(i int) any { return &sts.Items[i] })...)
	dss, err := cs.AppsV1().DaemonSets("").List(ctx, all)
	add("apps/v1", "DaemonSet", err, ptrs(len(dss.Items), func(i int) any { return &dss.Items[i] })...)
	rss, err := cs.AppsV1().ReplicaSets("").List(ctx, all)
	add("apps/v1", "ReplicaSet", err, ptrs(len(rss.Items), func(i int) any { return &rss.Items[i] })...)
	jobs, err := cs.BatchV1().Jobs("").List(ctx, all)
	add("batch/v1", "Job", err, ptrs(len(jobs.Items), func(i int) any { return &jobs.Items[i] })...)
	cjs, err := cs.BatchV1().CronJobs("").List(ctx, all)
	add("batch/v1", "CronJob", err, ptrs(len(cjs.Items), func(i int) any { return &cjs.Items[i] })...)
	nss, err := cs.CoreV1().Namespaces().List(ctx, all)
	add("v1", "Namespace", err, ptrs(len(nss.Items), func(i int) any { return &nss.Items[i] })...)
	out, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}, "items": items}, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// recorder counts a scan's requests and keeps every response body.
type recorder struct {
	next     http.RoundTripper
	mu       sync.Mutex
	requests []*http.Request
	bodies   [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req)
	r.bodies = append(r.bodies, body)
	return resp, nil
}

func (r *recorder) wrap(cfg *rest.Config) {
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		r.next = rt
		return r
	})
}

// TestLiveEqualsOffline seeds a real kube-apiserver, scans it live through
// client-go with a page size of 2, and compares with the offline reading
// of the same objects exported as kubectl prints them: the cluster read
// (every object kept), the inventory and the issuer are equal; lists were
// paged; no token data crossed the wire or reached the inventory.
func TestLiveEqualsOffline(t *testing.T) {
	env := k8stest.Start(t)
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, cs)

	// Offline: the kubectl List and the discovery document, in the
	// directory named for the cluster.
	dir := filepath.Join(t.TempDir(), "k8stest")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	list := exportList(t, cs)
	if !containsCanary(mustRaw(t, cs, "/api/v1/namespaces/team-a/secrets/builder-token")) {
		t.Fatal("control: the typed client's Secret carries no token, so the canary checks prove nothing")
	}
	doc := mustRaw(t, cs, discoveryPath)
	off := NewOffline()
	for name, data := range map[string][]byte{"k8s.json": list, "openid-configuration.json": doc} {
		path := filepath.Join(dir, name)
		if ok, err := off.Add(path, data); !ok || err != nil {
			t.Fatalf("offline %s: ok=%v err=%v", name, ok, err)
		}
	}
	offInv, err := off.Inventory()
	if err != nil {
		t.Fatal(err)
	}

	kubeconfig, err := env.WriteKubeconfig("live.kubeconfig", k8stest.Context{Name: "ctx", Cluster: "k8stest"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	l := NewLive(LiveOptions{Kubeconfig: kubeconfig, PageSize: 2})
	l.wrap = rec.wrap
	ts, err := l.targets()
	if err != nil || len(ts) != 1 || ts[0].cluster != "k8stest" || ts[0].context != "ctx" {
		t.Fatalf("targets = %+v, %v", ts, err)
	}
	liveOff, r, err := l.readCluster(context.Background(), &ts[0])
	if err != nil || len(r.warnings) > 0 || len(r.notAssessed) > 0 || r.principal != "admin" {
		t.Fatalf("live read: %+v, err %v", r, err)
	}
	// Every object the offline reader kept, the live scan kept, in the
	// same order.
	exportAll := cmp.Exporter(func(reflect.Type) bool { return true })
	// tracked is a cache the offline side filled when it built its
	// inventory above; the objects are what must agree.
	noCache := cmpopts.IgnoreFields(cluster{}, "tracked")
	if d := cmp.Diff(off.clusters["k8stest"], liveOff.clusters["k8stest"], exportAll, noCache); d != "" {
		t.Errorf("live cluster differs from the offline one (-offline +live):\n%s", d)
	}
	if got := liveOff.clusters["k8stest"].issuer; got != "https://kubernetes.default.svc" {
		t.Errorf("live issuer = %q", got)
	}

	inv, err := l.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(offInv.Identities, inv.Identities); d != "" {
		t.Errorf("live inventory differs from the offline one (-offline +live):\n%s", d)
	}
	if len(inv.Sources) != 1 {
		t.Fatalf("sources = %+v", inv.Sources)
	}
	src := inv.Sources[0]
	if src.Scope != "k8stest" || src.Mode != "live" || src.Status != inventory.StatusOK || len(src.Warnings) > 0 || src.Principal != "admin" {
		t.Errorf("live source = %+v", src)
	}

	// The seeded objects are there (the comparison above is not between
	// two empty inventories).
	byID := map[string]inventory.Identity{}
	for _, id := range inv.Identities {
		byID[id.ID] = id
	}
	binding := func(id inventory.Identity, name string) (inventory.Binding, bool) {
		for _, b := range id.Bindings {
			if b.Name == name {
				return b, true
			}
		}
		return inventory.Binding{}, false
	}
	builder := byID["system:serviceaccount:team-a:builder"]
	if b, ok := binding(builder, "RoleBinding/team-a/deployer"); len(builder.Credentials) != 1 || builder.Credentials[0].ID != "team-a/builder-token" ||
		!builder.Credentials[0].LastUsedKnown || !ok || len(b.RBACRules) != 2 || builder.Tags["eks.amazonaws.com/role-arn"] == "" {
		t.Errorf("builder = %+v", builder)
	}
	reporter := byID["system:serviceaccount:team-b:reporter"]
	if b, ok := binding(reporter, "RoleBinding/team-b/aggregated"); len(reporter.Credentials) != 1 || reporter.Credentials[0].Status != inventory.CredentialInactive ||
		!ok || len(b.RBACRules) != 1 || b.RBACRules[0].Resources[0] != "configmaps" {
		t.Errorf("reporter (aggregated role through its namespace's group) = %+v", reporter)
	}
	if _, ok := byID["cluster:k8stest"]; !ok || byID["system:serviceaccount:kube-system:controller"].Excluded == "" {
		t.Errorf("want the cluster identity and an excluded kube-system account: %v", slices.Collect(func(yield func(string) bool) {
			for id := range byID {
				yield(id)
			}
		}))
	}

	// Paging: every list asked for 2 objects at a time, and lists with
	// more than 2 objects went on with continue tokens.
	continued := map[string]bool{}
	lists := 0
	for _, req := range rec.requests {
		q := req.URL.Query()
		if req.Method != http.MethodGet || strings.HasPrefix(req.URL.Path, "/.well-known") || req.URL.Path == "/api" || req.URL.Path == "/apis" {
			continue // the issuer document and API discovery (is kagent served?) are no lists
		}
		lists++
		if q.Get("limit") != "2" {
			t.Errorf("list %s without limit=2", req.URL)
		}
		if q.Get("continue") != "" {
			continued[lastSegment(req.URL.Path)] = true
		}
	}
	for _, r := range []string{"serviceaccounts", "secrets", "clusterroles", "clusterrolebindings", "namespaces"} {
		if !continued[r] {
			t.Errorf("%s: no request with a continue token (continued: %v)", r, continued)
		}
	}
	if lists < 2*len(kinds(cs, metadata.NewForConfigOrDie(env.Config))) {
		t.Errorf("%d list requests for %d kinds: paging did not happen", lists, len(kinds(cs, metadata.NewForConfigOrDie(env.Config))))
	}

	// No token data: not on the wire, not in the inventory.
	for i, body := range rec.bodies {
		if containsCanary(body) {
			t.Errorf("response to %s carries the token", rec.requests[i].URL)
		}
	}
	out, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	if containsCanary(out) {
		t.Error("the live inventory carries the token")
	}
}

func mustRaw(t *testing.T, cs kubernetes.Interface, path string) []byte {
	t.Helper()
	b, err := cs.Discovery().RESTClient().Get().AbsPath(path).DoRaw(context.Background())
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return b
}

func lastSegment(p string) string { return p[strings.LastIndex(p, "/")+1:] }

// readmeRole is the ClusterRole the README documents for the live scan.
func readmeRole(t *testing.T) rbacv1.ClusterRole {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(data, -1)
	for _, b := range blocks {
		var r rbacv1.ClusterRole
		if yaml.Unmarshal(b[1], &r) == nil && r.Kind == "ClusterRole" && r.Name == "nhiscan-reader" {
			return r
		}
	}
	t.Fatal("README has no ClusterRole nhiscan-reader in a yaml block")
	return rbacv1.ClusterRole{}
}

// TestLiveReadmeRole: the README's ClusterRole is exactly what the live
// scan needs. Bound to a user, it scans with no warning and the same
// inventory as the administrator; without any one of its resources (or
// URLs), the scan warns naming what it lost, or fails the cluster for
// service accounts; without secrets, token Secrets are not assessed and
// the scan still completes.
func TestLiveReadmeRole(t *testing.T) {
	env := k8stest.Start(t)
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, cs)
	dyn, err := dynamic.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	createKagentCRD(t, dyn, cs) // the role's kagent line has something to list
	role := readmeRole(t)

	// One user per variant: the whole role, and the role less one
	// resource or the non-resource URLs.
	type variant struct {
		user, lost string
		rules      []rbacv1.PolicyRule
	}
	variants := []variant{{user: "nhiscan", rules: role.Rules}}
	for i, r := range role.Rules {
		items := r.Resources
		if len(r.NonResourceURLs) > 0 {
			items = []string{"nonResourceURLs"}
		}
		for _, item := range items {
			rules := slices.Clone(role.Rules)
			less := r
			if item == "nonResourceURLs" {
				rules = slices.Delete(rules, i, i+1)
			} else {
				less.Resources = slices.DeleteFunc(slices.Clone(r.Resources), func(s string) bool { return s == item })
				rules[i] = less
				if len(less.Resources) == 0 {
					rules = slices.Delete(rules, i, i+1)
				}
			}
			variants = append(variants, variant{user: "without-" + strings.ToLower(item), lost: item, rules: rules})
		}
	}
	for _, v := range variants {
		if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: v.user}, Rules: v.rules}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: v.user},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: v.user},
			Subjects: []rbacv1.Subject{{Kind: "User", Name: v.user, APIGroup: rbacv1.GroupName}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The authorizer learns of new bindings through a watch: wait until
	// every user may list namespaces (all variants keep namespaces but
	// one, which keeps service accounts).
	for _, v := range variants {
		resource := "namespaces"
		if v.lost == "namespaces" {
			resource = "serviceaccounts"
		}
		waitAllowed(t, cs, v.user, resource)
	}
	var contexts []k8stest.Context
	for _, v := range variants {
		contexts = append(contexts, k8stest.Context{Name: v.user, Cluster: "c-" + v.user, As: v.user})
	}
	contexts = append(contexts, k8stest.Context{Name: "admin", Cluster: "c-admin"})
	kubeconfig, err := env.WriteKubeconfig("roles.kubeconfig", contexts...)
	if err != nil {
		t.Fatal(err)
	}
	scan := func(context string) inventory.Inventory {
		t.Helper()
		inv, err := NewLive(LiveOptions{Kubeconfig: kubeconfig, Contexts: []string{context}, ClusterName: "c"}).Scan(ctx)
		if err != nil || len(inv.Sources) != 1 {
			t.Fatalf("scan %s: %+v, %v", context, inv.Sources, err)
		}
		return inv
	}
	admin := scan("admin")
	for _, v := range variants {
		inv := scan(v.user)
		src := inv.Sources[0]
		switch v.lost {
		case "":
			if src.Status != inventory.StatusOK || len(src.Warnings) > 0 || len(src.NotAssessed) > 0 || src.Principal != "nhiscan" {
				t.Errorf("README role: source %+v", src)
			}
			if d := cmp.Diff(admin.Identities, inv.Identities); d != "" {
				t.Errorf("README role: inventory differs from the administrator's (-admin +role):\n%s", d)
			}
		case "serviceaccounts":
			if src.Status != inventory.StatusFailed || !strings.Contains(src.Error, "listing serviceaccounts: ") || !strings.Contains(src.Error, "forbidden") {
				t.Errorf("without serviceaccounts: source %+v", src)
			}
		case "nonResourceURLs":
			if src.Status != inventory.StatusOK || len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], "service account issuer not read (/.well-known/openid-configuration)") {
				t.Errorf("without the discovery URL: source %+v", src)
			}
		default:
			if src.Status != inventory.StatusOK || len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], "not allowed to list "+v.lost) || len(inv.Identities) == 0 {
				t.Errorf("without %s: source %+v, %d identities", v.lost, src, len(inv.Identities))
			}
		}
		if v.lost == "secrets" {
			if !slices.Equal(src.NotAssessed, []string{NotAssessedTokens}) {
				t.Errorf("without secrets: not assessed %q", src.NotAssessed)
			}
			for _, id := range inv.Identities {
				if len(id.Credentials) > 0 {
					t.Errorf("without secrets: %s has credentials", id.ID)
				}
			}
		}
	}
}

// waitAllowed waits until user may list resource cluster-wide.
func waitAllowed(t *testing.T, cs kubernetes.Interface, user, resource string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := cs.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
			User: user, ResourceAttributes: &authzv1.ResourceAttributes{Verb: "list", Resource: resource},
		}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status.Allowed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s may still not list %s", user, resource)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestLiveContexts: one scope per context; a context whose server is down
// or that the kubeconfig lacks fails alone and the others complete; two
// contexts of one cluster scan it once; --cluster-name renames the one
// cluster; the current context is the default.
func TestLiveContexts(t *testing.T) {
	env := k8stest.Start(t)
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, cs)
	kubeconfig, err := env.WriteKubeconfig("contexts.kubeconfig",
		k8stest.Context{Name: "good", Cluster: "prod"},
		k8stest.Context{Name: "dead", Cluster: "gone", Server: "https://127.0.0.1:1"},
		k8stest.Context{Name: "good-again", Cluster: "prod"},
		k8stest.Context{Name: "other", Cluster: "staging"},
	)
	if err != nil {
		t.Fatal(err)
	}
	scan := func(o LiveOptions) inventory.Inventory {
		t.Helper()
		o.Kubeconfig = kubeconfig
		inv, err := NewLive(o).Scan(context.Background())
		if err != nil {
			t.Fatalf("scan %+v: %v", o, err)
		}
		return inv
	}
	status := func(inv inventory.Inventory) map[string]string {
		m := map[string]string{}
		for _, s := range inv.Sources {
			m[s.Scope] = s.Status
		}
		return m
	}
	accounts := func(inv inventory.Inventory) map[string]int {
		m := map[string]int{}
		for _, id := range inv.Identities {
			m[id.Account]++
		}
		return m
	}

	inv := scan(LiveOptions{Contexts: []string{"good", "dead", "missing", "other"}})
	if d := cmp.Diff(map[string]string{"prod": "ok", "gone": "failed", "missing": "failed", "staging": "ok"}, status(inv)); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	for _, s := range inv.Sources {
		switch s.Scope {
		case "gone":
			if !strings.Contains(s.Error, "listing serviceaccounts: ") || !strings.Contains(s.Error, "connection refused") || strings.Contains(s.Error, "\n") {
				t.Errorf("dead context: error %q", s.Error)
			}
		case "missing":
			if s.Error != `context "missing" is not in the kubeconfig` {
				t.Errorf("missing context: error %q", s.Error)
			}
		}
	}
	if a := accounts(inv); a["prod"] == 0 || a["prod"] != a["staging"] || a["gone"] != 0 {
		t.Errorf("identities per cluster: %v", a)
	}

	inv = scan(LiveOptions{AllContexts: true, Concurrency: 2})
	if d := cmp.Diff(map[string]string{"prod": "ok", "gone": "failed", "staging": "ok"}, status(inv)); d != "" {
		t.Errorf("--all-contexts statuses (-want +got):\n%s", d)
	}
	for _, s := range inv.Sources {
		if s.Scope == "prod" && !slices.Contains(s.Warnings, "context good-again names the same cluster prod: scanned once, through context good") {
			t.Errorf("prod warnings: %q", s.Warnings)
		}
	}

	inv = scan(LiveOptions{ClusterName: "renamed"})
	if d := cmp.Diff(map[string]string{"renamed": "ok"}, status(inv)); d != "" {
		t.Errorf("current context with --cluster-name (-want +got):\n%s", d)
	}
}

// TestLiveConfigErrors: what is not scannable at all is an error of one
// line naming the cause; without a kubeconfig, in a pod, the pod's own
// configuration is used.
func TestLiveConfigErrors(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "absent"))
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		o    LiveOptions
		want string
	}{
		{LiveOptions{}, "no kubeconfig with a context found (looked at $KUBECONFIG, else ~/.kube/config) and not running in a pod: give --kubeconfig FILE"},
		{LiveOptions{Kubeconfig: "/nonexistent/kubeconfig"}, "--kubeconfig /nonexistent/kubeconfig: stat /nonexistent/kubeconfig: no such file or directory"},
		{LiveOptions{Kubeconfig: empty}, "--kubeconfig " + empty + " has no contexts"},
	} {
		_, err := NewLive(tc.o).Scan(context.Background())
		if err == nil || err.Error() != tc.want {
			t.Errorf("%+v: error %v, want %s", tc.o, err, tc.want)
		}
	}

	// In a pod: KUBERNETES_SERVICE_HOST set and no kubeconfig.
	t.Setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
	t.Setenv("KUBERNETES_SERVICE_PORT", "443")
	_, err := NewLive(LiveOptions{}).Scan(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "in-cluster configuration (KUBERNETES_SERVICE_HOST is set and there is no kubeconfig): open /var/run/secrets/kubernetes.io/serviceaccount/token") {
		t.Errorf("in a pod without a token file: %v", err)
	}
	l := NewLive(LiveOptions{})
	called := false
	l.inCluster = func() (*rest.Config, error) { called = true; return &rest.Config{Host: "https://127.0.0.1:1"}, nil }
	inv, err := l.Scan(context.Background())
	if err != nil || !called || len(inv.Sources) != 1 || inv.Sources[0].Scope != "in-cluster" || inv.Sources[0].Status != inventory.StatusFailed {
		t.Errorf("in a pod: called %v, %+v, %v", called, inv.Sources, err)
	}
	// An explicit kubeconfig or context is never replaced by the pod's.
	if _, err := NewLive(LiveOptions{Contexts: []string{"x"}}).Scan(context.Background()); err == nil || strings.Contains(err.Error(), "in-cluster") {
		t.Errorf("--context in a pod without kubeconfig: %v", err)
	}
}

// TestLiveTimeout: a server that accepts connections and never answers
// fails its cluster after Timeout, with the step, and the scan returns.
func TestLiveTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\ncurrent-context: silent\nclusters:\n- name: silent\n  cluster:\n    server: https://" + ln.Addr().String() + "\n    insecure-skip-tls-verify: true\ncontexts:\n- name: silent\n  context:\n    cluster: silent\n    user: u\nusers:\n- name: u\n  user:\n    token: not-a-secret\n"
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	inv, err := NewLive(LiveOptions{Kubeconfig: kubeconfig, Timeout: 500 * time.Millisecond}).Scan(context.Background())
	if err != nil || len(inv.Sources) != 1 {
		t.Fatalf("%+v, %v", inv.Sources, err)
	}
	want := "timed out after 500ms (--timeout) during listing; the cluster was not assessed"
	if s := inv.Sources[0]; s.Scope != "silent" || s.Status != inventory.StatusFailed || s.Error != want {
		t.Errorf("source = %+v, want error %q", s, want)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("the scan took %s", d)
	}
}

// TestLiveLoadingRules: without --kubeconfig, the files of KUBECONFIG are
// merged (the first names the current context); --kubeconfig reads its
// file alone. (~/.kube/config is client-go's default, fixed when the
// process starts, so it is not tested here.)
func TestLiveLoadingRules(t *testing.T) {
	kc := func(current, name, server string) string {
		return "apiVersion: v1\nkind: Config\ncurrent-context: " + current + "\nclusters:\n- name: " + name + "-cluster\n  cluster:\n    server: " + server +
			"\ncontexts:\n- name: " + name + "\n  context:\n    cluster: " + name + "-cluster\n    user: u\nusers:\n- name: u\n  user:\n    token: x\n"
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for path, data := range map[string]string{a: kc("one", "one", "https://127.0.0.1:1"), b: kc("two", "two", "https://127.0.0.1:2")} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBECONFIG", a+string(os.PathListSeparator)+b)
	names := func(o LiveOptions) string {
		t.Helper()
		ts, err := NewLive(o).targets()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tg := range ts {
			out = append(out, tg.context+"="+tg.cluster+"@"+tg.config.Host)
		}
		return strings.Join(out, ",")
	}
	if got := names(LiveOptions{}); got != "one=one-cluster@https://127.0.0.1:1" {
		t.Errorf("current context of KUBECONFIG = %s", got)
	}
	if got := names(LiveOptions{AllContexts: true}); got != "one=one-cluster@https://127.0.0.1:1,two=two-cluster@https://127.0.0.1:2" {
		t.Errorf("all contexts of KUBECONFIG = %s", got)
	}
	if got := names(LiveOptions{Kubeconfig: b}); got != "two=two-cluster@https://127.0.0.1:2" {
		t.Errorf("--kubeconfig = %s", got)
	}
}

// expiring answers the first continued list of one resource with the
// 410 Expired Status kube-apiserver sends for a continue token older than
// etcd's compaction, and passes everything else to the real server.
type expiring struct {
	next     http.RoundTripper
	resource string
	mu       sync.Mutex
	expired  bool
	unpaged  int
}

func (e *expiring) RoundTrip(req *http.Request) (*http.Response, error) {
	if lastSegment(req.URL.Path) == e.resource {
		e.mu.Lock()
		q := req.URL.Query()
		inject := q.Get("continue") != "" && !e.expired
		e.expired = e.expired || inject
		if q.Get("limit") == "" {
			e.unpaged++
		}
		e.mu.Unlock()
		if inject {
			body := `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.","reason":"Expired","code":410}`
			return &http.Response{StatusCode: http.StatusGone, Status: "410 Gone", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
		}
	}
	return e.next.RoundTrip(req)
}

// TestLiveContinueExpired: a continue token that expires mid-list makes
// the scanner list that kind again in one request; every object is read
// once, and the inventory equals that of a scan without the fault.
func TestLiveContinueExpired(t *testing.T) {
	env := k8stest.Start(t)
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, cs)
	kubeconfig, err := env.WriteKubeconfig("expired.kubeconfig", k8stest.Context{Name: "ctx", Cluster: "k8stest"})
	if err != nil {
		t.Fatal(err)
	}
	read := func(wrap func(*rest.Config)) (*cluster, inventory.Inventory) {
		t.Helper()
		l := NewLive(LiveOptions{Kubeconfig: kubeconfig, PageSize: 3})
		l.wrap = wrap
		ts, err := l.targets()
		if err != nil {
			t.Fatal(err)
		}
		off, r, err := l.readCluster(context.Background(), &ts[0])
		if err != nil || len(r.warnings) > 0 {
			t.Fatalf("read: %+v, %v", r, err)
		}
		inv, err := l.Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return off.clusters["k8stest"], inv
	}
	plainCluster, plain := read(nil)
	var faults []*expiring
	faultyCluster, faulty := read(func(cfg *rest.Config) {
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
			e := &expiring{next: rt, resource: "clusterrolebindings"}
			faults = append(faults, e)
			return e
		})
	})
	if len(faults) == 0 || !faults[0].expired || faults[0].unpaged != 1 {
		t.Fatalf("the fault was not injected as meant: %+v", faults)
	}
	if d := cmp.Diff(plainCluster, faultyCluster, cmp.Exporter(func(reflect.Type) bool { return true })); d != "" {
		t.Errorf("cluster read after an expired token differs (-plain +expired):\n%s", d)
	}
	if d := cmp.Diff(plain.Identities, faulty.Identities); d != "" {
		t.Errorf("inventory after an expired token differs (-plain +expired):\n%s", d)
	}
	if len(plainCluster.bindings) < 10 {
		t.Errorf("%d bindings: too few for paging to matter", len(plainCluster.bindings))
	}
}
