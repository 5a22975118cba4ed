package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/nhiscan/nhiscan/findings"
)

// defaultIgnoreFile is read when present and --ignore-file is not given.
const defaultIgnoreFile = ".nhiscan-ignore.yaml"

type ignoreFile struct {
	Version      int `yaml:"version"`
	Suppressions []struct {
		Rule        string `yaml:"rule"`
		Identity    string `yaml:"identity"`
		Fingerprint string `yaml:"fingerprint"`
		Reason      string `yaml:"reason"`
		Owner       string `yaml:"owner"`
		Expires     string `yaml:"expires"`
	} `yaml:"suppressions"`
}

// loadIgnoreFile reads the suppressions at p (or the default file when p
// is empty and it exists). A malformed file or a missing required field is
// an input error.
func loadIgnoreFile(p string) ([]findings.SuppressionEntry, error) {
	explicit := p != ""
	if !explicit {
		p = defaultIgnoreFile
	}
	data, err := os.ReadFile(p)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, inputError{fmt.Errorf("ignore file %s: %w", p, unwrapPathError(err))}
	}
	entries, err := parseIgnoreFile(data)
	if err != nil {
		return nil, inputError{fmt.Errorf("ignore file %s: %w", p, err)}
	}
	return entries, nil
}

func parseIgnoreFile(data []byte) ([]findings.SuppressionEntry, error) {
	var f ignoreFile
	if err := checkKeys(data, f); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("file is empty")
		}
		return nil, yamlError(err, data)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("version must be 1, got %d", f.Version)
	}
	var out []findings.SuppressionEntry
	for i, s := range f.Suppressions {
		n := i + 1
		missing := func(field string) error { return fmt.Errorf("suppression %d: %s is required", n, field) }
		switch {
		case strings.TrimSpace(s.Rule) == "":
			return nil, missing("rule")
		case strings.TrimSpace(s.Reason) == "":
			return nil, missing("reason")
		case strings.TrimSpace(s.Owner) == "":
			return nil, missing("owner")
		case strings.TrimSpace(s.Expires) == "":
			return nil, missing("expires")
		case s.Identity == "" && s.Fingerprint == "":
			return nil, fmt.Errorf("suppression %d: give identity or fingerprint", n)
		case s.Identity != "" && s.Fingerprint != "":
			return nil, fmt.Errorf("suppression %d: give identity or fingerprint, not both", n)
		}
		exp, err := time.Parse("2006-01-02", strings.TrimSpace(s.Expires))
		if err != nil {
			return nil, fmt.Errorf("suppression %d: expires must be a date such as 2027-03-31, got %q", n, s.Expires)
		}
		out = append(out, findings.SuppressionEntry{Index: n, Rule: s.Rule, Identity: s.Identity, Fingerprint: s.Fingerprint, Reason: s.Reason, Owner: s.Owner, Expires: exp})
	}
	return out, nil
}
