package azure

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// LiveOptions configure a live scan of one Entra tenant and the Azure
// subscriptions whose role assignments it reads.
type LiveOptions struct {
	// Tenant is the tenant id; empty means the credential's tenant.
	Tenant string
	// Subscriptions whose role assignments to read; empty means every
	// enabled subscription of the tenant the credential can list.
	Subscriptions []string
	// Concurrency is how many Graph requests about single objects
	// (owners, app role assignments, federated credentials) and how many
	// subscriptions are in flight at once (default 4).
	Concurrency int
	// Timeout bounds the whole tenant (default DefaultTimeout).
	Timeout  time.Duration
	Progress func(string)

	// Credential gives the tokens; nil means azidentity's
	// DefaultAzureCredential (environment, workload identity, managed
	// identity, Azure CLI), for Tenant when set.
	Credential azcore.TokenCredential
	// ClientOptions reach Azure Resource Manager (Cloud) and carry the
	// HTTP transport of ARM and Graph (Transport); tests point them at a
	// local server. Zero means Azure public cloud.
	ClientOptions policy.ClientOptions
	// GraphEndpoint is Microsoft Graph's base URL (default
	// https://graph.microsoft.com).
	GraphEndpoint string
	// Now decides which credentials have expired; nil means time.Now.
	Now func() time.Time
}

// DefaultTimeout is how long one tenant may take by default.
const DefaultTimeout = 5 * time.Minute

// Live scans an Entra tenant through Microsoft Graph and its
// subscriptions' Azure RBAC through Azure Resource Manager. It only
// reads; README.md lists the permissions it needs.
type Live struct {
	opts LiveOptions
}

// NewLive returns a live Azure scanner.
func NewLive(o LiveOptions) *Live {
	if o.Concurrency < 1 {
		o.Concurrency = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Live{opts: o}
}

// Name of the scanner.
func (l *Live) Name() string { return "azure" }

// SetNow makes the scan judge credentials' expiry as of now (the scan's
// --as-of), as the offline reader does.
func (l *Live) SetNow(now time.Time) { l.opts.Now = func() time.Time { return now } }

func (l *Live) progress(format string, args ...any) {
	if l.opts.Progress != nil {
		l.opts.Progress(fmt.Sprintf(format, args...))
	}
}

// CheckIDs says whether a tenant and subscriptions named on the command
// line are ids (GUIDs), naming the first that is not.
func CheckIDs(tenant string, subscriptions []string) error {
	if tenant != "" && !isGUID(tenant) {
		return fmt.Errorf("--tenant %q is not a tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47)", tenant)
	}
	for _, s := range subscriptions {
		if !isGUID(s) {
			return fmt.Errorf("--subscription %q is not a subscription id (a GUID)", s)
		}
	}
	return nil
}

// errNoCredentials is the error of a scan that got no token.
var errNoCredentials = errors.New("no Azure credential gave a token")

// credentialError says in one line which credentials DefaultAzureCredential
// tried and why each gave no token (its own text spans many lines), and
// how to give one.
func credentialError(err error) error {
	lines := strings.Split(err.Error(), "\n")
	var tried []string
	for i, ln := range lines {
		if !strings.HasPrefix(ln, "\t") || strings.HasPrefix(ln, "\t\t") {
			continue
		}
		s := strings.TrimSuffix(strings.TrimSpace(ln), ".")
		for _, d := range lines[i+1:] {
			if !strings.HasPrefix(d, "\t\t") {
				break
			}
			if st, ok := strings.CutPrefix(strings.TrimSpace(d), "RESPONSE "); ok {
				s += " (HTTP " + strings.TrimSpace(st) + ")"
				break
			}
		}
		tried = append(tried, s)
	}
	if len(tried) == 0 {
		tried = []string{oneLine(err.Error())}
	}
	return fmt.Errorf("%w: %s; run 'az login', or set AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE",
		errNoCredentials, strings.Join(tried, "; "))
}

// session is what one scan shares: the clients and the tenant's id.
type session struct {
	graph     *graphClient
	arm       *armReader
	principal string
	tenant    string // the token's tenant, when it says
}

func (l *Live) connect(ctx context.Context) (*session, error) {
	cred := l.opts.Credential
	if cred == nil {
		c, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{TenantID: l.opts.Tenant})
		if err != nil {
			return nil, fmt.Errorf("Azure credentials: %s", oneLine(err.Error()))
		}
		cred = c
	}
	cred = newTokenCache(cred)
	var do policy.Transporter
	if l.opts.ClientOptions.Transport != nil {
		do = l.opts.ClientOptions.Transport
	}
	g, err := newGraphClient(cred, do, l.opts.GraphEndpoint)
	if err != nil {
		return nil, err
	}
	// Getting the first token (a managed identity probe, the Azure CLI)
	// is bounded like the scan.
	tctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	tok, err := g.token(tctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if tctx.Err() != nil {
			return nil, fmt.Errorf("no Azure token within %s (--timeout): %s", l.opts.Timeout, oneLine(err.Error()))
		}
		return nil, credentialError(err)
	}
	opts := &arm.ClientOptions{ClientOptions: l.opts.ClientOptions}
	if opts.Retry.MaxRetries == 0 {
		opts.Retry.MaxRetries = graphRetries
	}
	c := claimsOf(tok)
	return &session{graph: g, arm: &armReader{cred: cred, opts: opts}, principal: c.principal(), tenant: strings.ToLower(c.TenantID)}, nil
}

