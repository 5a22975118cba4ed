package aws

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json/v1"
)

// TestParseAllSharesSameText checks that parseAll parses a text once:
// documents with the same text share one statement slice, other texts get
// their own, and a bad document keeps its error.
func TestParseAllSharesSameText(t *testing.T) {
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	other := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`
	docs := []*document{
		{raw: []byte(trust)}, {raw: []byte(other)}, {raw: []byte(trust)},
		{raw: []byte(`{"Statement":[`)}, {raw: []byte(`{"Statement":[`)},
		{api: "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D", hasAPI: true},
	}
	parseAll(docs)
	for i, d := range docs {
		if !d.done {
			t.Fatalf("document %d not parsed", i)
		}
	}
	if len(docs[0].parsed) != 1 || &docs[0].parsed[0] != &docs[2].parsed[0] {
		t.Errorf("same text: statements %p and %p, want one shared slice of one statement", docs[0].parsed, docs[2].parsed)
	}
	if len(docs[1].parsed) != 1 || docs[1].parsed[0].Actions[0] != "s3:GetObject" {
		t.Errorf("other text: %+v", docs[1].parsed)
	}
	if docs[3].err == nil || docs[4].err == nil || docs[4].err.Error() != docs[3].err.Error() {
		t.Errorf("bad documents: errors %v and %v, want the same error", docs[3].err, docs[4].err)
	}
	if len(docs[5].parsed) != 1 || docs[5].parsed[0].Effect != "Deny" {
		t.Errorf("URL-encoded document: %+v (%v)", docs[5].parsed, docs[5].err)
	}
	for _, d := range docs {
		st, err := d.Parse()
		if len(st) != len(d.parsed) || (err == nil) != (d.err == nil) {
			t.Errorf("Parse after parseAll: %v, %v; kept %v, %v", st, err, d.parsed, d.err)
		}
	}
}

// TestExportDocumentsShareInput checks that unmarshalExport leaves each
// policy document's text in the export's bytes (no copy), in every form a
// document takes (object, JSON string, URL-encoded string, null), and that
// the documents read as they do through encoding/json's copy.
func TestExportDocumentsShareInput(t *testing.T) {
	data := []byte(`{"RoleDetailList": [
	  {"RoleName": "a", "Arn": "arn:aws:iam::123456789012:role/a",
	   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
	   "RolePolicyList": [
	     {"PolicyName": "s", "PolicyDocument": "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}}"},
	     {"PolicyName": "u", "PolicyDocument": "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D"},
	     {"PolicyName": "n", "PolicyDocument": null}]}]}`)
	var f, copied awsFile
	if err := unmarshalExport(data, &f); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &copied); err != nil {
		t.Fatal(err)
	}
	r, c := f.RoleDetailList[0], copied.RoleDetailList[0]
	docs := []*document{&r.AssumeRolePolicyDocument, &r.RolePolicyList[0].PolicyDocument, &r.RolePolicyList[1].PolicyDocument, &r.RolePolicyList[2].PolicyDocument}
	want := []*document{&c.AssumeRolePolicyDocument, &c.RolePolicyList[0].PolicyDocument, &c.RolePolicyList[1].PolicyDocument, &c.RolePolicyList[2].PolicyDocument}
	for i, d := range docs {
		start := bytes.Index(data, d.raw)
		if len(d.raw) == 0 || start < 0 || &data[start] != &d.raw[0] {
			t.Errorf("document %d (%.20s) is a copy, want a slice of the export", i, d.raw)
		}
		if !bytes.Equal(d.raw, want[i].raw) {
			t.Errorf("document %d: %s, want %s", i, d.raw, want[i].raw)
		}
		got, gerr := d.Parse()
		exp, eerr := want[i].Parse()
		if fmt.Sprint(got, gerr) != fmt.Sprint(exp, eerr) {
			t.Errorf("document %d parses to %v, %v; want %v, %v", i, got, gerr, exp, eerr)
		}
	}
}

// TestARNFields checks arnFields against strings.SplitN(arn, ":", 6).
func TestARNFields(t *testing.T) {
	for _, arn := range []string{"arn:aws:iam::123456789012:user/a", "arn:aws:iam::aws:policy/AdministratorAccess",
		"arn:aws:s3:::b/k:with:colons", "", "arn:aws:iam::123456789012", "::::", ":::::", "a:b:c:d:e:f:g"} {
		want := strings.SplitN(arn, ":", 6)
		got, ok := arnFields(arn)
		if ok != (len(want) == 6) || ok && !slices.Equal(got[:], want) {
			t.Errorf("arnFields(%q) = %q, %v; SplitN gives %q", arn, got, ok, want)
		}
	}
}

// TestLargeExportListsSized checks that a large export decodes to what
// encoding/json's semantics give, with its long lists made the right size
// at once, and that lists the export lacks stay nil while a list it has
// empty stays empty.
func TestLargeExportListsSized(t *testing.T) {
	var roles, users, policies []string
	for i := range 3000 {
		roles = append(roles, fmt.Sprintf(`{"RoleName": "r%d", "RoleId": "AROA%d", "Arn": "arn:aws:iam::123456789012:role/r%d", "CreateDate": "2024-01-01T00:00:00Z",
		  "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
		  "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "p%d", "PolicyArn": "arn:aws:iam::123456789012:policy/p%d"}], "Tags": []}`, i, i, i, i%500, i%500))
	}
	for i := range 1000 {
		users = append(users, fmt.Sprintf(`{"UserName": "u%d", "UserId": "AIDA%d", "Arn": "arn:aws:iam::123456789012:user/u%d", "CreateDate": "2024-01-01T00:00:00Z", "GroupList": []}`, i, i, i))
	}
	for i := range 500 {
		policies = append(policies, fmt.Sprintf(`{"PolicyName": "p%d", "PolicyId": "ANPA%d", "Arn": "arn:aws:iam::123456789012:policy/p%d", "DefaultVersionId": "v1",
		  "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}, "VersionId": "v1", "IsDefaultVersion": true}]}`, i, i, i))
	}
	list := func(xs []string) string { return "[" + strings.Join(xs, ",\n") + "]" }
	for _, c := range []struct {
		name, data                 string
		wantRoles, wantListedRoles int // -1: nil
		wantUsers, wantPolicies    int
	}{
		{"details", `{"UserDetailList": ` + list(users) + `, "GroupDetailList": [], "RoleDetailList": ` + list(roles) + `, "Policies": ` + list(policies) + `}`, 3000, -1, 1000, 500},
		{"roles only", `{"RoleDetailList": ` + list(roles) + `}`, 3000, -1, -1, -1},
		{"list-roles", `{"Roles": ` + list(roles) + `}`, -1, 3000, -1, -1},
		{"empty lists", `{"UserDetailList": [], "RoleDetailList": [], "Policies": [], "Padding": ` + list(roles) + `}`, 0, -1, 0, 0},
	} {
		data := []byte(c.data)
		if len(data) < 1<<20 {
			t.Fatalf("%s: %d bytes, want a large export", c.name, len(data))
		}
		var got, want awsFile
		if err := unmarshalFile(data, &got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded differently from encoding/json semantics", c.name)
		}
		for _, l := range []struct {
			name      string
			n, c, exp int
			isNil     bool
		}{
			{"RoleDetailList", len(got.RoleDetailList), cap(got.RoleDetailList), c.wantRoles, got.RoleDetailList == nil},
			{"Roles", len(got.Roles), cap(got.Roles), c.wantListedRoles, got.Roles == nil},
			{"UserDetailList", len(got.UserDetailList), cap(got.UserDetailList), c.wantUsers, got.UserDetailList == nil},
			{"Policies", len(got.Policies), cap(got.Policies), c.wantPolicies, got.Policies == nil},
		} {
			switch {
			case l.exp < 0 && !l.isNil:
				t.Errorf("%s: %s has %d entries (capacity %d), want nil", c.name, l.name, l.n, l.c)
			case l.exp >= 0 && (l.isNil || l.n != l.exp):
				t.Errorf("%s: %s has %d entries (nil %v), want %d", c.name, l.name, l.n, l.isNil, l.exp)
			case l.exp > 0 && l.c != l.n:
				t.Errorf("%s: %s has capacity %d for %d entries: grown, not made the right size", c.name, l.name, l.c, l.n)
			}
		}
	}
}

// TestUnmarshalExportErrorsAsLegacy checks that unmarshalExport, which
// decodes without checking the whole text first, gives for bad exports
// exactly the error (type and text) that encoding/json's semantics give:
// syntax errors before, inside and after the lists, type errors in
// nested fields (reported after the rest was read), and trailing text;
// and that a good export decodes to the same value.
func TestUnmarshalExportErrorsAsLegacy(t *testing.T) {
	role := `{"RoleName": "a", "Arn": "arn:aws:iam::123456789012:role/a", "CreateDate": "2024-01-01T00:00:00Z", "AssumeRolePolicyDocument": {"Statement": []}, "MaxSessionDuration": 3600}`
	for _, in := range []string{
		`{"RoleDetailList": [` + role + `]}`,
		`{"RoleDetailList": [` + role + `,]}`,
		`{"RoleDetailList": [` + role + `], "UserDetailList": [{"UserName": 7}]}`,
		`{"RoleDetailList": [{"RoleName": ["x"]}, ` + role + `], "Policies": [{"PolicyName": "p"` + `}`,
		`{"RoleDetailList": [{"MaxSessionDuration": "1h"}], "UserDetailList": [{"UserName": 7}], "Policies": {}}`,
		`{"RoleDetailList": [{"CreateDate": "yesterday"}]}`,
		`{"RoleDetailList": [` + role + `]} {"more": 1}`,
		`{"RoleDetailList": [{"AssumeRolePolicyDocument": {"Statement": [}]}`,
		`{"Roles": [` + role + `], "IsTruncated": "no"}`,
		`{"UserDetailList": [{"UserName": "u\x80"}], "RoleDetailList": [{"RoleName": "r"` + "\n" + `"Arn": ""}]}`,
		`{"RoleDetailList": [` + role + `]`,
	} {
		var got, want awsFile
		gerr := unmarshalExport([]byte(in), &got)
		werr := decodeExport([]byte(in), &want, true)
		if fmt.Sprintf("%T %v", gerr, gerr) != fmt.Sprintf("%T %v", werr, werr) {
			t.Errorf("%.60s: error %T %v, want %T %v", in, gerr, gerr, werr, werr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%.60s: decoded %+v, want %+v", in, got, want)
		}
	}
}

// mapHasKey is what hasTopKey replaces: json.Unmarshal of the whole text
// into a map, then a look-up.
func mapHasKey(raw []byte, keys ...string) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return false
	}
	for _, k := range keys {
		if _, ok := top[k]; ok {
			return true
		}
	}
	return false
}

var topKeyCases = []string{
	`{"Roles": []}`, `{"roles": []}`, `{"R\u006fles": 1}`, `{"Roles": [1,]}`, `{"Roles": []} {}`, `{"Roles": []} x`,
	`{"Roles": []}` + " \t\r\n", `{"Roles": []}` + "\v", `{"Roles": 1, "Roles": 2}`, `{"a": {"Roles": 1}}`, `{"a": 1, "Roles"}`,
	`null`, `[{"Roles": 1}]`, `"Roles"`, `{}`, `{"Roles": "\xff"}`, "{\"Rol\xffes\": 1}", `{"Roles": 1`, `{"x": 1, "Roles": null}`,
	`{"agent": {}}`, `{"agentRuntimes": [], "nextToken": ""}`, `{"\u0061gentSummaries": []}`, `{"Agent": {}}`, `{"agentRuntimeArn": "a", "x": [}`,
	`{"a": "\"agent"}`, `{"RoleDetailList": [], "agents": []}`, `{"agent": 1, "agent": [}`,
}

// TestHasTopKeyAsMap checks hasExactKey and isAgentExport against the map
// they replace: exact spelling after unescaping, top level only, and
// false for any text json.Unmarshal rejects (trailing values, bad syntax).
func TestHasTopKeyAsMap(t *testing.T) {
	for _, in := range topKeyCases {
		raw := []byte(in)
		if got, want := hasExactKey(raw, "Roles"), mapHasKey(raw, "Roles"); got != want {
			t.Errorf("hasExactKey(%q, Roles) = %v, want %v", in, got, want)
		}
		if got, want := isAgentExport(raw), mapHasKey(raw, agentFields...); got != want {
			t.Errorf("isAgentExport(%q) = %v, want %v", in, got, want)
		}
		if string(raw) != in {
			t.Errorf("hasTopKey changed its input %q to %q", in, raw)
		}
	}
}

// FuzzHasTopKey compares hasExactKey and isAgentExport with the map they
// replace on any text.
func FuzzHasTopKey(f *testing.F) {
	for _, in := range topKeyCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if got, want := hasExactKey(raw, "Roles"), mapHasKey(raw, "Roles"); got != want {
			t.Errorf("hasExactKey(%q, Roles) = %v, want %v", raw, got, want)
		}
		if got, want := isAgentExport(raw), mapHasKey(raw, agentFields...); got != want {
			t.Errorf("isAgentExport(%q) = %v, want %v", raw, got, want)
		}
	})
}
