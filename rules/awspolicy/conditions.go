package awspolicy

import (
	"regexp"
	"strconv"
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

// Caller says which credentials a principal can make requests with, which
// decides whether aws:TokenIssueTime is present in its requests.
type Caller int

const (
	// AnyCaller may use long-term access keys (no token issue time) or
	// temporary credentials: IAM users, groups' members, or unknown.
	AnyCaller Caller = iota
	// SessionCaller uses temporary credentials only (roles): every request
	// carries a token issue time.
	SessionCaller
)

// CallerOf returns the kind of caller an identity is.
func CallerOf(id *inventory.Identity) Caller {
	if id.Kind == inventory.KindAWSRole {
		return SessionCaller
	}
	return AnyCaller
}

// When decides a statement's conditions as of asOf for a caller: False when
// some condition cannot hold, True when every one holds (or there are
// none), Unknown otherwise. A zero asOf decides nothing.
func When(st *inventory.Statement, asOf time.Time, caller Caller) Truth {
	out := True
	for _, c := range st.Conditions {
		switch decideCondition(c, asOf, caller) {
		case False:
			return False
		case Unknown:
			out = Unknown
		}
	}
	return out
}

// dateOperators compare the request's time t with a policy value v.
var dateOperators = map[string]func(t, v time.Time) bool{
	"datelessthan":          func(t, v time.Time) bool { return t.Before(v) },
	"datelessthanequals":    func(t, v time.Time) bool { return !t.After(v) },
	"dategreaterthan":       func(t, v time.Time) bool { return t.After(v) },
	"dategreaterthanequals": func(t, v time.Time) bool { return !t.Before(v) },
	"dateequals":            func(t, v time.Time) bool { return t.Equal(v) },
	"datenotequals":         func(t, v time.Time) bool { return !t.Equal(v) },
}

// numericAsDate maps the numeric operators usable on aws:EpochTime to the
// date operators of the same meaning.
var numericAsDate = map[string]string{
	"numericlessthan": "datelessthan", "numericlessthanequals": "datelessthanequals",
	"numericgreaterthan": "dategreaterthan", "numericgreaterthanequals": "dategreaterthanequals",
	"numericequals": "dateequals", "numericnotequals": "datenotequals",
}

// decideCondition evaluates one condition as of asOf. Decided are the date keys
// (aws:CurrentTime, aws:EpochTime, aws:TokenIssueTime) under every date
// operator and its IfExists form, and GCP conditions on request.time.
func decideCondition(c inventory.Condition, asOf time.Time, caller Caller) Truth {
	if asOf.IsZero() {
		return Unknown
	}
	op := strings.ToLower(c.Operator)
	if op == "cel" {
		if len(c.Values) != 1 {
			return Unknown
		}
		return celTruth(c.Values[0], asOf)
	}
	op = strings.TrimPrefix(strings.TrimPrefix(op, "foranyvalue:"), "forallvalues:")
	op, ifExists := strings.CutSuffix(op, "ifexists")
	key := strings.ToLower(c.Key)
	if op == "null" && len(c.Values) == 1 {
		// Null "true" holds when the key is absent. The clock keys are
		// always present; the token issue time is present in every
		// request of a session caller and absent with long-term keys.
		present := key == "aws:currenttime" || key == "aws:epochtime" || (key == "aws:tokenissuetime" && caller == SessionCaller)
		switch {
		case !present:
			return Unknown
		case strings.EqualFold(c.Values[0], "true"):
			return False
		}
		return True
	}
	switch key {
	case "aws:currenttime":
		return dateTruth(op, c.Values, asOf)
	case "aws:epochtime":
		if d, ok := numericAsDate[op]; ok {
			op = d
		}
		return dateTruth(op, c.Values, asOf)
	case "aws:tokenissuetime":
		// A credential issued as of the scan carries an issue time of
		// asOf (none issued later meets "DateLessThan <a past date>"); a
		// long-term key carries none, and a missing key satisfies only
		// IfExists and negated operators.
		if _, ok := dateOperators[op]; !ok {
			return Unknown
		}
		present := dateTruth(op, c.Values, asOf)
		if caller == SessionCaller {
			return present
		}
		absent := False
		if ifExists || op == "datenotequals" {
			absent = True
		}
		if present == absent {
			return present
		}
		return Unknown
	}
	return Unknown
}

// dateTruth applies a date operator to the time t: a positive operator
// holds when some value matches, DateNotEquals when none is equal.
func dateTruth(op string, values []string, t time.Time) Truth {
	f, ok := dateOperators[op]
	if !ok || len(values) == 0 {
		return Unknown
	}
	negated := op == "datenotequals"
	for _, s := range values {
		v, ok := parseDate(s)
		if !ok {
			return Unknown
		}
		holds := f(t, v)
		if !negated && holds {
			return True
		}
		if negated && !holds {
			return False
		}
	}
	if negated {
		return True
	}
	return False
}

// parseDate reads the date forms IAM accepts: ISO 8601 (with or without
// time and zone) and epoch seconds.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// celTruth decides a GCP IAM condition (CEL) as of asOf: comparisons of
// request.time with a timestamp are decided, joined by &&, || and !
// (Kleene logic); every other term is unknown.
func celTruth(expr string, asOf time.Time) Truth {
	s := strings.TrimSpace(expr)
	for len(s) > 1 && s[0] == '(' && closing(s, 0) == len(s)-1 {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if parts := splitTop(s, "||"); len(parts) > 1 {
		out := False
		for _, p := range parts {
			switch celTruth(p, asOf) {
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
			switch celTruth(p, asOf) {
			case False:
				return False
			case Unknown:
				out = Unknown
			}
		}
		return out
	}
	if rest, ok := strings.CutPrefix(s, "!"); ok && !strings.HasPrefix(rest, "=") {
		switch celTruth(rest, asOf) {
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
	celOps  = map[string]string{"<": "datelessthan", "<=": "datelessthanequals", ">": "dategreaterthan", ">=": "dategreaterthanequals", "==": "dateequals", "!=": "datenotequals"}
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
	if dateOperators[celOps[op]](asOf, v) {
		return True
	}
	return False
}

// closing returns the index of the parenthesis closing the one at open,
// or -1.
func closing(s string, open int) int {
	depth := 0
	var quote byte
	for i := open; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitTop splits s at sep outside parentheses and string literals.
func splitTop(s, sep string) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			out = append(out, s[start:i])
			i += len(sep) - 1
			start = i + 1
		}
	}
	return append(out, s[start:])
}
