package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// The JSON Schema shipped in schema/ must accept real reports: the demo,
// one with baseline states and suppressions, and a live partial scan, and
// must reject a report that breaks it.
func TestReportSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile("../../schema/report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	validate := func(name, doc string) error {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return sch.Validate(inst)
	}
	env := testEnv(inventory.Inventory{})
	dir := t.TempDir()
	base := filepath.Join(dir, "b.json")
	ignore := filepath.Join(dir, "i.yaml")
	os.WriteFile(ignore, []byte("version: 1\nsuppressions:\n  - rule: NHI-OWN-*\n    identity: \"*\"\n    reason: tagging project under way\n    owner: platform@example.com\n    expires: 2026-12-31\n"), 0o644)
	runCLI(t, env, "scan", "--demo", "--write-baseline", base)
	raise := filepath.Join(dir, "raise.yaml")
	os.WriteFile(raise, []byte("rules:\n  severity:\n    NHI-DOR-004: critical\n"), 0o644)

	docs := map[string]string{
		"demo":                runCLI(t, env, "scan", "--demo", "--format", "json").stdout,
		"baseline_suppressed": runCLI(t, env, "scan", "--demo", "--format", "json", "--baseline", base, "--ignore-file", ignore).stdout,
		"baseline_updated":    runCLI(t, env, "scan", "--demo", "--format", "json", "--baseline", base, "--config", raise).stdout,
		"partial": runCLI(t, testEnv(inventory.Inventory{Sources: []inventory.Source{
			{Scanner: "aws", Scope: "222222222222", Mode: "live", Status: "failed", Error: "denied", Warnings: []string{"w"}}}}), "scan", "aws", "--format", "json").stdout,
	}
	if !strings.Contains(docs["baseline_suppressed"], `"suppression": {`) || !strings.Contains(docs["baseline_suppressed"], `"status": "unchanged"`) {
		t.Fatal("the baseline/suppression report lacks the optional fields it should exercise")
	}
	if !strings.Contains(docs["baseline_updated"], `"previous_severity": "low"`) {
		t.Fatal("the updated report lacks previous_severity")
	}
	for name, doc := range docs {
		if err := validate(name, doc); err != nil {
			t.Errorf("%s does not validate: %v", name, err)
		}
	}
	broken := strings.Replace(docs["demo"], `"severity": "critical"`, `"severity": "urgent"`, 1)
	if err := validate("broken", broken); err == nil {
		t.Error("schema accepted an unknown severity")
	}
}
