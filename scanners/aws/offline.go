package aws

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	json "github.com/go-json-experiment/json/v1"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Offline reads the files the AWS CLI exports and builds inventory from
// them. Files are recognised by content, and pieces of one account (the
// authorization details, the credential report, list-roles, list-access-keys)
// are joined by the account id in their ARNs: every principal, policy and
// report row belongs to the account of its own ARN, whatever file it came
// from. The same entity seen twice (an export given twice, overlapping
// pages) is kept once.
type Offline struct {
	accounts map[string]*account
	// AWS-managed policies come from pages that may carry no account id
	// (the last page of a paginated export, --filter AWSManagedPolicy):
	// they are the same in every account and join each one.
	shared     []managedPolicy
	sharedSeen map[string]bool
	// pages that named no account, by whether more pages follow
	sharedFinal, sharedTruncated int
	keys                         []accessKey // list-access-keys output, joined at the end
	keyFiles                     []string
	warnings                     []string
	// agents are the Bedrock agents and AgentCore runtimes of the
	// agent exports (get-agent, get-agent-runtime and their lists).
	agents *agents
}

// NewOffline returns an empty offline loader.
func NewOffline() *Offline {
	return &Offline{accounts: map[string]*account{}, sharedSeen: map[string]bool{}, agents: newAgents()}
}

// Name of the scanner.
func (o *Offline) Name() string { return "aws" }

// awsFile is the union of the JSON exports this loader reads. Dates are
// read as awsTime, which takes every form collectors write.
type awsFile struct {
	UserDetailList    []fileUser      `json:"UserDetailList"`
	GroupDetailList   []fileGroup     `json:"GroupDetailList"`
	RoleDetailList    []fileRole      `json:"RoleDetailList"`
	Policies          []managedPolicy `json:"Policies"`
	IsTruncated       bool            `json:"IsTruncated"`
	NextToken         string          `json:"NextToken"` // aws --max-items: more pages follow
	Content           *string         `json:"Content"`
	ReportFormat      *string         `json:"ReportFormat"`
	GeneratedTime     *awsTime        `json:"GeneratedTime"`
	Roles             []fileRole      `json:"Roles"`
	AccessKeyMetadata []fileKey       `json:"AccessKeyMetadata"`
}

// The file* types read an export's dates as awsTime and hand the shared
// types (which the live scanner fills from the SDK) plain times.
type fileUser struct {
	userDetail
	CreateDate awsTime `json:"CreateDate"`
}

type fileGroup struct {
	groupDetail
	CreateDate awsTime `json:"CreateDate"`
}

type fileRole struct {
	roleDetail
	CreateDate   awsTime       `json:"CreateDate"`
	RoleLastUsed *fileLastUsed `json:"RoleLastUsed"`
}

type fileLastUsed struct {
	LastUsedDate awsTime `json:"LastUsedDate"` // zero when never used
	Region       string  `json:"Region"`
}

type fileKey struct {
	accessKey
	CreateDate awsTime `json:"CreateDate"`
}

func (f *fileRole) detail() roleDetail {
	r := f.roleDetail
	r.CreateDate = f.CreateDate.Time
	if f.RoleLastUsed != nil {
		r.RoleLastUsed = &roleLastUsed{Region: f.RoleLastUsed.Region}
		if !f.RoleLastUsed.LastUsedDate.IsZero() {
			t := f.RoleLastUsed.LastUsedDate.Time
			r.RoleLastUsed.LastUsedDate = &t
		}
	}
	return r
}

var awsFields = []string{"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies", "Content", "ReportFormat", "GeneratedTime", "Roles", "AccessKeyMetadata", "IsTruncated", "NextToken"}

func (o *Offline) account(id string) *account {
	a, ok := o.accounts[id]
	if !ok {
		a = &account{ID: id, maxSession: map[string]int32{}, keys: map[string][]accessKey{}, seen: map[seenKey]bool{}}
		o.accounts[id] = a
	}
	return a
}

