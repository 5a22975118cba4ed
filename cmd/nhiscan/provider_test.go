package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/inventory"
	"github.com/nhiscan/nhiscan/scanners/registry"
)

// cloudLive is the live half of a made-up provider "cloud", with one flag.
type cloudLive struct {
	tenant string
	got    *registry.Common
}

func (c *cloudLive) Flags(fs registry.FlagSet, _ registry.Command) {
	fs.StringVar(&c.tenant, "realm", "", "cloud: tenant to scan")
}

func (c *cloudLive) Unused(registry.Command) error {
	if c.tenant != "" {
		return errors.New("--realm applies to 'cloud'")
	}
	return nil
}

func (c *cloudLive) Check(registry.Command) error {
	if c.tenant == "" {
		return errors.New("cloud: give --realm")
	}
	return nil
}

func (c *cloudLive) Scanner(common registry.Common) scanners.Live {
	*c.got = common
	return cloudScanner{c.tenant}
}

func (c *cloudLive) Scopes(context.Context, scanners.Live) ([]registry.Scope, error) {
	return []registry.Scope{{ID: "t1"}, {ID: "t2"}, {ID: "t3"}}, nil
}

func (c *cloudLive) ShardArgs(ids []string) string { return "--realm " + strings.Join(ids, ",") }

type cloudScanner struct{ tenant string }

func (cloudScanner) Name() string { return "cloud" }
func (s cloudScanner) Scan(context.Context) (inventory.Inventory, error) {
	return inventory.Inventory{Sources: []inventory.Source{{Scanner: "cloud", Scope: s.tenant, Mode: "live", Status: inventory.StatusOK}}}, nil
}

