package aws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func load(t *testing.T, files ...string) inventory.Inventory {
	t.Helper()
	o := NewOffline()
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		ok, err := o.Add(f, data)
		if err != nil || !ok {
			t.Fatalf("Add(%s) = %v, %v", f, ok, err)
		}
	}
	inv, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func find(t *testing.T, inv inventory.Inventory, name string) inventory.Identity {
	t.Helper()
	for _, id := range inv.Identities {
		if id.Name == name {
			return id
		}
	}
	t.Fatalf("no identity %q in %d identities", name, len(inv.Identities))
	return inventory.Identity{}
}

// The same account exported three ways (documents as JSON objects as the
// CLI prints them, URL-encoded as the API sends them, JSON strings as some
// emulators send them) must give the same inventory.
func TestDocumentFormsAgree(t *testing.T) {
	want := load(t, "gaad-cli.json")
	for _, f := range []string{"gaad-urlencoded.json", "gaad-jsonstring.json"} {
		got := load(t, f)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s differs from gaad-cli.json (-cli +%s):\n%s", f, f, d)
		}
	}
}

func TestAuthorizationDetails(t *testing.T) {
	inv := load(t, "gaad-urlencoded.json")
	if len(inv.Sources) != 1 || inv.Sources[0].Scope != "123456789012" || inv.Sources[0].Status != inventory.StatusOK {
		t.Fatalf("sources = %+v", inv.Sources)
	}
	warnings := strings.Join(inv.Sources[0].Warnings, "\n")
	if !strings.Contains(warnings, "skipped malformed inline policy broken of user deployer") {
		t.Errorf("no warning for the malformed policy: %q", warnings)
	}
	if strings.Contains(warnings, "AWSSupportServiceRolePolicy") {
		t.Errorf("warned about an excluded role's policy: %q", warnings)
	}

	agent := find(t, inv, "agent")
	if agent.Excluded != "" || agent.Kind != inventory.KindAWSRole || agent.Account != "123456789012" {
		t.Errorf("agent role classified wrong: %+v", agent)
	}
	if agent.LastUsed == nil || !agent.LastUsed.Equal(time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("RoleLastUsed = %v", agent.LastUsed)
	}
	// Managed policy: the default version (v2), not the admin v1.
	if len(agent.Grants) != 1 || agent.Grants[0].PolicyID != "arn:aws:iam::123456789012:policy/team-policy" {
		t.Fatalf("grants = %+v", agent.Grants)
	}
	st := agent.Grants[0].Statements
	if len(st) != 2 || st[0].Actions[0] != "iam:*" || st[0].Sid != "Iam" || st[1].Effect != "Deny" {
		t.Errorf("default version statements = %+v", st)
	}
	if c := st[1].Conditions; len(c) != 1 || c[0].Operator != "Bool" || c[0].Key != "aws:MultiFactorAuthPresent" || c[0].Values[0] != "false" {
		t.Errorf("boolean condition value not kept: %+v", c)
	}
	if agent.Boundary == nil || agent.Boundary.PolicyName != "boundary" || len(agent.Boundary.Statements) != 1 {
		t.Errorf("boundary = %+v", agent.Boundary)
	}

	slr := find(t, inv, "AWSServiceRoleForSupport")
	if slr.Excluded != "service-linked role" {
		t.Errorf("service-linked role not excluded: %q", slr.Excluded)
	}

	u := find(t, inv, "deployer")
	var sources []string
	for _, g := range u.Grants {
		sources = append(sources, g.Source+":"+g.PolicyName+":"+g.Via)
	}
	if d := cmp.Diff([]string{"inline:inline-s3:", "group:team-policy:admins"}, sources); d != "" {
		t.Errorf("user grants (inline, then group-inherited) differ:\n%s", d)
	}
	if u.Tags["owner"] != "ops" {
		t.Errorf("tags = %v", u.Tags)
	}
}