// Add reads one file. It returns false when the file is not an AWS export
// it knows, and an error when it is one but cannot be read.
func (o *Offline) Add(name string, data []byte) (bool, error) {
	trimmed := bytes.TrimSpace(data)
	if looksLikeReport(trimmed) {
		return true, o.addReport(trimmed)
	}
	if len(trimmed) == 0 {
		return false, nil
	}
	switch trimmed[0] {
	case '{':
	case '[':
		// SDK pages saved as one list (json.dump of a paginator's pages).
		// Look at the first element before reading the whole list: large
		// lists are more often gcloud's.
		if first, ok := firstElement(trimmed); !ok || !isDetailsPage(first) {
			return false, nil
		}
		var pages []json.RawMessage
		if json.Unmarshal(trimmed, &pages) != nil {
			return false, nil
		}
		return true, o.addPages(name, pages)
	default:
		// The Content of get-credential-report alone, still base64, as
		// `aws iam get-credential-report --query Content --output text`
		// prints it when the `| base64 -d` step is left out.
		if csv, ok := base64Report(trimmed); ok {
			return true, o.addReport(csv)
		}
		return false, nil
	}
	if isAgentExport(trimmed) {
		return true, o.addAgents(name, trimmed)
	}
	var f awsFile
	err := unmarshalFile(trimmed, &f)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Pages written one after another (one JSON object per page).
		if pages, ok := jsonStream(trimmed, isDetailsPage); ok {
			return true, o.addPages(name, pages)
		}
	}
	return o.addFile(name, &f, err, trimmed)
}

// unmarshalFile decodes an export into f. In a large export it first makes
// room in the long lists for as many entries as the text names (counting
// a key every entry has), so that the decoder does not grow them step by
// step: growing a list of 20,000 roles allocates it about five times over.
// A list the export does not have is left nil, as without the room.
func unmarshalFile(data []byte, f *awsFile) error {
	if len(data) < 1<<20 {
		return unmarshalExport(data, f)
	}
	roles := &f.RoleDetailList
	if !bytes.Contains(data, []byte(`RoleDetailList"`)) {
		roles = &f.Roles // list-roles
	}
	*roles = make([]fileRole, 0, bytes.Count(data, []byte(`RoleName"`)))
	f.UserDetailList = make([]fileUser, 0, bytes.Count(data, []byte(`UserId"`)))
	f.Policies = make([]managedPolicy, 0, bytes.Count(data, []byte(`PolicyId"`)))
	// The decoder calls these for the lists the export has, then reads
	// them as usual (SkipFunc).
	var hasRoles, hasUsers, hasPolicies bool
	present := jsonv2.JoinUnmarshalers(
		jsonv2.UnmarshalFromFunc(func(_ *jsontext.Decoder, p *[]fileRole) error {
			hasRoles = hasRoles || p == roles
			return jsonv2.SkipFunc
		}),
		jsonv2.UnmarshalFromFunc(func(*jsontext.Decoder, *[]fileUser) error {
			hasUsers = true
			return jsonv2.SkipFunc
		}),
		jsonv2.UnmarshalFromFunc(func(*jsontext.Decoder, *[]managedPolicy) error {
			hasPolicies = true
			return jsonv2.SkipFunc
		}))
	err := unmarshalExport(data, f, present)
	if !hasRoles {
		*roles = nil
	}
	if !hasUsers {
		f.UserDetailList = nil
	}
	if !hasPolicies {
		f.Policies = nil
	}
	return err
}

// base64Report decodes a file that holds only a credential report in
// base64 (one line, or wrapped as base64(1) wraps it), or the line that
// `aws iam get-credential-report --output text` prints.
func base64Report(b []byte) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte("dXNlci")) { // "user" (the report's first column)
		return nil, false
	}
	if i := bytes.IndexByte(b, '\t'); i > 0 {
		// `--output text` without --query: Content, GeneratedTime and
		// ReportFormat on one line, separated by tabs.
		b = b[:i]
	}
	b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r"), nil), []byte("\n"), nil)
	csv, err := base64.StdEncoding.DecodeString(string(b))
	if err != nil || !looksLikeReport(csv) {
		return nil, false
	}
	return csv, true
}

// isDetailsPage reports whether a JSON object is a page of
// get-account-authorization-details.
func isDetailsPage(b []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(b, &probe) != nil {
		return false
	}
	for _, k := range []string{"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"} {
		if _, ok := probe[k]; ok {
			return true
		}
	}
	return false
}

// firstElement is the first value of a JSON array.
func firstElement(b []byte) (json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') || !dec.More() {
		return nil, false
	}
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return nil, false
	}
	return v, true
}

// jsonStream splits concatenated JSON values; ok is false unless there
// are at least two, all are objects and the first is what first wants
// (checked before reading on, so other loaders' NDJSON costs little).
func jsonStream(b []byte, first func([]byte) bool) ([]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []json.RawMessage
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || len(v) == 0 || v[0] != '{' || len(out) == 0 && !first(v) {
			return nil, false
		}
		out = append(out, v)
	}
	return out, len(out) > 1
}

