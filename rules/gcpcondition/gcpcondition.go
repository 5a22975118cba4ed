// Package gcpcondition decides Google Cloud IAM Conditions, the CEL
// expressions on role bindings, as of a time: comparisons of request.time
// with a timestamp are decided, joined by &&, || and ! (Kleene logic);
// every other term depends on the request and stays unknown. It knows the
// inventory model only.
package gcpcondition

import (
	"iter"
	"regexp"
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Truth is what a condition evaluates to as of the scan: decided true,
// decided false, or unknown (it depends on the request).
type Truth int

// Truth values.
const (
	Unknown Truth = iota
	True
	False
)

// When decides a binding's condition as of asOf: True when there is
// none, otherwise what Decide makes of its expression. A zero asOf
// decides nothing.
func When(c *inventory.BindingCondition, asOf time.Time) Truth {
	switch {
	case c == nil:
		return True
	case asOf.IsZero():
		return Unknown
	}
	return Decide(c.Expression, asOf)
}

// Decide decides a GCP IAM condition expression (CEL) as of asOf: comparisons of
// request.time with a timestamp are decided, joined by &&, || and !
// (Kleene logic); every other term is unknown.
func Decide(expr string, asOf time.Time) Truth {
	s := strings.TrimSpace(expr)
	for len(s) > 1 && s[0] == '(' && closing(s, 0) == len(s)-1 {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if parts := splitTop(s, "||"); len(parts) > 1 {
		out := False
		for _, p := range parts {
			switch Decide(p, asOf) {
			case True:
				return True
			case Unknown:
				out = Unknown
			}
		}
		return out
	}
	if parts := splitTop(s, "&&"); len(parts) > 1 {
		out := True
		for _, p := range parts {
			switch Decide(p, asOf) {
			case False:
				return False
			case Unknown:
				out = Unknown
			}
		}
		return out
	}
	if rest, ok := strings.CutPrefix(s, "!"); ok && !strings.HasPrefix(rest, "=") {
		switch Decide(rest, asOf) {
		case True:
			return False
		case False:
			return True
		}
		return Unknown
	}
	return celComparison(s, asOf)
}

var (
	celTimeFirst = regexp.MustCompile(`^request\.time\s*(<=|>=|<|>|==|!=)\s*timestamp\(\s*["']([^"']+)["']\s*\)$`)
	celTimeLast  = regexp.MustCompile(`^timestamp\(\s*["']([^"']+)["']\s*\)\s*(<=|>=|<|>|==|!=)\s*request\.time$`)
	// celFlip turns "timestamp OP request.time" into "request.time OP' timestamp".
	celFlip = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
	// celOps compare the request's time t with a timestamp v.
	celOps = map[string]func(t, v time.Time) bool{
		"<":  func(t, v time.Time) bool { return t.Before(v) },
		"<=": func(t, v time.Time) bool { return !t.After(v) },
		">":  func(t, v time.Time) bool { return t.After(v) },
		">=": func(t, v time.Time) bool { return !t.Before(v) },
		"==": func(t, v time.Time) bool { return t.Equal(v) },
		"!=": func(t, v time.Time) bool { return !t.Equal(v) },
	}
)

func celComparison(s string, asOf time.Time) Truth {
	var op, value string
	if m := celTimeFirst.FindStringSubmatch(s); m != nil {
		op, value = m[1], m[2]
	} else if m := celTimeLast.FindStringSubmatch(s); m != nil {
		op, value = celFlip[m[2]], m[1]
	} else {
		return Unknown
	}
	v, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return Unknown
	}
	if celOps[op](asOf, v) {
		return True
	}
	return False
}

// unquoted yields, from index from on, each byte of s outside string
// literals (the quotes themselves left out) with the parenthesis depth
// after it: a '(' yields the depth it opens, a ')' the depth it returns
// to.
func unquoted(s string, from int) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		depth := 0
		var quote byte
		for i := from; i < len(s); i++ {
			switch c := s[i]; {
			case quote != 0:
				if c == '\\' {
					i++
				} else if c == quote {
					quote = 0
				}
				continue
			case c == '"' || c == '\'':
				quote = c
				continue
			case c == '(':
				depth++
			case c == ')':
				depth--
			}
			if !yield(i, depth) {
				return
			}
		}
	}
}

// closing returns the index of the parenthesis closing the one at open,
// or -1.
func closing(s string, open int) int {
	for i, depth := range unquoted(s, open) {
		if s[i] == ')' && depth == 0 {
			return i
		}
	}
	return -1
}

// splitTop splits s at sep outside parentheses and string literals.
func splitTop(s, sep string) []string {
	var out []string
	start := 0
	for i, depth := range unquoted(s, 0) {
		if i >= start && depth == 0 && s[i] != ')' && strings.HasPrefix(s[i:], sep) {
			out = append(out, s[start:i])
			start = i + len(sep)
		}
	}
	return append(out, s[start:])
}
