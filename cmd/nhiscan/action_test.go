package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type actionFile struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Uses  string            `yaml:"uses"`
			Run   string            `yaml:"run"`
			Shell string            `yaml:"shell"`
			With  map[string]string `yaml:"with"`
			Env   map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// action.yml is a composite action whose steps are well formed: every run
// step names its shell and parses with bash -n, every input it reads is
// declared, SARIF goes up with the current upload-sarif major, and inputs
// reach scripts through env only (no ${{ }} inside a script).
func TestActionYAML(t *testing.T) {
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" || len(a.Runs.Steps) == 0 {
		t.Fatalf("runs.using %q with %d steps", a.Runs.Using, len(a.Runs.Steps))
	}
	for _, in := range []string{"version", "args", "baseline", "fail-on", "sarif"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("input %q missing", in)
		}
	}
	ref := regexp.MustCompile(`inputs\.([a-z-]+)`)
	for _, m := range ref.FindAllStringSubmatch(string(data), -1) {
		if _, ok := a.Inputs[m[1]]; !ok {
			t.Errorf("action.yml reads undeclared input %q", m[1])
		}
	}
	uploads := 0
	bash, _ := exec.LookPath("bash")
	for i, s := range a.Runs.Steps {
		// setup-go resolves cache-dependency-path only inside the caller's
		// workspace; the action's own go.sum is not there, so its cache
		// would print "Restore cache failed" on every run and cache nothing.
		if strings.HasPrefix(s.Uses, "actions/setup-go@") && s.With["cache"] != "false" {
			t.Errorf("step %d: setup-go with its cache on; the action's go.sum is outside the workspace (set cache: false)", i+1)
		}
		if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
			uploads++
			if s.Uses != "github/codeql-action/upload-sarif@v4" {
				t.Errorf("step %d: %s, want the current major, v4", i+1, s.Uses)
			}
		}
		if s.Run == "" {
			continue
		}
		if s.Shell != "bash" {
			t.Errorf("step %d: a composite run step needs shell: bash, has %q", i+1, s.Shell)
		}
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %d: expression inside the script (pass it through env)", i+1)
		}
		if bash != "" {
			cmd := exec.Command(bash, "-n")
			cmd.Stdin = strings.NewReader(s.Run)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("step %d: bash -n: %v: %s", i+1, err, out)
			}
		}
	}
	if uploads != 1 {
		t.Errorf("%d upload-sarif steps", uploads)
	}

	// The README's workflow uses the action with inputs it has.
	wf := fencedBlocks(readmeSection(t, "### GitHub Actions"), "yaml")
	if len(wf) != 1 {
		t.Fatalf("%d workflows in the GitHub Actions section", len(wf))
	}
	var w struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(wf[0]), &w); err != nil {
		t.Fatalf("README workflow: %v", err)
	}
	used := false
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if !strings.HasPrefix(s.Uses, "nhiscan/nhiscan@") {
				continue
			}
			used = true
			for k := range s.With {
				if _, ok := a.Inputs[k]; !ok {
					t.Errorf("README workflow passes %q, which action.yml does not declare", k)
				}
			}
		}
	}
	if !used {
		t.Error("the README workflow does not use the action")
	}
}