func (o *Offline) addPages(name string, pages []json.RawMessage) error {
	for i, p := range pages {
		var f awsFile
		err := unmarshalFile(p, &f)
		ok, err := o.addFile(name, &f, err, p)
		if err == nil && !ok {
			err = errors.New("not a page of get-account-authorization-details")
		}
		if err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
	}
	return nil
}

// addFile takes one decoded JSON export (err is the decoding error).
func (o *Offline) addFile(name string, f *awsFile, err error, raw []byte) (bool, error) {
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && isAWSField(te.Field) {
			if te.Type == awsTimeType {
				where := ""
				if i := bytes.Index(raw, []byte(te.Value)); i >= 0 {
					where = fmt.Sprintf("line %d: ", 1+bytes.Count(raw[:i], []byte("\n")))
				}
				return true, fmt.Errorf("%sfield %s: %s is not a date (want ISO 8601 such as 2020-02-25T16:08:50Z)", where, te.Field, te.Value)
			}
			return true, fmt.Errorf("field %s: %v", te.Field, err)
		}
		var se *json.SyntaxError
		if errors.As(err, &se) && bytes.Contains(raw, []byte(`"UserDetailList"`)) {
			return true, fmt.Errorf("not valid JSON at byte %d: %v", se.Offset, err)
		}
		return false, nil
	}
	switch {
	case f.UserDetailList != nil || f.RoleDetailList != nil || f.GroupDetailList != nil || f.Policies != nil:
		return true, o.addDetails(f)
	case f.Content != nil && (f.ReportFormat != nil || f.GeneratedTime != nil):
		csv, err := reportContent(*f.Content)
		if err != nil {
			return true, err
		}
		return true, o.addReport(csv)
	case f.Roles != nil:
		if !hasExactKey(raw, "Roles") {
			// encoding/json matches keys case-insensitively: the IAM REST
			// API's {"roles": [...]} (GCP custom roles) is not list-roles.
			return false, nil
		}
		for _, r := range f.Roles {
			acct := arnAccountID(r.Arn)
			if acct == "" {
				return true, fmt.Errorf("role %q has no valid ARN", r.RoleName)
			}
			o.account(acct).maxSession[r.Arn] = r.MaxSessionDuration
		}
		return true, nil
	case f.AccessKeyMetadata != nil:
		for _, k := range f.AccessKeyMetadata {
			key := k.accessKey
			key.CreateDate = k.CreateDate.Time
			o.keys = append(o.keys, key)
		}
		o.keyFiles = append(o.keyFiles, name)
		return true, nil
	}
	return false, nil
}

// hasExactKey reports whether a JSON object has key spelt exactly so.
func hasExactKey(raw []byte, key string) bool {
	return hasTopKey(raw, func(k string) bool { return k == key })
}

// hasTopKey reports whether raw is one valid JSON object with a top-level
// key (unescaped) for which want is true: what json.Unmarshal into a
// map[string]json.RawMessage would tell, but reading the text once
// without copying the values out of it.
func hasTopKey(raw []byte, want func(string) bool) bool {
	dec := jsontext.NewDecoder(bytes.NewBuffer(raw), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return false
	}
	found := false
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return false
		}
		found = found || want(name.String())
		if dec.SkipValue() != nil {
			return false
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return false
	}
	_, err := dec.ReadToken() // nothing but white space after the object
	return found && err == io.EOF
}

// reportContent is the CSV of a get-credential-report response: base64 as
// the AWS CLI prints it, the plain CSV (boto3 returns bytes, which
// collectors save decoded), or Python's repr of those bytes (b'...').
func reportContent(c string) ([]byte, error) {
	c = strings.TrimSpace(c)
	if lit, ok := pythonBytes(c); ok && looksLikeReport(lit) {
		return lit, nil
	}
	if looksLikeReport([]byte(c)) {
		return []byte(c), nil
	}
	csv, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return nil, fmt.Errorf("credential report Content is neither CSV nor base64: %v", err)
	}
	return csv, nil
}

