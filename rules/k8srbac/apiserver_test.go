package k8srbac

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/k8s/k8stest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// workloadObject is a minimal object of the resource running as account
// "first", and the path of its serviceAccountName.
func workloadObject(t *testing.T, group, resource string) (map[string]any, []string) {
	t.Helper()
	podSpec := map[string]any{"serviceAccountName": "first", "restartPolicy": "Always",
		"containers": []any{map[string]any{"name": "c", "image": "registry.k8s.io/pause:3.10"}}}
	labels := map[string]any{"app": resource}
	template := map[string]any{"metadata": map[string]any{"labels": labels}, "spec": podSpec}
	selector := map[string]any{"matchLabels": labels}
	tmplPath := []string{"spec", "template", "spec", "serviceAccountName"}
	switch group + "/" + resource {
	case "/pods":
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "w"}, "spec": podSpec}, []string{"spec", "serviceAccountName"}
	case "apps/deployments", "apps/daemonsets", "apps/replicasets":
		kind := map[string]string{"deployments": "Deployment", "daemonsets": "DaemonSet", "replicasets": "ReplicaSet"}[resource]
		return map[string]any{"apiVersion": "apps/v1", "kind": kind, "metadata": map[string]any{"name": "w"}, "spec": map[string]any{"selector": selector, "template": template}}, tmplPath
	case "apps/statefulsets":
		return map[string]any{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": map[string]any{"name": "w"}, "spec": map[string]any{"selector": selector, "serviceName": "w", "template": template}}, tmplPath
	case "/replicationcontrollers":
		return map[string]any{"apiVersion": "v1", "kind": "ReplicationController", "metadata": map[string]any{"name": "w"}, "spec": map[string]any{"selector": labels, "template": template}}, tmplPath
	case "batch/jobs":
		podSpec["restartPolicy"] = "Never"
		return map[string]any{"apiVersion": "batch/v1", "kind": "Job", "metadata": map[string]any{"name": "w"}, "spec": map[string]any{"template": map[string]any{"spec": podSpec}}}, tmplPath
	case "batch/cronjobs":
		podSpec["restartPolicy"] = "Never"
		return map[string]any{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": map[string]any{"name": "w"}, "spec": map[string]any{"schedule": "0 0 * * *",
			"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": podSpec}}}}}, []string{"spec", "jobTemplate", "spec", "template", "spec", "serviceAccountName"}
	}
	t.Fatalf("no test object for %s/%s", group, resource)
	return nil, nil
}

// mergePatch sets the value at path.
func mergePatch(path []string, value string) []byte {
	var v any = value
	for i := len(path) - 1; i >= 0; i-- {
		v = map[string]any{path[i]: v}
	}
	b, _ := json.Marshal(v)
	return b
}

// TestTemplateControllersAgainstAPIServer checks the premise of the
// graph's k8s-patch-workload edge on a real kube-apiserver: a patch may
// change the service account of every TemplateControllers resource's pod
// template, and may not change a pod's nor a Job's (which are therefore
// not in the list).
func TestTemplateControllersAgainstAPIServer(t *testing.T) {
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
	type res struct{ group, resource string }
	cases := map[res]bool{{"", "pods"}: false, {"batch", "jobs"}: false}
	for _, w := range TemplateControllers {
		cases[res{w.Group, w.Resource}] = true
	}
	i := 0
	for r, mutable := range cases {
		i++
		ns := fmt.Sprintf("t%d", i)
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, sa := range []string{"first", "second"} {
			if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		obj, path := workloadObject(t, r.group, r.resource)
		gvr := schema.GroupVersionResource{Group: r.group, Version: "v1", Resource: r.resource}
		client := dyn.Resource(gvr).Namespace(ns)
		if _, err := client.Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", r.resource, err)
		}
		got, err := client.Patch(ctx, "w", types.MergePatchType, mergePatch(path, "second"), metav1.PatchOptions{})
		if mutable {
			if err != nil {
				t.Errorf("patch %s serviceAccountName: %v; want it accepted", r.resource, err)
				continue
			}
			if v, _, _ := unstructured.NestedString(got.Object, path...); v != "second" {
				t.Errorf("patched %s serviceAccountName = %q", r.resource, v)
			}
		} else if err == nil {
			t.Errorf("patch %s serviceAccountName accepted; want it rejected as immutable", r.resource)
		}
	}
}
