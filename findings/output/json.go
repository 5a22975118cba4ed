package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/nhiscan/nhiscan/findings"
)

// reportHead is a Report without its findings, which are streamed one by
// one so a large report never sits in memory twice.
type reportHead struct {
	SchemaVersion string                `json:"schema_version"`
	Tool          findings.Tool         `json:"tool"`
	AsOf          any                   `json:"as_of"`
	Summary       findings.Summary      `json:"summary"`
	Scan          *findings.ScanInfo    `json:"scan,omitempty"`
	Sources       []findings.Source     `json:"sources"`
	Rules         []findings.ReportRule `json:"rules"`
}

// writeJSON writes the report in the current schema version, whatever
// version it was read from: a rules section built from the findings, then
// the findings without what their rule's entry holds. The bytes are those
// encoding/json with two-space indentation writes for such a report,
// written finding by finding.
func writeJSON(w io.Writer, r *findings.Report) error {
	section := findings.RuleSection(r.Findings)
	shared := findings.IndexRules(section)
	head := reportHead{SchemaVersion: findings.SchemaVersion, Tool: r.Tool, AsOf: r.AsOf, Summary: r.Summary, Scan: r.Scan, Sources: r.Sources, Rules: section}
	if head.Sources == nil {
		head.Sources = []findings.Source{}
	}
	hb, err := marshalIndent(head, "")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(bytes.TrimSuffix(hb, []byte("\n}")))
	if len(r.Findings) == 0 {
		bw.WriteString(",\n  \"findings\": []\n}\n")
		return bw.Flush()
	}
	bw.WriteString(",\n  \"findings\": [")
	var buf []byte
	cache := controlsCache{}
	for i := range r.Findings {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n    "...)
		buf = appendFinding(buf, &r.Findings[i], shared, cache)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	bw.WriteString("\n  ]\n}\n")
	return bw.Flush()
}

func marshalIndent(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// controlsCache keeps the rendered controls of a shared slice (all
// findings of one rule share theirs), keyed by its first element.
type controlsCache map[*findings.Control][]byte

// appendFinding writes one finding exactly as encoding/json would with
// the report's indentation (four spaces in, two per level), without
// reflection: reports of a hundred thousand findings are common. The title,
// remediation and controls its rule's entry holds are left out.
func appendFinding(b []byte, f *findings.Finding, rules findings.RuleIndex, cache controlsCache) []byte {
	sharedTitle, sharedRemediation, sharedControls := rules.Shared(f)
	const in = "\n      "
	field := func(b []byte, name string) []byte {
		b = append(b, in...)
		b = appendString(b, name)
		return append(b, ": "...)
	}
	b = append(b, '{')
	b = appendString(field(b, "fingerprint"), f.Fingerprint)
	b = appendString(field(append(b, ','), "rule_id"), f.RuleID)
	if !sharedTitle && f.Title != "" {
		b = appendString(field(append(b, ','), "title"), f.Title)
	}
	b = appendString(field(append(b, ','), "category"), f.Category)
	b = appendString(field(append(b, ','), "severity"), f.Severity.String())
	b = append(field(append(b, ','), "identity"), '{')
	id := f.Identity
	for i, kv := range [][2]string{{"provider", id.Provider}, {"account", id.Account}, {"id", id.ID}, {"name", id.Name}, {"kind", id.Kind}} {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, in+"  "...)
		b = appendString(b, kv[0])
		b = appendString(append(b, ": "...), kv[1])
	}
	b = append(b, ","+in+"  \"agent\": "...)
	b = strconv.AppendBool(b, id.Agent)
	b = append(b, in+"}"...)
	if c := f.Credential; c != nil {
		b = append(field(append(b, ','), "credential"), '{')
		b = appendString(append(b, in+"  \"id\": "...), c.ID)
		b = appendString(append(b, ","+in+"  \"kind\": "...), c.Kind)
		b = append(b, in+"}"...)
	}
	b = appendString(field(append(b, ','), "message"), f.Message)
	b = field(append(b, ','), "evidence")
	if len(f.Evidence) == 0 {
		b = append(b, "{}"...)
	} else {
		b = append(b, '{')
		for i, e := range f.Evidence {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(append(b, in+"  "...), e.Key)
			b = appendString(append(b, ": "...), e.Value)
		}
		b = append(b, in+"}"...)
	}
	if !sharedRemediation && f.Remediation != "" {
		b = appendString(field(append(b, ','), "remediation"), f.Remediation)
	}
	// A finding without controls whose rule's entry has some keeps its
	// empty list, so it reads back as it was.
	if !sharedControls {
		b = appendControls(field(append(b, ','), "controls"), f.Controls, cache)
	}
	if f.Status != "" {
		b = appendString(field(append(b, ','), "status"), f.Status)
	}
	if f.PreviousSeverity != 0 {
		b = appendString(field(append(b, ','), "previous_severity"), f.PreviousSeverity.String())
	}
	if s := f.Suppression; s != nil {
		b = append(field(append(b, ','), "suppression"), '{')
		for i, kv := range [][2]string{{"rule", s.Rule}, {"match", s.Match}, {"reason", s.Reason}, {"owner", s.Owner}, {"expires", s.Expires}} {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, in+"  "...)
			b = appendString(b, kv[0])
			b = appendString(append(b, ": "...), kv[1])
		}
		b = append(b, in+"}"...)
	}
	return append(b, "\n    }"...)
}

// appendControls writes a finding's own controls (four spaces in, like
// appendFinding's fields), from the cache when its slice was written before.
func appendControls(b []byte, cs []findings.Control, cache controlsCache) []byte {
	const in = "\n      "
	if len(cs) == 0 {
		return append(b, "[]"...)
	}
	if done, ok := cache[&cs[0]]; ok && len(done) > 0 {
		return append(b, done...)
	}
	start := len(b)
	b = append(b, '[')
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, in+"  {"...)
		b = appendString(append(b, in+"    \"framework\": "...), c.Framework)
		b = appendString(append(b, ","+in+"    \"id\": "...), c.ID)
		b = append(b, in+"  }"...)
	}
	b = append(b, in+"]"...)
	cache[&cs[0]] = append([]byte(nil), b[start:]...)
	return b
}

const hexDigits = "0123456789abcdef"

// plainJSON tells the bytes that stand for themselves in a JSON string:
// printable ASCII but the quote and the backslash.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString writes s as a JSON string the way encoding/json does with
// HTML escaping off.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	// Most strings (ids, ARNs, messages) need no escape: find the first
	// byte that might with one table lookup a byte.
	i := 0
	for i < len(s) && plainJSON[s[i]] {
		i++
	}
	if i == len(s) {
		return append(append(b, s...), '"')
	}
	start := 0
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// JSONReporter renders a report as JSON, the format baselines and
// 'report' and 'merge' read back.
type JSONReporter struct{}

var _ Reporter = (*JSONReporter)(nil)

// Write renders r as JSON.
func (JSONReporter) Write(w io.Writer, r *findings.Report) error { return writeJSON(w, r) }
