package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/nhiscan/nhiscan/"

// layer says what package pkg may import directly from the module
// (internal, exactly) and from outside the standard library (external, by
// path prefix), and what it must never depend on, even indirectly (never,
// by path prefix; module paths are relative to the module).
type layer struct {
	pkg      string
	internal []string
	external []string
	never    []string
}

// layers are the import directions of today's code, most specific first:
// a scanner knows its platform and the inventory, nothing of rules or
// output; rules know the inventory and findings, nothing of an SDK, a
// scanner or a renderer; renderers know findings only; the registry lists
// the scanners; only cmd wires everything, and nothing imports cmd.
var layers = []layer{
	{pkg: "scanners/inventory"},
	{pkg: "scanners", internal: []string{"scanners/inventory"}},
	// client-go's kubeconfig loader (clientcmd, for scanners/k8s) brings
	// github.com/spf13/pflag along without either package using it; the
	// imports themselves stay free of command-line libraries (external).
	{pkg: "scanners/registry", internal: []string{"scanners", "scanners/inventory", "scanners/aws", "scanners/gcp", "scanners/k8s", "scanners/azure"},
		never: []string{"rules", "findings", "cmd", "github.com/spf13/cobra"}},
	// The local servers the live scanners are tested against.
	{pkg: "scanners/aws/awstest", never: []string{"scanners", "rules", "findings", "cmd"}},
	{pkg: "scanners/k8s/k8stest", external: []string{"k8s.io/", "sigs.k8s.io/"},
		never: []string{"scanners", "rules", "findings", "cmd"}},
	{pkg: "scanners/gcp/gcptest", external: []string{"cloud.google.com/", "google.golang.org/"},
		never: []string{"scanners", "rules", "findings", "cmd"}},
	{pkg: "scanners/azure/aztest", external: []string{"github.com/Azure/"},
		never: []string{"scanners", "rules", "findings", "cmd"}},
	{pkg: "scanners/aws", internal: []string{"scanners", "scanners/inventory"}, external: []string{"github.com/aws/", "github.com/go-json-experiment/json"},
		never: []string{"rules", "findings", "cmd", "scanners/gcp", "scanners/registry", "cloud.google.com/", "google.golang.org/", "github.com/spf13/"}},
	{pkg: "scanners/gcp", internal: []string{"scanners", "scanners/inventory"}, external: []string{"cloud.google.com/", "google.golang.org/", "github.com/googleapis/"},
		never: []string{"rules", "findings", "cmd", "scanners/aws", "scanners/registry", "github.com/aws/", "github.com/spf13/"}},
	{pkg: "scanners/k8s", internal: []string{"scanners", "scanners/inventory"}, external: []string{"sigs.k8s.io/yaml", "k8s.io/"},
		never: []string{"rules", "findings", "cmd", "scanners/aws", "scanners/gcp", "scanners/registry", "github.com/aws/", "cloud.google.com/", "github.com/spf13/cobra"}},
	{pkg: "scanners/azure", internal: []string{"scanners", "scanners/inventory"}, external: []string{"github.com/Azure/"},
		never: []string{"rules", "findings", "cmd", "scanners/aws", "scanners/gcp", "scanners/k8s", "scanners/registry", "github.com/aws/", "cloud.google.com/", "google.golang.org/", "k8s.io/", "github.com/microsoftgraph/", "github.com/spf13/cobra"}},
	{pkg: "findings/controls", never: []string{"scanners", "rules", "cmd"}},
	{pkg: "findings/output", internal: []string{"findings", "findings/controls"}, external: []string{"github.com/olekukonko/tablewriter"},
		never: []string{"scanners", "rules", "cmd"}},
	{pkg: "findings", never: []string{"scanners", "rules", "cmd"}},
	{pkg: "rules/gcpcondition", internal: []string{"scanners/inventory"},
		never: rulesNever},
	{pkg: "rules/awspolicy", internal: []string{"scanners/inventory", "findings", "rules/gcpcondition"},
		never: rulesNever},
	{pkg: "rules/k8srbac", internal: []string{"scanners/inventory"},
		never: rulesNever},
	{pkg: "rules/paths", internal: []string{"scanners/inventory", "rules/awspolicy", "rules/gcpcondition", "rules/k8srbac"},
		never: rulesNever},
	{pkg: "rules", internal: []string{"scanners/inventory", "findings", "findings/controls", "rules/awspolicy", "rules/gcpcondition", "rules/k8srbac", "rules/paths"},
		never: rulesNever},
	{pkg: "cmd/nhiscan", internal: []string{"*"}, external: []string{"*"}},
}

// rulesNever: rules know no SDK, scanner, registry, renderer or command.
var rulesNever = []string{"findings/output", "cmd", "scanners/aws", "scanners/gcp", "scanners/k8s", "scanners/azure", "scanners/registry",
	"github.com/aws/", "cloud.google.com/", "google.golang.org/", "github.com/googleapis/", "github.com/olekukonko/", "github.com/spf13/"}

func matches(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if p == "*" || path == p || strings.HasPrefix(path, p) && (strings.HasSuffix(p, "/") || path[len(p)] == '/') {
			return true
		}
	}
	return false
}

// goList runs go list over the module; each line is a package and then
// the paths of field (Imports or Deps), module paths made relative.
func goList(t *testing.T, field string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range ."+field+"}} {{.}}{{end}}", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(strings.ReplaceAll(line, module, ""))
		pkgs[f[0]] = f[1:]
	}
	return pkgs
}

// Imports go one way: checked on the packages' real imports with go list.
func TestImportDirections(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	imports, deps := goList(t, "Imports"), goList(t, "Deps")
	if len(imports) < 10 {
		t.Fatalf("go list found %d packages", len(imports))
	}
	own := func(path string) bool { _, ok := imports[path]; return ok }
	std := func(path string) bool { return !own(path) && !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") }
	for pkg, imps := range imports {
		var l *layer
		for i := range layers {
			if layers[i].pkg == pkg {
				l = &layers[i]
				break
			}
		}
		if l == nil {
			t.Errorf("package %s has no layer: add it to layers", pkg)
			continue
		}
		for _, imp := range imps {
			switch {
			case std(imp):
			case own(imp) && !slices.Contains(l.internal, imp) && !slices.Contains(l.internal, "*"):
				t.Errorf("%s imports %s; its layer may import only %v from the module", pkg, imp, l.internal)
			case !own(imp) && !matches(imp, l.external):
				t.Errorf("%s imports %s; its layer may import only %v outside the standard library", pkg, imp, l.external)
			}
			if strings.HasPrefix(imp, "cmd/") {
				t.Errorf("%s imports the command %s", pkg, imp)
			}
		}
		for _, dep := range deps[pkg] {
			if !std(dep) && matches(dep, l.never) {
				t.Errorf("%s depends on %s, which its layer never may", pkg, dep)
			}
		}
	}
}
