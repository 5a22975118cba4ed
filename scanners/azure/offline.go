package azure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Offline reads the az CLI export of one or more tenants, one directory
// per tenant named for the tenant id (scripts/export-azure.sh writes it):
//
//	<tenant-id>/service-principals.json        az ad sp list --all
//	<tenant-id>/applications.json              az ad app list --all
//	<tenant-id>/owners/<object-id>.json        az ad app|sp owner list --id <object-id>
//	<tenant-id>/sponsors/<agent-id>.json       az rest .../servicePrincipals/<id>/sponsors
//	<tenant-id>/app-role-assignments/<sp>.json az rest .../servicePrincipals/<sp>/appRoleAssignments
//	<tenant-id>/federated-credentials/<id>.json az ad app federated-credential list --id <app object id>
//	<tenant-id>/directory-role-assignments.json az rest .../roleManagement/directory/roleAssignments
//	<tenant-id>/directory-role-definitions.json az rest .../roleManagement/directory/roleDefinitions (optional)
//	<tenant-id>/role-assignments[-<sub>].json  az role assignment list --all --include-inherited
//	<tenant-id>/role-definitions[-<sub>].json  az role definition list --custom-role-only (optional)
//	<tenant-id>/sign-ins.json                  az rest .../beta/reports/servicePrincipalSignInActivities (optional)
//	<tenant-id>/credential-sign-ins.json       az rest .../beta/reports/appCredentialSignInActivities (optional)
//
// Files are recognised by their place in this layout. A list may be a
// bare JSON array (az ad ...), a Graph page {"value": [...]} (az rest),
// several pages concatenated in one file, or pages in files of the same
// name with a suffix (sign-ins-2.json, owners/<id>-2.json). What was not
// exported is recorded as not assessed, never guessed.
type Offline struct {
	// now decides which credentials have expired (SetNow); zero means
	// the wall clock.
	now     time.Time
	tenants map[string]*tenant // by directory
}

// SetNow sets the time against which credentials' end dates are judged:
// the scan's --as-of (scanners.Clocked).
func (o *Offline) SetNow(now time.Time) { o.now = now }

// NewOffline returns an empty offline loader.
func NewOffline() *Offline {
	return &Offline{tenants: map[string]*tenant{}}
}

// Name of the scanner.
func (o *Offline) Name() string { return "azure" }

// Export file kinds: the tenant-wide lists by base name, and the
// per-object lists by directory name.
const (
	fileServicePrincipals = "service-principals"
	fileApplications      = "applications"
	fileDirRoles          = "directory-role-assignments"
	fileDirRoleDefs       = "directory-role-definitions"
	fileRoleAssignments   = "role-assignments"
	fileRoleDefinitions   = "role-definitions"
	fileSignIns           = "sign-ins"
	fileCredSignIns       = "credential-sign-ins"
	dirOwners             = "owners"
	dirSponsors           = "sponsors"
	dirAppRoleAssignments = "app-role-assignments"
	dirFederated          = "federated-credentials"
)

var tenantFiles = []string{fileServicePrincipals, fileApplications, fileDirRoles, fileDirRoleDefs, fileRoleAssignments, fileRoleDefinitions, fileSignIns, fileCredSignIns}

var objectDirs = []string{dirOwners, dirSponsors, dirAppRoleAssignments, dirFederated}

// place is what a file's path says under the export layout.
type place struct {
	dir    string // the tenant directory
	kind   string // one of tenantFiles or objectDirs
	object string // the object id of a per-object file
}

func placeOf(name string) (place, bool) {
	name = filepath.ToSlash(name)
	name = strings.TrimSuffix(name, ".gz")
	if !strings.EqualFold(path.Ext(name), ".json") {
		return place{}, false
	}
	dir, file := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	base := strings.TrimSuffix(file, path.Ext(file))
	parent := path.Base(dir)
	if slices.Contains(objectDirs, parent) {
		if len(base) < 36 || !isGUID(base[:36]) || len(base) > 36 && base[36] != '-' && base[36] != '.' {
			return place{}, false
		}
		return place{dir: path.Dir(dir), kind: parent, object: strings.ToLower(base[:36])}, true
	}
	for _, k := range tenantFiles {
		if base == k || strings.HasPrefix(base, k+"-") || strings.HasPrefix(base, k+".") {
			return place{dir: dir, kind: k}, true
		}
	}
	return place{}, false
}

func (o *Offline) tenant(dir string) *tenant {
	t, ok := o.tenants[dir]
	if !ok {
		t = newTenant(path.Base(dir))
		o.tenants[dir] = t
	}
	return t
}