func TestCredentialReportForms(t *testing.T) {
	csv := load(t, "gaad-cli.json", "credential-report.csv")
	js := load(t, "gaad-cli.json", "get-credential-report.json")
	if d := cmp.Diff(csv, js); d != "" {
		t.Errorf("CSV and base64 JSON reports differ:\n%s", d)
	}
	u := find(t, csv, "deployer")
	if len(u.Credentials) != 3 {
		t.Fatalf("credentials = %+v", u.Credentials)
	}
	pw, k1, k2 := u.Credentials[0], u.Credentials[1], u.Credentials[2]
	if pw.Kind != inventory.CredAWSPassword || pw.LastUsedKnown || pw.LastUsed != nil {
		t.Errorf("password (no_information) = %+v", pw)
	}
	if k1.Status != inventory.CredentialActive || k1.Slot != "1" || k1.LastUsed == nil || !k1.LastUsed.Equal(time.Date(2024, 10, 30, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("key 1 = %+v", k1)
	}
	if k2.Status != inventory.CredentialInactive || k2.LastUsed != nil || !k2.LastUsedKnown {
		t.Errorf("key 2 (inactive, never used) = %+v", k2)
	}
	if k1.ID != "" {
		t.Errorf("the report has no key ids, got %q", k1.ID)
	}
	for _, id := range csv.Identities {
		if id.Kind == inventory.KindAWSRoot {
			t.Errorf("root without keys listed: %+v", id)
		}
	}
}

func TestReportColumnsByName(t *testing.T) {
	inv := load(t, "gaad-cli.json", "credential-report-short.csv")
	u := find(t, inv, "deployer")
	if len(u.Credentials) != 1 || u.Credentials[0].Status != inventory.CredentialActive || u.Credentials[0].LastUsed != nil {
		t.Errorf("credentials from a reordered short report = %+v", u.Credentials)
	}
}

func TestAccessKeysJoinReport(t *testing.T) {
	inv := load(t, "gaad-cli.json", "credential-report.csv", "list-access-keys.json", "list-roles.json")
	u := find(t, inv, "deployer")
	var keys []string
	for _, c := range u.Credentials {
		if c.Kind == inventory.CredAWSAccessKey {
			used := "never"
			if c.LastUsed != nil {
				used = c.LastUsed.Format("2006-01-02")
			}
			keys = append(keys, c.ID+"/"+c.Slot+"/"+c.Status+"/"+used)
		}
	}
	want := []string{"AKIAEXAMPLEKEY000001/1/active/2024-10-30", "AKIAEXAMPLEKEY000002/2/inactive/never"}
	if d := cmp.Diff(want, keys); d != "" {
		t.Errorf("keys joined with report slots differ:\n%s", d)
	}
	if a := find(t, inv, "agent"); a.MaxSession != 2*time.Hour {
		t.Errorf("MaxSessionDuration from list-roles = %v", a.MaxSession)
	}
}

func TestAddRecognition(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantOK  bool
		wantErr string
	}{
		{name: "unrelated_json", data: `{"bindings": []}`},
		{name: "json_array", data: `[{"name": "x"}]`},
		{name: "text", data: "hello"},
		{name: "csv_wrong_header", data: "user,foo,bar\nx,y,z\n", wantOK: true, wantErr: `header has no "arn" column`},
		{name: "report_bad_time", data: "user,arn,user_creation_time\nu,arn:aws:iam::123456789012:user/u,yesterday\n", wantOK: true, wantErr: "bad time"},
		{name: "report_no_rows", data: "user,arn,user_creation_time\n", wantOK: true, wantErr: "no rows"},
		{name: "truncated_gaad", data: `{"UserDetailList": [{"UserName": "a"`, wantOK: true, wantErr: "not valid JSON"},
		{name: "gaad_wrong_type", data: `{"UserDetailList": {"UserName": "a"}}`, wantOK: true, wantErr: "UserDetailList"},
		{name: "gaad_without_arns", data: `{"UserDetailList": [{"UserName": "a"}], "RoleDetailList": []}`, wantOK: true, wantErr: `user "a" has no ARN with an account id`},
		{name: "gaad_empty_page", data: `{"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": [], "IsTruncated": false}`, wantOK: true},
		{name: "gaad_bad_date", data: `{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::123456789012:role/r", "CreateDate": "last tuesday"}]}`, wantOK: true, wantErr: `field RoleDetailList.CreateDate: "last tuesday" is not a date`},
		{name: "gaad_bad_last_used", data: `{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::123456789012:role/r", "CreateDate": "2020-02-25 16:08:50+00:00", "RoleLastUsed": {"LastUsedDate": "2020-13-45 99:00:00+00:00"}}]}`, wantOK: true, wantErr: "field RoleDetailList.RoleLastUsed.LastUsedDate"},
		{name: "keys_bad_date", data: `{"AccessKeyMetadata": [{"UserName": "u", "AccessKeyId": "AKIAX", "Status": "Active", "CreateDate": 1e400}]}`, wantOK: true, wantErr: "field AccessKeyMetadata.CreateDate"},
		{name: "report_json_not_base64", data: `{"Content": "%%%", "ReportFormat": "text/csv"}`, wantOK: true, wantErr: "neither CSV nor base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := NewOffline().Add(tt.name, []byte(tt.data))
			if ok != tt.wantOK {
				t.Errorf("recognised = %v, want %v", ok, tt.wantOK)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want containing %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestParsePolicyShapes(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []inventory.Statement
		wantErr   string
	}{
		{name: "single_statement_object", doc: `{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}`,
			want: []inventory.Statement{{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"*"}}}},
		{name: "principal_star", doc: `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}`,
			want: []inventory.Statement{{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Principals: []inventory.Principal{{Type: "*", Value: "*"}}}}},
		{name: "principal_map_sorted", doc: `{"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com", "AWS": ["111122223333", "arn:aws:iam::111122223333:root"]}, "Action": "sts:AssumeRole"}]}`,
			want: []inventory.Statement{{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Principals: []inventory.Principal{{Type: "AWS", Value: "111122223333"}, {Type: "AWS", Value: "arn:aws:iam::111122223333:root"}, {Type: "Service", Value: "ec2.amazonaws.com"}}}}},
		{name: "numeric_condition", doc: `{"Statement": [{"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:x", "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}}]}`,
			want: []inventory.Statement{{Effect: "Deny", NotActions: []string{"iam:*"}, NotResources: []string{"arn:x"}, Conditions: []inventory.Condition{{Operator: "NumericLessThan", Key: "aws:MultiFactorAuthAge", Values: []string{"3600"}}}}}},
		{name: "bad_effect", doc: `{"Statement": [{"Effect": "allow", "Action": "*"}]}`, wantErr: "Effect must be Allow or Deny"},
		{name: "no_action", doc: `{"Statement": [{"Effect": "Allow", "Resource": "*"}]}`, wantErr: "no Action"},
		{name: "no_statement", doc: `{"Version": "2012-10-17"}`, wantErr: "no Statement"},
		{name: "principal_string", doc: `{"Statement": [{"Effect": "Allow", "Principal": "ec2", "Action": "x"}]}`, wantErr: "principal"},
		{name: "not_json", doc: `{"Statement": [`, wantErr: "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePolicy([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

// FuzzParsePolicy checks that no document, in any of its three transport
// forms, makes the parser panic, and that accepted statements are sane.
func FuzzParsePolicy(f *testing.F) {
	for _, seed := range []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		`{"Statement":[{"Effect":"Deny","NotAction":["iam:*"],"Principal":{"AWS":["1"]},"Condition":{"Bool":{"k":true}}}]}`,
		`"%7B%22Statement%22%3A%5B%5D%7D"`,
		`"{\"Statement\":[]}"`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Sid":1}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := document{raw: b}
		st, err := d.Parse()
		if err != nil {
			return
		}
		for _, s := range st {
			if s.Effect != "Allow" && s.Effect != "Deny" {
				t.Fatalf("accepted effect %q", s.Effect)
			}
			if len(s.Actions) == 0 && len(s.NotActions) == 0 {
				t.Fatal("accepted a statement without actions")
			}
		}
	})
}

// FuzzStringsFastPath checks the fast path for plain strings against the
// general decoder.
func FuzzStringsFastPath(f *testing.F) {
	for _, seed := range []string{`"a"`, `["a","b"]`, `[ "a" , "b" ]`, `[]`, `["a\"b"]`, `"\u0041"`, `[1,true,"x"]`, `["a",]`, `[""]`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		var fast strings1
		fastErr := fast.UnmarshalJSON(b)
		var general []any
		if err := json.Unmarshal(b, &general); err != nil {
			var one any
			if json.Unmarshal(b, &one) != nil {
				return
			}
			general = []any{one}
		}
		var want []string
		for _, v := range general {
			switch x := v.(type) {
			case string:
				want = append(want, x)
			case bool:
				want = append(want, strconv.FormatBool(x))
			case float64:
				want = append(want, strconv.FormatFloat(x, 'g', -1, 64))
			default:
				if fastErr == nil {
					t.Fatalf("%s: accepted a non-scalar", b)
				}
				return
			}
		}
		if fastErr != nil {
			t.Fatalf("%s: %v", b, fastErr)
		}
		if len(want) != len(fast) {
			t.Fatalf("%s: got %q want %q", b, fast, want)
		}
		for i := range want {
			if _, isNum := general[i].(float64); isNum {
				continue // numbers keep their JSON spelling
			}
			if want[i] != fast[i] {
				t.Fatalf("%s: got %q want %q", b, fast, want)
			}
		}
	})
}

func TestParseAWSTime(t *testing.T) {
	want := time.Date(2020, 2, 25, 16, 8, 50, 0, time.UTC)
	frac := want.Add(123456 * time.Microsecond)
	for in, w := range map[string]time.Time{
		"2020-02-25T16:08:50Z":             want, // AWS CLI
		"2020-02-25T16:08:50+00:00":        want, // AWS CLI
		"2020-02-25 16:08:50+00:00":        want, // boto3, str(datetime)
		"2020-02-25 16:08:50.123456+00:00": frac, // boto3 with microseconds
		"2020-02-25T16:08:50.123456+00:00": frac, // datetime.isoformat()
		"2020-02-25T16:08:50.123Z":         frac.Truncate(time.Millisecond),
		"2020-02-25 17:08:50+01:00":        want,
		"2020-02-25T16:08:50+0000":         want,
		"2020-02-25 16:08:50":              want, // naive: IAM times are UTC
		"/Date(1582646930000)/":            want, // AWS Tools for PowerShell, ConvertTo-Json
	} {
		got, err := parseAWSTime(in)
		if err != nil || !got.Equal(w) || got.Location() != time.UTC {
			t.Errorf("parseAWSTime(%q) = %v, %v; want %v", in, got, err, w)
		}
	}
	for _, bad := range []string{"", "yesterday", "2020-02-30 16:08:50+00:00", "25/02/2020 16:08"} {
		if _, err := parseAWSTime(bad); err == nil {
			t.Errorf("parseAWSTime(%q) accepted", bad)
		}
	}
}

// Dates as boto3-based collectors write them, in the credential report,
// read as the AWS CLI's.
func TestPythonDatesInCredentialReport(t *testing.T) {
	cli := load(t, "gaad-cli.json", "credential-report.csv")
	py := load(t, "gaad-cli.json", "credential-report-python.csv")
	if d := cmp.Diff(cli, py); d != "" {
		t.Errorf("report with Python dates differs (-cli +python):\n%s", d)
	}
	// get-credential-report as boto3 returns it: Content is the CSV itself.
	if d := cmp.Diff(cli, load(t, "gaad-cli.json", "get-credential-report-boto3.json")); d != "" {
		t.Errorf("get-credential-report with plain CSV Content differs:\n%s", d)
	}
	// and Python's repr of those bytes, as json.dump(default=str) leaves it
	csv, _ := os.ReadFile("testdata/credential-report.csv")
	repr := "b'" + strings.ReplaceAll(string(csv), "\n", `\n`) + "'"
	js, _ := json.Marshal(map[string]string{"Content": repr, "ReportFormat": "text/csv", "GeneratedTime": "2024-11-01 00:00:00+00:00"})
	o := NewOffline()
	gaad, _ := os.ReadFile("testdata/gaad-cli.json")
	o.Add("gaad-cli.json", gaad)
	if ok, err := o.Add("repr.json", js); !ok || err != nil {
		t.Fatalf("Add(b'...' Content) = %v, %v", ok, err)
	}
	inv, _ := o.Inventory()
	if d := cmp.Diff(cli, inv); d != "" {
		t.Errorf("get-credential-report with b'...' Content differs:\n%s", d)
	}
}

func grantNames(id inventory.Identity) []string {
	var out []string
	for _, g := range id.Grants {
		out = append(out, fmt.Sprintf("%s:%s:%d", g.Source, g.PolicyName, len(g.Statements)))
	}
	return out
}

// A paginated export whose last page holds only AWS-managed policies
// (which carry no account id): that page joins the account of the others,
// and with every page present there is no "pages missing" warning.
func TestPaginatedDetails(t *testing.T) {
	for name, files := range map[string][]string{
		"boto3_pages_list": {"gaad-boto3-pages.json"},
		"cli_max_items":    {"gaad-maxitems-1.json", "gaad-maxitems-2.json"},
		"cli_reversed":     {"gaad-maxitems-2.json", "gaad-maxitems-1.json"},
	} {
		t.Run(name, func(t *testing.T) {
			inv := load(t, files...)
			if len(inv.Sources) != 1 || inv.Sources[0].Scope != "210000000001" {
				t.Fatalf("sources = %+v", inv.Sources)
			}
			for _, w := range inv.Sources[0].Warnings {
				if strings.Contains(w, "missing") || strings.Contains(w, "not in the export") {
					t.Errorf("warning with every page present: %s", w)
				}
			}
			role := find(t, inv, "lambda-exec")
			if d := cmp.Diff([]string{"managed:ReadOnlyAccess:1", "managed:lambda-logs:1"}, grantNames(role)); d != "" {
				t.Errorf("role grants (ReadOnlyAccess from the last page):\n%s", d)
			}
			if !role.CreatedAt.Equal(time.Date(2020, 1, 10, 8, 0, 0, 0, time.UTC)) || role.LastUsed == nil || role.LastUsed.Format(time.DateOnly) != "2020-02-24" {
				t.Errorf("role dates = %v, %v", role.CreatedAt, role.LastUsed)
			}
			u := find(t, inv, "builder")
			if d := cmp.Diff([]string{"group:ReadOnlyAccess:1"}, grantNames(u)); d != "" || u.Path != "/ci/" || u.CreatedAt.Format(time.DateTime) != "2020-02-25 16:08:50" {
				t.Errorf("user %+v grants:\n%s", u, d)
			}
		})
	}
	inv := load(t, "gaad-maxitems-1.json")
	if w := strings.Join(inv.Sources[0].Warnings, "\n"); !strings.Contains(w, "later pages are missing") {
		t.Errorf("first page alone: no missing-pages warning in %q", w)
	}
}

// A --filter AWSManagedPolicy export names no account; it completes the
// account of the other export.
func TestFilterAWSManagedPolicy(t *testing.T) {
	for _, order := range [][]string{{"gaad-cli.json", "gaad-filter-awsmanaged.json"}, {"gaad-filter-awsmanaged.json", "gaad-cli.json"}} {
		inv := load(t, order...)
		if len(inv.Sources) != 1 {
			t.Fatalf("%v: sources = %+v", order, inv.Sources)
		}
		slr := find(t, inv, "AWSServiceRoleForSupport")
		if d := cmp.Diff([]string{"managed:AWSSupportServiceRolePolicy:1"}, grantNames(slr)); d != "" {
			t.Errorf("%v: AWS-managed policy not joined:\n%s", order, d)
		}
	}
	o := NewOffline()
	data, _ := os.ReadFile("testdata/gaad-filter-awsmanaged.json")
	if ok, err := o.Add("managed.json", data); !ok || err != nil {
		t.Fatalf("managed policies alone: %v %v", ok, err)
	}
	inv, _ := o.Inventory()
	if len(inv.Identities) != 0 || len(inv.Sources) != 1 || !strings.Contains(strings.Join(inv.Sources[0].Warnings, ""), "only AWS-managed policies") {
		t.Errorf("managed policies alone = %+v", inv)
	}
}

// The same exports given twice, or overlapping pages, add nothing.
func TestDuplicateInputsMerge(t *testing.T) {
	once := load(t, "gaad-cli.json", "credential-report.csv", "list-access-keys.json", "list-roles.json")
	twice := load(t, "gaad-cli.json", "credential-report.csv", "list-access-keys.json", "list-roles.json",
		"gaad-urlencoded.json", "get-credential-report.json", "list-access-keys.json", "gaad-cli.json", "credential-report.csv")
	if d := cmp.Diff(once, twice); d != "" {
		t.Errorf("exports given twice differ from once:\n%s", d)
	}
	pages := load(t, "gaad-boto3-pages.json")
	overlap := load(t, "gaad-boto3-pages.json", "gaad-maxitems-1.json", "gaad-maxitems-2.json")
	if len(pages.Identities) != len(overlap.Identities) {
		t.Errorf("overlapping pages: %d identities, want %d", len(overlap.Identities), len(pages.Identities))
	}
}

// One export holding two accounts' principals: each belongs to the account
// of its ARN, and groups and policies join only within their account.
func TestTwoAccountsInOneExport(t *testing.T) {
	inv := load(t, "gaad-two-accounts.json")
	if len(inv.Sources) != 2 || inv.Sources[0].Scope != "111111111111" || inv.Sources[1].Scope != "222222222222" {
		t.Fatalf("sources = %+v", inv.Sources)
	}
	for _, id := range inv.Identities {
		if arnAccountID(id.ID) != id.Account {
			t.Errorf("%s placed in account %s", id.ID, id.Account)
		}
		if id.Kind != inventory.KindAWSUser {
			continue
		}
		want := map[string]string{"111111111111": "iam:*", "222222222222": "s3:GetObject"}[id.Account]
		if len(id.Grants) != 1 || len(id.Grants[0].Statements) != 1 || id.Grants[0].Statements[0].Actions[0] != want || len(id.Groups) != 1 || arnAccountID(id.Groups[0]) != id.Account {
			t.Errorf("user %s got %+v (groups %v), want its own account's admins group granting %s", id.ID, id.Grants, id.Groups, want)
		}
	}
}

// A credential report on its own: its users are identities with their
// keys, password and last use, and the source says what was not assessed.
func TestCredentialReportAlone(t *testing.T) {
	inv := load(t, "credential-report.csv")
	u := find(t, inv, "deployer")
	if u.ID != "arn:aws:iam::123456789012:user/deployer" || u.Kind != inventory.KindAWSUser || u.Account != "123456789012" || !u.CreatedAt.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("user = %+v", u)
	}
	if len(u.Credentials) != 3 || u.Credentials[0].Kind != inventory.CredAWSPassword || u.Credentials[1].LastUsed == nil || !u.LastUsedKnown {
		t.Errorf("credentials = %+v", u.Credentials)
	}
	na := strings.Join(inv.Sources[0].NotAssessed, ",")
	if na != "permissions,trust,tags" {
		t.Errorf("not assessed = %q", na)
	}
	// With authorization details that lack a user, it is still listed.
	o := NewOffline()
	for _, f := range []string{"gaad-two-accounts.json", "credential-report.csv"} {
		data, _ := os.ReadFile(filepath.Join("testdata", f))
		o.Add(f, data)
	}
	inv, _ = o.Inventory()
	find(t, inv, "deployer")
	if arnPath("arn:aws:iam::1:user/ops/ci/x") != "/ops/ci/" || arnPath("arn:aws:iam::1:user/x") != "/" {
		t.Error("arnPath")
	}
}

// Pages written one after another into one file (a collector appending
// each page's JSON) read as the pages given separately.
func TestPagesInOneStream(t *testing.T) {
	want := load(t, "gaad-maxitems-1.json", "gaad-maxitems-2.json")
	p1, _ := os.ReadFile("testdata/gaad-maxitems-1.json")
	p2, _ := os.ReadFile("testdata/gaad-maxitems-2.json")
	o := NewOffline()
	if ok, err := o.Add("pages.json", append(append(p1, '\n'), p2...)); !ok || err != nil {
		t.Fatalf("Add(stream) = %v, %v", ok, err)
	}
	got, _ := o.Inventory()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("stream of pages differs from the pages as files:\n%s", d)
	}
	if ok, err := NewOffline().Add("other.ndjson", []byte("{\"asset_type\": \"x\"}\n{\"asset_type\": \"y\"}\n")); ok || err != nil {
		t.Errorf("another loader's NDJSON claimed: %v, %v", ok, err)
	}
}

