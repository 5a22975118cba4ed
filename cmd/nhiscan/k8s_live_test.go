package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/nhiscan/nhiscan/scanners/inventory"
	"github.com/nhiscan/nhiscan/scanners/k8s/k8stest"
	"github.com/nhiscan/nhiscan/scanners/registry"
)

// 'scan k8s --kubeconfig X --context a --context b' scans both contexts
// through client-go against a real kube-apiserver, end to end: one source
// per cluster, the seeded service account's findings in each, no token
// data in any format; a context whose server is down fails alone (exit 3).
func TestK8sLiveScanEndToEnd(t *testing.T) {
	env := k8stest.Start(t)
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	const token = "nhiscan-cmd-canary-7f3a"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ci"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ServiceAccounts("ci").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Secrets("ci").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "deployer-token", Annotations: map[string]string{corev1.ServiceAccountNameKey: "deployer"}},
		Type:       corev1.SecretTypeServiceAccountToken, Data: map[string][]byte{"token": []byte(token)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "deployer-admin"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "deployer", Namespace: "ci"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A user who may list everything the scanner reads but Secrets.
	list := []string{"list"}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "no-secrets"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"serviceaccounts", "pods", "namespaces"}, Verbs: list},
		{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"roles", "rolebindings", "clusterroles", "clusterrolebindings"}, Verbs: list},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, Verbs: list},
		{APIGroups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: list},
		{NonResourceURLs: []string{"/.well-known/openid-configuration"}, Verbs: []string{"get"}},
	}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "viewer"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "no-secrets"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "viewer", APIGroup: rbacv1.GroupName}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := env.WriteKubeconfig("cmd.kubeconfig",
		k8stest.Context{Name: "a", Cluster: "alpha"},
		k8stest.Context{Name: "b", Cluster: "beta"},
		k8stest.Context{Name: "down", Cluster: "gone", Server: "https://127.0.0.1:1"},
		k8stest.Context{Name: "viewer", Cluster: "viewed", As: "viewer"},
	)
	if err != nil {
		t.Fatal(err)
	}
	real := &environment{now: testEnv(inventory.Inventory{}).now, providers: registry.All()}

	r := runCLI(t, real, "scan", "k8s", "--kubeconfig", kubeconfig, "--context", "a", "--context", "b", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var report struct {
		Sources []struct {
			Scanner, Scope, Mode, Status, Principal string
		}
		Findings []struct {
			RuleID   string `json:"rule_id"`
			Identity struct{ ID, Account string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	scopes := map[string]string{}
	for _, s := range report.Sources {
		if s.Scanner == "k8s" {
			scopes[s.Scope] = s.Mode + "/" + s.Status + "/" + s.Principal
		}
	}
	if scopes["alpha"] != "live/ok/admin" || scopes["beta"] != "live/ok/admin" || len(scopes) != 2 {
		t.Errorf("sources = %v", scopes)
	}
	found := map[string]bool{}
	for _, f := range report.Findings {
		if f.Identity.ID == "system:serviceaccount:ci:deployer" {
			found[f.Identity.Account+" "+f.RuleID] = true
		}
	}
	for _, want := range []string{"alpha NHI-OVB-201", "beta NHI-OVB-201", "alpha NHI-STA-201", "beta NHI-STA-201"} {
		if !found[want] {
			t.Errorf("no finding %s for ci/deployer (found %v)", want, found)
		}
	}

	for _, format := range []string{"table", "json", "sarif"} {
		r := runCLI(t, real, "scan", "k8s", "--kubeconfig", kubeconfig, "--context", "a", "--context", "down", "--format", format)
		if r.code != 3 || !strings.Contains(r.stderr, "error: k8s gone: context down, server https://127.0.0.1:1: listing serviceaccounts: ") || !strings.Contains(r.stderr, "connection refused") {
			t.Errorf("%s with a dead context: exit %d, stderr %q", format, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "system:serviceaccount:ci:deployer") && !strings.Contains(r.stdout, "ci/deployer") {
			t.Errorf("%s with a dead context: the good cluster's findings are missing", format)
		}
		for _, out := range []string{r.stdout, r.stderr} {
			if strings.Contains(out, token) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(token))) {
				t.Errorf("%s: token data in the output", format)
			}
		}
	}

	// The viewer may not list Secrets: a warning, tokens not assessed,
	// the scan completes (exit 0) with the service account and no static
	// finding. The authorizer learns of the binding through a watch.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		sar, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
			User: "viewer", ResourceAttributes: &authzv1.ResourceAttributes{Verb: "list", Resource: "serviceaccounts"}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sar.Status.Allowed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the viewer binding never took effect")
		}
	}
	r = runCLI(t, real, "scan", "k8s", "--kubeconfig", kubeconfig, "--context", "viewer", "--format", "json")
	if r.code != 0 || strings.TrimSpace(r.stderr) != "warning: k8s viewed: not allowed to list secrets: legacy service account token Secrets not assessed\nnote: k8s viewed: not assessed: service account tokens" ||
		!strings.Contains(r.stdout, `"service account tokens"`) {
		t.Errorf("viewer without Secrets: exit %d, stderr %q", r.code, r.stderr)
	}
	report.Findings = nil
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	for _, f := range report.Findings {
		if f.Identity.ID == "system:serviceaccount:ci:deployer" {
			rules[f.RuleID] = true
		}
	}
	if !rules["NHI-OVB-201"] || rules["NHI-STA-201"] {
		t.Errorf("viewer without Secrets: findings of ci/deployer %v, want NHI-OVB-201 and no NHI-STA-201", rules)
	}

	r = runCLI(t, real, "scan", "k8s", "--kubeconfig", filepath.Join(t.TempDir(), "absent"))
	if r.code != exitUsage || !strings.Contains(r.stderr, "--kubeconfig ") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Errorf("absent kubeconfig: exit %d, stderr %q", r.code, r.stderr)
	}
}
