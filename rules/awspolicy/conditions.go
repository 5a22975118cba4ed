package awspolicy

import (
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
// operator and its IfExists form. Other providers' conditions (GCP's CEL)
// are not AWS conditions: they stay unknown.
func decideCondition(c inventory.Condition, asOf time.Time, caller Caller) Truth {
	if asOf.IsZero() {
		return Unknown
	}
	op := strings.ToLower(c.Operator)
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
