package k8s

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeKubectl answers scripts/export-k8s.sh as kubectl would for an EKS
// cluster, logging every call: Secrets come with their data, stringData
// and a last-applied-configuration that copies the data, all canaries.
const fakeKubectl = `#!/bin/sh
echo "$*" >> "$LOG"
case "$*" in
*"config view"*) printf '%s' 'arn:aws:eks:eu-west-1:111122223333:cluster/prod' ;;
*"get --raw"*) echo '{"issuer":"https://oidc.eks.eu-west-1.amazonaws.com/id/ABC","jwks_uri":"https://x/keys"}' ;;
*"get secrets"*)
  case "$*" in *"--field-selector type=kubernetes.io/service-account-token"*) ;; *) echo "unexpected: $*" >&2; exit 1 ;; esac
  cat <<'J'
{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token",
 "metadata":{"name":"app-token","namespace":"n","creationTimestamp":"2025-01-01T00:00:00Z",
  "annotations":{"kubernetes.io/service-account.name":"app","kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"token\":\"Q0FOQVJZLUFQUExJRUQ=\"}}"}},
 "data":{"token":"Q0FOQVJZLURBVEE="},"stringData":{"password":"CANARY-STRINGDATA"}}]}
J
  ;;
*secrets*) echo "all Secrets requested: $*" >&2; exit 1 ;;
*) cat <<'J'
{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"app","namespace":"n","creationTimestamp":"2025-01-01T00:00:00Z",
 "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"metadata\":{\"name\":\"CANARY-SA\"}}","eks.amazonaws.com/role-arn":"arn:aws:iam::111122223333:role/app"}}}]}
J
  ;;
esac
`

// TestExportScript runs scripts/export-k8s.sh against a fake kubectl: it
// asks only for token Secrets, writes no secret data anywhere (no
// temporary file either), and keeps the cluster's real name, which the
// offline reader reports as a live scan of the context would.
func TestExportScript(t *testing.T) {
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Skip("jq is not installed")
	}
	script, _ := filepath.Abs(filepath.Join("..", "..", "scripts", "export-k8s.sh"))
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "kubectl"), []byte(fakeKubectl), 0o755); err != nil {
		t.Fatal(err)
	}
	// Only what the script needs, so that jq can be left out.
	for _, tool := range []string{"bash", "sh", "mkdir", "mv", "rm", "cat", "printf", "echo"} {
		if p, err := exec.LookPath(tool); err == nil {
			_ = os.Symlink(p, filepath.Join(bin, tool))
		}
	}
	run := func(withJQ bool) (string, string, error) {
		if withJQ {
			_ = os.Symlink(jq, filepath.Join(bin, "jq"))
		}
		out := t.TempDir()
		cmd := exec.Command(filepath.Join(bin, "bash"), script, out)
		cmd.Env = []string{"PATH=" + bin, "LOG=" + filepath.Join(out, "..", "kubectl.log")}
		b, err := cmd.CombinedOutput()
		return out, string(b), err
	}

	out, msg, err := run(false)
	if err == nil || !strings.Contains(msg, "jq is required") {
		t.Errorf("without jq: %v, %q; want a refusal naming jq", err, msg)
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("without jq the script wrote %d entries", len(entries))
	}

	out, msg, err = run(true)
	if err != nil {
		t.Fatalf("export: %v: %s", err, msg)
	}
	dir := filepath.Join(out, "arn_aws_eks_eu-west-1_111122223333_cluster_prod")
	var files []string
	err = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files = append(files, filepath.Base(p))
		data, _ := os.ReadFile(p)
		for _, c := range []string{"Q0FOQVJZ", "CANARY", "last-applied"} {
			if strings.Contains(string(data), c) {
				t.Errorf("%s holds %q", p, c)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(files, " ") != "k8s.json openid-configuration.json" {
		t.Errorf("files = %v", files)
	}

	o := NewOffline()
	for _, f := range files {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		if ok, err := o.Add(filepath.Join(filepath.Base(dir), f), data); !ok || err != nil {
			t.Fatalf("%s: %v, %v", f, ok, err)
		}
	}
	inv, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	const real = "arn:aws:eks:eu-west-1:111122223333:cluster/prod"
	id := byID(inv, "system:serviceaccount:n:app")
	if id == nil || id.Account != real || len(inv.Sources) != 1 || inv.Sources[0].Scope != real {
		t.Fatalf("identity %+v, sources %+v: want account and scope %s", id, inv.Sources, real)
	}
	if len(id.Credentials) != 1 || len(id.CloudLinks) != 1 {
		t.Errorf("credentials %+v, cloud links %+v: want the token and the IRSA link", id.Credentials, id.CloudLinks)
	}
	raw, _ := json.Marshal(inv)
	if strings.Contains(string(raw), "CANARY") || strings.Contains(string(raw), "Q0FOQVJZ") {
		t.Error("a canary reached the inventory")
	}
	// --cluster-name still wins over the name in the export.
	o = NewOffline()
	o.ClusterName = "prod"
	data, _ := os.ReadFile(filepath.Join(dir, "k8s.json"))
	if _, err := o.Add(filepath.Join(filepath.Base(dir), "k8s.json"), data); err != nil {
		t.Fatal(err)
	}
	if inv, _ := o.Inventory(); inv.Sources[0].Scope != "prod" {
		t.Errorf("scope = %s, want the --cluster-name", inv.Sources[0].Scope)
	}
}
