package aws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"net/url"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// document is a policy document as it arrives: a JSON object (the AWS CLI
// decodes documents), a JSON string holding the document, or a URL-encoded
// string (what the IAM API sends on the wire). It keeps the raw bytes and
// parses on demand, so unused policy versions cost nothing.
type document struct {
	raw []byte
	// api is the string an SDK returned, kept as it is: it is text
	// already, not JSON to decode first
	api    string
	hasAPI bool
	// the parse result, kept once Parse has run
	parsed []inventory.Statement
	err    error
	done   bool
}

func (d *document) UnmarshalJSON(b []byte) error {
	d.raw = append([]byte(nil), b...)
	return nil
}

// unmarshalExport decodes an export with encoding/json's semantics
// (jsonv1.Unmarshal's), except that each policy document keeps its text
// as a slice of data instead of a copy: the documents are most of an
// authorization details export, and data is not changed afterwards.
// More unmarshalers (for other types) may be given.
//
// It reads the text once: encoding/json's semantics check the whole text
// before decoding any of it, which only changes what an invalid text
// gives. So it first decodes without that check, and only when that
// fails does it zero v and decode again as encoding/json would, so that
// the error and what v holds are encoding/json's.
func unmarshalExport(data []byte, v any, more ...*jsonv2.Unmarshalers) error {
	err := decodeExport(data, v, false, more...)
	if err == nil {
		return nil
	}
	reflect.ValueOf(v).Elem().SetZero()
	return decodeExport(data, v, true, more...)
}

// oneReadOptions are encoding/json's semantics except for how errors are
// reported: without the check of the whole text first.
var oneReadOptions = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(), jsonv1.ReportErrorsWithLegacySemantics(false))

// decodeExport decodes data into v, with encoding/json's semantics when
// legacy is set and with oneReadOptions otherwise.
func decodeExport(data []byte, v any, legacy bool, more ...*jsonv2.Unmarshalers) error {
	opts := oneReadOptions
	if legacy {
		opts = jsonv1.DefaultOptionsV1()
	}
	return jsonv2.Unmarshal(data, v, opts, jsonv2.WithUnmarshalers(jsonv2.JoinUnmarshalers(append([]*jsonv2.Unmarshalers{documentsIn(data)}, more...)...)))
}

// documentsIn decodes a document as a slice of data where the decoder
// hands out the text in place (it does when it reads data itself), and as
// a copy otherwise.
func documentsIn(data []byte) *jsonv2.Unmarshalers {
	return jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, d *document) error {
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		end := int(dec.InputOffset())
		if start := end - len(v); len(v) > 0 && start >= 0 && end <= len(data) && &data[start] == &v[0] {
			d.raw = data[start:end:end]
			return nil
		}
		d.raw = append([]byte(nil), v...)
		return nil
	})
}

// documentFromAPI wraps the string an SDK returns (URL-encoded on the wire,
// but emulators may send plain JSON).
func documentFromAPI(s *string) document {
	if s == nil {
		return document{}
	}
	return document{api: *s, hasAPI: true}
}

func (d document) empty() bool {
	if d.hasAPI {
		return strings.TrimSpace(d.api) == ""
	}
	return len(d.raw) == 0 || string(d.raw) == "null"
}

