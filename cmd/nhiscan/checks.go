package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/rules"
)

// ruleSelection is --check and --skip-check: rule ids or globs, as
// Checkov and Trivy users write them.
type ruleSelection struct {
	check, skip []string
}

func (s *ruleSelection) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringSliceVar(&s.check, "check", nil, "run only these rules: ids, globs such as NHI-OVB-*, or rule groups such as aws, azure, agents (repeatable or comma-separated; replaces the config's rules.enable/disable)")
	f.StringSliceVar(&s.skip, "skip-check", nil, "do not run these rules: ids, globs or provider groups (repeatable or comma-separated; added to the config's rules.disable)")
}

// matching returns the catalogue's rule ids that pattern matches, in any
// case.
func matching(flag, pattern string) (map[string]bool, error) {
	p := strings.ToUpper(strings.TrimSpace(pattern))
	out := map[string]bool{}
	if !strings.ContainsAny(p, "*?[") {
		// A group name ("aws", "k8s", "neutral") or one id.
		if rs, err := rules.FromNames([]string{p}); err == nil {
			for _, r := range rs {
				out[r.Meta().ID] = true
			}
			return out, nil
		}
	}
	for _, r := range rules.All() {
		if id := r.Meta().ID; findings.MatchGlob(p, id) {
			out[id] = true
		}
	}
	if len(out) == 0 {
		return nil, inputError{fmt.Errorf("%s: no rule matches %q (see 'nhiscan rules')", flag, pattern)}
	}
	return out, nil
}

// validate checks every pattern before anything is scanned.
func (s *ruleSelection) validate() error {
	for _, l := range []struct {
		flag string
		pats []string
	}{{"--check", s.check}, {"--skip-check", s.skip}} {
		for _, p := range l.pats {
			if _, err := matching(l.flag, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// apply combines the command line with the config: --check, when given,
// decides which rules run (the command line wins over the config's
// rules.enable and rules.disable); --skip-check disables more.
func (s *ruleSelection) apply(cfg *rules.Config) error {
	if len(s.check) == 0 && len(s.skip) == 0 {
		return nil
	}
	disabled := map[string]bool{}
	for id, off := range cfg.Disabled {
		disabled[id] = off
	}
	if len(s.check) > 0 {
		on := map[string]bool{}
		for _, p := range s.check {
			ids, err := matching("--check", p)
			if err != nil {
				return err
			}
			for id := range ids {
				on[id] = true
			}
		}
		for _, r := range rules.All() {
			id := r.Meta().ID
			disabled[id] = !on[id]
		}
	}
	for _, p := range s.skip {
		ids, err := matching("--skip-check", p)
		if err != nil {
			return err
		}
		for id := range ids {
			disabled[id] = true
		}
	}
	for id, off := range disabled {
		if !off {
			delete(disabled, id)
		}
	}
	if len(disabled) == len(rules.All()) {
		return inputError{fmt.Errorf("--check/--skip-check: no rule is left to run")}
	}
	cfg.Disabled = disabled
	return nil
}