// Add reads one file. It returns false for a file outside the layout.
func (o *Offline) Add(name string, data []byte) (bool, error) {
	pl, ok := placeOf(name)
	if !ok {
		return false, nil
	}
	items, err := listItems(data)
	var failed *responseError
	if errors.As(err, &failed) && pl.kind == fileRoleAssignments {
		// A subscription the export could not read (the script writes
		// az's error there): that scope failed, the rest goes on.
		t := o.tenant(pl.dir)
		t.failed = append(t.failed, scopeFailure{scope: subscriptionOf(name), err: failed.summary()})
		return true, nil
	}
	if err != nil {
		return true, err
	}
	t := o.tenant(pl.dir)
	switch pl.kind {
	case fileServicePrincipals:
		sps, err := decodeItems[servicePrincipal](items, checkServicePrincipal)
		t.servicePrincipals = append(t.servicePrincipals, sps...)
		t.servicePrincipalsRead = true
		return true, err
	case fileApplications:
		apps, err := decodeItems[application](items, checkApplication)
		t.applications = append(t.applications, apps...)
		return true, err
	case dirOwners, dirSponsors:
		objs, err := decodeItems[directoryObject](items, checkDirectoryObject)
		m := t.owners
		if pl.kind == dirSponsors {
			m = t.sponsors
		}
		m[pl.object] = append(m[pl.object], objs...)
		return true, err
	case dirAppRoleAssignments:
		as, err := decodeItems[appRoleAssignment](items, checkAppRoleAssignment)
		t.appRoleAssignments[pl.object] = append(t.appRoleAssignments[pl.object], as...)
		return true, err
	case dirFederated:
		fs, err := decodeItems[federatedIdentityCredential](items, checkFederated)
		t.federated[pl.object] = append(t.federated[pl.object], fs...)
		return true, err
	case fileDirRoles:
		rs, err := decodeItems[unifiedRoleAssignment](items, checkDirectoryRole)
		t.directoryRoles = append(t.directoryRoles, rs...)
		t.directoryRolesRead = true
		return true, err
	case fileDirRoleDefs:
		ds, err := decodeItems[unifiedRoleDefinition](items, func(d *unifiedRoleDefinition) error { return need("id", d.ID) })
		for _, d := range ds {
			t.directoryRoleNames[strings.ToLower(d.ID)] = d.DisplayName
			if d.TemplateID != "" {
				t.directoryRoleNames[strings.ToLower(d.TemplateID)] = d.DisplayName
			}
		}
		return true, err
	case fileRoleAssignments:
		rs, err := decodeItems[roleAssignment](items, checkRoleAssignment)
		t.roleAssignments = append(t.roleAssignments, rs...)
		t.roleAssignmentsRead = true
		return true, err
	case fileRoleDefinitions:
		ds, err := decodeItems[roleDefinition](items, func(d *roleDefinition) error { return need("name", d.Name) })
		for _, d := range ds {
			r := azureRole{name: d.RoleName, custom: d.RoleType == "CustomRole"}
			perms := d.Permissions
			if p := d.Properties; p != nil {
				r.name, r.custom, perms = firstOf(r.name, p.RoleName), r.custom || p.Type == "CustomRole", p.Permissions
			}
			for _, p := range perms {
				r.actions = append(r.actions, p.Actions...)
				r.actions = append(r.actions, p.DataActions...)
			}
			t.roleDefinitions[strings.ToLower(d.Name)] = r
		}
		return true, err
	case fileSignIns:
		ss, err := decodeItems[servicePrincipalSignInActivity](items, checkSignIn)
		for _, s := range ss {
			t.signIns[strings.ToLower(s.AppID)] = s
		}
		t.signInsRead = true
		return true, err
	case fileCredSignIns:
		cs, err := decodeItems[appCredentialSignInActivity](items, checkCredentialSignIn)
		for _, c := range cs {
			t.credentialSignIns[strings.ToLower(c.KeyID)] = c
		}
		t.credentialSignInsRead = true
		return true, err
	}
	return false, nil
}

