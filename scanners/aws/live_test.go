package aws

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// fakeAWS answers the IAM and STS Query APIs (form posts, XML replies) and
// the Organizations JSON 1.1 API the way AWS does, so the real SDK clients
// are exercised: signing, pagination, URL-encoded documents, retries and
// error decoding. The caller's account is taken from the access key id
// in the request's signature: "AKIDMGMT" is the management account and
// "ASIA<account>" a session from AssumeRole.
type fakeAWS struct {
	t  *testing.T
	mu sync.Mutex
	// calls counts requests per account and action.
	calls map[string]int
	// behaviour switches
	denyAssume     map[string]bool // account -> AssumeRole denied
	denyAction     map[string]bool // action -> AccessDenied in every account
	throttleOnce   map[string]bool // action -> first call throttled
	reportNotReady bool            // GenerateCredentialReport never completes
}

const mgmtAccount = "111111111111"

var credentialRE = regexp.MustCompile(`Credential=([A-Z0-9]+)/`)

func newFakeAWS(t *testing.T) (*fakeAWS, *httptest.Server) {
	f := &fakeAWS{t: t, calls: map[string]int{}, denyAssume: map[string]bool{}, denyAction: map[string]bool{}, throttleOnce: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDMGMT")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "TOPSECRETMATERIAL")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return f, srv
}

func (f *fakeAWS) count(acct, action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[acct+" "+action]
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	acct := mgmtAccount
	if m := credentialRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil && strings.HasPrefix(m[1], "ASIA") {
		acct = strings.TrimPrefix(m[1], "ASIA")
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		f.organizations(w, r, target)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	action := r.Form.Get("Action")
	f.mu.Lock()
	f.calls[acct+" "+action]++
	n := f.calls[acct+" "+action]
	f.mu.Unlock()
	if f.throttleOnce[action] && n == 1 {
		queryError(w, 400, "Throttling", "Rate exceeded")
		return
	}
	if f.denyAction[action] {
		queryError(w, 403, "AccessDenied", "User: arn:aws:sts::"+acct+":assumed-role/audit/nhiscan is not authorized to perform: iam:"+action)
		return
	}
	switch action {
	case "GetCallerIdentity":
		reply(w, action, "https://sts.amazonaws.com/doc/2011-06-15/", fmt.Sprintf("<Arn>arn:aws:sts::%s:assumed-role/audit/nhiscan</Arn><UserId>AROAX:nhiscan</UserId><Account>%s</Account>", acct, acct))
	case "AssumeRole":
		target := arnAccountID(r.Form.Get("RoleArn"))
		if f.denyAssume[target] || r.Form.Get("RoleSessionName") != "nhiscan" {
			queryError(w, 403, "AccessDenied", "not authorized to perform: sts:AssumeRole on resource: "+r.Form.Get("RoleArn"))
			return
		}
		reply(w, action, "https://sts.amazonaws.com/doc/2011-06-15/", fmt.Sprintf(
			"<Credentials><AccessKeyId>ASIA%s</AccessKeyId><SecretAccessKey>SESSIONSECRET</SecretAccessKey><SessionToken>TOKEN</SessionToken><Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::%s:assumed-role/audit/nhiscan</Arn><AssumedRoleId>AROAX:nhiscan</AssumedRoleId></AssumedRoleUser>",
			target, time.Now().Add(time.Hour).UTC().Format(time.RFC3339), target))
	case "GetAccountAuthorizationDetails":
		f.gaad(w, r, acct)
	case "ListRoles":
		reply(w, action, iamNS, fmt.Sprintf("<IsTruncated>false</IsTruncated><Roles><member><Path>/</Path><RoleName>app</RoleName><RoleId>AROAAPP</RoleId><Arn>arn:aws:iam::%s:role/app</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument><MaxSessionDuration>14400</MaxSessionDuration></member></Roles>", acct, urlDoc(appTrust)))
	case "GenerateCredentialReport":
		state := "COMPLETE"
		if f.reportNotReady || n == 1 {
			state = "STARTED"
		}
		reply(w, action, iamNS, "<State>"+state+"</State><Description>No report exists. Starting a new report generation task</Description>")
	case "GetCredentialReport":
		if n == 1 {
			queryError(w, 410, "ReportInProgress", "Report generation in progress.")
			return
		}
		csv := "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\n" +
			fmt.Sprintf("<root_account>,arn:aws:iam::%s:root,2020-01-01T00:00:00+00:00,not_supported,2024-01-01T00:00:00+00:00,not_supported,true,2021-01-01T00:00:00+00:00,2024-05-01T00:00:00+00:00,false,N/A,N/A\n", acct) +
			fmt.Sprintf("ci,arn:aws:iam::%s:user/ci,2023-01-01T00:00:00+00:00,true,2024-05-30T00:00:00+00:00,2023-01-01T00:00:00+00:00,true,2023-01-02T00:00:00+00:00,2024-05-31T00:00:00+00:00,true,2024-01-01T00:00:00+00:00,N/A\n", acct)
		reply(w, action, iamNS, "<Content>"+base64.StdEncoding.EncodeToString([]byte(csv))+"</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>2024-06-01T00:00:00Z</GeneratedTime>")
	case "ListAccessKeys":
		user := r.Form.Get("UserName")
		reply(w, action, iamNS, fmt.Sprintf("<AccessKeyMetadata><member><UserName>%[1]s</UserName><AccessKeyId>AKIA%[2]sKEY1</AccessKeyId><Status>Active</Status><CreateDate>2023-01-02T00:00:00Z</CreateDate></member><member><UserName>%[1]s</UserName><AccessKeyId>AKIA%[2]sKEY2</AccessKeyId><Status>Active</Status><CreateDate>2024-01-01T00:00:00Z</CreateDate></member></AccessKeyMetadata><IsTruncated>false</IsTruncated>", user, acct))
	case "GetAccessKeyLastUsed":
		id := r.Form.Get("AccessKeyId")
		if strings.HasSuffix(id, "KEY1") {
			reply(w, action, iamNS, "<UserName>ci</UserName><AccessKeyLastUsed><LastUsedDate>2024-05-31T12:00:00Z</LastUsedDate><ServiceName>s3</ServiceName><Region>us-east-1</Region></AccessKeyLastUsed>")
		} else {
			reply(w, action, iamNS, "<UserName>ci</UserName><AccessKeyLastUsed><ServiceName>N/A</ServiceName><Region>N/A</Region></AccessKeyLastUsed>")
		}
	default:
		queryError(w, 400, "InvalidAction", "unexpected action "+action)
	}
}

const iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"

var appTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// urlDoc encodes a policy document the way IAM sends it.
func urlDoc(doc string) string { return html.EscapeString(url.QueryEscape(doc)) }

func reply(w http.ResponseWriter, action, ns, result string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%[1]sResponse xmlns="%[2]s"><%[1]sResult>%[3]s</%[1]sResult><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></%[1]sResponse>`, action, ns, result)
}

func queryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`, iamNS, code, html.EscapeString(msg))
}

// gaad answers GetAccountAuthorizationDetails in two pages.
func (f *fakeAWS) gaad(w http.ResponseWriter, r *http.Request, acct string) {
	adminDoc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	s3Doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}}`
	if r.Form.Get("Marker") == "" {
		reply(w, "GetAccountAuthorizationDetails", iamNS, fmt.Sprintf(`<IsTruncated>true</IsTruncated><Marker>page2</Marker>