// text returns the document's JSON text, unwrapping string forms.
func (d document) text() ([]byte, error) {
	var s string
	if d.hasAPI {
		s = d.api
	} else {
		b := bytes.TrimSpace(d.raw)
		if len(b) == 0 || b[0] != '"' {
			return b, nil
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "%") || !strings.HasPrefix(s, "{") {
		dec, err := url.PathUnescape(s)
		if err != nil {
			return nil, fmt.Errorf("policy document is neither JSON nor URL-encoded JSON: %v", err)
		}
		s = dec
	}
	return []byte(s), nil
}

// Parse returns the document's statements, parsing them on first use.
func (d *document) Parse() ([]inventory.Statement, error) {
	if d.done {
		return d.parsed, d.err
	}
	d.parsed, d.err = d.parse()
	d.done = true
	return d.parsed, d.err
}

func (d *document) parse() ([]inventory.Statement, error) {
	if d.empty() {
		return nil, errors.New("policy document is empty")
	}
	b, err := d.text()
	if err != nil {
		return nil, err
	}
	return ParsePolicy(b)
}

// parseAll parses documents on every core; each document's result is kept
// for its later Parse call. Documents with the same text (a trust policy
// that thousands of roles carry, a role listed in two exports) are parsed
// once and share their statements, as identities holding one managed
// policy do.
func parseAll(docs []*document) {
	// Raw texts are found by their hash (a map keyed by the text would
	// copy every distinct one) and compared in full; on a collision of
	// different texts the later one is simply parsed on its own.
	seed := maphash.MakeSeed()
	byRaw := make(map[uint64]*document, len(docs)/2)
	byAPI := map[string]*document{}
	var same [][2]*document // (document, the first one with its text)
	distinct := docs[:0:0]
	for _, d := range docs {
		if d.done {
			continue
		}
		var f *document
		if d.hasAPI {
			if f = byAPI[d.api]; f == nil {
				byAPI[d.api] = d
			}
		} else {
			h := maphash.Bytes(seed, d.raw)
			if f = byRaw[h]; f == nil {
				byRaw[h] = d
			} else if !bytes.Equal(f.raw, d.raw) {
				f = nil
			}
		}
		if f != nil {
			same = append(same, [2]*document{d, f})
			continue
		}
		distinct = append(distinct, d)
	}
	parseEach(distinct)
	for _, p := range same {
		p[0].parsed, p[0].err, p[0].done = p[1].parsed, p[1].err, true
	}
}

// parseEach parses the documents on every core.
func parseEach(docs []*document) {
	workers := runtime.GOMAXPROCS(0)
	next := make(chan *document, 256)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range next {
				d.Parse()
			}
		}()
	}
	for _, d := range docs {
		next <- d
	}
	close(next)
	wg.Wait()
}

// rawPolicy mirrors the IAM policy grammar; each field that AWS allows as
// a single value or a list uses a type that accepts both.
type rawPolicy struct {
	Version   string                  `json:"Version"`
	Statement oneOrMany[rawStatement] `json:"Statement"`
}

type rawStatement struct {
	Sid          jsontext.Value                 `json:"Sid"`
	Effect       string                         `json:"Effect"`
	Action       strings1                       `json:"Action"`
	NotAction    strings1                       `json:"NotAction"`
	Resource     strings1                       `json:"Resource"`
	NotResource  strings1                       `json:"NotResource"`
	Principal    *principalField                `json:"Principal"`
	NotPrincipal *principalField                `json:"NotPrincipal"`
	Condition    map[string]map[string]strings1 `json:"Condition"`
}

// oneOrMany accepts a single JSON value or an array of them.
type oneOrMany[T any] []T

// UnmarshalJSONFrom reads the value from the decoder as it streams, so a
// policy is scanned once (UnmarshalJSON is for encoding/json callers).
func (o *oneOrMany[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() == '[' {
		var many []T
		if err := jsonv2.UnmarshalDecode(dec, &many, policyOptions); err != nil {
			return err
		}
		*o = many
		return nil
	}
	var one T
	if err := jsonv2.UnmarshalDecode(dec, &one, policyOptions); err != nil {
		return err
	}
	*o = []T{one}
	return nil
}

func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var many []T
		if err := json.Unmarshal(b, &many); err != nil {
			return err
		}
		*o = many
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*o = []T{one}
	return nil
}

// strings1 accepts a string, a number, a boolean or an array of them.
type strings1 []string

// UnmarshalJSONFrom takes the value the decoder has already checked.
func (s *strings1) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	return s.UnmarshalJSON(v)
}

func (s *strings1) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if v, ok := plainString(b); ok {
		*s = []string{v}
		return nil
	}
	if len(b) > 0 && b[0] == '[' {
		if out, ok := plainStrings(b); ok {
			*s = out
			return nil
		}
		var many []json.RawMessage
		if err := json.Unmarshal(b, &many); err != nil {
			return err
		}
		out := make([]string, 0, len(many))
		for _, m := range many {
			v, err := scalar(m)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		*s = out
		return nil
	}
	v, err := scalar(b)
	if err != nil {
		return err
	}
	*s = []string{v}
	return nil
}

// plainString is the fast path for a JSON string with no escapes.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	inner := b[1 : len(b)-1]
	if bytes.IndexByte(inner, '\\') >= 0 || bytes.IndexByte(inner, '"') >= 0 || !utf8.Valid(inner) {
		return "", false
	}
	return string(inner), true
}

