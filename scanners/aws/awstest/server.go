// Package awstest is a local AWS endpoint for tests: it answers the IAM
// and STS Query APIs (form posts, XML replies) and the Organizations JSON
// 1.1 API the way AWS does, so tests drive the real SDK clients through
// signing, pagination, URL-encoded documents, retries and error decoding.
// It serves a small fixed account: a user "ci" with two keys, a role
// "app" trusted by Bedrock with AdministratorAccess, and the root user.
package awstest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// Server answers the IAM and STS Query APIs (form posts, XML replies) and
// the Organizations JSON 1.1 API the way AWS does, so the real SDK clients
// are exercised: signing, pagination, URL-encoded documents, retries and
// error decoding. The caller's account is taken from the access key id
// in the request's signature: "AKIDMGMT" is the management account and
// "ASIA<account>" a session from AssumeRole.
type Server struct {
	URL string
	mu  sync.Mutex
	// calls counts requests per account and action.
	calls map[string]int
	// DenyAssume makes AssumeRole into these accounts fail with AccessDenied.
	DenyAssume map[string]bool
	// DenyAction makes these actions fail with AccessDenied everywhere.
	DenyAction map[string]bool
	// ThrottleOnce makes the first call of these actions fail with Throttling.
	ThrottleOnce map[string]bool
	// ReportNotReady keeps the credential report from ever completing.
	ReportNotReady bool
	// Faults are injected in front of the API, in order: the first that
	// applies to a call decides (see Fault).
	Faults []Fault
	// WebIdentityToken is the token AssumeRoleWithWebIdentity accepts.
	WebIdentityToken string
	// regions counts the signing regions of signed requests.
	regions map[string]int
	// DenyRegion makes the agent platforms' calls in these regions fail
	// with AccessDeniedException.
	DenyRegion map[string]bool
}

// MgmtAccount is the account of the static credentials.
const MgmtAccount = "111111111111"

var credentialRE = regexp.MustCompile(`Credential=([A-Z0-9]+)/[0-9]+/([^/]*)/`)

// New starts a server and points the AWS SDK at it through the standard
// environment variables (AWS_ENDPOINT_URL, static credentials, region).
func New(t testing.TB) *Server {
	f := &Server{calls: map[string]int{}, regions: map[string]int{}, DenyAssume: map[string]bool{}, DenyAction: map[string]bool{}, ThrottleOnce: map[string]bool{}, DenyRegion: map[string]bool{}}
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
	f.URL = srv.URL
	return f
}

// Count returns how often an account called an action.
func (f *Server) Count(acct, action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[acct+" "+action]
}

// Actions returns the actions called, by any account, sorted.
func (f *Server) Actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for k := range f.calls {
		_, action, _ := strings.Cut(k, " ")
		if !seen[action] {
			seen[action] = true
			out = append(out, action)
		}
	}
	sort.Strings(out)
	return out
}

// Regions returns how many signed requests were signed for each region.
func (f *Server) Regions() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.regions {
		out[k] = v
	}
	return out
}

func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	acct := MgmtAccount
	m := credentialRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m != nil && strings.HasPrefix(m[1], "ASIA") {
		acct = strings.TrimPrefix(m[1], "ASIA")
	}
	target := r.Header.Get("X-Amz-Target")
	action := strings.TrimPrefix(target, "AWSOrganizationsV20161128.")
	agentAPI := isAgentAPI(r)
	if agentAPI {
		action = agentAction(r)
	}
	if target == "" && !agentAPI {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		action = r.Form.Get("Action")
	} else {
		// Read the JSON body now, as ParseForm does for the Query API:
		// only then does net/http watch the connection and cancel the
		// request's context when the client gives up (a Delay fault
		// waits on it).
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	f.mu.Lock()
	f.calls[acct+" "+action]++
	n := f.calls[acct+" "+action]
	if m != nil {
		f.regions[m[2]]++
	}
	f.mu.Unlock()
	faultAcct := acct
	if action == "AssumeRole" {
		faultAcct = accountOf(r.Form.Get("RoleArn"))
	}
	if f.fault(w, r, faultAcct, action, n) {
		return
	}
	if agentAPI {
		region := ""
		if m != nil {
			region = m[2]
		}
		f.agentsAPI(w, r, acct, region, action)
		return
	}
	if target != "" {
		f.organizations(w, r, target)
		return
	}
	f.query(w, r, acct, action, n)
}

