package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/rules"
)

func TestConfigAzureSettings(t *testing.T) {
	cfg := rules.DefaultConfig(time.Now())
	if cfg.SecretMaxValidityDays != 365 || !slices.Equal(cfg.TrustedIssuers, rules.DefaultTrustedIssuers) {
		t.Fatalf("defaults: %d days, issuers %v", cfg.SecretMaxValidityDays, cfg.TrustedIssuers)
	}
	err := applyConfig([]byte("thresholds:\n  secret_max_validity_days: 180\ntrusted_issuers:\n  - https://token.actions.githubusercontent.com\n  - https://gitlab.example.com\n"), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SecretMaxValidityDays != 180 || !slices.Equal(cfg.TrustedIssuers, []string{"https://token.actions.githubusercontent.com", "https://gitlab.example.com"}) {
		t.Errorf("applied: %d days, issuers %v", cfg.SecretMaxValidityDays, cfg.TrustedIssuers)
	}
	if got := scanInfo(&cfg, rules.All(), "", 0, time.Now()).Thresholds["secret_max_validity_days"]; got != 180 {
		t.Errorf("scan record threshold = %d, want 180", got)
	}
	for body, want := range map[string]string{
		"trusted_issuers: [gitlab.example.com]\n":                        `trusted_issuers: "gitlab.example.com" is not an https:// issuer URL`,
		"thresholds:\n  secret_max_validity_days: -1\n":                  "thresholds.secret_max_validity_days must not be negative",
		"trusted_issuers: https://token.actions.githubusercontent.com\n": "trusted_issuers: want a list",
	} {
		cfg := rules.DefaultConfig(time.Now())
		if err := applyConfig([]byte(body), &cfg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}