// Scan reads the tenant. A subscription, or a part of the directory,
// that cannot be read makes the tenant partial and the rest completes;
// a tenant whose service principals cannot be listed fails. When ctx is
// cancelled it returns an error wrapping ctx.Err() and no inventory.
func (l *Live) Scan(ctx context.Context) (inventory.Inventory, error) {
	inv, err := l.scan(ctx)
	if ctx.Err() != nil {
		return inventory.Inventory{}, fmt.Errorf("azure scan interrupted: %w", ctx.Err())
	}
	return inv, err
}

func (l *Live) scan(ctx context.Context) (inventory.Inventory, error) {
	s, err := l.connect(ctx)
	if err != nil {
		return inventory.Inventory{}, err
	}
	tenant := strings.ToLower(l.opts.Tenant)
	if tenant == "" && isGUID(s.tenant) {
		tenant = s.tenant
	}
	if tenant == "" {
		tctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
		tenant, err = s.tenantID(tctx)
		cancel()
		if err != nil {
			return inventory.Inventory{}, fmt.Errorf("finding the credential's tenant (or give --tenant): %w", err)
		}
	}
	scopes := scanners.Scopes{Scanner: "azure", Kind: "tenant", Concurrency: 1, Timeout: l.opts.Timeout}
	return scopes.Run(ctx, []string{tenant}, func(ctx context.Context, id string) (inventory.Inventory, error) {
		return l.scanTenant(ctx, s, id)
	})
}

// tenantID asks Graph which tenant the credential belongs to.
func (s *session) tenantID(ctx context.Context) (string, error) {
	orgs, err := readList(ctx, s.graph, "/v1.0/organization?$select=id", func(o *struct {
		ID string `json:"id"`
	}) error {
		return needGUID("id", o.ID)
	})
	if err != nil {
		return "", err
	}
	if len(orgs) != 1 || !isGUID(orgs[0].ID) {
		return "", fmt.Errorf("GET /v1.0/organization: want one organization, got %d", len(orgs))
	}
	return strings.ToLower(orgs[0].ID), nil
}

// step records what a tenant's scan is doing, for the message of a scan
// that times out.
type step struct {
	mu   sync.Mutex
	name string
}

func (s *step) set(n string) {
	s.mu.Lock()
	s.name = n
	s.mu.Unlock()
}

func (s *step) get() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.name
}

// liveTenant is a tenant being read. A subscription that cannot be read
// is one of the tenant's failed scopes (tenant.failed), as in an export;
// the other lists that cannot be read are unread: the tenant is partial,
// and the identities they are about say what was not assessed.
type liveTenant struct {
	*tenant
	unread []scopeFailure
}