// pythonBytes reads Python's repr of a bytes value: b'...' with \n, \r,
// \t, \\, \', \" and \xNN escapes.
func pythonBytes(s string) ([]byte, bool) {
	if len(s) < 3 || s[0] != 'b' || (s[1] != '\'' && s[1] != '"') || s[len(s)-1] != s[1] {
		return nil, false
	}
	s = s[2 : len(s)-1]
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			out = append(out, s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'x':
			if i+2 >= len(s) {
				return nil, false
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, false
			}
			out = append(out, byte(v))
			i += 2
		default:
			out = append(out, s[i])
		}
	}
	return out, true
}

func isAWSField(path string) bool {
	first, _, _ := strings.Cut(path, ".")
	for _, f := range awsFields {
		if f == first {
			return true
		}
	}
	return false
}

// arnAccountID returns the account id of an IAM ARN, "" when it has none.
func arnAccountID(arn string) string {
	parts, ok := arnFields(arn)
	if !ok || parts[0] != "arn" || len(parts[4]) != 12 {
		return ""
	}
	return parts[4]
}

// arnFields splits an ARN into its six fields as strings.SplitN(arn, ":",
// 6) does, without allocating (every principal and policy is looked at
// several times); ok is false when it has fewer than six.
func arnFields(arn string) (parts [6]string, ok bool) {
	rest := arn
	for i := range 5 {
		if parts[i], rest, ok = strings.Cut(rest, ":"); !ok {
			return [6]string{}, false
		}
	}
	parts[5] = rest
	return parts, true
}