// query answers the IAM and STS Query APIs.
func (f *Server) query(w http.ResponseWriter, r *http.Request, acct, action string, n int) {
	if f.ThrottleOnce[action] && n == 1 {
		queryError(w, 400, "Throttling", "Rate exceeded")
		return
	}
	if f.DenyAction[action] {
		queryError(w, 403, "AccessDenied", "User: arn:aws:sts::"+acct+":assumed-role/audit/nhiscan is not authorized to perform: iam:"+action)
		return
	}
	switch action {
	case "GetCallerIdentity":
		reply(w, action, "https://sts.amazonaws.com/doc/2011-06-15/", fmt.Sprintf("<Arn>arn:aws:sts::%s:assumed-role/audit/nhiscan</Arn><UserId>AROAX:nhiscan</UserId><Account>%s</Account>", acct, acct))
	case "AssumeRole":
		target := accountOf(r.Form.Get("RoleArn"))
		if f.DenyAssume[target] || r.Form.Get("RoleSessionName") != "nhiscan" {
			queryError(w, 403, "AccessDenied", "not authorized to perform: sts:AssumeRole on resource: "+r.Form.Get("RoleArn"))
			return
		}
		reply(w, action, "https://sts.amazonaws.com/doc/2011-06-15/", fmt.Sprintf(
			"<Credentials><AccessKeyId>ASIA%s</AccessKeyId><SecretAccessKey>SESSIONSECRET</SecretAccessKey><SessionToken>TOKEN</SessionToken><Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::%s:assumed-role/audit/nhiscan</Arn><AssumedRoleId>AROAX:nhiscan</AssumedRoleId></AssumedRoleUser>",
			target, time.Now().Add(time.Hour).UTC().Format(time.RFC3339), target))
	case "AssumeRoleWithWebIdentity":
		// Not signed: the token is the credential.
		target := accountOf(r.Form.Get("RoleArn"))
		if f.WebIdentityToken == "" || r.Form.Get("WebIdentityToken") != f.WebIdentityToken || target == "" {
			queryError(w, 400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider")
			return
		}
		reply(w, action, "https://sts.amazonaws.com/doc/2011-06-15/", fmt.Sprintf(
			"<Credentials><AccessKeyId>ASIA%s</AccessKeyId><SecretAccessKey>SESSIONSECRET</SecretAccessKey><SessionToken>TOKEN</SessionToken><Expiration>%s</Expiration></Credentials><SubjectFromWebIdentityToken>project_path:group/project:ref_type:branch:ref:main</SubjectFromWebIdentityToken><AssumedRoleUser><Arn>arn:aws:sts::%s:assumed-role/audit/%s</Arn><AssumedRoleId>AROAX:%s</AssumedRoleId></AssumedRoleUser><Provider>gitlab.example.com</Provider><Audience>https://gitlab.example.com</Audience>",
			target, time.Now().Add(time.Hour).UTC().Format(time.RFC3339), target, html.EscapeString(r.Form.Get("RoleSessionName")), html.EscapeString(r.Form.Get("RoleSessionName"))))
	case "GetAccountAuthorizationDetails":
		f.gaad(w, r, acct)
	case "ListRoles":
		reply(w, action, iamNS, fmt.Sprintf("<IsTruncated>false</IsTruncated><Roles><member><Path>/</Path><RoleName>app</RoleName><RoleId>AROAAPP</RoleId><Arn>arn:aws:iam::%s:role/app</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument><MaxSessionDuration>14400</MaxSessionDuration></member></Roles>", acct, urlDoc(appTrust)))
	case "GenerateCredentialReport":
		state := "COMPLETE"
		if f.ReportNotReady || n == 1 {
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
func (f *Server) gaad(w http.ResponseWriter, r *http.Request, acct string) {
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
func (f *Server) organizations(w http.ResponseWriter, r *http.Request, target string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if target != "AWSOrganizationsV20161128.ListAccounts" {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"__type":"InvalidInputException","Message":"unexpected %s"}`, target)
		return
	}
	var in struct{ NextToken string }
	json.NewDecoder(r.Body).Decode(&in)
	acct := func(id, state string) string {
		return fmt.Sprintf(`{"Arn":"arn:aws:organizations::%s:account/o-abc/%s","Email":"a@example.com","Id":"%s","JoinedMethod":"CREATED","JoinedTimestamp":1.6E9,"Name":"acct-%s","State":"%s","Status":"%s"}`, MgmtAccount, id, id, id, state, state)
	}
	if in.NextToken == "" {
		fmt.Fprintf(w, `{"Accounts":[%s,%s],"NextToken":"t2"}`, acct("222222222222", "ACTIVE"), acct("333333333333", "SUSPENDED"))
		return
	}
	fmt.Fprintf(w, `{"Accounts":[%s,%s]}`, acct("444444444444", "ACTIVE"), acct("555555555555", "ACTIVE"))
}