// Inventory builds the identities of every tenant read.
func (o *Offline) Inventory() (inventory.Inventory, error) {
	now := o.now
	if now.IsZero() {
		now = time.Now()
	}
	dirs := make([]string, 0, len(o.tenants))
	for d := range o.tenants {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var inv inventory.Inventory
	for _, d := range dirs {
		t := o.tenants[d]
		if !t.servicePrincipalsRead {
			return inventory.Inventory{}, fmt.Errorf("%s: no %s.json in the tenant's export (az ad sp list --all): the service principals are the identities", d, fileServicePrincipals)
		}
		if !isGUID(t.ID) {
			t.ID = inferTenant(t)
		}
		if !t.roleAssignmentsRead {
			t.warnings = append(t.warnings, "no role-assignments.json: Azure RBAC role assignments not read")
		}
		if !t.directoryRolesRead {
			t.warnings = append(t.warnings, "no directory-role-assignments.json: Entra directory roles not read")
		}
		inv.Append(t.build("offline", now.UTC()))
	}
	return inv, nil
}

// inferTenant finds the id of a tenant whose directory is not named for
// it: the owner tenant of the service principals of its own applications.
func inferTenant(t *tenant) string {
	apps := map[string]bool{}
	for _, a := range t.applications {
		apps[strings.ToLower(a.AppID)] = true
	}
	found := map[string]bool{}
	for _, sp := range t.servicePrincipals {
		if apps[strings.ToLower(sp.AppID)] && isGUID(sp.AppOwnerOrganizationID) {
			found[strings.ToLower(sp.AppOwnerOrganizationID)] = true
		}
	}
	if len(found) == 1 {
		for id := range found {
			t.warnings = append(t.warnings, fmt.Sprintf("the export directory %q is not a tenant id; the tenant id %s is that of the tenant's own applications", t.ID, id))
			return id
		}
	}
	t.warnings = append(t.warnings, fmt.Sprintf("the export directory %q is not a tenant id and the export does not tell it: name the directory for the tenant id", t.ID))
	return t.ID
}

// responseError is an error response saved instead of a list (Graph and
// ARM both answer {"error": {"code": ..., "message": ...}}).
type responseError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *responseError) Error() string {
	return "holds an error response, not a list: " + e.summary()
}

// summary is the code and the first line of the message.
func (e *responseError) summary() string {
	msg, _, _ := strings.Cut(strings.TrimSpace(e.Message), "\n")
	return strings.TrimSuffix(e.Code+": "+msg, ": ")
}

// subscriptionOf names the scope of a role-assignments file:
// "subscription <id>" for role-assignments-<id>.json.
func subscriptionOf(name string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(path.Base(filepath.ToSlash(name)), ".gz"), ".json")
	if sub, ok := strings.CutPrefix(base, fileRoleAssignments+"-"); ok && sub != "" {
		return "subscription " + sub
	}
	return "role assignments (" + base + ")"
}

// listItems reads a list as az prints it: one or more JSON values, each
// a bare array or a Graph/ARM page {"value": [...]}.
func listItems(data []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var items []json.RawMessage
	for n := 1; ; n++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			if n == 1 {
				return nil, errors.New("file is empty")
			}
			return items, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not valid JSON (truncated or corrupt?): %w", err)
		}
		switch raw[0] {
		case '[':
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				return nil, err
			}
			items = append(items, list...)
		case '{':
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(raw, &fields); err != nil {
				return nil, err
			}
			if e, ok := fields["error"]; ok {
				var re responseError
				_ = json.Unmarshal(e, &re)
				return nil, &re
			}
			v, ok := fields["value"]
			if !ok {
				return nil, errors.New(`expected a JSON list ([...]) or a Graph page ({"value": [...]})`)
			}
			var page []json.RawMessage
			if err := json.Unmarshal(v, &page); err != nil {
				return nil, fmt.Errorf(`field "value": want a list: %w`, err)
			}
			items = append(items, page...)
		default:
			return nil, errors.New(`expected a JSON list ([...]) or a Graph page ({"value": [...]})`)
		}
	}
}

// decodeItems decodes each item and checks it; the error names the item
// and the field.
func decodeItems[T any](items []json.RawMessage, check func(*T) error) ([]T, error) {
	out := make([]T, 0, len(items))
	for i, raw := range items {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				return nil, fmt.Errorf("item %d: field %s: got a JSON %s, want %s", i+1, te.Field, te.Value, jsonKind(te.Type.Kind().String()))
			}
			return nil, fmt.Errorf("item %d: %w", i+1, err)
		}
		if err := check(&v); err != nil {
			return nil, fmt.Errorf("item %d%s: %w", i+1, label(raw), err)
		}
		out = append(out, v)
	}
	return out, nil
}

func jsonKind(k string) string {
	switch k {
	case "slice":
		return "a list"
	case "struct", "map", "ptr":
		return "an object"
	}
	return "a " + k
}

// label names an item by its id or display name, for errors.
func label(raw json.RawMessage) string {
	var l struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	}
	_ = json.Unmarshal(raw, &l)
	if s := firstOf(l.DisplayName, l.ID); s != "" {
		return fmt.Sprintf(" (%q)", s)
	}
	return ""
}

func need(field, v string) error {
	if v == "" {
		return fmt.Errorf("field %s is missing", field)
	}
	return nil
}

func needGUID(field, v string) error {
	if err := need(field, v); err != nil {
		return err
	}
	if !isGUID(v) {
		return fmt.Errorf("field %s: %q is not an object id (GUID)", field, v)
	}
	return nil
}

