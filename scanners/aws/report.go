package aws

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

const rootRowName = "<root_account>"

type keySlot struct {
	n           string
	active      bool
	lastRotated *time.Time
	lastUsed    *time.Time
}

// reportRow is one row of the IAM credential report.
type reportRow struct {
	user             string
	arn              string
	created          time.Time
	passwordEnabled  bool
	passwordLastUsed *time.Time
	passwordUseKnown bool
	passwordChanged  *time.Time
	keys             []keySlot
}

// slotFor finds the report slot of the key created at t.
func (r *reportRow) slotFor(t time.Time) *keySlot {
	for i := range r.keys {
		k := &r.keys[i]
		if k.lastRotated != nil && k.lastRotated.Sub(t).Abs() < 2*time.Second {
			return k
		}
	}
	return nil
}

// reportTime parses a credential report value: a time (ISO 8601 as AWS
// writes it, or a form collectors rewrite it to, see parseAWSTime), or one
// of the sentinels AWS writes for "nothing here".
func reportTime(v string) (*time.Time, error) {
	switch v {
	case "", "N/A", "no_information", "not_supported":
		return nil, nil
	}
	t, err := parseAWSTime(v)
	if err != nil {
		return nil, fmt.Errorf("bad time %q", v)
	}
	return &t, nil
}

// looksLikeReport reports whether data starts like a credential report CSV.
func looksLikeReport(data []byte) bool {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if len(line) > 0 && (line[0] == '{' || line[0] == '[') {
		return false // JSON on one line that mentions the columns
	}
	return bytes.HasPrefix(line, []byte("user,")) || bytes.Contains(line, []byte("user_creation_time"))
}

// parseReport reads credential report CSV, looking columns up by name.
func parseReport(data []byte) ([]reportRow, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("credential report is empty")
		}
		return nil, fmt.Errorf("credential report header: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"user", "arn", "user_creation_time"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("not a credential report: header has no %q column", need)
		}
	}
	var rows []reportRow
	line := 1
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("credential report line %d: %v", line, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		tm := func(name string) (*time.Time, error) {
			t, err := reportTime(get(name))
			if err != nil {
				return nil, fmt.Errorf("credential report line %d, column %s: %v", line, name, err)
			}
			return t, nil
		}
		row := reportRow{user: get("user"), arn: get("arn")}
		if row.user == "" || row.arn == "" {
			return nil, fmt.Errorf("credential report line %d: empty user or arn", line)
		}
		created, err := tm("user_creation_time")
		if err != nil {
			return nil, err
		}
		if created == nil {
			return nil, fmt.Errorf("credential report line %d: no user_creation_time", line)
		}
		row.created = *created
		row.passwordEnabled = get("password_enabled") == "true"
		if row.passwordLastUsed, err = tm("password_last_used"); err != nil {
			return nil, err
		}
		row.passwordUseKnown = get("password_last_used") != "no_information"
		if row.passwordChanged, err = tm("password_last_changed"); err != nil {
			return nil, err
		}
		for _, n := range []string{"1", "2"} {
			k := keySlot{n: n, active: get("access_key_"+n+"_active") == "true"}
			if k.lastRotated, err = tm("access_key_" + n + "_last_rotated"); err != nil {
				return nil, err
			}
			if k.lastUsed, err = tm("access_key_" + n + "_last_used_date"); err != nil {
				return nil, err
			}
			row.keys = append(row.keys, k)
		}
		rows = append(rows, row)
	}
	return rows, nil
}
