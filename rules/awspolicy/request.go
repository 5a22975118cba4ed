package awspolicy

import (
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Request is what the scan knows of one request a statement may be asked
// about: condition keys and the single value each carries (the claims of
// a web identity token: "<issuer>:sub", "<issuer>:aud"). Keys match
// whatever their case, as IAM's condition keys do.
type Request map[string]string

func (r Request) value(key string) (string, bool) {
	for k, v := range r {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// WhenRequest decides a statement's conditions as When does, and besides
// decides the string operators (StringEquals, StringNotEquals, their
// IgnoreCase forms, StringLike, StringNotLike, with IfExists and the set
// qualifiers) and Null on the keys the request carries. Conditions on
// other keys stay as When leaves them.
func WhenRequest(st *inventory.Statement, asOf time.Time, caller Caller, req Request) Truth {
	out := True
	for _, c := range st.Conditions {
		t := Unknown
		if v, ok := req.value(c.Key); ok {
			t = stringCondition(c, v)
		} else {
			t = decideCondition(c, asOf, caller)
		}
		switch t {
		case False:
			return False
		case Unknown:
			out = Unknown
		}
	}
	return out
}

// stringCondition decides one condition on a key whose single request
// value is v. With one value, ForAnyValue and ForAllValues decide as the
// plain operator does.
func stringCondition(c inventory.Condition, v string) Truth {
	op := strings.ToLower(c.Operator)
	op = strings.TrimPrefix(strings.TrimPrefix(op, "foranyvalue:"), "forallvalues:")
	op = strings.TrimSuffix(op, "ifexists") // the key is present
	if op == "null" && len(c.Values) == 1 {
		if strings.EqualFold(c.Values[0], "true") {
			return False
		}
		return True
	}
	var match func(p string) bool
	negated := strings.Contains(op, "not")
	switch op {
	case "stringequals", "stringnotequals":
		match = func(p string) bool { return p == v }
	case "stringequalsignorecase", "stringnotequalsignorecase":
		match = func(p string) bool { return strings.EqualFold(p, v) }
	case "stringlike", "stringnotlike":
		match = func(p string) bool { return Match(p, v) }
	default:
		return Unknown
	}
	matched := false
	for _, p := range c.Values {
		if strings.Contains(p, "${") {
			return Unknown // a policy variable: its value is the request's
		}
		if match(p) {
			matched = true
		}
	}
	if matched != negated {
		return True
	}
	return False
}

// ActionIn reports whether a statement's Action (or NotAction) covers an
// action.
func ActionIn(st *inventory.Statement, action string) bool {
	s := stmt{notAction: len(st.NotActions) > 0, actions: lowerAll(st.Actions)}
	if s.notAction {
		s.actions = lowerAll(st.NotActions)
	}
	return s.actionCovers(strings.ToLower(action))
}
