package main

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// unknownKeys walks a decoded YAML document against the Go type it is
// decoded into and describes every key the type does not have: its line,
// its dotted path and a close known key or the list of known keys. The
// decoder's own message ("field x not found in type main.fileConfig")
// names neither the section nor what would be right.
func unknownKeys(doc *yaml.Node, t reflect.Type) []string {
	var out []string
	var walk func(n *yaml.Node, t reflect.Type, path string)
	walk = func(n *yaml.Node, t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode {
			for _, c := range n.Content {
				walk(c, t, path)
			}
			return
		}
		switch t.Kind() {
		case reflect.Struct:
			if n.Kind != yaml.MappingNode {
				return
			}
			fields := map[string]reflect.Type{}
			for i := 0; i < t.NumField(); i++ {
				name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
				if name != "" && name != "-" {
					fields[name] = t.Field(i).Type
				}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				ft, ok := fields[k.Value]
				if !ok {
					out = append(out, fmt.Sprintf("line %d: unknown key %q%s", k.Line, join(path, k.Value), suggestion(k.Value, fields)))
					continue
				}
				walk(v, ft, join(path, k.Value))
			}
		case reflect.Map:
			if n.Kind == yaml.MappingNode {
				for i := 1; i < len(n.Content); i += 2 {
					walk(n.Content[i], t.Elem(), join(path, n.Content[i-1].Value))
				}
			}
		case reflect.Slice:
			if n.Kind == yaml.SequenceNode {
				for i, c := range n.Content {
					walk(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
				}
			}
		}
	}
	walk(doc, t, "")
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggestion names the known key closest to key (at most two edits, or a
// plural/singular slip), else lists the known keys.
func suggestion(key string, fields map[string]reflect.Type) string {
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	sort.Strings(known)
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (known keys here: " + strings.Join(known, ", ") + ")"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// checkKeys parses data as YAML and returns an error naming every key
// that v's type does not have; syntax errors are left to the decoder.
func checkKeys(data []byte, v any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil
	}
	if bad := unknownKeys(&doc, reflect.TypeOf(v)); len(bad) > 0 {
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}