// Adding a provider is adding it to the list: the command takes its
// name, its flags, its help and its scanner without another edit.
func TestProviderFromTheList(t *testing.T) {
	var got registry.Common
	env := testEnv(inventory.Inventory{})
	env.providers = append(env.providers, registry.Provider{
		Name:        "cloud",
		Usage:       "  nhiscan scan cloud --realm T     scan a tenant\n",
		Exports:     "a cloud tenant dump",
		SecretFlags: []string{"realm"},
		NewOffline:  registry.AWS(nil).NewOffline, // any loader; not exercised here
		NewLive:     func() registry.Live { return &cloudLive{got: &got} },
	})

	r := runCLI(t, env, "scan", "cloud", "--realm", "acme", "--format", "json", "--concurrency", "7")
	if r.code != 0 || !strings.Contains(r.stdout, `"scope": "acme"`) {
		t.Fatalf("scan cloud: exit %d, stderr %q", r.code, r.stderr)
	}
	if got.Concurrency != 7 || got.Timeout != registry.DefaultTimeout {
		t.Errorf("common options %+v", got)
	}
	for _, tc := range []struct{ args, want string }{
		{"scan cloud", "cloud: give --realm"},
		{"scan --demo --realm acme", "--realm applies to 'cloud'"},
		{"inventory aws --realm acme", "--realm applies to 'cloud'"},
		{"scan", "exactly one of 'aws', 'gcp', 'k8s', 'azure', 'cloud', --input PATH or --demo"},
		{"scan oci", `unknown provider "oci" (want aws or gcp or k8s or azure or cloud)`},
		{"paths cloud", "cloud: give --realm"},
		{"scan --input ../../testdata/bad/unknown.json", "service-principals.json, ...), a cloud tenant dump)"},
	} {
		r := runCLI(t, env, strings.Fields(tc.args)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	r = runCLI(t, env, "org", "accounts", "cloud", "--realm", "x", "--per", "2", "--shard", "1")
	if r.code != 0 || r.stdout != "--realm t3\n" {
		t.Errorf("org accounts cloud: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "scan", "--help")
	if !strings.Contains(r.stdout, "nhiscan scan cloud --realm T") || !strings.Contains(r.stdout, "scan [aws|gcp|k8s|azure|cloud]") || !strings.Contains(r.stdout, "--realm string") {
		t.Errorf("help lacks the provider:\n%s", r.stdout)
	}
	root := newRootCmd(env)
	for _, path := range [][]string{{"scan"}, {"inventory"}, {"paths"}, {"org", "accounts"}} {
		c, _, err := root.Find(path)
		if err != nil || !strings.Contains(strings.Join(c.ValidArgs, " "), "cloud") {
			t.Errorf("%v: valid arguments %v", path, c.ValidArgs)
		}
	}
	if line := redactedCommandLine([]string{"nhiscan", "scan", "cloud", "--realm", "s3cret", "--external-id=x"}, env.providers); line != "nhiscan scan cloud --realm REDACTED --external-id=REDACTED" {
		t.Errorf("command line %q", line)
	}
}

// The message for a scan without a target names every provider.
func TestNoTargetNamesEveryProvider(t *testing.T) {
	r := runCLI(t, testEnv(inventory.Inventory{}), "inventory")
	if r.code != exitUsage || !strings.Contains(r.stderr, "exactly one of 'aws', 'gcp', 'k8s', 'azure', --input PATH or --demo") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// Kubernetes exports are recognised by content in a directory (JSON and
// YAML, split across files), the cluster named after the directory or by
// --cluster-name; the live flags are checked.
func TestKubernetesOffline(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	r := runCLI(t, env, "inventory", "--input", "../../scanners/k8s/testdata", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{`"id": "system:serviceaccount:payments:payments-api"`, `"account": "prod-eks"`,
		`"id": "system:serviceaccount:reports:reporter"`, `"account": "dev-gke"`, `"kind": "k8s.serviceaccount"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inventory lacks %s", want)
		}
	}
	if strings.Contains(r.stdout, "ZXlKaGJHY2lPaUpTVXpJMU5p") {
		t.Error("token data in the inventory output")
	}
	r = runCLI(t, env, "inventory", "--input", "../../scanners/k8s/testdata/dev-gke", "--cluster-name", "staging", "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"account": "staging"`) || strings.Contains(r.stdout, `"account": "dev-gke"`) {
		t.Errorf("--cluster-name: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, tc := range []struct{ args, want string }{
		{"scan k8s --context a --all-contexts", "give --context (repeatable) or --all-contexts, not both"},
		{"scan k8s --context a --context b --cluster-name c", "--cluster-name names one cluster: scan one --context with it"},
		{"scan --input ../../scanners/k8s/testdata --context a", "--kubeconfig, --context and --all-contexts apply to a live 'k8s' scan"},
		{"org accounts k8s", "k8s has no organization to list"},
	} {
		r = runCLI(t, env, strings.Fields(tc.args)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q", tc.args, r.code, r.stderr)
		}
	}
}

// The K8s rules on the kubectl fixtures: the traps hold end to end (a
// RoleBinding to cluster-admin stays in its namespace, resourceNames are
// kept), and no format carries Secret data.
func TestKubernetesOfflineFindings(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	r := runCLI(t, env, "scan", "--input", "../../scanners/k8s/testdata", "--format", "json", "--as-of", "2026-01-01")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var rep struct {
		Findings []struct {
			RuleID   string `json:"rule_id"`
			Severity string `json:"severity"`
			Identity struct {
				ID string `json:"id"`
			} `json:"identity"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range rep.Findings {
		got[f.RuleID+" "+f.Severity+" "+f.Identity.ID] = true
	}
	for _, want := range []string{
		"NHI-OVB-201 critical system:serviceaccount:ci:deployer",
		"NHI-STA-201 high system:serviceaccount:payments:payments-api",
		"NHI-STA-201 low system:serviceaccount:reports:reporter",
		"NHI-OVB-202 medium system:serviceaccount:reports:reporter",
		"NHI-OVB-203 high system:serviceaccount:reports:default", // everything-reader has wildcards
		"NHI-OVB-203 medium system:serviceaccount:payments:default",
		"NHI-DEL-201 high cluster:dev-gke",                               // once per binding, on the cluster
		"NHI-DOR-002 medium system:serviceaccount:payments:payments-api", // token last used 60 days ago
		"NHI-OWN-001 low system:serviceaccount:reports:default",          // no owner anywhere, its namespace unlisted
		"NHI-DEL-202 high cluster:dev-gke",                               // everything-reader only reads
		// apps-kind carries pods and workloads: usage is assessed there.
		"NHI-OVB-204 high system:serviceaccount:tools:node-agent",  // a cluster-admin DaemonSet mounts its token
		"NHI-DOR-201 medium system:serviceaccount:tools:cleaner",   // bound, nothing runs as it
		"NHI-DOR-002 medium system:serviceaccount:tools:cleaner",   // untouched since tracking began
		"NHI-DOR-201 medium system:serviceaccount:apps:custom-sys", // its own binding to a system: role
	} {
		if !got[want] {
			t.Errorf("missing finding %s; got %v", want, got)
		}
	}
	for k := range got {
		if strings.Contains(k, "kube-system") || strings.HasPrefix(k, "NHI-OVB-202") && strings.Contains(k, "payments-api") ||
			strings.HasPrefix(k, "NHI-DEL-201") && strings.Contains(k, "serviceaccount") ||
			strings.HasPrefix(k, "NHI-OWN-001") && strings.Contains(k, "payments:default") || // owned through its namespace's team label
			strings.HasPrefix(k, "NHI-DOR-201") && !strings.Contains(k, "cleaner") && !strings.Contains(k, "custom-sys") || // prod-eks and dev-gke have no pods: not assessed
			strings.Contains(k, "metrics-reader") || strings.Contains(k, "gke-managed-system") || // provider-managed
			strings.HasPrefix(k, "NHI-OVB-204") && !strings.Contains(k, "node-agent") {
			t.Errorf("unexpected finding %s", k)
		}
	}
	for _, format := range []string{"table", "json", "sarif", "csv", "markdown", "junit", "html"} {
		r := runCLI(t, env, "scan", "--input", "../../scanners/k8s/testdata", "--format", format)
		for _, secret := range []string{"ZXlKaGJHY2lPaUpTVXpJMU5p", "aHVudGVyMg==", "cGF5bWVudHM="} {
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("%s output carries Secret data %s", format, secret)
			}
		}
	}
}

// --include-provider-managed judges the accounts excluded by default, as
// the config's include_provider_managed does.
func TestIncludeProviderManagedFlag(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	scan := func(args ...string) string {
		r := runCLI(t, env, append([]string{"scan", "--input", "../../scanners/k8s/testdata/apps-kind", "--as-of", "2026-01-01", "--format", "json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		return r.stdout
	}
	if out := scan(); strings.Contains(out, `"name": "gke-managed-system/gke-metrics-agent"`) || !strings.Contains(out, `"include_provider_managed": false`) {
		t.Error("a managed add-on's account judged by default")
	}
	if out := scan("--include-provider-managed"); !strings.Contains(out, `"name": "gke-managed-system/gke-metrics-agent"`) || !strings.Contains(out, `"include_provider_managed": true`) {
		t.Error("--include-provider-managed: the managed add-on's account was not judged, or the scan record does not say so")
	}
}
