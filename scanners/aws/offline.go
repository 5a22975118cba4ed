package aws

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Offline reads the files the AWS CLI exports and builds inventory from
// them. Files are recognised by content, and pieces of one account (the
// authorization details, the credential report, list-roles, list-access-keys)
// are joined by the account id in their ARNs.
type Offline struct {
	accounts map[string]*account
	keys     []accessKey // list-access-keys output, joined at the end
	keyFiles []string
	warnings []string
}

// NewOffline returns an empty offline loader.
func NewOffline() *Offline { return &Offline{accounts: map[string]*account{}} }

// Name of the scanner.
func (o *Offline) Name() string { return "aws" }

// awsFile is the union of the JSON exports this loader reads.
type awsFile struct {
	UserDetailList    []userDetail    `json:"UserDetailList"`
	GroupDetailList   []groupDetail   `json:"GroupDetailList"`
	RoleDetailList    []roleDetail    `json:"RoleDetailList"`
	Policies          []managedPolicy `json:"Policies"`
	IsTruncated       bool            `json:"IsTruncated"`
	Content           *string         `json:"Content"`
	ReportFormat      *string         `json:"ReportFormat"`
	GeneratedTime     *time.Time      `json:"GeneratedTime"`
	Roles             []roleDetail    `json:"Roles"`
	AccessKeyMetadata []accessKey     `json:"AccessKeyMetadata"`
}

var awsFields = []string{"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies", "Content", "ReportFormat", "GeneratedTime", "Roles", "AccessKeyMetadata"}

func (o *Offline) account(id string) *account {
	a, ok := o.accounts[id]
	if !ok {
		a = &account{ID: id, maxSession: map[string]int32{}, keys: map[string][]accessKey{}}
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
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return false, nil
	}
	var f awsFile
	if err := json.Unmarshal(trimmed, &f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && isAWSField(te.Field) {
			return true, fmt.Errorf("field %s: %v", te.Field, err)
		}
		var se *json.SyntaxError
		if errors.As(err, &se) && bytes.Contains(trimmed, []byte(`"UserDetailList"`)) {
			return true, fmt.Errorf("not valid JSON at byte %d: %v", se.Offset, err)
		}
		return false, nil
	}
	switch {
	case f.UserDetailList != nil || f.RoleDetailList != nil || f.GroupDetailList != nil || f.Policies != nil:
		return true, o.addDetails(&f)
	case f.Content != nil && (f.ReportFormat != nil || f.GeneratedTime != nil):
		csv, err := base64.StdEncoding.DecodeString(*f.Content)
		if err != nil {
			return true, fmt.Errorf("credential report Content is not base64: %v", err)
		}
		return true, o.addReport(csv)
	case f.Roles != nil:
		for _, r := range f.Roles {
			acct := arnAccountID(r.Arn)
			if acct == "" {
				return true, fmt.Errorf("role %q has no valid ARN", r.RoleName)
			}
			o.account(acct).maxSession[r.Arn] = r.MaxSessionDuration
		}
		return true, nil
	case f.AccessKeyMetadata != nil:
		o.keys = append(o.keys, f.AccessKeyMetadata...)
		o.keyFiles = append(o.keyFiles, name)
		return true, nil
	}
	return false, nil
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
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || len(parts[4]) != 12 {
		return ""
	}
	return parts[4]
}

func (o *Offline) addDetails(f *awsFile) error {
	acct := ""
	for _, u := range f.UserDetailList {
		acct = firstNonEmpty(acct, arnAccountID(u.Arn))
	}
	for _, r := range f.RoleDetailList {
		acct = firstNonEmpty(acct, arnAccountID(r.Arn))
	}
	for _, g := range f.GroupDetailList {
		acct = firstNonEmpty(acct, arnAccountID(g.Arn))
	}
	for _, p := range f.Policies {
		acct = firstNonEmpty(acct, arnAccountID(p.Arn))
	}
	if acct == "" {
		return errors.New("authorization details hold no ARN with an account id")
	}
	a := o.account(acct)
	if f.IsTruncated {
		a.warn("authorization details export is one truncated page (IsTruncated true); later pages are missing")
	}
	if a.details == nil {
		a.details = &authDetails{}
	}
	d := a.details
	d.UserDetailList = append(d.UserDetailList, f.UserDetailList...)
	d.GroupDetailList = append(d.GroupDetailList, f.GroupDetailList...)
	d.RoleDetailList = append(d.RoleDetailList, f.RoleDetailList...)
	d.Policies = append(d.Policies, f.Policies...)
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
	acct := ""
	for _, r := range rows {
		acct = firstNonEmpty(acct, arnAccountID(r.arn))
	}
	if acct == "" {
		return errors.New("credential report holds no ARN with an account id")
	}
	a := o.account(acct)
	a.report = append(a.report, rows...)
	return nil
}

// Inventory builds the inventory of every account seen.
func (o *Offline) Inventory() (inventory.Inventory, error) {
	ids := make([]string, 0, len(o.accounts))
	for id := range o.accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	o.joinKeys()
	var inv inventory.Inventory
	for _, id := range ids {
		inv.Append(o.accounts[id].build("offline"))
	}
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
		if a.details == nil {
			continue
		}
		for _, u := range a.details.UserDetailList {
			owners[u.UserName] = append(owners[u.UserName], a)
		}
	}
	for _, k := range o.keys {
		as := owners[k.UserName]
		if len(as) != 1 {
			o.warnings = append(o.warnings, fmt.Sprintf("access key %s of user %s (from %s) matches %d exported accounts; it was not used", k.AccessKeyId, k.UserName, strings.Join(o.keyFiles, ", "), len(as)))
			continue
		}
		as[0].keys[k.UserName] = append(as[0].keys[k.UserName], k)
	}
}
