package main

import (
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// The sharding recipes of README.md (the shell lines, the GitHub Actions
// workflow and the Kubernetes Indexed Job) are valid YAML in the shape
// their engines expect, and every nhiscan command in them exists with
// the flags they give it.
func TestREADMEShardingRecipes(t *testing.T) {
	section := readmeSection(t, "### Sharding an organization")
	var lines []string
	for _, b := range fencedBlocks(section, "sh") {
		lines = append(lines, strings.Split(b, "\n")...)
	}
	var workflow, job map[string]any
	for _, b := range fencedBlocks(section, "yaml") {
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(b), &doc); err != nil {
			t.Fatalf("README sharding YAML: %v\n%s", err, b)
		}
		if doc["kind"] == "Job" {
			job = doc
		} else {
			workflow = doc
		}
		lines = append(lines, yamlStrings(doc)...)
	}
	if workflow == nil || job == nil {
		t.Fatal("the sharding section lost its GitHub Actions workflow or its Kubernetes Job")
	}
	jobs, _ := workflow["jobs"].(map[string]any)
	scan, _ := jobs["scan"].(map[string]any)
	strategy, _ := scan["strategy"].(map[string]any)
	if plan, _ := jobs["plan"].(map[string]any); plan == nil || strategy["matrix"] != "${{ fromJSON(needs.plan.outputs.matrix) }}" {
		t.Errorf("workflow: the scan job's matrix does not come from the plan job: %v", strategy)
	}
	spec, _ := job["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	podSpec, _ := tmpl["spec"].(map[string]any)
	if job["apiVersion"] != "batch/v1" || spec["completionMode"] != "Indexed" || podSpec["restartPolicy"] != "Never" {
		t.Errorf("Kubernetes Job: apiVersion %v, completionMode %v, restartPolicy %v", job["apiVersion"], spec["completionMode"], podSpec["restartPolicy"])
	}
	// The matrix fields the workflow uses are the ones --matrix prints.
	for _, field := range regexp.MustCompile(`matrix\.(\w+)`).FindAllStringSubmatch(strings.Join(lines, "\n"), -1) {
		if field[1] != "shard" && field[1] != "args" && field[1] != "scopes" {
			t.Errorf("the workflow uses matrix.%s, which --matrix does not print", field[1])
		}
	}

	root := newRootCmd(testEnv(inventory.Inventory{}))
	cmdRE := regexp.MustCompile(`nhiscan ((?:org|scan|merge|report)\b[^|&;>)#\n]*)`)
	seen := map[string]bool{}
	for _, l := range lines {
		for _, m := range cmdRE.FindAllStringSubmatch(l, -1) {
			var args []string
			skip := 0
			for _, a := range strings.Fields(m[1]) {
				switch {
				case a == "${{":
					skip++
				case a == "}}":
					skip--
				case skip > 0 || strings.Contains(a, "…") || regexp.MustCompile(`^\$\w+$`).MatchString(a):
					// A shell variable alone stands for several flags.
				case strings.Contains(a, "$"):
					args = append(args, "0") // a value: --shard "$JOB_COMPLETION_INDEX"
				default:
					args = append(args, a)
				}
			}
			cmd, rest, err := root.Find(args)
			if err != nil || cmd == root {
				t.Errorf("README: nhiscan %s: no such command: %v", m[1], err)
				continue
			}
			seen[cmd.Name()] = true
			if err := cmd.ParseFlags(rest); err != nil {
				t.Errorf("README: nhiscan %s: %v", m[1], err)
			}
		}
	}
	for _, want := range []string{"accounts", "scan", "merge", "report"} {
		if !seen[want] {
			t.Errorf("the sharding recipes no longer run nhiscan %s", want)
		}
	}
}

// yamlStrings returns every string value of a decoded YAML document.
func yamlStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case map[string]any:
		var out []string
		for _, x := range v {
			out = append(out, yamlStrings(x)...)
		}
		return out
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, yamlStrings(x)...)
		}
		return out
	}
	return nil
}
