package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// A GKE cluster's kubectl export scanned with the demo's gcloud export:
// the service account that GKE Workload Identity admits into agent-runner
// reaches the project's administrator, drawn across both by paths and
// reported by scan; the one the service account's policy does not admit
// reaches nothing.
func TestGKEWorkloadIdentityChainAcrossExports(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "gcp"), os.DirFS("demo/gcp")); err != nil {
		t.Fatal(err)
	}
	policy := filepath.Join(dir, "gcp/acme-prod/sa-policies/agent-runner@acme-prod.iam.gserviceaccount.com.json")
	data, err := os.ReadFile(policy)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	p["bindings"] = append(p["bindings"].([]any), map[string]any{
		"members": []string{"serviceAccount:acme-prod.svc.id.goog[agents/runner]"},
		"role":    "roles/iam.workloadIdentityUser",
	})
	if data, err = json.MarshalIndent(p, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(policy, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "k8s/dev-gke"), 0o755); err != nil {
		t.Fatal(err)
	}
	cluster := `apiVersion: v1
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    annotations:
      iam.gke.io/gcp-service-account: agent-runner@acme-prod.iam.gserviceaccount.com
    creationTimestamp: "2026-05-10T08:30:00Z"
    name: runner
    namespace: agents
    resourceVersion: "4411"
    uid: 3f0d9a52-6c1e-4b8f-9d2a-7e5b1c0a4f11
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    annotations:
      iam.gke.io/gcp-service-account: agent-runner@acme-prod.iam.gserviceaccount.com
    creationTimestamp: "2026-05-10T08:31:00Z"
    name: evaluator
    namespace: agents
    resourceVersion: "4415"
    uid: 8b2e7c14-0f3a-4d6e-a1b9-52c7d8e9f022
kind: List
metadata:
  resourceVersion: ""
`
	if err := os.WriteFile(filepath.Join(dir, "k8s/dev-gke/serviceaccounts.yaml"), []byte(cluster), 0o644); err != nil {
		t.Fatal(err)
	}
	env := testEnv(inventory.Inventory{})

	r := runCLI(t, env, "paths", "--input", dir, "--as-of", "2026-11-01T00:00:00Z", "--format", "json")
	if r.code != 0 {
		t.Fatalf("paths: exit %d: %s", r.code, r.stderr)
	}
	var rep findings.PathReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	var runner *findings.Path
	for i := range rep.Paths {
		switch rep.Paths[i].From {
		case "system:serviceaccount:agents:runner":
			runner = &rep.Paths[i]
		case "system:serviceaccount:agents:evaluator":
			t.Errorf("agents/evaluator has a path, yet no binding admits it: %+v", rep.Paths[i])
		}
	}
	if runner == nil {
		t.Fatalf("no path from agents/runner:\n%s", r.stdout)
	}
	var hops []string
	for _, s := range runner.Steps {
		hops = append(hops, s.Method+">"+s.ToName)
	}
	want := "k8s-gke-workload-identity>agent-runner gcp-impersonate>old-batch >administrator"
	if strings.Join(hops, " ") != want || runner.Provider != "k8s" || runner.Account != "dev-gke" {
		t.Errorf("agents/runner's path %q (%s %s), want %q", strings.Join(hops, " "), runner.Provider, runner.Account, want)
	}

	r = runCLI(t, env, "scan", "--input", dir, "--as-of", "2026-11-01T00:00:00Z", "--format", "json", "--fail-on", "none")
	var scan findings.Report
	if err := json.Unmarshal([]byte(r.stdout), &scan); err != nil {
		t.Fatalf("scan: exit %d %s: %v", r.code, r.stderr, err)
	}
	got := map[string]bool{}
	for _, f := range scan.Findings {
		if f.Identity.Provider == "k8s" {
			got[f.RuleID+" "+f.Identity.Name] = true
		}
	}
	for _, w := range []string{"NHI-ESC-001 agents/runner", "NHI-DEL-006 agents/runner"} {
		if !got[w] {
			t.Errorf("scan lacks %s: %v", w, got)
		}
	}
	if got["NHI-ESC-001 agents/evaluator"] {
		t.Error("scan reports agents/evaluator, which no binding admits")
	}
}