// addDetails takes one page of authorization details. Each principal and
// customer-managed policy goes to the account of its own ARN; AWS-managed
// policies, which carry no account id, are shared by every account.
func (o *Offline) addDetails(f *awsFile) error {
	// An entity without an ARN joins the page's account, when it has one.
	pageAcct := ""
	for _, u := range f.UserDetailList {
		pageAcct = firstNonEmpty(pageAcct, arnAccountID(u.Arn))
	}
	for _, r := range f.RoleDetailList {
		pageAcct = firstNonEmpty(pageAcct, arnAccountID(r.Arn))
	}
	for _, g := range f.GroupDetailList {
		pageAcct = firstNonEmpty(pageAcct, arnAccountID(g.Arn))
	}
	for _, p := range f.Policies {
		pageAcct = firstNonEmpty(pageAcct, arnAccountID(p.Arn))
	}
	if pageAcct != "" {
		// Most pages hold one account: make room once.
		a := o.account(pageAcct)
		if a.details == nil {
			a.details = &authDetails{}
		}
		d := a.details
		d.UserDetailList = slices.Grow(d.UserDetailList, len(f.UserDetailList))
		d.GroupDetailList = slices.Grow(d.GroupDetailList, len(f.GroupDetailList))
		d.RoleDetailList = slices.Grow(d.RoleDetailList, len(f.RoleDetailList))
		d.Policies = slices.Grow(d.Policies, len(f.Policies))
	}
	touched := map[*account]bool{}
	owner := func(kind, name, arn string) (*account, error) {
		acct := firstNonEmpty(arnAccountID(arn), pageAcct)
		if acct == "" {
			return nil, fmt.Errorf("authorization details: %s %q has no ARN with an account id", kind, name)
		}
		a := o.account(acct)
		if a.details == nil {
			a.details = &authDetails{}
		}
		touched[a] = true
		return a, nil
	}
	for i := range f.UserDetailList {
		u := &f.UserDetailList[i]
		a, err := owner("user", u.UserName, u.Arn)
		if err != nil {
			return err
		}
		if a.first("user", u.UserName, u.Arn) {
			d := u.userDetail
			d.CreateDate = u.CreateDate.Time
			a.details.UserDetailList = append(a.details.UserDetailList, d)
		}
	}
	for i := range f.GroupDetailList {
		g := &f.GroupDetailList[i]
		a, err := owner("group", g.GroupName, g.Arn)
		if err != nil {
			return err
		}
		if a.first("group", g.GroupName, g.Arn) {
			d := g.groupDetail
			d.CreateDate = g.CreateDate.Time
			a.details.GroupDetailList = append(a.details.GroupDetailList, d)
		}
	}
	for i := range f.RoleDetailList {
		r := &f.RoleDetailList[i]
		a, err := owner("role", r.RoleName, r.Arn)
		if err != nil {
			return err
		}
		if a.first("role", r.RoleName, r.Arn) {
			a.details.RoleDetailList = append(a.details.RoleDetailList, r.detail())
		}
	}
	for _, p := range f.Policies {
		if isAWSManagedPolicy(p.Arn) {
			if !o.sharedSeen[p.Arn] {
				o.sharedSeen[p.Arn] = true
				o.shared = append(o.shared, p)
			}
			continue
		}
		a, err := owner("policy", p.PolicyName, p.Arn)
		if err != nil {
			return err
		}
		if a.first("policy", p.PolicyName, p.Arn) {
			a.details.Policies = append(a.details.Policies, p)
		}
	}
	more := f.IsTruncated || f.NextToken != ""
	if len(touched) == 0 {
		if more {
			o.sharedTruncated++
		} else {
			o.sharedFinal++
		}
	}
	for a := range touched {
		if more {
			a.truncatedPages++
		} else {
			a.finalPages++
		}
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (o *Offline) addReport(csv []byte) error {
	rows, err := parseReport(csv)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return errors.New("credential report has no rows")
	}
	fileAcct := ""
	for _, r := range rows {
		fileAcct = firstNonEmpty(fileAcct, arnAccountID(r.arn))
	}
	if fileAcct == "" {
		return errors.New("credential report holds no ARN with an account id")
	}
	for _, r := range rows {
		a := o.account(firstNonEmpty(arnAccountID(r.arn), fileAcct))
		a.haveReport = true
		if a.first("report", r.user, r.arn) {
			a.report = append(a.report, r)
		}
	}
	return nil
}

// joinShared gives every account with authorization details the
// AWS-managed policies of pages that named no account, and says when
// pages of a paginated export are missing.
func (o *Offline) joinShared() {
	ids := make([]string, 0, len(o.accounts))
	for id, a := range o.accounts {
		if a.details != nil {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	finals := o.sharedFinal
	for _, id := range ids {
		a := o.accounts[id]
		for _, p := range o.shared {
			if a.first("policy", p.PolicyName, p.Arn) {
				a.details.Policies = append(a.details.Policies, p)
			}
		}
		if a.truncatedPages > 0 && a.finalPages == 0 {
			if finals > 0 {
				finals-- // its last page held only AWS-managed policies
				continue
			}
			a.warn("authorization details export is truncated (IsTruncated or NextToken on every page given); later pages are missing")
		}
	}
	if len(ids) == 0 && (len(o.shared) > 0 || o.sharedFinal+o.sharedTruncated > 0) {
		o.warnings = append(o.warnings, "authorization details hold only AWS-managed policies and no account's principals; nothing to join them to")
	}
}

// Inventory builds the inventory of every account seen.
func (o *Offline) Inventory() (inventory.Inventory, error) {
	ids := make([]string, 0, len(o.accounts))
	for id := range o.accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	o.joinShared()
	o.joinKeys()
	var inv inventory.Inventory
	for i, id := range ids {
		built := o.accounts[id].build("offline")
		if i == 0 {
			inv = built // the first account's identities are not copied
			continue
		}
		inv.Append(built)
	}
	agents, warnings := o.agents.list()
	inv.Agents = append(inv.Agents, agents...)
	o.warnings = append(o.warnings, warnings...)
	if len(o.warnings) > 0 {
		inv.Sources = append(inv.Sources, inventory.Source{Scanner: "aws", Scope: "offline inputs", Mode: "offline", Status: inventory.StatusOK, Warnings: o.warnings})
	}
	return inv, nil
}

// joinKeys gives list-access-keys entries (which carry a user name but no
// account) to the one account that has that user.
func (o *Offline) joinKeys() {
	if len(o.keys) == 0 {
		return
	}
	owners := map[string][]*account{}
	for _, a := range o.accounts {
		names := map[string]bool{}
		if a.details != nil {
			for _, u := range a.details.UserDetailList {
				names[u.UserName] = true
			}
		}
		for _, r := range a.report {
			if r.user != rootRowName {
				names[r.user] = true
			}
		}
		for n := range names {
			owners[n] = append(owners[n], a)
		}
	}
	seen := map[string]bool{}
	for _, k := range o.keys {
		if seen[k.AccessKeyId] {
			continue // the same list-access-keys output given twice
		}
		seen[k.AccessKeyId] = true
		as := owners[k.UserName]
		if len(as) != 1 {
			o.warnings = append(o.warnings, fmt.Sprintf("access key %s of user %s (from %s) matches %d exported accounts; it was not used", k.AccessKeyId, k.UserName, strings.Join(o.keyFiles, ", "), len(as)))
			continue
		}
		as[0].keys[k.UserName] = append(as[0].keys[k.UserName], k)
	}
}
