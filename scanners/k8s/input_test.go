package k8s

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLastAppliedNeverKept: kubectl apply copies the whole object, a
// Secret's data included, into the last-applied-configuration
// annotation. No object keeps it, so it never reaches Tags or output.
func TestLastAppliedNeverKept(t *testing.T) {
	const canary = "TEFTVC1BUFBMSUVELUNBTkFSWQ"
	applied := `{\"apiVersion\":\"v1\",\"data\":{\"token\":\"` + canary + `\"},\"kind\":\"Secret\"}`
	data := `{"apiVersion":"v1","kind":"List","items":[
{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"app","namespace":"n","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"` + applied + `","example.com/last-applied-configuration":"` + applied + `","owner":"team-a"}}},
{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{"name":"app-token","namespace":"n","annotations":{"kubernetes.io/service-account.name":"app","kubectl.kubernetes.io/last-applied-configuration":"` + applied + `"}}}]}`
	o := NewOffline()
	if ok, err := o.Add("c/k8s.json", []byte(data)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	c := o.clusters["c"]
	for _, s := range c.secrets {
		for k, v := range s.Metadata.Annotations {
			if strings.Contains(v, canary) {
				t.Errorf("Secret %s keeps annotation %s with its data", s.Metadata.Name, k)
			}
		}
	}
	inv, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(inv)
	if strings.Contains(string(out), canary) || strings.Contains(string(out), "last-applied") {
		t.Errorf("last-applied-configuration in the inventory: %s", out)
	}
	if id := byID(inv, "system:serviceaccount:n:app"); id == nil || id.Tags["owner"] != "team-a" || len(id.Credentials) != 1 {
		t.Errorf("identity = %+v, want its owner tag and its token", id)
	}
}

// TestDuplicatesMerged: the same objects given twice (the same file
// twice, or a full dump and per-kind dumps of one cluster) count once.
func TestDuplicatesMerged(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "prod-eks", "k8s.json"))
	if err != nil {
		t.Fatal(err)
	}
	once := load(t, NewOffline(), "prod-eks/k8s.json")
	o := NewOffline()
	for _, name := range []string{"prod-eks/k8s.json", "prod-eks/again.json"} {
		if ok, err := o.Add(name, data); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	twice, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(once)
	b, _ := json.Marshal(twice)
	if string(a) != string(b) {
		t.Errorf("twice the same export: %d identities, want %d; inventories differ", len(twice.Identities), len(once.Identities))
	}
	// A later copy of an object replaces the earlier one.
	o = NewOffline()
	for _, d := range []string{
		`{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a","namespace":"n","labels":{"owner":"old"}}}`,
		`{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a","namespace":"n","labels":{"owner":"new"}}}`,
	} {
		if ok, err := o.Add("c/sa.json", []byte(d)); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	inv, _ := o.Inventory()
	if len(inv.Identities) != 1 || inv.Identities[0].Tags["owner"] != "new" {
		t.Errorf("identities = %+v, want one, owned by new", inv.Identities)
	}
}

// TestBadDates: a date that does not parse is an error naming the item
// and the field, not a date silently dropped.
func TestBadDates(t *testing.T) {
	for _, tc := range []struct{ item, want string }{
		{`{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a","namespace":"n","creationTimestamp":"2026-13-01T00:00:00Z"}}`,
			`item 2: ServiceAccount n/a: metadata.creationTimestamp: "2026-13-01T00:00:00Z" is not an RFC 3339 time`},
		{`{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{"name":"t","namespace":"n","labels":{"kubernetes.io/legacy-token-last-used":"2026-10-3"},"annotations":{"kubernetes.io/service-account.name":"a"}}}`,
			`item 2: Secret n/t: metadata.labels[kubernetes.io/legacy-token-last-used]: "2026-10-3" is not a date (YYYY-MM-DD)`},
		{`{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{"name":"t","namespace":"n","labels":{"kubernetes.io/legacy-token-invalid-since":"yesterday"},"annotations":{"kubernetes.io/service-account.name":"a"}}}`,
			`item 2: Secret n/t: metadata.labels[kubernetes.io/legacy-token-invalid-since]: "yesterday" is not a date (YYYY-MM-DD)`},
		{`{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{"name":"t","namespace":"n","labels":{"kubernetes.io/legacy-token-last-used":"2026-10-03T00:00:00Z"},"annotations":{"kubernetes.io/service-account.name":"a"}}}`,
			`item 2: Secret n/t: metadata.labels[kubernetes.io/legacy-token-last-used]: "2026-10-03T00:00:00Z" is not a date (YYYY-MM-DD)`},
	} {
		data := `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"ok","namespace":"n"}},` + tc.item + `]}`
		ok, err := NewOffline().Add("c/k8s.json", []byte(data))
		if !ok || err == nil || err.Error() != tc.want {
			t.Errorf("Add = %v, %v; want %q", ok, err, tc.want)
		}
	}
	// The dates the API server writes are read.
	good := `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{"name":"t","namespace":"n","creationTimestamp":"2025-01-02T03:04:05Z","labels":{"kubernetes.io/legacy-token-last-used":"2026-10-03","kubernetes.io/legacy-token-invalid-since":"2026-10-04"},"annotations":{"kubernetes.io/service-account.name":"a"}}},{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a","namespace":"n"}}]}`
	o := NewOffline()
	if ok, err := o.Add("c/k8s.json", []byte(good)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	inv, _ := o.Inventory()
	cr := byID(inv, "system:serviceaccount:n:a").Credentials[0]
	if cr.LastUsed == nil || cr.LastUsed.Format("2006-01-02") != "2026-10-03" || cr.Status != "inactive" {
		t.Errorf("credential = %+v", cr)
	}
}

// TestUnknownInput: objects of kinds the loader does not read are named
// in one warning per file; every document of a YAML stream is read.
func TestUnknownInput(t *testing.T) {
	o := NewOffline()
	list := `{"apiVersion":"v1","kind":"List","items":[
{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"n"}},
{"apiVersion":"v1","kind":"Service","metadata":{"name":"b","namespace":"n"}},
{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"n"}}]}`
	if ok, err := o.Add("c1/cms.json", []byte(list)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, err := o.Add("c1/cml.json", []byte(`{"apiVersion":"v1","kind":"ConfigMapList","items":[]}`)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	stream := "# kubectl get serviceaccounts -o yaml; echo ---; ...\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  namespace: b\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: c\n  namespace: b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: b\n---\n"
	if ok, err := o.Add("c2/k.yaml", []byte(stream)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	inv, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"c1": {"c1/cms.json: kinds not read, skipped: ConfigMap, Service", "c1/cml.json: kinds not read, skipped: ConfigMap", "no ServiceAccount objects in the export"},
		"c2": {"c2/k.yaml: kinds not read, skipped: ConfigMap"},
	}
	for _, s := range inv.Sources {
		if got := strings.Join(s.Warnings, "|"); got != strings.Join(want[s.Scope], "|") {
			t.Errorf("%s warnings = %q, want %q", s.Scope, s.Warnings, want[s.Scope])
		}
	}
	if len(inv.Identities) != 2 || byID(inv, "system:serviceaccount:b:a") == nil || byID(inv, "system:serviceaccount:b:c") == nil {
		t.Errorf("identities = %d, want b/a and b/c from the YAML stream", len(inv.Identities))
	}
	// An error in a later document names it.
	bad := "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  namespace: b\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: c\n  namespace: b\n  creationTimestamp: never\n"
	_, err = NewOffline().Add("c/k.yaml", []byte(bad))
	if err == nil || err.Error() != `document 2: ServiceAccount b/c: metadata.creationTimestamp: "never" is not an RFC 3339 time` {
		t.Errorf("err = %v", err)
	}
}