// The demo cluster exported twice, as clusters a and b, with the demo AWS
// account its IRSA role is in: every service account's path is found in
// both, shown by CLUSTER/ID since the id alone
// names two accounts, each step inside its own cluster; --from with the
// plain id shows both clusters', with CLUSTER/ID one; --to needs one.
func TestPathsSameAccountInTwoClusters(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []string{"a", "b"} {
		if err := os.CopyFS(filepath.Join(dir, "k8s", c), os.DirFS("demo/k8s/demo-eks")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.CopyFS(filepath.Join(dir, "aws"), os.DirFS("demo/aws")); err != nil {
		t.Fatal(err)
	}
	env := testEnv(inventory.Inventory{})
	pathsOf := func(args ...string) []findings.Path {
		t.Helper()
		r := runCLI(t, env, append([]string{"paths", "--input", dir, "--as-of", "2026-11-01T00:00:00Z", "--format", "json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("paths %v: exit %d: %s", args, r.code, r.stderr)
		}
		var rep findings.PathReport
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatal(err)
		}
		return rep.Paths
	}
	all := pathsOf()
	per := map[string]int{}
	for _, p := range all {
		if p.Provider != "k8s" {
			continue
		}
		per[p.Account]++
		if !strings.HasPrefix(p.From, p.Account+"/system:serviceaccount:") {
			t.Errorf("path start %q of cluster %s is not shown as CLUSTER/ID", p.From, p.Account)
		}
		for _, s := range p.Steps {
			if strings.Contains(s.To, "system:serviceaccount:") && !strings.HasPrefix(s.To, p.Account+"/") {
				t.Errorf("a path of cluster %s steps into %s", p.Account, s.To)
			}
		}
	}
	if per["a"] == 0 || per["a"] != per["b"] || len(per) != 2 {
		t.Fatalf("paths per cluster %v, want the same non-zero count in a and b", per)
	}
	var start string
	for _, p := range all {
		if p.Provider == "k8s" {
			start = strings.TrimPrefix(p.From, p.Account+"/")
		}
	}
	if got := pathsOf("--from", start); len(got) != 2 || got[0].Account == got[1].Account {
		t.Errorf("--from %s: %d path(s), want one per cluster", start, len(got))
	}
	if got := pathsOf("--from", "b/"+start); len(got) != 1 || got[0].Account != "b" {
		t.Errorf("--from b/%s: %+v, want b's only", start, got)
	}
	r := runCLI(t, env, "paths", "--input", dir, "--as-of", "2026-11-01T00:00:00Z", "--to", start)
	if r.code != 2 || !strings.Contains(r.stderr, "several clusters (a, b)") {
		t.Errorf("--to an id of two clusters: exit %d, %q", r.code, r.stderr)
	}
}

// An AKS cluster's kubectl export (with its discovery document) scanned
// with the demo tenant, whose directory-sync application is given a
// federated credential for the cluster's platform/deployer: paths draws
// deployer into directory-sync and on to administrator, scan reports it;
// platform/evaluator, annotated with the same client id but admitted by
// no credential, reaches nothing.
func TestAzureWorkloadIdentityChainAcrossExports(t *testing.T) {
	const tenant = "5a1f0c2e-7d3b-4e8a-9c61-2f4b8d7e0a13"
	const issuer = "https://westeurope.oic.prod-aks.azure.com/5a1f0c2e-7d3b-4e8a-9c61-2f4b8d7e0a13/0f6e2b1c-8a7d-4c3e-9b5a-1d2c3e4f5a6b/"
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "azure"), os.DirFS("demo/azure")); err != nil {
		t.Fatal(err)
	}
	fic := `[
  {
    "audiences": [
      "api://AzureADTokenExchange"
    ],
    "description": "platform/deployer in the dev-aks cluster",
    "id": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
    "issuer": "` + issuer + `",
    "name": "dev-aks-deployer",
    "subject": "system:serviceaccount:platform:deployer"
  }
]
`
	if err := os.WriteFile(filepath.Join(dir, "azure", tenant, "federated-credentials/7a0b1c2d-1111-4e2f-9a3b-4c5d6e7f8a08.json"), []byte(fic), 0o644); err != nil {
		t.Fatal(err)
	}
	cluster := `apiVersion: v1
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    annotations:
      azure.workload.identity/client-id: 4f3e2d1c-0a0a-4b5c-8d9e-0a1b2c3d4e08
    creationTimestamp: "2026-06-02T09:12:00Z"
    name: deployer
    namespace: platform
    resourceVersion: "5120"
    uid: 2a7c9e14-5b3d-4f6a-8c1e-9d0b2f4a6c83
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    annotations:
      azure.workload.identity/client-id: 4f3e2d1c-0a0a-4b5c-8d9e-0a1b2c3d4e08
    creationTimestamp: "2026-06-02T09:14:00Z"
    name: evaluator
    namespace: platform
    resourceVersion: "5124"
    uid: 6e1f3a25-7c4d-4b8e-9f2a-0c3d5e7f9a14
kind: List
metadata:
  resourceVersion: ""
`
	discovery := `{"issuer":"` + issuer + `","jwks_uri":"https://10.224.0.4:443/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}`
	if err := os.MkdirAll(filepath.Join(dir, "k8s/dev-aks"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"serviceaccounts.yaml": cluster, "openid-configuration.json": discovery} {
		if err := os.WriteFile(filepath.Join(dir, "k8s/dev-aks", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := testEnv(inventory.Inventory{})

	r := runCLI(t, env, "paths", "--input", dir, "--as-of", "2026-11-01T00:00:00Z", "--format", "json")
	if r.code != 0 {
		t.Fatalf("paths: exit %d: %s", r.code, r.stderr)
	}
	var rep findings.PathReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	var deployer *findings.Path
	for i := range rep.Paths {
		switch rep.Paths[i].From {
		case "system:serviceaccount:platform:deployer":
			deployer = &rep.Paths[i]
		case "system:serviceaccount:platform:evaluator":
			t.Errorf("platform/evaluator has a path, yet no federated credential admits it: %+v", rep.Paths[i])
		}
	}
	if deployer == nil {
		t.Fatalf("no path from platform/deployer:\n%s", r.stdout)
	}
	var hops []string
	for _, s := range deployer.Steps {
		hops = append(hops, s.Method+">"+s.ToName)
	}
	want := "k8s-azure-workload-identity>directory-sync azure-graph-grant-directory-role>administrator"
	if strings.Join(hops, " ") != want || deployer.Account != "dev-aks" || strings.Contains(deployer.Steps[0].Via, "unknown") {
		t.Errorf("platform/deployer's path %q (%s, first via %q), want %q through the cluster's own issuer", strings.Join(hops, " "), deployer.Account, deployer.Steps[0].Via, want)
	}

	r = runCLI(t, env, "paths", "--input", dir, "--as-of", "2026-11-01T00:00:00Z", "--format", "mermaid", "--from", "system:serviceaccount:platform:deployer")
	if r.code != 0 || !strings.Contains(r.stdout, `["platform/deployer"]`) || !strings.Contains(r.stdout, `["directory-sync"]`) || !strings.Contains(r.stdout, "k8s-azure-workload-identity") {
		t.Errorf("mermaid drawing (exit %d):\n%s", r.code, r.stdout)
	}

	r = runCLI(t, env, "scan", "--input", dir, "--as-of", "2026-11-01T00:00:00Z", "--format", "json", "--fail-on", "none")
	var scan findings.Report
	if err := json.Unmarshal([]byte(r.stdout), &scan); err != nil {
		t.Fatalf("scan: exit %d %s: %v", r.code, r.stderr, err)
	}
	got := map[string]bool{}
	for _, f := range scan.Findings {
		if f.Identity.Provider == "k8s" {
			got[f.RuleID+" "+f.Identity.Name] = true
		}
	}
	for _, w := range []string{"NHI-ESC-001 platform/deployer", "NHI-DEL-006 platform/deployer"} {
		if !got[w] {
			t.Errorf("scan lacks %s: %v", w, got)
		}
	}
	if got["NHI-ESC-001 platform/evaluator"] {
		t.Error("scan reports platform/evaluator, which no federated credential admits")
	}
}
