package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/rules"
)

// defaultConfigFile is read when present and --config is not given.
const defaultConfigFile = ".nhiscan.yaml"

// fileConfig is the schema of .nhiscan.yaml.
type fileConfig struct {
	Thresholds struct {
		RoleUnusedDays  *int `yaml:"role_unused_days"`
		UserUnusedDays  *int `yaml:"user_unused_days"`
		KeyUnusedDays   *int `yaml:"key_unused_days"`
		KeyRotationDays *int `yaml:"key_rotation_days"`
		MaxSessionHours *int `yaml:"max_session_hours"`
		// Azure client secrets and certificates.
		SecretMaxValidityDays *int `yaml:"secret_max_validity_days"`
	} `yaml:"thresholds"`
	OwnerTags               []string          `yaml:"owner_tags"`
	OwnerDescriptionPattern *string           `yaml:"owner_description_pattern"`
	Owners                  map[string]string `yaml:"owners"`
	AgentTags               map[string]string `yaml:"agent_tags"`
	Agents                  []string          `yaml:"agents"`
	TrustedIssuers          []string          `yaml:"trusted_issuers"`
	Rules                   struct {
		Enable   []string          `yaml:"enable"`
		Disable  []string          `yaml:"disable"`
		Severity map[string]string `yaml:"severity"`
	} `yaml:"rules"`
	Exclude                []string `yaml:"exclude"`
	IncludeProviderManaged bool     `yaml:"include_provider_managed"`
}

// loadConfig applies the config file at path (or the default file when
// path is empty and it exists) to cfg.
func loadConfig(path string, cfg *rules.Config) error {
	explicit := path != ""
	if !explicit {
		path = defaultConfigFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return inputError{fmt.Errorf("config %s: %w", path, err)}
	}
	if err := applyConfig(data, cfg); err != nil {
		return inputError{fmt.Errorf("config %s: %w", path, err)}
	}
	return nil
}

func applyConfig(data []byte, cfg *rules.Config) error {
	var fc fileConfig
	if err := checkKeys(data, fc); err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return yamlError(err, data)
	}
	set := func(dst *int, v *int, name string) error {
		if v == nil {
			return nil
		}
		if *v < 0 {
			return fmt.Errorf("thresholds.%s must not be negative", name)
		}
		*dst = *v
		return nil
	}
	t := fc.Thresholds
	for _, s := range []struct {
		dst  *int
		v    *int
		name string
	}{
		{&cfg.RoleUnusedDays, t.RoleUnusedDays, "role_unused_days"},
		{&cfg.UserUnusedDays, t.UserUnusedDays, "user_unused_days"},
		{&cfg.KeyUnusedDays, t.KeyUnusedDays, "key_unused_days"},
		{&cfg.KeyRotationDays, t.KeyRotationDays, "key_rotation_days"},
		{&cfg.MaxSessionHours, t.MaxSessionHours, "max_session_hours"},
		{&cfg.SecretMaxValidityDays, t.SecretMaxValidityDays, "secret_max_validity_days"},
	} {
		if err := set(s.dst, s.v, s.name); err != nil {
			return err
		}
	}
	if fc.OwnerTags != nil {
		cfg.OwnerTags = fc.OwnerTags
	}
	if fc.AgentTags != nil {
		cfg.AgentTags = fc.AgentTags
	}
	if fc.OwnerDescriptionPattern != nil {
		re, err := regexp.Compile(*fc.OwnerDescriptionPattern)
		if err != nil {
			return fmt.Errorf("owner_description_pattern: %w", err)
		}
		if re.NumSubexp() < 1 {
			return fmt.Errorf("owner_description_pattern needs a group that captures the owner, such as owner:\\s*(\\S+)")
		}
		cfg.OwnerDescription = re
	}
	if fc.TrustedIssuers != nil {
		for _, p := range fc.TrustedIssuers {
			if !strings.HasPrefix(p, "https://") {
				return fmt.Errorf("trusted_issuers: %q is not an https:// issuer URL", p)
			}
		}
		cfg.TrustedIssuers = fc.TrustedIssuers
	}
	cfg.Owners = fc.Owners
	cfg.Agents = fc.Agents
	if len(fc.Rules.Enable) > 0 || len(fc.Rules.Disable) > 0 {
		cfg.Disabled = map[string]bool{}
	}
	if len(fc.Rules.Enable) > 0 {
		// Only the listed rules run.
		only := map[string]bool{}
		for _, id := range fc.Rules.Enable {
			if _, ok := rules.ByID(rules.All(), id); !ok {
				return fmt.Errorf("unknown rule %q in rules.enable", id)
			}
			only[id] = true
		}
		for _, r := range rules.All() {
			if id := r.Meta().ID; !only[id] {
				cfg.Disabled[id] = true
			}
		}
	}
	for _, id := range fc.Rules.Disable {
		cfg.Disabled[id] = true
	}
	if len(fc.Rules.Severity) > 0 {
		cfg.SeverityOverrides = map[string]findings.Severity{}
		for id, name := range fc.Rules.Severity {
			sev, err := findings.ParseSeverity(name)
			if err != nil {
				return fmt.Errorf("rules.severity.%s: %w", id, err)
			}
			cfg.SeverityOverrides[id] = sev
		}
	}
	cfg.Exclude = fc.Exclude
	cfg.IncludeProviderManaged = fc.IncludeProviderManaged
	return cfg.Validate(rules.All())
}

// yamlError makes a YAML decoding error one readable line. A value of the
// wrong kind is named by its line and dotted key, with what was wanted and
// what was given ("line 2: rules.disable: want a list, got the text
// \"NHI-DEL-004\""), not the decoder's YAML tags and Go types.
func yamlError(err error, data []byte) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	var doc yaml.Node
	parsed := yaml.Unmarshal(data, &doc) == nil
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		if j := strings.Index(m, " in type "); j >= 0 {
			m = m[:j]
		}
		msgs[i] = "yaml: " + m
		sm := yamlTypeMsg.FindStringSubmatch(m)
		if sm == nil || !parsed {
			continue
		}
		line, _ := strconv.Atoi(sm[1])
		if path, value, ok := valueAt(&doc, line, "!!"+sm[2]); ok {
			msgs[i] = fmt.Sprintf("line %d: %s: want %s, got %s", line, path, goTypeWords(sm[4]), yamlValueWords(sm[2], value))
		}
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

var yamlTypeMsg = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")

// valueAt finds the value of the given YAML tag on a line and its dotted
// key path (the deepest one, as the decoder reports the innermost value).
func valueAt(doc *yaml.Node, line int, tag string) (path, value string, ok bool) {
	var walk func(n *yaml.Node, p string)
	walk = func(n *yaml.Node, p string) {
		if n.Line == line && n.Tag == tag && p != "" {
			path, value, ok = p, n.Value, true
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, p)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], join(p, n.Content[i].Value))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", p, i))
			}
		}
	}
	walk(doc, "")
	return path, value, ok
}

func goTypeWords(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "main."), strings.HasPrefix(t, "struct"):
		return "a mapping of keys to values"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "text"
	}
	return t
}

func yamlValueWords(tag, value string) string {
	switch tag {
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "str":
		return fmt.Sprintf("the text %q", value)
	case "int", "float":
		return "the number " + value
	case "null":
		return "nothing"
	}
	return value
}