// Credential reports of two accounts saved into one file (a collector
// concatenating them under one header): each row joins the user of the
// account in its own ARN, never the first account's user of that name.
func TestCredentialReportRowsOfTwoAccounts(t *testing.T) {
	const report = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n" +
		"ci,arn:aws:iam::111111111111:user/ci,2021-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2021-01-01T00:00:00+00:00,2021-06-01T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n" +
		"ci,arn:aws:iam::222222222222:user/ci,2022-02-02T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2022-02-02T00:00:00+00:00,N/A,N/A,N/A,true,2022-03-03T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A\n"
	o := NewOffline()
	details, err := os.ReadFile("testdata/gaad-two-accounts.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"gaad-two-accounts.json": details, "reports.csv": []byte(report)} {
		if ok, err := o.Add(name, data); !ok || err != nil {
			t.Fatalf("Add(%s) = %v, %v", name, ok, err)
		}
	}
	inv, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	for _, id := range inv.Identities {
		if id.Name != "ci" {
			continue
		}
		for _, c := range id.Credentials {
			keys[id.Account] = append(keys[id.Account], c.Status+" "+c.CreatedAt.Format(time.DateOnly))
		}
	}
	want := map[string][]string{
		"111111111111": {"active 2021-01-01"},
		"222222222222": {"active 2022-02-02", "active 2022-03-03"},
	}
	if d := cmp.Diff(want, keys); d != "" {
		t.Errorf("keys of the two ci users (-want +got):\n%s", d)
	}
	for _, s := range inv.Sources {
		for _, w := range s.Warnings {
			if strings.Contains(w, "ci") {
				t.Errorf("%s: warning %q", s.Scope, w)
			}
		}
	}
}

