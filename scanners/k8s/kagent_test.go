package k8s

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/nhiscan/nhiscan/scanners/inventory"
	"github.com/nhiscan/nhiscan/scanners/k8s/k8stest"
)

// kagentCRD is the agents.kagent.dev CustomResourceDefinition as kagent's
// chart installs it (group, names, scope, versions v1alpha1 and v1alpha2
// with v1alpha2 stored), with the schema reduced to "any object".
const kagentCRD = `{
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "agents.kagent.dev"},
  "spec": {
    "group": "kagent.dev", "scope": "Namespaced",
    "names": {"kind": "Agent", "listKind": "AgentList", "plural": "agents", "singular": "agent", "categories": ["kagent"]},
    "versions": [
      {"name": "v1alpha1", "served": true, "storage": false,
       "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
      {"name": "v1alpha2", "served": true, "storage": true,
       "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}
    ]
  }
}`

var (
	crdResource    = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	kagentResource = schema.GroupVersionResource{Group: "kagent.dev", Version: "v1alpha2", Resource: "agents"}
)

// createKagentCRD creates the CRD through the API and waits until the API
// server serves the group.
func createKagentCRD(t *testing.T, dyn dynamic.Interface, cs kubernetes.Interface) {
	t.Helper()
	var crd unstructured.Unstructured
	if err := json.Unmarshal([]byte(kagentCRD), &crd.Object); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(crdResource).Create(context.Background(), &crd, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the kagent CRD: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := dyn.Resource(kagentResource).Namespace("default").List(context.Background(), metav1.ListOptions{}); err == nil {
			if rs, err := cs.Discovery().ServerResourcesForGroupVersion("kagent.dev/v1alpha2"); err == nil && len(rs.APIResources) > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the kagent CRD is not served after 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kagentAgents are the Agents the tests create: a declarative agent that
// names its service account, a BYO agent that names none (the
// controller's own account, named after the agent), and a v1alpha1 agent
// (no service account field).
var kagentAgents = []string{
	`{"apiVersion": "kagent.dev/v1alpha2", "kind": "Agent", "metadata": {"name": "k8s-agent", "namespace": "kagent", "labels": {"owner": "platform-team"}},
	  "spec": {"type": "Declarative", "description": "Kubernetes expert", "declarative": {"systemMessage": "You are KubeAssist.", "modelConfig": "default-model-config",
	   "deployment": {"serviceAccountName": "agents-shared"}}}}`,
	`{"apiVersion": "kagent.dev/v1alpha2", "kind": "Agent", "metadata": {"name": "helm-agent", "namespace": "kagent"},
	  "spec": {"type": "BYO", "byo": {"deployment": {"image": "registry.example/helm-agent:1", "replicas": 1}}}}`,
	`{"apiVersion": "kagent.dev/v1alpha1", "kind": "Agent", "metadata": {"name": "legacy", "namespace": "ops"},
	  "spec": {"description": "old", "systemMessage": "hi", "modelConfig": "m", "deployment": {"replicas": 1}}}`,
}

func wantKagentIdentities() map[string]string {
	return map[string]string{
		"agents.kagent.dev/kagent/k8s-agent":  "system:serviceaccount:kagent:agents-shared",
		"agents.kagent.dev/kagent/helm-agent": "system:serviceaccount:kagent:helm-agent",
		"agents.kagent.dev/ops/legacy":        "system:serviceaccount:ops:legacy",
	}
}

func agentIdentities(ags []inventory.Agent) map[string]string {
	out := map[string]string{}
	for _, ag := range ags {
		if ag.Platform != inventory.PlatformKagent || ag.IdentityType != inventory.ActsAsK8sServiceAccount || ag.Provider != inventory.K8s {
			continue
		}
		out[ag.ID] = ag.IdentityID
	}
	return out
}

// TestKagentOffline: kagent Agents in a kubectl List (kubectl get
// agents.kagent.dev -A -o json) become agents acting as the service
// account their spec names, else the one of their Deployment, else the
// one named after them; an Agent kind of another API group is not one.
func TestKagentOffline(t *testing.T) {
	items := slices.Clone(kagentAgents)
	items = append(items, `{"apiVersion": "example.com/v1", "kind": "Agent", "metadata": {"name": "other", "namespace": "kagent"}, "spec": {}}`)
	list := `{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [` + strings.Join(items, ",") + `]}`
	off := NewOffline()
	if ok, err := off.Add("demo/agents.json", []byte(list)); !ok || err != nil {
		t.Fatalf("Add: %v, %v", ok, err)
	}
	inv, err := off.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	got := agentIdentities(inv.Agents)
	if want := wantKagentIdentities(); !mapsEqual(got, want) || len(inv.Agents) != 3 {
		t.Errorf("agents = %v (%d), want %v", got, len(inv.Agents), want)
	}
	for _, ag := range inv.Agents {
		if ag.Account != "demo" {
			t.Errorf("%s: account %q, want the cluster demo", ag.ID, ag.Account)
		}
		if ag.ID == "agents.kagent.dev/kagent/k8s-agent" && ag.Tags["owner"] != "platform-team" {
			t.Errorf("%s: labels not kept: %v", ag.ID, ag.Tags)
		}
	}

	// The Deployment the controller runs an Agent as (named after it and
	// owned by it) names the account when the spec does not: a
	// controller started with --default-service-account-name.
	dep := `{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "apps/v1", "kind": "Deployment",
	  "metadata": {"name": "helm-agent", "namespace": "kagent", "ownerReferences": [{"apiVersion": "kagent.dev/v1alpha2", "kind": "Agent", "name": "helm-agent", "uid": "0b5e", "controller": true}]},
	  "spec": {"template": {"spec": {"serviceAccountName": "kagent-agents", "containers": [{"name": "agent", "image": "x"}]}}}}]}`
	if _, err := off.Add("demo/k8s.json", []byte(dep)); err != nil {
		t.Fatal(err)
	}
	inv, _ = off.Inventory()
	if got := agentIdentities(inv.Agents)["agents.kagent.dev/kagent/helm-agent"]; got != "system:serviceaccount:kagent:kagent-agents" {
		t.Errorf("helm-agent with its Deployment acts as %q, want kagent-agents", got)
	}

	// A file holding only another project's Agent is not a Kubernetes
	// export nhiscan reads.
	if ok, err := NewOffline().Add("demo/other.json", []byte(`{"apiVersion": "example.com/v1", "kind": "Agent", "metadata": {"name": "x"}}`)); ok || err != nil {
		t.Errorf("another group's Agent recognised: %v, %v", ok, err)
	}

	// Negative: a cluster export without kagent has no agents.
	plain := NewOffline()
	if _, err := plain.Add("demo/k8s.json", []byte(`{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a", "namespace": "n"}}]}`)); err != nil {
		t.Fatal(err)
	}
	if inv, _ := plain.Inventory(); len(inv.Agents) != 0 {
		t.Errorf("agents without kagent: %+v", inv.Agents)
	}
}

// TestLiveKagent: against a real kube-apiserver, a cluster without the
// kagent CRD has no agents and no warning; with the CRD created through
// the API, its Agents (v1alpha1 and v1alpha2 objects, read at the served
// preferred version) are the same agents the offline reader finds in the
// kubectl List of them; a user who may not list agents.kagent.dev gets a
// warning and the rest of the scan.
func TestLiveKagent(t *testing.T) {
	env := k8stest.Start(t)
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"kagent", "ops"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A user who may list everything the scanner needs but kagent agents.
	role := readmeRole(t)
	role.Name = "no-kagent"
	role.Rules = slices.DeleteFunc(role.Rules, func(r rbacv1.PolicyRule) bool { return slices.Contains(r.APIGroups, "kagent.dev") })
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "no-kagent"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "no-kagent"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "no-kagent", APIGroup: rbacv1.GroupName}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitAllowed(t, cs, "no-kagent", "serviceaccounts")
	kubeconfig, err := env.WriteKubeconfig("kagent.kubeconfig", k8stest.Context{Name: "admin", Cluster: "c-admin"}, k8stest.Context{Name: "no-kagent", Cluster: "c-user", As: "no-kagent"})
	if err != nil {
		t.Fatal(err)
	}
	scan := func(context string) inventory.Inventory {
		t.Helper()
		inv, err := NewLive(LiveOptions{Kubeconfig: kubeconfig, Contexts: []string{context}, ClusterName: "c"}).Scan(ctx)
		if err != nil || len(inv.Sources) != 1 || inv.Sources[0].Status != inventory.StatusOK {
			t.Fatalf("scan %s: %+v, %v", context, inv.Sources, err)
		}
		return inv
	}

	// Without the CRD: nothing, and no warning.
	inv := scan("admin")
	if len(inv.Agents) != 0 || len(inv.Sources[0].Warnings) != 0 {
		t.Errorf("without kagent: agents %+v, warnings %q", inv.Agents, inv.Sources[0].Warnings)
	}

	createKagentCRD(t, dyn, cs)
	var listed []any
	for _, a := range kagentAgents {
		var u unstructured.Unstructured
		if err := json.Unmarshal([]byte(a), &u.Object); err != nil {
			t.Fatal(err)
		}
		gvr := kagentResource
		gvr.Version = strings.TrimPrefix(u.GetAPIVersion(), "kagent.dev/")
		created, err := dyn.Resource(gvr).Namespace(u.GetNamespace()).Create(ctx, &u, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("creating Agent %s: %v", u.GetName(), err)
		}
		listed = append(listed, created.Object)
	}

	inv = scan("admin")
	if got, want := agentIdentities(inv.Agents), wantKagentIdentities(); !mapsEqual(got, want) || len(inv.Sources[0].Warnings) != 0 {
		t.Errorf("live agents = %v, want %v; warnings %q", got, want, inv.Sources[0].Warnings)
	}
	// What kubectl get agents.kagent.dev -A -o json prints, read offline,
	// gives the same agents.
	ul, err := dyn.Resource(kagentResource).Namespace("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	export, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": ul.Items})
	off := NewOffline()
	off.ClusterName = "c"
	if _, err := off.Add("c/agents.json", export); err != nil {
		t.Fatal(err)
	}
	offInv, _ := off.Inventory()
	if len(offInv.Agents) != len(inv.Agents) || !mapsEqual(agentIdentities(offInv.Agents), agentIdentities(inv.Agents)) {
		t.Errorf("offline agents %+v differ from live %+v", offInv.Agents, inv.Agents)
	}
	if len(listed) != 3 {
		t.Fatalf("created %d agents", len(listed))
	}

	// Forbidden: a warning, the rest of the scan complete.
	inv = scan("no-kagent")
	src := inv.Sources[0]
	if len(inv.Agents) != 0 || len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], "not allowed to list agents.kagent.dev") || len(inv.Identities) == 0 {
		t.Errorf("without permission: agents %+v, warnings %q, %d identities", inv.Agents, src.Warnings, len(inv.Identities))
	}
}