<UserDetailList><member><Path>/</Path><UserName>ci</UserName><UserId>AIDACI</UserId><Arn>arn:aws:iam::%[1]s:user/ci</Arn><CreateDate>2023-01-01T00:00:00Z</CreateDate>
<UserPolicyList><member><PolicyName>s3</PolicyName><PolicyDocument>%[2]s</PolicyDocument></member></UserPolicyList><GroupList/><AttachedManagedPolicies/>
<Tags><member><Key>owner</Key><Value>build-team</Value></member></Tags></member></UserDetailList>
<GroupDetailList/><RoleDetailList/><Policies/>`, acct, urlDoc(s3Doc)))
		return
	}
	reply(w, "GetAccountAuthorizationDetails", iamNS, fmt.Sprintf(`<IsTruncated>false</IsTruncated><UserDetailList/><GroupDetailList/>
<RoleDetailList><member><Path>/</Path><RoleName>app</RoleName><RoleId>AROAAPP</RoleId><Arn>arn:aws:iam::%[1]s:role/app</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate>
<AssumeRolePolicyDocument>%[2]s</AssumeRolePolicyDocument><InstanceProfileList/><RolePolicyList/>
<AttachedManagedPolicies><member><PolicyName>AdministratorAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AdministratorAccess</PolicyArn></member></AttachedManagedPolicies>
<Tags/><RoleLastUsed><LastUsedDate>2024-05-20T00:00:00Z</LastUsedDate><Region>us-east-1</Region></RoleLastUsed></member></RoleDetailList>
<Policies><member><PolicyName>AdministratorAccess</PolicyName><PolicyId>ANPAADMIN</PolicyId><Arn>arn:aws:iam::aws:policy/AdministratorAccess</Arn><Path>/</Path><DefaultVersionId>v1</DefaultVersionId>
<AttachmentCount>1</AttachmentCount><IsAttachable>true</IsAttachable><PolicyVersionList><member><Document>%[3]s</Document><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion><CreateDate>2015-02-06T18:39:46Z</CreateDate></member></PolicyVersionList></member></Policies>`,
		acct, urlDoc(appTrust), urlDoc(adminDoc)))
}

// organizations answers ListAccounts (two pages) in JSON 1.1.
func (f *fakeAWS) organizations(w http.ResponseWriter, r *http.Request, target string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if target != "AWSOrganizationsV20161128.ListAccounts" {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"__type":"InvalidInputException","Message":"unexpected %s"}`, target)
		return
	}
	var in struct{ NextToken string }
	json.NewDecoder(r.Body).Decode(&in)
	acct := func(id, state string) string {
		return fmt.Sprintf(`{"Arn":"arn:aws:organizations::%s:account/o-abc/%s","Email":"a@example.com","Id":"%s","JoinedMethod":"CREATED","JoinedTimestamp":1.6E9,"Name":"acct-%s","State":"%s","Status":"%s"}`, mgmtAccount, id, id, id, state, state)
	}
	if in.NextToken == "" {
		fmt.Fprintf(w, `{"Accounts":[%s,%s],"NextToken":"t2"}`, acct("222222222222", "ACTIVE"), acct("333333333333", "SUSPENDED"))
		return
	}
	fmt.Fprintf(w, `{"Accounts":[%s,%s]}`, acct("444444444444", "ACTIVE"), acct("555555555555", "ACTIVE"))
}

