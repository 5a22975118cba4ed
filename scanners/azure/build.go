package azure

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// build turns the tenant into one inventory.Identity per service
// principal and one Source for the tenant. mode is "live" or "offline";
// now decides which credentials have expired.
func (t *tenant) build(mode string, now time.Time) inventory.Inventory {
	apps := map[string]*application{}
	for i := range t.applications {
		apps[strings.ToLower(t.applications[i].AppID)] = &t.applications[i]
	}
	// A service principal listed twice (overlapping pages) is one.
	sps := map[string]*servicePrincipal{}
	var order []*servicePrincipal
	for i := range t.servicePrincipals {
		k := strings.ToLower(t.servicePrincipals[i].ID)
		if _, dup := sps[k]; !dup {
			sps[k] = &t.servicePrincipals[i]
			order = append(order, &t.servicePrincipals[i])
		}
	}
	// An assignment inherited from a management group is listed with
	// every subscription under it: keep one.
	rbac := map[string][]roleAssignment{}
	seen := map[string]bool{}
	for _, ra := range t.roleAssignments {
		if k := strings.ToLower(ra.ID); k != "" {
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		id := strings.ToLower(ra.PrincipalID)
		rbac[id] = append(rbac[id], ra)
	}
	dirRoles := map[string][]unifiedRoleAssignment{}
	for _, ra := range t.directoryRoles {
		id := strings.ToLower(ra.PrincipalID)
		dirRoles[id] = append(dirRoles[id], ra)
	}

	inv := inventory.Inventory{}
	// lacks counts, per NotAssessed value, the assessed (not excluded)
	// identities that lack it; judged counts those identities.
	lacks := map[string]int{}
	lackNames := map[string][]string{}
	judged := 0
	for _, sp := range order {
		id := t.identity(sp, apps[strings.ToLower(sp.AppID)], now)
		t.grants(&id, rbac[id.ID], dirRoles[id.ID], sps)
		if id.Excluded == "" {
			judged++
			for _, n := range id.NotAssessed {
				lacks[n]++
				lackNames[n] = append(lackNames[n], id.Name)
			}
		}
		inv.Identities = append(inv.Identities, id)
	}
	sort.Slice(inv.Identities, func(i, j int) bool { return inv.Identities[i].ID < inv.Identities[j].ID })
	for i := range inv.Identities {
		if id := &inv.Identities[i]; id.Kind == inventory.KindAzureAgentIdentity {
			inv.Agents = append(inv.Agents, agentOf(id))
		}
	}

	src := inventory.Source{Scanner: "azure", Scope: t.ID, Mode: mode, Status: inventory.StatusOK, Warnings: slices.Clone(t.warnings)}
	if len(t.servicePrincipals) == 0 {
		src.Warnings = append(src.Warnings, "no service principals in the export")
	}
	for _, f := range t.failed {
		src.Status = inventory.StatusPartial
		src.Warnings = append(src.Warnings, fmt.Sprintf("%s: %s", f.scope, f.err))
	}
	// The source lists what the tenant lacked as a whole: rules apply it
	// to every identity of the tenant. What only some identities lack
	// (one owners file missing, one agent's sponsors denied) stays on
	// those identities, and a warning counts them.
	if !t.signInsRead {
		src.NotAssessed = append(src.NotAssessed, NotAssessedSignIns)
		delete(lacks, NotAssessedSignIns)
	}
	var some []string
	for n, c := range lacks {
		if c == judged {
			src.NotAssessed = append(src.NotAssessed, n)
		} else {
			names := lackNames[n]
			sort.Strings(names)
			if len(names) > 3 {
				names = append(names[:3], "…")
			}
			some = append(some, fmt.Sprintf("%s for %d of %d (%s)", n, c, judged, strings.Join(names, ", ")))
		}
	}
	sort.Strings(src.NotAssessed)
	if len(some) > 0 {
		sort.Strings(some)
		src.Warnings = append(src.Warnings, "not assessed for some service principals only (rules that need it skip those): "+strings.Join(some, "; "))
	}
	inv.Sources = append(inv.Sources, src)
	return inv
}

// NotAssessedSignIns is the NotAssessed entry of a tenant (and its
// service principals) whose sign-in activity was not read.
const NotAssessedSignIns = inventory.NotAssessedSignIns

// agentOf is the agent an Entra agent identity is: the agent acts as the
// agent identity itself, its sponsor answers for it, and its credentials
// are its blueprint's (the identity's azure.blueprint tag).
func agentOf(id *inventory.Identity) inventory.Agent {
	ag := inventory.Agent{
		Provider: inventory.Azure, Platform: inventory.PlatformEntraAgent, ID: id.ID, Name: id.Name, Account: id.Account,
		IdentityID: id.ID, IdentityType: inventory.ActsAsAgentPrincipal, CreatedAt: id.CreatedAt, Owner: id.Owner,
	}
	if id.Disabled {
		ag.Status = "disabled"
	}
	if b := id.Tags["azure.blueprint"]; b != "" {
		ag.Tags = map[string]string{"azure.blueprint": b}
	}
	return ag
}

// identity builds the identity of one service principal without its
// grants. app is the tenant's application of the same appId, if any.
func (t *tenant) identity(sp *servicePrincipal, app *application, now time.Time) inventory.Identity {
	id := inventory.Identity{
		ID:       strings.ToLower(sp.ID),
		Provider: inventory.Azure,
		Account:  t.ID,
		Name:     sp.DisplayName,
		Kind:     kind(sp),
		Disabled: sp.AccountEnabled != nil && !*sp.AccountEnabled,
	}
	id.Agent = id.Kind == inventory.KindAzureAgentIdentity
	id.CreatedAt = parseTime(sp.CreatedDateTime)
	if id.CreatedAt.IsZero() && app != nil {
		id.CreatedAt = parseTime(app.CreatedDateTime)
	}
	id.Description = firstOf(sp.Notes, sp.Description)
	if id.Description == "" && app != nil {
		id.Description = firstOf(app.Notes, app.Description)
	}
	id.Tags = splitTags(sp.Tags)
	setTag(&id, "azure.appId", sp.AppID)
	setTag(&id, "azure.appOwnerOrganizationId", strings.ToLower(sp.AppOwnerOrganizationID))
	if app != nil {
		setTag(&id, "azure.signInAudience", app.SignInAudience)
	}
	if id.Agent {
		setTag(&id, "azure.blueprint", sp.AgentIdentityBlueprintID)
	}
	if id.Kind == inventory.KindAzureManagedIdentity {
		id.Path, id.AttachedTo = managedIdentityOrigin(sp.AlternativeNames)
	}

	// Credentials: the application's, then the service principal's own.
	if app != nil {
		id.Credentials = append(id.Credentials, credentials(app.PasswordCredentials, app.KeyCredentials, "application", now)...)
	}
	var own []inventory.Credential
	if id.Kind != inventory.KindAzureManagedIdentity {
		// A managed identity's certificate is Azure's, rotated by the
		// platform; a managed identity cannot be given others.
		own = credentials(sp.PasswordCredentials, sp.KeyCredentials, "service-principal", now)
	}
	id.Credentials = append(id.Credentials, own...)
	for i := range id.Credentials {
		t.credentialUse(&id.Credentials[i])
	}
	if slices.Contains(microsoftTenants, strings.ToLower(sp.AppOwnerOrganizationID)) && len(own) == 0 {
		// A credential the tenant added to a Microsoft application is
		// reported (a known persistence technique); otherwise it is
		// Microsoft's to manage.
		id.Excluded = "Microsoft first-party application"
	}
	t.federation(&id, app)
	t.ownership(&id, app)
	t.signIn(&id, sp)
	return id
}

// credentialUse sets a secret's or certificate's last sign-in from the
// credential sign-in report, when it was read: a credential absent from
// it was not used within the report's retention.
func (t *tenant) credentialUse(c *inventory.Credential) {
	if !t.credentialSignInsRead || c.Kind == inventory.CredAzureFederated {
		return
	}
	c.LastUsedKnown = true
	a, ok := t.credentialSignIns[c.ID]
	if !ok || a.SignInActivity == nil {
		return
	}
	origin := map[string]string{"application": "application", "serviceprincipal": "service-principal"}[strings.ToLower(a.CredentialOrigin)]
	if origin != "" && origin != c.Slot {
		return
	}
	if ts := parseTime(a.SignInActivity.LastSignInDateTime); !ts.IsZero() {
		c.LastUsed = &ts
	}
}

func kind(sp *servicePrincipal) string {
	switch {
	case strings.EqualFold(sp.ODataType, odataAgentIdentity),
		sp.ServicePrincipalType == spTypeServiceIdentity && sp.AgentIdentityBlueprintID != "":
		return inventory.KindAzureAgentIdentity
	case sp.ServicePrincipalType == spTypeManagedIdentity:
		return inventory.KindAzureManagedIdentity
	}
	return inventory.KindAzureApplication
}

// managedIdentityOrigin tells a system-assigned managed identity from a
// user-assigned one by its alternativeNames: "isExplicit=True" and the
// userAssignedIdentities resource id for user-assigned ones,
// "isExplicit=False" and the resource it belongs to for system-assigned
// ones, which the identity is then attached to.
func managedIdentityOrigin(names []string) (string, []string) {
	var explicit, resource string
	for _, n := range names {
		if v, ok := strings.CutPrefix(strings.ToLower(n), "isexplicit="); ok {
			explicit = v
		} else if strings.HasPrefix(n, "/subscriptions/") {
			resource = n
		}
	}
	switch {
	case explicit == "true" || strings.Contains(strings.ToLower(resource), "/microsoft.managedidentity/userassignedidentities/"):
		return "user-assigned", nil
	case explicit == "false" && resource != "":
		return "system-assigned", []string{resource}
	case explicit == "false":
		return "system-assigned", nil
	}
	return "", nil
}

func credentials(secrets []passwordCredential, certs []keyCredential, slot string, now time.Time) []inventory.Credential {
	var out []inventory.Credential
	add := func(keyID, kind, start, end string) {
		c := inventory.Credential{ID: strings.ToLower(keyID), Kind: kind, Status: inventory.CredentialActive, CreatedAt: parseTime(start), Slot: slot}
		if e := parseTime(end); !e.IsZero() {
			c.ExpiresAt = &e
			if !e.After(now) {
				c.Status = inventory.CredentialExpired
			}
		}
		out = append(out, c)
	}
	for _, s := range secrets {
		add(s.KeyID, inventory.CredAzureSecret, s.StartDateTime, s.EndDateTime)
	}
	for _, c := range certs {
		add(c.KeyID, inventory.CredAzureCert, c.StartDateTime, c.EndDateTime)
	}
	return out
}

// federation lists the federated identity credentials of the application
// (or agent blueprint) app, or of the service principal itself (a user-assigned
// managed identity's, from ARM).
func (t *tenant) federation(id *inventory.Identity, app *application) {
	var fics []federatedIdentityCredential
	read := false
	if app != nil {
		fics, read = t.federated[strings.ToLower(app.ID)]
	}
	if own, ok := t.federated[id.ID]; ok {
		fics, read = append(fics, own...), true
	}
	if !read && (app != nil || id.Path == "user-assigned") {
		id.NotAssessed = append(id.NotAssessed, inventory.NotAssessedFederation)
	}
	for _, f := range fics {
		f.merge()
		fed := &inventory.Federation{Issuer: f.Issuer, Audiences: f.Audiences}
		if f.Subject != nil {
			fed.Subject = *f.Subject
		}
		if f.ClaimsMatchingExpression != nil {
			fed.ClaimsExpression = f.ClaimsMatchingExpression.Value
		}
		id.Credentials = append(id.Credentials, inventory.Credential{ID: firstOf(f.ID, f.Name), Kind: inventory.CredAzureFederated,
			Status: inventory.CredentialActive, Slot: "application", Federation: fed})
	}
}

// merge moves an ARM response's nested properties up.
func (f *federatedIdentityCredential) merge() {
	if p := f.Properties; p != nil {
		if f.Issuer == "" {
			f.Issuer = p.Issuer
		}
		if f.Subject == nil {
			f.Subject = p.Subject
		}
		if f.Audiences == nil {
			f.Audiences = p.Audiences
		}
		if f.ClaimsMatchingExpression == nil {
			f.ClaimsMatchingExpression = p.ClaimsMatchingExpression
		}
	}
}

// ownership records who owns the application and the service principal
// (as ResourceBindings) and names the owner: the first user owner, or
// for an agent identity its first sponsor.
func (t *tenant) ownership(id *inventory.Identity, app *application) {
	read := false
	var owner string
	bind := func(scope string, objs []directoryObject) {
		b := inventory.Binding{Role: "owner", Scope: scope, Members: []inventory.Principal{}}
		for _, o := range objs {
			b.Members = append(b.Members, inventory.Principal{Type: principalType(o), Value: strings.ToLower(o.ID)})
			if owner == "" && principalType(o) == "user" {
				owner = firstOf(o.UserPrincipalName, o.Mail, o.DisplayName)
			}
		}
		if len(objs) > 0 {
			id.ResourceBindings = append(id.ResourceBindings, b)
		}
	}
	if app != nil {
		if objs, ok := t.owners[strings.ToLower(app.ID)]; ok {
			read = true
			bind("applications/"+strings.ToLower(app.ID), objs)
		}
	}
	if objs, ok := t.owners[id.ID]; ok {
		read = read || app == nil
		bind("servicePrincipals/"+id.ID, objs)
	}
	if id.Agent {
		sponsors, ok := t.sponsors[id.ID]
		read = ok
		owner = ""
		for _, s := range sponsors {
			if owner == "" {
				owner = firstOf(s.UserPrincipalName, s.Mail, s.DisplayName, s.ID)
			}
		}
	}
	id.Owner = owner
	if !read && id.Excluded == "" {
		id.NotAssessed = append(id.NotAssessed, inventory.NotAssessedOwners)
	}
}

func principalType(o directoryObject) string {
	t := o.ODataType
	switch {
	case strings.EqualFold(t, odataUser):
		return "user"
	case strings.EqualFold(t, odataGroup):
		return "group"
	case strings.EqualFold(t, odataServicePrincipal), strings.EqualFold(t, odataAgentIdentity), strings.EqualFold(t, odataAgentBlueprintPrincipal):
		return "servicePrincipal"
	case strings.EqualFold(t, odataAgentUser):
		return "agentUser"
	case t == "" && o.UserPrincipalName != "":
		// An export without @odata.type: what the fields say.
		return "user"
	case t == "" && o.AppID != "":
		return "servicePrincipal"
	}
	return "directoryObject"
}

func (t *tenant) signIn(id *inventory.Identity, sp *servicePrincipal) {
	if !t.signInsRead {
		id.NotAssessed = append(id.NotAssessed, NotAssessedSignIns)
		return
	}
	id.LastUsedKnown = true
	act, ok := t.signIns[strings.ToLower(sp.AppID)]
	if !ok {
		return
	}
	var last time.Time
	for _, a := range act.activities() {
		if ts := parseTime(a.LastSignInDateTime); ts.After(last) {
			last = ts
		}
	}
	if !last.IsZero() {
		id.LastUsed = &last
	}
}

// grants adds the role assignments, directory roles and application
// permissions held by the identity as Bindings.
func (t *tenant) grants(id *inventory.Identity, rbac []roleAssignment, dir []unifiedRoleAssignment, sps map[string]*servicePrincipal) {
	self := []inventory.Principal{{Type: "servicePrincipal", Value: id.ID}}
	for _, ra := range rbac {
		b := inventory.Binding{Role: t.azureRoleName(ra), Scope: ra.Scope, Members: self, Name: ra.ID}
		if r, ok := t.roleDefinitions[guidOf(ra.RoleDefinitionID)]; ok && r.custom {
			b.Permissions = r.actions
		}
		if ra.Condition != "" {
			b.Condition = &inventory.BindingCondition{Expression: ra.Condition}
		}
		id.Bindings = append(id.Bindings, b)
	}
	for _, ra := range dir {
		scope := ra.DirectoryScopeID
		if scope == "" {
			scope = "/"
		}
		id.Bindings = append(id.Bindings, inventory.Binding{Role: "directoryRole:" + t.directoryRoleName(ra), Scope: "directory" + scope, Members: self, Name: ra.ID})
	}
	assigned, ok := t.appRoleAssignments[id.ID]
	for _, a := range assigned {
		resource := strings.ToLower(a.ResourceID)
		id.Bindings = append(id.Bindings, inventory.Binding{Role: "appRole:" + appRoleName(a, sps[resource]), Scope: "servicePrincipals/" + resource, Members: self, Name: a.ID})
	}
	if !ok || !t.roleAssignmentsRead || !t.directoryRolesRead || len(t.failed) > 0 {
		if id.Excluded == "" {
			id.NotAssessed = append(id.NotAssessed, inventory.NotAssessedPermissions)
		}
	}
}

func (t *tenant) azureRoleName(ra roleAssignment) string {
	if ra.RoleDefinitionName != "" {
		return ra.RoleDefinitionName
	}
	g := guidOf(ra.RoleDefinitionID)
	if r, ok := t.roleDefinitions[g]; ok && r.name != "" {
		return r.name
	}
	if n, ok := inventory.AzureBuiltInRoles[g]; ok {
		return n
	}
	return g
}

func (t *tenant) directoryRoleName(ra unifiedRoleAssignment) string {
	if ra.RoleDefinition != nil && ra.RoleDefinition.DisplayName != "" {
		return ra.RoleDefinition.DisplayName
	}
	id := strings.ToLower(ra.RoleDefinitionID)
	if n, ok := t.directoryRoleNames[id]; ok {
		return n
	}
	if n, ok := inventory.AzureDirectoryRoleTemplates[id]; ok {
		return n
	}
	return id
}

// appRoleName is "<resource display name>/<permission value>": the value
// from the resource service principal's appRoles, or for Microsoft Graph
// from the well-known ids; the app role id when neither knows it.
func appRoleName(a appRoleAssignment, resource *servicePrincipal) string {
	res := a.ResourceDisplayName
	role := strings.ToLower(a.AppRoleID)
	value := ""
	if resource != nil {
		res = firstOf(res, resource.DisplayName)
		for _, r := range resource.AppRoles {
			if strings.EqualFold(r.ID, role) {
				value = r.Value
			}
		}
	}
	if value == "" && (resource == nil || strings.EqualFold(resource.AppID, graphAppID) || res == "Microsoft Graph") {
		value = inventory.MicrosoftGraphAppRoles[role]
	}
	return firstOf(res, a.ResourceID) + "/" + firstOf(value, role)
}

// guidOf returns the last path segment of a role definition id
// ("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/<guid>"),
// lowercased.
func guidOf(id string) string {
	return strings.ToLower(id[strings.LastIndex(id, "/")+1:])
}

func splitTags(tags []string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v, _ := strings.Cut(t, "=")
		out[k] = v
	}
	return out
}

func setTag(id *inventory.Identity, k, v string) {
	if v == "" {
		return
	}
	if id.Tags == nil {
		id.Tags = map[string]string{}
	}
	id.Tags[k] = v
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseTime reads the timestamps Graph and ARM print: RFC 3339 with up to
// seven fractional digits ("2024-05-01T10:00:00.1234567Z") or with an
// offset, and the same without a zone (then UTC). An empty or unreadable
// value is the zero time; readers check values with readTime first.
func parseTime(s string) time.Time {
	t, _ := readTime(s)
	return t
}

func readTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	// Graph's documentation prints offsets with a one-digit hour
	// ("2021-03-01T00:00:00-8:00"); RFC 3339 wants two.
	if n := len(s); n > 5 && (s[n-5] == '+' || s[n-5] == '-') && s[n-3] == ':' && s[n-4] >= '0' && s[n-4] <= '9' {
		s = s[:n-4] + "0" + s[n-4:]
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date-time", s)
	}
	return t.UTC(), nil
}
