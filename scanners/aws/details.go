package aws

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	json "github.com/go-json-experiment/json/v1"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// The types below mirror GetAccountAuthorizationDetails as the AWS CLI
// prints it (field names are the API's). The live scanner converts SDK
// output into the same types, so both paths share one builder.

type authDetails struct {
	UserDetailList  []userDetail    `json:"UserDetailList"`
	GroupDetailList []groupDetail   `json:"GroupDetailList"`
	RoleDetailList  []roleDetail    `json:"RoleDetailList"`
	Policies        []managedPolicy `json:"Policies"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type inlinePolicy struct {
	PolicyName     string   `json:"PolicyName"`
	PolicyDocument document `json:"PolicyDocument"`
}

type attachedPolicy struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

type boundaryRef struct {
	PermissionsBoundaryArn string `json:"PermissionsBoundaryArn"`
}

type userDetail struct {
	Path                    string           `json:"Path"`
	UserName                string           `json:"UserName"`
	Arn                     string           `json:"Arn"`
	CreateDate              time.Time        `json:"CreateDate"`
	UserPolicyList          []inlinePolicy   `json:"UserPolicyList"`
	GroupList               []string         `json:"GroupList"`
	AttachedManagedPolicies []attachedPolicy `json:"AttachedManagedPolicies"`
	PermissionsBoundary     *boundaryRef     `json:"PermissionsBoundary"`
	Tags                    []tag            `json:"Tags"`
}

type groupDetail struct {
	Path                    string           `json:"Path"`
	CreateDate              time.Time        `json:"CreateDate"`
	GroupName               string           `json:"GroupName"`
	Arn                     string           `json:"Arn"`
	GroupPolicyList         []inlinePolicy   `json:"GroupPolicyList"`
	AttachedManagedPolicies []attachedPolicy `json:"AttachedManagedPolicies"`
}

type roleLastUsed struct {
	LastUsedDate *time.Time `json:"LastUsedDate"`
	Region       string     `json:"Region"`
}

type roleDetail struct {
	Path                     string           `json:"Path"`
	RoleName                 string           `json:"RoleName"`
	Arn                      string           `json:"Arn"`
	CreateDate               time.Time        `json:"CreateDate"`
	AssumeRolePolicyDocument document         `json:"AssumeRolePolicyDocument"`
	RolePolicyList           []inlinePolicy   `json:"RolePolicyList"`
	AttachedManagedPolicies  []attachedPolicy `json:"AttachedManagedPolicies"`
	PermissionsBoundary      *boundaryRef     `json:"PermissionsBoundary"`
	Tags                     []tag            `json:"Tags"`
	RoleLastUsed             *roleLastUsed    `json:"RoleLastUsed"`
	MaxSessionDuration       int32            `json:"MaxSessionDuration"`
	InstanceProfileList      []struct {
		Arn string `json:"Arn"`
	} `json:"InstanceProfileList"`
}

type policyVersion struct {
	Document         document `json:"Document"`
	VersionId        string   `json:"VersionId"`
	IsDefaultVersion bool     `json:"IsDefaultVersion"`
}

type managedPolicy struct {
	PolicyName        string          `json:"PolicyName"`
	Arn               string          `json:"Arn"`
	DefaultVersionId  string          `json:"DefaultVersionId"`
	PolicyVersionList []policyVersion `json:"PolicyVersionList"`
}

// defaultVersion is the version in force, or nil.
func (p *managedPolicy) defaultVersion() *policyVersion {
	for i := range p.PolicyVersionList {
		v := &p.PolicyVersionList[i]
		if v.IsDefaultVersion || (p.DefaultVersionId != "" && v.VersionId == p.DefaultVersionId) {
			return v
		}
	}
	return nil
}

// documents lists every document the build will parse.
func (d *authDetails) documents() []*document {
	var out []*document
	inline := func(ps []inlinePolicy) {
		for i := range ps {
			out = append(out, &ps[i].PolicyDocument)
		}
	}
	for i := range d.RoleDetailList {
		r := &d.RoleDetailList[i]
		out = append(out, &r.AssumeRolePolicyDocument)
		inline(r.RolePolicyList)
	}
	for i := range d.UserDetailList {
		inline(d.UserDetailList[i].UserPolicyList)
	}
	for i := range d.GroupDetailList {
		inline(d.GroupDetailList[i].GroupPolicyList)
	}
	for i := range d.Policies {
		p := &d.Policies[i]
		for j := range p.PolicyVersionList {
			if p.PolicyVersionList[j].IsDefaultVersion || !isAWSManagedPolicy(p.Arn) {
				out = append(out, &p.PolicyVersionList[j].Document)
			}
		}
	}
	return out
}

// accessKey is one entry of ListAccessKeys, plus last use when known.
type accessKey struct {
	UserName    string     `json:"UserName"`
	AccessKeyId string     `json:"AccessKeyId"`
	Status      string     `json:"Status"`
	CreateDate  time.Time  `json:"CreateDate"`
	LastUsed    *time.Time `json:"-"`
	// LastUsedKnown is set when GetAccessKeyLastUsed answered.
	LastUsedKnown bool `json:"-"`
}

// account is everything known about one AWS account before it becomes
// inventory: the pieces may come from several files or API calls.
type account struct {
	ID          string
	details     *authDetails
	report      []reportRow
	maxSession  map[string]int32 // role ARN -> seconds, from ListRoles
	keys        map[string][]accessKey
	haveKeyList bool
	warnings    []string

	// offline: entities already taken (by kind and ARN), and pages of a
	// paginated authorization details export by whether more follow
	seen           map[seenKey]bool
	truncatedPages int
	finalPages     int
	haveReport     bool
}

type seenKey struct{ kind, id string }

// first reports whether this is the first time the entity is seen, and
// marks it seen: an export given twice or overlapping pages add nothing.
func (a *account) first(kind, name, arn string) bool {
	if a.seen == nil {
		a.seen = map[seenKey]bool{}
	}
	k := seenKey{kind, arn}
	if arn == "" {
		k = seenKey{kind + " name", name}
	}
	if a.seen[k] {
		return false
	}
	a.seen[k] = true
	return true
}

func (a *account) warn(format string, args ...any) {
	a.warnings = append(a.warnings, fmt.Sprintf(format, args...))
}

// excludedRole says why a role is out of scope by default, or "".
func excludedRole(path, name string) string {
	switch {
	case strings.HasPrefix(path, "/aws-service-role/"):
		return "service-linked role"
	case strings.HasPrefix(path, "/aws-reserved/sso.amazonaws.com/") || strings.HasPrefix(name, "AWSReservedSSO_"):
		return "IAM Identity Center role"
	}
	return ""
}

func tagMap(tags []tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// policyIndex resolves managed policy ARNs to their default version's
// statements, parsing each policy once.
type policyIndex struct {
	byArn  map[string]*managedPolicy
	parsed map[string][]inventory.Statement
	failed map[string]bool
	others map[string][]inventory.PolicyVersion
	acct   *account
}

// otherVersions returns the versions of a customer-managed policy that
// are not in force; malformed ones are left out.
func (idx *policyIndex) otherVersions(arn string) []inventory.PolicyVersion {
	if isAWSManagedPolicy(arn) {
		return nil // AWS owns these; customers cannot change their default version
	}
	if v, ok := idx.others[arn]; ok {
		return v
	}
	var out []inventory.PolicyVersion
	if p, ok := idx.byArn[arn]; ok {
		def := p.defaultVersion()
		for i := range p.PolicyVersionList {
			v := &p.PolicyVersionList[i]
			if v == def {
				continue
			}
			if st, err := v.Document.Parse(); err == nil {
				out = append(out, inventory.PolicyVersion{ID: v.VersionId, Statements: st})
			}
		}
	}
	idx.others[arn] = out
	return out
}

// isAWSManagedPolicy reports whether arn names an AWS-managed policy, in
// any partition (arn:aws:, arn:aws-us-gov:, arn:aws-cn:, ...): the
// account field is "aws" instead of an account id.
func isAWSManagedPolicy(arn string) bool {
	parts, ok := arnFields(arn)
	return ok && parts[0] == "arn" && strings.HasPrefix(parts[1], "aws") && parts[2] == "iam" && parts[4] == "aws" && strings.HasPrefix(parts[5], "policy/")
}

func newPolicyIndex(a *account) *policyIndex {
	idx := &policyIndex{byArn: map[string]*managedPolicy{}, parsed: map[string][]inventory.Statement{}, failed: map[string]bool{}, others: map[string][]inventory.PolicyVersion{}, acct: a}
	for i := range a.details.Policies {
		p := &a.details.Policies[i]
		idx.byArn[p.Arn] = p
	}
	return idx
}

// statements returns the policy's default version. quiet suppresses the
// warning for a policy missing from the export (for excluded identities).
func (idx *policyIndex) statements(arn, name string, quiet bool) ([]inventory.Statement, bool) {
	if st, ok := idx.parsed[arn]; ok {
		return st, true
	}
	if idx.failed[arn] {
		return nil, false
	}
	p, ok := idx.byArn[arn]
	if !ok {
		if quiet {
			return nil, false
		}
		idx.failed[arn] = true
		idx.acct.warn("managed policy %s is attached but not in the export; its permissions were not evaluated", arn)
		return nil, false
	}
	if v := p.defaultVersion(); v != nil {
		st, err := v.Document.Parse()
		if err != nil {
			idx.failed[arn] = true
			idx.acct.warn("skipped malformed policy document of managed policy %s (%s): %v", name, arn, err)
			return nil, false
		}
		idx.parsed[arn] = st
		return st, true
	}
	idx.failed[arn] = true
	idx.acct.warn("managed policy %s has no default version in the export; its permissions were not evaluated", arn)
	return nil, false
}

func (a *account) inline(kind, owner string, ps []inlinePolicy, source, via string) []inventory.Grant {
	var out []inventory.Grant
	for i := range ps {
		p := &ps[i]
		st, err := p.PolicyDocument.Parse()
		if err != nil {
			a.warn("skipped malformed inline policy %s of %s %s: %v", p.PolicyName, kind, owner, err)
			continue
		}
		out = append(out, inventory.Grant{Source: source, PolicyName: p.PolicyName, Via: via, Statements: st})
	}
	return out
}

func (a *account) managed(idx *policyIndex, ps []attachedPolicy, source, via string, quiet bool) []inventory.Grant {
	var out []inventory.Grant
	for _, p := range ps {
		st, _ := idx.statements(p.PolicyArn, p.PolicyName, quiet)
		out = append(out, inventory.Grant{Source: source, PolicyName: p.PolicyName, PolicyID: p.PolicyArn, Via: via, Statements: st, OtherVersions: idx.otherVersions(p.PolicyArn)})
	}
	return out
}

func (a *account) boundary(idx *policyIndex, b *boundaryRef) *inventory.Grant {
	if b == nil || b.PermissionsBoundaryArn == "" {
		return nil
	}
	arn := b.PermissionsBoundaryArn
	// An unknown boundary still bounds: with no statements it allows
	// nothing, so no finding claims more than the export proves.
	st, _ := idx.statements(arn, arn, false)
	return &inventory.Grant{Source: inventory.SourceBoundary, PolicyName: arn[strings.LastIndex(arn, "/")+1:], PolicyID: arn, Statements: st}
}

// build turns the account's pieces into inventory identities.
func (a *account) build(mode string) inventory.Inventory {
	var inv inventory.Inventory
	src := inventory.Source{Scanner: "aws", Scope: a.ID, Mode: mode, Status: inventory.StatusOK}
	noDetails := a.details == nil
	if noDetails {
		a.details = &authDetails{}
		if mode == "offline" {
			a.warn("no get-account-authorization-details export for this account: roles, policies, trust and tags were not assessed (users come from the credential report)")
			src.NotAssessed = append(src.NotAssessed, reportOnlyNotAssessed...)
		}
	}
	parseAll(a.details.documents())
	idx := newPolicyIndex(a)
	groups := map[string]*groupDetail{}
	for i := range a.details.GroupDetailList {
		g := &a.details.GroupDetailList[i]
		groups[g.GroupName] = g
	}
	// One allocation for every identity the account can hold (roles, users,
	// groups, report-only users and the root), not a doubling per append.
	inv.Identities = make([]inventory.Identity, 0, len(a.details.RoleDetailList)+len(a.details.UserDetailList)+len(a.details.GroupDetailList)+len(a.report)+1)
	for i := range a.details.RoleDetailList {
		r := &a.details.RoleDetailList[i]
		inv.Identities = append(inv.Identities, a.role(idx, r))
	}
	reportByArn := map[string]*reportRow{}
	for i := range a.report {
		reportByArn[a.report[i].arn] = &a.report[i]
	}
	if a.report == nil {
		a.warn("no credential report for this account: passwords, key ages and key use of users were not assessed")
		src.NotAssessed = append(src.NotAssessed, inventory.NotAssessedUserCredentials)
	}
	detailed := map[string]bool{}
	for i := range a.details.UserDetailList {
		u := &a.details.UserDetailList[i]
		detailed[u.Arn] = true
		inv.Identities = append(inv.Identities, a.user(idx, u, groups, reportByArn[u.Arn]))
	}
	// Users the credential report names but the authorization details do
	// not (no details at all, or a user created between the two exports)
	// are identities still: their credentials are known, their policies not.
	var reportOnly []string
	for i := range a.report {
		row := &a.report[i]
		if row.user == rootRowName || detailed[row.arn] {
			continue
		}
		inv.Identities = append(inv.Identities, a.reportUser(row))
		reportOnly = append(reportOnly, row.user)
	}
	if len(reportOnly) > 0 && !noDetails {
		a.warn("users %s are in the credential report but not in the authorization details: their policies, groups and tags were not assessed", strings.Join(reportOnly, ", "))
	}
	for i := range a.details.GroupDetailList {
		g := &a.details.GroupDetailList[i]
		gid := inventory.Identity{
			ID: g.Arn, Provider: inventory.AWS, Kind: inventory.KindAWSGroup, Account: a.ID, Name: g.GroupName, Path: g.Path,
			CreatedAt: g.CreateDate.UTC(), Excluded: "IAM group: its members are scanned", LastUsedKnown: true,
		}
		gid.Grants = append(gid.Grants, a.inline("group", g.GroupName, g.GroupPolicyList, inventory.SourceInline, "")...)
		gid.Grants = append(gid.Grants, a.managed(idx, g.AttachedManagedPolicies, inventory.SourceManaged, "", true)...)
		inv.Identities = append(inv.Identities, gid)
	}
	for i := range a.report {
		row := &a.report[i]
		if row.user != rootRowName {
			continue
		}
		if root, ok := a.root(row); ok {
			inv.Identities = append(inv.Identities, root)
		}
	}
	src.Warnings = a.warnings
	inv.Sources = append(inv.Sources, src)
	return inv
}

func (a *account) role(idx *policyIndex, r *roleDetail) inventory.Identity {
	id := inventory.Identity{
		ID: r.Arn, Provider: inventory.AWS, Kind: inventory.KindAWSRole, Account: a.ID,
		Name: r.RoleName, Path: r.Path, CreatedAt: r.CreateDate.UTC(), Tags: tagMap(r.Tags),
		Excluded: excludedRole(r.Path, r.RoleName), LastUsedKnown: true,
	}
	if r.RoleLastUsed != nil && r.RoleLastUsed.LastUsedDate != nil {
		t := r.RoleLastUsed.LastUsedDate.UTC()
		id.LastUsed = &t
	}
	secs := r.MaxSessionDuration
	if s, ok := a.maxSession[r.Arn]; ok {
		secs = s
	}
	id.MaxSession = time.Duration(secs) * time.Second
	if !r.AssumeRolePolicyDocument.empty() {
		trust, err := r.AssumeRolePolicyDocument.Parse()
		if err != nil {
			a.warn("skipped malformed trust policy of role %s: %v", r.RoleName, err)
		}
		id.Trust = trust
	}
	// Whether the role is an AI agent's is decided in one place,
	// rules.Classify (trust of an agent service, the agents the platforms
	// list, configured tags).
	for _, ip := range r.InstanceProfileList {
		id.AttachedTo = append(id.AttachedTo, ip.Arn)
	}
	id.Grants = append(id.Grants, a.inline("role", r.RoleName, r.RolePolicyList, inventory.SourceInline, "")...)
	id.Grants = append(id.Grants, a.managed(idx, r.AttachedManagedPolicies, inventory.SourceManaged, "", id.Excluded != "")...)
	id.Boundary = a.boundary(idx, r.PermissionsBoundary)
	return id
}

func (a *account) user(idx *policyIndex, u *userDetail, groups map[string]*groupDetail, row *reportRow) inventory.Identity {
	id := inventory.Identity{
		ID: u.Arn, Provider: inventory.AWS, Kind: inventory.KindAWSUser, Account: a.ID,
		Name: u.UserName, Path: u.Path, CreatedAt: u.CreateDate.UTC(), Tags: tagMap(u.Tags),
	}
	id.Grants = append(id.Grants, a.inline("user", u.UserName, u.UserPolicyList, inventory.SourceInline, "")...)
	id.Grants = append(id.Grants, a.managed(idx, u.AttachedManagedPolicies, inventory.SourceManaged, "", false)...)
	for _, gn := range u.GroupList {
		g, ok := groups[gn]
		if !ok {
			a.warn("user %s is in group %s, which is not in the export", u.UserName, gn)
			continue
		}
		id.Groups = append(id.Groups, g.Arn)
		id.Grants = append(id.Grants, a.inline("group", gn, g.GroupPolicyList, inventory.SourceGroup, gn)...)
		id.Grants = append(id.Grants, a.managed(idx, g.AttachedManagedPolicies, inventory.SourceGroup, gn, false)...)
	}
	id.Boundary = a.boundary(idx, u.PermissionsBoundary)
	id.Credentials, id.LastUsedKnown = a.userCredentials(u.UserName, row)
	id.LastUsed = latestUse(id.Credentials)
	return id
}

// reportUser is a user known only from the credential report.
func (a *account) reportUser(row *reportRow) inventory.Identity {
	id := inventory.Identity{
		ID: row.arn, Provider: inventory.AWS, Kind: inventory.KindAWSUser, Account: a.ID,
		Name: row.user, Path: arnPath(row.arn), CreatedAt: row.created,
	}
	id.Credentials, id.LastUsedKnown = a.userCredentials(row.user, row)
	id.LastUsed = latestUse(id.Credentials)
	id.NotAssessed = slices.Clone(reportOnlyNotAssessed)
	return id
}

// reportOnlyNotAssessed is what a user known only from the credential
// report lacks: no export gave its policies, groups, trust or tags.
var reportOnlyNotAssessed = []string{inventory.NotAssessedPermissions, inventory.NotAssessedTrust, inventory.NotAssessedTags}

// arnPath is the path of an IAM ARN (arn:aws:iam::1:user/ops/ci is
// /ops/), "/" when it has none.
func arnPath(arn string) string {
	_, res, _ := strings.Cut(arn[strings.LastIndex(arn, ":")+1:], "/")
	if i := strings.LastIndex(res, "/"); i >= 0 {
		return "/" + res[:i+1]
	}
	return "/"
}

func latestUse(cs []inventory.Credential) *time.Time {
	var latest *time.Time
	for i := range cs {
		if u := cs[i].LastUsed; u != nil && (latest == nil || u.After(*latest)) {
			latest = u
		}
	}
	return latest
}

// userCredentials merges the credential report row with ListAccessKeys
// output. The report has no key ids; keys are matched to report slots by
// creation time (access_key_N_last_rotated is the key's creation time).
func (a *account) userCredentials(user string, row *reportRow) ([]inventory.Credential, bool) {
	var out []inventory.Credential
	known := row != nil
	if row != nil && row.passwordEnabled {
		c := inventory.Credential{Kind: inventory.CredAWSPassword, Status: inventory.CredentialActive, LastUsed: row.passwordLastUsed, LastUsedKnown: row.passwordUseKnown, CreatedAt: row.created}
		if row.passwordChanged != nil {
			c.CreatedAt = *row.passwordChanged
		}
		out = append(out, c)
	}
	listed, haveList := a.keys[user]
	if !haveList && a.haveKeyList {
		haveList = true // listed, and the user has no keys
	}
	if haveList {
		for _, k := range listed {
			c := inventory.Credential{ID: k.AccessKeyId, Kind: inventory.CredAWSAccessKey, Status: keyStatus(k.Status), CreatedAt: k.CreateDate.UTC(), LastUsed: k.LastUsed, LastUsedKnown: k.LastUsedKnown}
			if row != nil {
				if slot := row.slotFor(k.CreateDate); slot != nil {
					c.Slot = slot.n
					if !c.LastUsedKnown {
						c.LastUsed, c.LastUsedKnown = slot.lastUsed, true
					}
				}
			}
			out = append(out, c)
		}
		return out, known || len(listed) > 0
	}
	if row == nil {
		return out, false
	}
	for _, k := range row.keys {
		if k.lastRotated == nil {
			continue // no key in this slot
		}
		status := inventory.CredentialInactive
		if k.active {
			status = inventory.CredentialActive
		}
		out = append(out, inventory.Credential{Kind: inventory.CredAWSAccessKey, Slot: k.n, Status: status, CreatedAt: *k.lastRotated, LastRotated: k.lastRotated, LastUsed: k.lastUsed, LastUsedKnown: true})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Slot < out[j].Slot })
	return out, true
}

func keyStatus(s string) string {
	switch strings.ToLower(s) {
	case "active":
		return inventory.CredentialActive
	case "expired":
		return inventory.CredentialExpired
	default:
		return inventory.CredentialInactive
	}
}

func (a *account) root(row *reportRow) (inventory.Identity, bool) {
	id := inventory.Identity{
		ID: fmt.Sprintf("arn:aws:iam::%s:root", a.ID), Provider: inventory.AWS, Kind: inventory.KindAWSRoot,
		Account: a.ID, Name: "root", CreatedAt: row.created, LastUsedKnown: true,
	}
	for _, k := range row.keys {
		if k.lastRotated == nil {
			continue
		}
		status := inventory.CredentialInactive
		if k.active {
			status = inventory.CredentialActive
		}
		id.Credentials = append(id.Credentials, inventory.Credential{Kind: inventory.CredAWSAccessKey, Slot: k.n, Status: status, CreatedAt: *k.lastRotated, LastRotated: k.lastRotated, LastUsed: k.lastUsed, LastUsedKnown: true})
	}
	if len(id.Credentials) == 0 {
		return id, false
	}
	id.LastUsed = latestUse(id.Credentials)
	return id, true
}

// awsTime is a date as exports carry it. The AWS CLI prints ISO 8601
// (2020-02-25T16:08:50+00:00); collectors built on boto3 write Python's
// str(datetime) (2020-02-25 16:08:50+00:00, with microseconds when there
// are any); AWS Tools for PowerShell's ConvertTo-Json writes /Date(ms)/.
// A time without a zone is UTC, as every IAM time is.
type awsTime struct{ time.Time }

var awsTimeType = reflect.TypeOf(awsTime{})

// UnmarshalJSONFrom reads the date where the decoder stands and, when it
// is not a date, names the field as encoding/json did
// (RoleDetailList.CreateDate): the decoder of the offline exports passes
// a method's error on without the field.
func (t *awsTime) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	err = t.UnmarshalJSON(v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "" {
		te.Field = fieldPath(dec.StackPointer())
	}
	return err
}

// fieldPath turns a JSON pointer (/RoleDetailList/0/CreateDate) into the
// dotted field path encoding/json reports (RoleDetailList.CreateDate).
func fieldPath(p jsontext.Pointer) string {
	var names []string
	for tok := range p.Tokens() {
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			continue // an array index
		}
		names = append(names, tok)
	}
	return strings.Join(names, ".")
}

func (t *awsTime) UnmarshalJSON(b []byte) error {
	raw := string(b)
	if raw == "null" {
		return nil
	}
	if len(b) >= 2 && b[0] == '"' {
		// The AWS CLI's RFC 3339, parsed without allocating.
		if err := t.Time.UnmarshalJSON(b); err == nil {
			t.Time = t.Time.UTC()
			return nil
		}
		s, ok := plainString(b)
		if !ok && json.Unmarshal(b, &s) == nil {
			ok = true
		}
		if ok {
			if v, err := parseAWSTime(s); err == nil {
				t.Time = v
				return nil
			}
		}
	} else if n, err := strconv.ParseFloat(raw, 64); err == nil {
		t.Time = epochTime(n)
		return nil
	}
	return &json.UnmarshalTypeError{Value: raw, Type: awsTimeType}
}

// awsTimeLayouts are tried in order; fractional seconds are optional in
// each (Go accepts them after seconds even when the layout has none).
var awsTimeLayouts = []string{
	time.RFC3339,
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
}

// parseAWSTime parses one date in any of the forms exports use.
func parseAWSTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if inner, ok := strings.CutPrefix(s, "/Date("); ok {
		// /Date(1582646930000)/ or /Date(1582646930000+0000)/: milliseconds
		// since the epoch, then an offset that does not change the instant.
		end := 1
		for end < len(inner) && inner[end] >= '0' && inner[end] <= '9' {
			end++
		}
		if n, err := strconv.ParseInt(inner[:end], 10, 64); err == nil {
			return time.UnixMilli(n).UTC(), nil
		}
	}
	for _, l := range awsTimeLayouts {
		if v, err := time.Parse(l, s); err == nil {
			return v.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// epochTime reads a Unix time in seconds, or in milliseconds when it is
// too large to be seconds.
func epochTime(n float64) time.Time {
	if n > 1e11 {
		return time.UnixMilli(int64(n)).UTC()
	}
	sec := int64(n)
	return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC()
}