func (l *Live) scanTenant(ctx context.Context, s *session, id string) (inventory.Inventory, error) {
	t := &liveTenant{tenant: newTenant(id)}
	var at step
	fail := func(err error) (inventory.Inventory, error) {
		return inventory.Inventory{}, &scanners.ScopeError{Scope: id, Step: at.get(), Err: err}
	}

	at.set("GET /v1.0/servicePrincipals")
	l.progress("tenant %s: listing service principals", id)
	sps, err := readList(ctx, s.graph, "/v1.0/servicePrincipals?$top=999", checkServicePrincipal)
	if err != nil {
		return fail(err)
	}
	t.servicePrincipals = sps

	at.set("GET /v1.0/applications")
	l.progress("tenant %s: listing applications", id)
	apps, err := readList(ctx, s.graph, "/v1.0/applications?$top=999", checkApplication)
	if err != nil {
		if ctx.Err() != nil {
			return fail(err)
		}
		t.unread = append(t.unread, scopeFailure{scope: "applications", err: err.Error()})
	}
	t.applications = apps

	at.set("owners, federated credentials, app role assignments and sponsors")
	l.progress("tenant %s: reading owners, credentials and permissions of %d service principals", id, len(sps))
	l.readObjects(ctx, s.graph, t)
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}

	at.set("GET /v1.0/roleManagement/directory/roleAssignments")
	l.progress("tenant %s: reading directory roles", id)
	l.readDirectoryRoles(ctx, s.graph, t)
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}

	at.set("Azure role assignments")
	l.readRBAC(ctx, s.arm, t)
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}

	at.set("GET /beta/reports/servicePrincipalSignInActivities")
	l.progress("tenant %s: reading sign-in activity", id)
	l.readSignIns(ctx, s.graph, t)
	at.set("GET /beta/reports/appCredentialSignInActivities")
	l.readCredentialSignIns(ctx, s.graph, t)
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}

	inv := t.build("live", l.opts.Now().UTC())
	src := &inv.Sources[0]
	src.Principal = s.principal
	if len(t.unread) > 0 {
		src.Status = inventory.StatusPartial
	}
	var msgs []string
	for _, f := range t.failed {
		msgs = append(msgs, f.scope+": "+f.err)
	}
	for _, f := range t.unread {
		msgs = append(msgs, f.scope+": "+f.err)
		src.Warnings = append(src.Warnings, f.scope+": "+f.err)
	}
	src.Error = strings.Join(msgs, "; ")
	return inv, nil
}

// objectRead is one per-object list to read.
type objectRead struct {
	kind string // "owners", "sponsors", "app role assignments", "federated credentials"
	id   string // the object it is about (lowercase)
	path string
}