// plainStrings is the fast path for an array of JSON strings with no
// escapes; anything else goes the general way.
func plainStrings(b []byte) ([]string, bool) {
	b = bytes.TrimSpace(b[1 : len(b)-1])
	if len(b) == 0 {
		return []string{}, true
	}
	var out []string
	for len(b) > 0 {
		if b[0] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(b[1:], '"')
		if end < 0 {
			return nil, false
		}
		v := b[1 : end+1]
		if bytes.IndexByte(v, '\\') >= 0 || !utf8.Valid(v) {
			return nil, false
		}
		out = append(out, string(v))
		b = bytes.TrimSpace(b[end+2:])
		if len(b) == 0 {
			break
		}
		if b[0] != ',' {
			return nil, false
		}
		b = bytes.TrimSpace(b[1:])
		if len(b) == 0 {
			return nil, false
		}
	}
	return out, true
}

func scalar(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", errors.New("empty value")
	}
	switch b[0] {
	case '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	case 't', 'f':
		v, err := strconv.ParseBool(string(b))
		return strconv.FormatBool(v), err
	case '{', '[', 'n':
		return "", fmt.Errorf("expected a string, got %.20s", b)
	default:
		var n json.Number
		err := json.Unmarshal(b, &n)
		return n.String(), err
	}
}

// principalField is "*" or a map from principal type to values.
type principalField struct {
	list []inventory.Principal
}

// UnmarshalJSONFrom takes the value the decoder has already checked.
func (p *principalField) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	return p.UnmarshalJSON(v)
}

func (p *principalField) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "*" {
			return fmt.Errorf("principal %q must be \"*\" or an object", s)
		}
		p.list = []inventory.Principal{{Type: "*", Value: "*"}}
		return nil
	}
	var m map[string]strings1
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	types := make([]string, 0, len(m))
	for t := range m {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		for _, v := range m[t] {
			p.list = append(p.list, inventory.Principal{Type: t, Value: v})
		}
	}
	return nil
}

// policyOptions make the streaming decoder read policies as encoding/json
// does: member names in any case, a repeated member's last value wins,
// invalid UTF-8 replaced.
var policyOptions = jsonv2.JoinOptions(jsonv2.MatchCaseInsensitiveNames(true), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// ParsePolicy parses an IAM policy document's JSON text. It streams the
// document once (github.com/go-json-experiment/json): the encoding/json
// way scanned each statement list again for every nested decoder.
func ParsePolicy(b []byte) ([]inventory.Statement, error) {
	var p rawPolicy
	if err := jsonv2.Unmarshal(b, &p, policyOptions); err != nil {
		return nil, fmt.Errorf("policy document is not valid: %v", oneLine(err))
	}
	return p.statements()
}

// oneLine keeps a decoder's error message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// statements checks and normalises the decoded statements.
func (p *rawPolicy) statements() ([]inventory.Statement, error) {
	if len(p.Statement) == 0 {
		return nil, errors.New("policy document has no Statement")
	}
	out := make([]inventory.Statement, 0, len(p.Statement))
	for i, rs := range p.Statement {
		st := inventory.Statement{
			Effect:       rs.Effect,
			Actions:      rs.Action,
			NotActions:   rs.NotAction,
			Resources:    rs.Resource,
			NotResources: rs.NotResource,
		}
		if len(rs.Sid) > 0 {
			sid, err := scalar(rs.Sid)
			if err != nil {
				return nil, fmt.Errorf("statement %d: Sid: %v", i+1, err)
			}
			st.Sid = sid
		}
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return nil, fmt.Errorf("statement %d: Effect must be Allow or Deny, got %q", i+1, rs.Effect)
		}
		if len(st.Actions) == 0 && len(st.NotActions) == 0 {
			return nil, fmt.Errorf("statement %d: no Action or NotAction", i+1)
		}
		if rs.Principal != nil {
			st.Principals = rs.Principal.list
		}
		if rs.NotPrincipal != nil {
			st.NotPrincipals = rs.NotPrincipal.list
		}
		ops := make([]string, 0, len(rs.Condition))
		for op := range rs.Condition {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		for _, op := range ops {
			keys := make([]string, 0, len(rs.Condition[op]))
			for k := range rs.Condition[op] {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				st.Conditions = append(st.Conditions, inventory.Condition{Operator: op, Key: k, Values: rs.Condition[op][k]})
			}
		}
		out = append(out, st)
	}
	return out, nil
}