// The base64 Content of get-credential-report saved on its own (the
// README's command without `| base64 -d`), on one line as the AWS CLI
// prints it or wrapped as base64(1) writes it, reads as the CSV.
func TestCredentialReportBase64Alone(t *testing.T) {
	want := load(t, "gaad-cli.json", "credential-report.csv")
	raw, err := os.ReadFile("testdata/get-credential-report.json")
	if err != nil {
		t.Fatal(err)
	}
	var resp struct{ Content string }
	if err := json.Unmarshal(raw, &resp); err != nil || resp.Content == "" {
		t.Fatalf("fixture: %v", err)
	}
	var wrapped strings.Builder
	for s := resp.Content; s != ""; {
		n := min(76, len(s))
		wrapped.WriteString(s[:n] + "\r\n")
		s = s[n:]
	}
	details, _ := os.ReadFile("testdata/gaad-cli.json")
	for name, content := range map[string]string{
		"one_line":     resp.Content + "\n",
		"wrapped_crlf": wrapped.String(),
		"output_text":  resp.Content + "\t2024-11-01T00:00:00+00:00\ttext/csv\n", // --output text without --query
	} {
		t.Run(name, func(t *testing.T) {
			o := NewOffline()
			o.Add("gaad-cli.json", details)
			if ok, err := o.Add("credential-report.txt", []byte(content)); !ok || err != nil {
				t.Fatalf("Add(base64 report) = %v, %v", ok, err)
			}
			got, err := o.Inventory()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("base64 report differs from the CSV:\n%s", d)
			}
		})
	}
	// Other base64 is not taken for a report.
	if ok, err := NewOffline().Add("x.txt", []byte("dXNlcm5hbWU=")); ok || err != nil {
		t.Errorf("base64 of other text: %v, %v", ok, err)
	}
}

