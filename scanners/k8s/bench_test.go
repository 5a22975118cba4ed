package k8s

import (
	"encoding/json"
	"fmt"
	"testing"
)

// benchCluster is a kubectl List of a cluster with n service accounts in
// namespaces of 50: each with a legacy token Secret, a RoleBinding to an
// aggregated ClusterRole and a pod running as it, and a few cluster-wide
// bindings to the groups every service account belongs to.
func benchCluster(tb testing.TB, n int) []byte {
	tb.Helper()
	const perNS = 50
	var items []any
	add := func(v string) {
		items = append(items, json.RawMessage(v))
	}
	for i := range 50 {
		add(fmt.Sprintf(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"agg-part-%d","labels":{"rbac.example.com/aggregate-to-view":"true"}},"rules":[{"apiGroups":["g%d.example.com"],"resources":["things"],"verbs":["get","list","watch"]}]}`, i, i))
	}
	add(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"view"},"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"rbac.example.com/aggregate-to-view":"true"}}]},"rules":null}`)
	add(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"discovery"},"rules":[{"nonResourceURLs":["/api","/apis"],"verbs":["get"]}]}`)
	add(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"all-sa-view"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"Group","name":"system:serviceaccounts","apiGroup":"rbac.authorization.k8s.io"}]}`)
	add(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"authn-discovery"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"discovery"},"subjects":[{"kind":"Group","name":"system:authenticated","apiGroup":"rbac.authorization.k8s.io"}]}`)
	for i := range 20 {
		add(fmt.Sprintf(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"ops-%d"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"discovery"},"subjects":[{"kind":"User","name":"ops-%d@example.com","apiGroup":"rbac.authorization.k8s.io"}]}`, i, i))
	}
	for s := range n {
		ns, sa := fmt.Sprintf("ns%d", s/perNS), fmt.Sprintf("sa%d", s%perNS)
		if s%perNS == 0 {
			add(fmt.Sprintf(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":%q,"labels":{"team":"t%d"}}}`, ns, s/perNS))
			add(fmt.Sprintf(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"ns-sa-view","namespace":%q},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"Group","name":"system:serviceaccounts:%s","apiGroup":"rbac.authorization.k8s.io"}]}`, ns, ns))
		}
		add(fmt.Sprintf(`{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":%q,"namespace":%q,"uid":"u-%d","creationTimestamp":"2025-01-01T00:00:00Z","labels":{"app.kubernetes.io/part-of":"app%d"}}}`, sa, ns, s, s))
		add(fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{"name":"%s-token","namespace":%q,"creationTimestamp":"2025-01-01T00:00:00Z","labels":{"kubernetes.io/legacy-token-last-used":"2025-06-01"},"annotations":{"kubernetes.io/service-account.name":%q}}}`, sa, ns, sa))
		add(fmt.Sprintf(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"%s-view","namespace":%q},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"ServiceAccount","name":%q,"namespace":%q}]}`, sa, ns, sa, ns))
		add(fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s-pod","namespace":%q},"spec":{"serviceAccountName":%q}}`, sa, ns, sa))
	}
	data, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// BenchmarkK8sLoad reads a kubectl export and builds its inventory: the
// cost must grow linearly with the number of service accounts.
func BenchmarkK8sLoad(b *testing.B) {
	for _, n := range []int{2000, 5000, 10000, 20000} {
		data := benchCluster(b, n)
		b.Run(fmt.Sprintf("sa=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				o := NewOffline()
				if ok, err := o.Add("bench/k8s.json", data); !ok || err != nil {
					b.Fatal(ok, err)
				}
				inv, err := o.Inventory()
				if err != nil {
					b.Fatal(err)
				}
				if len(inv.Identities) < n {
					b.Fatalf("%d identities, want %d", len(inv.Identities), n)
				}
			}
		})
	}
}
