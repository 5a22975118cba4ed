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
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("rules:\n  disable: [NHI-DEL-004]\n  severity: {NHI-STA-001: low}\nexclude: [\"*breakglass*\"]\n"), 0o644)
	raise := filepath.Join(dir, "raise.yaml")
	os.WriteFile(raise, []byte("rules:\n  severity:\n    NHI-DOR-004: critical\n"), 0o644)

	docs := map[string]string{
		"demo":                runCLI(t, env, "scan", "--demo", "--format", "json").stdout,
		"baseline_suppressed": runCLI(t, env, "scan", "--demo", "--format", "json", "--baseline", base, "--ignore-file", ignore).stdout,
		"baseline_updated":    runCLI(t, env, "scan", "--demo", "--format", "json", "--baseline", base, "--config", raise).stdout,
		"partial": runCLI(t, testEnv(inventory.Inventory{Sources: []inventory.Source{
			{Scanner: "aws", Scope: "222222222222", Mode: "live", Status: "failed", Error: "denied", Warnings: []string{"w"}, Principal: "arn:aws:sts::222222222222:assumed-role/audit/nhiscan"}}}), "scan", "aws", "--format", "json").stdout,
		"configured": runCLI(t, env, "scan", "--demo", "--format", "json", "--config", cfg, "--fail-on", "high").stdout,
	}
	for _, want := range []string{`"principal": "arn:aws:sts::`, `"rules_disabled": [`} {
		if !strings.Contains(docs["partial"]+docs["configured"], want) {
			t.Fatalf("no report exercises %s", want)
		}
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
	if !strings.Contains(docs["demo"], `"schema_version": "2"`) || !strings.Contains(docs["demo"], `"rules": [`) {
		t.Fatal("the demo report is not of schema version 2")
	}
	broken := strings.Replace(docs["demo"], `"severity": "critical"`, `"severity": "urgent"`, 1)
	if err := validate("broken", broken); err == nil {
		t.Error("schema accepted an unknown severity")
	}
	for what, broken := range map[string]string{
		"an unknown --fail-on":        strings.Replace(docs["configured"], `"fail_on": "high"`, `"fail_on": "sometimes"`, 1),
		"a malformed disabled rule":   strings.Replace(docs["configured"], `"NHI-DEL-004"`, `"DEL-4"`, 1),
		"a scan without a start time": strings.Replace(docs["configured"], `"started":`, `"begun":`, 1),
		"a report without rules":      strings.Replace(docs["configured"], `"rules": [`, `"rule_texts": [`, 1),
		"a rule without controls":     strings.Replace(docs["configured"], `"controls": {`, `"controls_by_provider": {`, 1),
		"version 1":                   strings.Replace(docs["configured"], `"schema_version": "2"`, `"schema_version": "1"`, 1),
	} {
		if broken == docs["configured"] {
			t.Fatalf("%s: replacement not found", what)
		}
		if err := validate(what, broken); err == nil {
			t.Errorf("schema accepted %s", what)
		}
	}
}

// The version 1 schema, kept in schema/, accepts the version 1 reports the
// demo wrote before version 2 and refuses a version 2 report; the version 2
// schema refuses them.
func TestReportSchemaVersion1(t *testing.T) {
	compile := func(path string) *jsonschema.Schema {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		sch, err := c.Compile(path)
		if err != nil {
			t.Fatal(err)
		}
		return sch
	}
	v1, v2 := compile("../../schema/report-v1.schema.json"), compile("../../schema/report.schema.json")
	parse := func(doc string) any {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		return inst
	}
	for _, path := range []string{v1Demo, v1DemoSuppressed} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := v1.Validate(parse(string(data))); err != nil {
			t.Errorf("%s does not validate against the version 1 schema: %v", path, err)
		}
		if err := v2.Validate(parse(string(data))); err == nil {
			t.Errorf("the version 2 schema accepts %s", path)
		}
	}
	demo := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--demo", "--format", "json").stdout
	if err := v1.Validate(parse(demo)); err == nil {
		t.Error("the version 1 schema accepts a version 2 report")
	}
}