// The IAM REST API's list of GCP custom roles ({"roles": [...]}) is not
// aws iam list-roles, though encoding/json matches "roles" to "Roles".
func TestRESTRolesListIsNotListRoles(t *testing.T) {
	gcpRoles := `{"roles": [{"name": "projects/acme/roles/keyMinter", "title": "Key minter", "includedPermissions": ["iam.serviceAccountKeys.create"], "etag": "BwYmZxT0yVQ="}]}`
	if ok, err := NewOffline().Add("custom-roles.json", []byte(gcpRoles)); ok || err != nil {
		t.Errorf("GCP REST roles list taken as an AWS export: %v, %v", ok, err)
	}
	listRoles, err := os.ReadFile("testdata/list-roles.json")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := NewOffline().Add("list-roles.json", listRoles); !ok || err != nil {
		t.Errorf("aws iam list-roles: %v, %v", ok, err)
	}
}

// AWS-managed policies of GovCloud and China (arn:aws-us-gov:iam::aws:,
// arn:aws-cn:iam::aws:) carry no account id either: a page holding only
// them joins the account of the other pages, as in the aws partition.
func TestAWSManagedPoliciesInEveryPartition(t *testing.T) {
	for _, partition := range []string{"aws-us-gov", "aws-cn"} {
		t.Run(partition, func(t *testing.T) {
			o := NewOffline()
			for _, f := range []string{"gaad-maxitems-1.json", "gaad-maxitems-2.json"} {
				data, err := os.ReadFile(filepath.Join("testdata", f))
				if err != nil {
					t.Fatal(err)
				}
				data = bytes.ReplaceAll(data, []byte("arn:aws:"), []byte("arn:"+partition+":"))
				if ok, err := o.Add(f, data); !ok || err != nil {
					t.Fatalf("Add(%s) = %v, %v", f, ok, err)
				}
			}
			inv, err := o.Inventory()
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Sources) != 1 || inv.Sources[0].Scope != "210000000001" {
				t.Fatalf("sources = %+v", inv.Sources)
			}
			for _, w := range inv.Sources[0].Warnings {
				if strings.Contains(w, "missing") || strings.Contains(w, "not in the export") {
					t.Errorf("warning with every page present: %s", w)
				}
			}
			role := find(t, inv, "lambda-exec")
			if d := cmp.Diff([]string{"managed:ReadOnlyAccess:1", "managed:lambda-logs:1"}, grantNames(role)); d != "" {
				t.Errorf("role grants (ReadOnlyAccess from the last page):\n%s", d)
			}
		})
	}
}

// Users known only from the credential report say per identity what no
// export carried, also when other users of the account are detailed.
func TestReportOnlyUsersNotAssessed(t *testing.T) {
	o := NewOffline()
	for _, f := range []string{"gaad-two-accounts.json", "credential-report.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		o.Add(f, data)
	}
	inv, err := o.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	u := find(t, inv, "deployer")
	if got := strings.Join(u.NotAssessed, ","); got != "permissions,trust,tags" {
		t.Errorf("report-only user not assessed = %q", got)
	}
	for _, id := range inv.Identities {
		if id.ID != u.ID && len(id.NotAssessed) > 0 {
			t.Errorf("detailed identity %s says %v not assessed", id.ID, id.NotAssessed)
		}
	}
}