func testLive(opts LiveOptions) *Live {
	opts.ReportPoll = time.Millisecond
	opts.MaxBackoff = 5 * time.Millisecond
	if opts.ReportWait == 0 {
		opts.ReportWait = 5 * time.Second
	}
	return NewLive(opts)
}

func TestLiveSingleAccount(t *testing.T) {
	f, _ := newFakeAWS(t)
	f.throttleOnce["GetAccountAuthorizationDetails"] = true
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Sources) != 1 || inv.Sources[0].Status != inventory.StatusOK || inv.Sources[0].Scope != mgmtAccount || inv.Sources[0].Mode != "live" {
		t.Fatalf("sources = %+v", inv.Sources)
	}
	// One throttled call, then both pages.
	if n := f.count(mgmtAccount, "GetAccountAuthorizationDetails"); n != 3 {
		t.Errorf("GetAccountAuthorizationDetails calls = %d, want 3 (throttled, page 1, page 2)", n)
	}
	// The report was STARTED once, then COMPLETE; the first Get said ReportInProgress.
	if g, r := f.count(mgmtAccount, "GenerateCredentialReport"), f.count(mgmtAccount, "GetCredentialReport"); g != 3 || r != 2 {
		t.Errorf("credential report calls: generate %d, get %d; want 3 and 2", g, r)
	}
	app := find(t, inv, "app")
	if !app.Agent || app.MaxSession != 4*time.Hour || app.LastUsed == nil || len(app.Trust) != 1 {
		t.Errorf("role from page 2 (URL-encoded trust, ListRoles session) = %+v", app)
	}
	if len(app.Grants) != 1 || len(app.Grants[0].Statements) != 1 || app.Grants[0].Statements[0].Actions[0] != "*" {
		t.Errorf("AWS-managed policy not resolved to its default version: %+v", app.Grants)
	}
	ci := find(t, inv, "ci")
	var got []string
	for _, c := range ci.Credentials {
		used := "never"
		if c.LastUsed != nil {
			used = c.LastUsed.Format("2006-01-02")
		}
		got = append(got, fmt.Sprintf("%s %s %s slot%s known=%v", c.Kind, c.ID, used, c.Slot, c.LastUsedKnown))
	}
	want := []string{
		"aws.console-password  2024-05-30 slot known=true",
		"aws.access-key AKIA111111111111KEY1 2024-05-31 slot1 known=true",
		"aws.access-key AKIA111111111111KEY2 never slot2 known=true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("credentials:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(ci.Grants) != 1 || ci.Grants[0].Statements[0].Resources[0] != "arn:aws:s3:::b/*" {
		t.Errorf("URL-encoded inline policy = %+v", ci.Grants)
	}
	root := find(t, inv, "root")
	if root.Kind != inventory.KindAWSRoot || len(root.Credentials) != 1 || !root.Credentials[0].Active() {
		t.Errorf("root = %+v", root)
	}
}