// readObjects reads the lists about single objects, Concurrency at a
// time: the owners and federated credentials of each application; the
// owners of each service principal without an application in the
// tenant, the application permissions granted to each service principal
// and the sponsors of each agent identity — skipping Microsoft's own
// service principals that carry no credential of the tenant (they are
// excluded from the inventory). What the export script reads, per
// object.
func (l *Live) readObjects(ctx context.Context, g *graphClient, t *liveTenant) {
	var reads []objectRead
	own := map[string]bool{}
	for _, a := range t.applications {
		id := strings.ToLower(a.ID)
		own[strings.ToLower(a.AppID)] = true
		reads = append(reads,
			objectRead{"owners", id, "/v1.0/applications/" + url.PathEscape(id) + "/owners"},
			objectRead{"federated credentials", id, "/v1.0/applications/" + url.PathEscape(id) + "/federatedIdentityCredentials"})
	}
	for i := range t.servicePrincipals {
		sp := &t.servicePrincipals[i]
		id := strings.ToLower(sp.ID)
		if microsoftOwned(sp) {
			continue
		}
		if !own[strings.ToLower(sp.AppID)] {
			reads = append(reads, objectRead{"owners", id, "/v1.0/servicePrincipals/" + url.PathEscape(id) + "/owners"})
		}
		reads = append(reads, objectRead{"app role assignments", id, "/v1.0/servicePrincipals/" + url.PathEscape(id) + "/appRoleAssignments"})
		if kind(sp) == inventory.KindAzureAgentIdentity {
			reads = append(reads, objectRead{"sponsors", id, "/v1.0/servicePrincipals/" + url.PathEscape(id) + "/microsoft.graph.agentIdentity/sponsors"})
		}
	}

	type failure struct {
		n     int
		first string
	}
	var mu sync.Mutex
	failed := map[string]*failure{}
	total := map[string]int{}
	var sponsorsDenied []error
	record := func(r objectRead, items []json.RawMessage, err error) {
		mu.Lock()
		defer mu.Unlock()
		if r.kind == "sponsors" && statusOf(err) == http.StatusForbidden {
			sponsorsDenied = append(sponsorsDenied, err)
			return
		}
		if err != nil && statusOf(err) != http.StatusNotFound {
			f := failed[r.kind]
			if f == nil {
				f = &failure{first: err.Error()}
				failed[r.kind] = f
			}
			f.n++
			return
		}
		// 404: deleted since it was listed; it has none.
		if err := t.addObjectList(r, items); err != nil {
			f := failed[r.kind]
			if f == nil {
				f = &failure{first: fmt.Sprintf("GET %s: %v", r.path, err)}
				failed[r.kind] = f
			}
			f.n++
		}
	}
	for _, r := range reads {
		total[r.kind]++
	}

	work := make(chan objectRead)
	var wg sync.WaitGroup
	for range min(l.opts.Concurrency, max(len(reads), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				items := []json.RawMessage{}
				err := g.list(ctx, r.path, func(_ int, page []json.RawMessage) error {
					items = append(items, page...)
					return nil
				})
				record(r, items, err)
			}
		}()
	}
feed:
	for _, r := range reads {
		select {
		case <-ctx.Done():
			break feed
		case work <- r:
		}
	}
	close(work)
	wg.Wait()

	if len(sponsorsDenied) > 0 {
		// Graph lists an agent identity's sponsors only to
		// AgentIdentity.ReadWrite.All: a read-only credential is refused.
		t.warnings = append(t.warnings, fmt.Sprintf("sponsors of %d agent identities not read (%s; Graph lists them only with AgentIdentity.ReadWrite.All, which a read-only scan does not hold): their ownership is not assessed",
			len(sponsorsDenied), sponsorsDenied[0]))
	}
	kinds := make([]string, 0, len(failed))
	for k := range failed {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		f := failed[k]
		t.unread = append(t.unread, scopeFailure{scope: k, err: fmt.Sprintf("not read for %d of %d objects (first: %s)", f.n, total[k], f.first)})
	}
}

// addObjectList stores one object's list in the tenant.
func (t *tenant) addObjectList(r objectRead, items []json.RawMessage) error {
	switch r.kind {
	case "owners", "sponsors":
		objs, err := decodeItems[directoryObject](items, checkDirectoryObject)
		if err != nil {
			return err
		}
		m := t.owners
		if r.kind == "sponsors" {
			m = t.sponsors
		}
		m[r.id] = append(m[r.id], objs...)
	case "app role assignments":
		as, err := decodeItems[appRoleAssignment](items, checkAppRoleAssignment)
		if err != nil {
			return err
		}
		t.appRoleAssignments[r.id] = append(t.appRoleAssignments[r.id], as...)
	case "federated credentials":
		fs, err := decodeItems[federatedIdentityCredential](items, checkFederated)
		if err != nil {
			return err
		}
		t.federated[r.id] = append(t.federated[r.id], fs...)
	}
	return nil
}

// microsoftOwned says whether sp is a Microsoft first-party service
// principal without a credential of its own: excluded from the
// inventory, so nothing more about it is read.
func microsoftOwned(sp *servicePrincipal) bool {
	return slices.Contains(microsoftTenants, strings.ToLower(sp.AppOwnerOrganizationID)) &&
		len(sp.PasswordCredentials) == 0 && len(sp.KeyCredentials) == 0
}

