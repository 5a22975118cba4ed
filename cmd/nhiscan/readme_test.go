package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/rules"
)

// The configuration and ignore-file examples in README.md must be what
// nhiscan accepts.
func TestREADMEExamples(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(data), "```yaml\n")
	var config, ignore int
	for _, b := range blocks[1:] {
		body, _, _ := strings.Cut(b, "```")
		switch {
		case strings.Contains(body, "thresholds:"):
			config++
			cfg := rules.DefaultConfig(time.Now())
			if err := applyConfig([]byte(body), &cfg); err != nil {
				t.Errorf("README config example: %v", err)
			}
			if cfg.OwnerDescription == nil || cfg.OwnerDescription.String() != rules.DefaultOwnerDescription.String() {
				t.Errorf("README owner_description_pattern %v differs from the default %v", cfg.OwnerDescription, rules.DefaultOwnerDescription)
			}
		case strings.Contains(body, "suppressions:"):
			ignore++
			if _, err := parseIgnoreFile([]byte(body)); err != nil {
				t.Errorf("README ignore-file example: %v", err)
			}
		}
	}
	if config != 1 || ignore != 1 {
		t.Errorf("found %d config and %d ignore-file examples, want 1 each", config, ignore)
	}
}