func TestLiveAccessDeniedOnOneCall(t *testing.T) {
	f, _ := newFakeAWS(t)
	f.denyAction["ListRoles"] = true
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	src := inv.Sources[0]
	if src.Status != inventory.StatusPartial || !strings.Contains(src.Error, "iam:ListRoles: AccessDenied") {
		t.Errorf("source = %+v", src)
	}
	if len(inv.Identities) != 3 {
		t.Errorf("identities = %d, want 3 despite the denied call", len(inv.Identities))
	}
}

func TestLiveCredentialReportNeverReady(t *testing.T) {
	f, _ := newFakeAWS(t)
	f.reportNotReady = true
	inv, err := testLive(LiveOptions{ReportWait: 30 * time.Millisecond}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	src := inv.Sources[0]
	if src.Status != inventory.StatusPartial || !strings.Contains(src.Error, "not ready within 30ms") {
		t.Errorf("source = %+v", src)
	}
	if n := f.count(mgmtAccount, "GetCredentialReport"); n != 0 {
		t.Errorf("GetCredentialReport called %d times before the report was complete", n)
	}
}

func TestLiveNothingReadable(t *testing.T) {
	f, _ := newFakeAWS(t)
	f.denyAction["GetAccountAuthorizationDetails"] = true
	inv, err := testLive(LiveOptions{}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Sources) != 1 || inv.Sources[0].Status != inventory.StatusFailed || !strings.Contains(inv.Sources[0].Error, "AccessDenied") {
		t.Errorf("sources = %+v", inv.Sources)
	}
	for _, s := range inv.Sources {
		if strings.Contains(s.Error, "TOPSECRETMATERIAL") {
			t.Error("secret key in an error")
		}
	}
}

func TestLiveOrganization(t *testing.T) {
	f, _ := newFakeAWS(t)
	f.denyAssume["444444444444"] = true
	inv, err := testLive(LiveOptions{Org: true, AssumeRole: "NhiscanAudit", Concurrency: 2}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range inv.Sources {
		got = append(got, s.Scope+" "+s.Status)
	}
	want := "222222222222 ok|444444444444 failed|555555555555 ok"
	if strings.Join(got, "|") != want {
		t.Errorf("sources = %q, want %q", strings.Join(got, "|"), want)
	}
	if e := inv.Sources[1].Error; !strings.Contains(e, "AccessDenied") || !strings.Contains(e, "arn:aws:iam::444444444444:role/NhiscanAudit") {
		t.Errorf("failed account error = %q", e)
	}
	if f.count("333333333333", "GetCallerIdentity") != 0 {
		t.Error("suspended account was scanned")
	}
	accounts := map[string]int{}
	for _, id := range inv.Identities {
		accounts[id.Account]++
	}
	if accounts["222222222222"] != 3 || accounts["555555555555"] != 3 || len(accounts) != 2 {
		t.Errorf("identities per account = %v", accounts)
	}
}