// readDirectoryRoles reads the Entra directory role assignments and the
// role definitions that name them.
func (l *Live) readDirectoryRoles(ctx context.Context, g *graphClient, t *liveTenant) {
	ras, err := readList(ctx, g, "/v1.0/roleManagement/directory/roleAssignments", checkDirectoryRole)
	if err != nil {
		t.unread = append(t.unread, scopeFailure{scope: "directory roles", err: err.Error()})
		return
	}
	t.directoryRoles, t.directoryRolesRead = ras, true
	defs, err := readList(ctx, g, "/v1.0/roleManagement/directory/roleDefinitions", func(d *unifiedRoleDefinition) error { return need("id", d.ID) })
	if err != nil {
		t.warnings = append(t.warnings, "directory role names not read ("+err.Error()+"): built-in roles are named from nhiscan's table, others by id")
		return
	}
	for _, d := range defs {
		t.directoryRoleNames[strings.ToLower(d.ID)] = d.DisplayName
		if d.TemplateID != "" {
			t.directoryRoleNames[strings.ToLower(d.TemplateID)] = d.DisplayName
		}
	}
}

// readRBAC reads the role assignments of the subscriptions asked for, or
// of every enabled subscription of the tenant. A subscription that fails
// is a failed scope of the tenant; the others complete.
func (l *Live) readRBAC(ctx context.Context, a *armReader, t *liveTenant) {
	subs := make([]string, 0, len(l.opts.Subscriptions))
	for _, s := range l.opts.Subscriptions {
		subs = append(subs, strings.ToLower(s))
	}
	if len(subs) == 0 {
		l.progress("tenant %s: listing subscriptions", t.ID)
		var err error
		subs, err = a.subscriptions(ctx, t.ID)
		if err != nil {
			t.failed = append(t.failed, scopeFailure{scope: "subscriptions", err: err.Error()})
			return
		}
		if len(subs) == 0 {
			t.warnings = append(t.warnings, "the credential lists no enabled subscription of the tenant: Azure RBAC role assignments not read (give Reader on the subscriptions, or --subscription)")
			return
		}
	}
	results := make([]*subscriptionRBAC, len(subs))
	errs := scanners.Each(ctx, len(subs), l.opts.Concurrency, func(i int) error {
		l.progress("subscription %s: reading role assignments", subs[i])
		var err error
		results[i], err = a.readSubscription(ctx, subs[i])
		return err
	})
	seen := map[string]bool{}
	for i, sub := range subs {
		if errs[i] != nil {
			t.failed = append(t.failed, scopeFailure{scope: "subscription " + sub, err: errs[i].Error()})
			continue
		}
		t.roleAssignmentsRead = true
		// An assignment above the subscriptions (management group, root)
		// is listed by each of them: keep it once.
		for _, ra := range results[i].assignments {
			if k := strings.ToLower(ra.ID); !seen[k] {
				seen[k] = true
				t.roleAssignments = append(t.roleAssignments, ra)
			}
		}
		for k, r := range results[i].roles {
			t.roleDefinitions[k] = r
		}
	}
	l.readUserAssigned(ctx, a, t, subs)
}