func checkTimes(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if _, err := readTime(fields[i+1]); err != nil {
			return fmt.Errorf("field %s: %w", fields[i], err)
		}
	}
	return nil
}

func checkCredentials(secrets []passwordCredential, certs []keyCredential) error {
	for i, c := range secrets {
		if err := checkTimes(fmt.Sprintf("passwordCredentials[%d].startDateTime", i), c.StartDateTime, fmt.Sprintf("passwordCredentials[%d].endDateTime", i), c.EndDateTime); err != nil {
			return err
		}
	}
	for i, c := range certs {
		if err := checkTimes(fmt.Sprintf("keyCredentials[%d].startDateTime", i), c.StartDateTime, fmt.Sprintf("keyCredentials[%d].endDateTime", i), c.EndDateTime); err != nil {
			return err
		}
	}
	return nil
}

// errPreGraph is the answer to an export of az before 2.37, which read
// Azure AD Graph and printed objectId instead of id.
var errPreGraph = errors.New("field id is missing but objectId is set: this is an export of az before 2.37 (Azure AD Graph); export again with az 2.37 or later")

func checkServicePrincipal(sp *servicePrincipal) error {
	if sp.ID == "" && sp.ObjectID != "" {
		return errPreGraph
	}
	if err := needGUID("id", sp.ID); err != nil {
		return err
	}
	if err := checkTimes("createdDateTime", sp.CreatedDateTime); err != nil {
		return err
	}
	return checkCredentials(sp.PasswordCredentials, sp.KeyCredentials)
}

func checkApplication(a *application) error {
	if a.ID == "" && a.ObjectID != "" {
		return errPreGraph
	}
	if err := needGUID("id", a.ID); err != nil {
		return err
	}
	if err := need("appId", a.AppID); err != nil {
		return err
	}
	if err := checkTimes("createdDateTime", a.CreatedDateTime); err != nil {
		return err
	}
	return checkCredentials(a.PasswordCredentials, a.KeyCredentials)
}

func checkDirectoryObject(o *directoryObject) error { return needGUID("id", o.ID) }

func checkAppRoleAssignment(a *appRoleAssignment) error {
	if err := needGUID("resourceId", a.ResourceID); err != nil {
		return err
	}
	return needGUID("appRoleId", a.AppRoleID)
}

func checkFederated(f *federatedIdentityCredential) error {
	f.merge()
	if err := need("issuer", f.Issuer); err != nil {
		return err
	}
	if (f.Subject == nil || *f.Subject == "") && (f.ClaimsMatchingExpression == nil || f.ClaimsMatchingExpression.Value == "") {
		return errors.New("neither field subject nor claimsMatchingExpression.value is set")
	}
	return nil
}

func checkDirectoryRole(r *unifiedRoleAssignment) error {
	if err := needGUID("principalId", r.PrincipalID); err != nil {
		return err
	}
	return need("roleDefinitionId", r.RoleDefinitionID)
}

func checkRoleAssignment(r *roleAssignment) error {
	r.flatten()
	if err := need("principalId", r.PrincipalID); err != nil {
		return err
	}
	if err := need("roleDefinitionId", r.RoleDefinitionID); err != nil {
		return err
	}
	if err := need("scope", r.Scope); err != nil {
		return err
	}
	if !strings.HasPrefix(r.Scope, "/") {
		return fmt.Errorf("field scope: %q is not an ARM scope (/subscriptions/..., /providers/Microsoft.Management/managementGroups/...)", r.Scope)
	}
	return nil
}

func checkSignIn(s *servicePrincipalSignInActivity) error {
	if err := need("appId", s.AppID); err != nil {
		return err
	}
	names := []string{"lastSignInActivity", "delegatedClientSignInActivity", "delegatedResourceSignInActivity",
		"applicationAuthenticationClientSignInActivity", "applicationAuthenticationResourceSignInActivity"}
	for i, a := range []*signInActivity{s.LastSignInActivity, s.DelegatedClientSignInActivity, s.DelegatedResourceSignInActivity,
		s.ApplicationAuthenticationClientSignInActivity, s.ApplicationAuthenticationResourceSignInActivity} {
		if a == nil {
			continue
		}
		if err := checkTimes(names[i]+".lastSignInDateTime", a.LastSignInDateTime); err != nil {
			return err
		}
	}
	return nil
}

func checkCredentialSignIn(c *appCredentialSignInActivity) error {
	if err := need("keyId", c.KeyID); err != nil {
		return err
	}
	if c.SignInActivity != nil {
		return checkTimes("signInActivity.lastSignInDateTime", c.SignInActivity.LastSignInDateTime)
	}
	return nil
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