// readUserAssigned reads the federated credentials of the user-assigned
// managed identities of the subscriptions scanned, by the resource id in
// their service principal's alternativeNames, as the export script does
// with `az identity federated-credential list`.
func (l *Live) readUserAssigned(ctx context.Context, a *armReader, t *liveTenant, subs []string) {
	type uami struct{ sp, resource string }
	var todo []uami
	for i := range t.servicePrincipals {
		sp := &t.servicePrincipals[i]
		res := userAssignedID(sp)
		if res == "" {
			continue
		}
		if id, err := arm.ParseResourceID(res); err == nil && slices.Contains(subs, strings.ToLower(id.SubscriptionID)) {
			todo = append(todo, uami{strings.ToLower(sp.ID), res})
		}
	}
	if len(todo) == 0 {
		return
	}
	l.progress("tenant %s: reading federated credentials of %d user-assigned managed identities", t.ID, len(todo))
	fics := make([][]federatedIdentityCredential, len(todo))
	errs := scanners.Each(ctx, len(todo), l.opts.Concurrency, func(i int) error {
		var err error
		fics[i], err = a.userAssignedFederated(ctx, todo[i].resource)
		return err
	})
	var failed []error
	for i, u := range todo {
		switch {
		case errs[i] == nil:
			t.federated[u.sp] = append(t.federated[u.sp], fics[i]...)
		case statusOf(errs[i]) == http.StatusNotFound:
			t.federated[u.sp] = []federatedIdentityCredential{} // deleted since it was listed
		default:
			failed = append(failed, errs[i])
		}
	}
	if len(failed) > 0 {
		t.unread = append(t.unread, scopeFailure{scope: "managed identity federated credentials",
			err: fmt.Sprintf("not read for %d of %d user-assigned managed identities (first: %s)", len(failed), len(todo), failed[0])})
	}
}

// readSignIns reads the service principals' sign-in activity (Graph
// beta, Entra ID P1 or P2, AuditLog.Read.All). Without it dormancy is not
// assessed: a 403 or 404 is said as a warning, not a failure.
func (l *Live) readSignIns(ctx context.Context, g *graphClient, t *liveTenant) {
	acts, err := readList(ctx, g, "/beta/reports/servicePrincipalSignInActivities", checkSignIn)
	if !t.optionalReport(err, "sign-in activity", "dormancy not assessed") {
		return
	}
	for _, a := range acts {
		t.signIns[strings.ToLower(a.AppID)] = a
	}
	t.signInsRead = true
}

// optionalReport files the error of reading one of the sign-in reports
// (Graph beta, AuditLog.Read.All, Entra ID P1 or P2): a 403 or 404 is a
// warning saying what stays unknown, any other error a failure of that
// part of the tenant. It reports whether the report was read.
func (t *liveTenant) optionalReport(err error, report, unknown string) bool {
	switch st := statusOf(err); {
	case err == nil:
		return true
	case st == http.StatusForbidden || st == http.StatusNotFound:
		t.warnings = append(t.warnings, report+" not read ("+err.Error()+"; it needs AuditLog.Read.All and Entra ID P1 or P2): "+unknown)
	default:
		t.unread = append(t.unread, scopeFailure{scope: report, err: err.Error()})
	}
	return false
}

// tokenClaims reads who a token was issued to and in which tenant, from
// its claims (the signature is not checked: it only labels the report
// and names the tenant Graph answers for). An opaque token gives zero.
type tokenClaims struct {
	UPN        string `json:"upn"`
	UniqueName string `json:"unique_name"`
	AppID      string `json:"appid"`
	AzpID      string `json:"azp"`
	OID        string `json:"oid"`
	TenantID   string `json:"tid"`
}

func claimsOf(token string) tokenClaims {
	var c tokenClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return tokenClaims{}
	}
	return c
}

// principal is a user's UPN, or "application <appid>".
func (c tokenClaims) principal() string {
	switch {
	case c.UPN != "":
		return c.UPN
	case c.UniqueName != "":
		return c.UniqueName
	case firstOf(c.AppID, c.AzpID) != "":
		return "application " + firstOf(c.AppID, c.AzpID)
	}
	return c.OID
}

// readCredentialSignIns reads the last use of each client secret and
// certificate (Graph beta appCredentialSignInActivities, same licence and
// permission as the sign-in report). Without it credentials' last use is
// unknown: a 403 or 404 is a warning, not a failure.
func (l *Live) readCredentialSignIns(ctx context.Context, g *graphClient, t *liveTenant) {
	acts, err := readList(ctx, g, "/beta/reports/appCredentialSignInActivities", checkCredentialSignIn)
	if !t.optionalReport(err, "credential sign-in activity", "the last use of secrets and certificates is unknown") {
		return
	}
	for _, a := range acts {
		t.credentialSignIns[strings.ToLower(a.KeyID)] = a
	}
	t.credentialSignInsRead = true
}
