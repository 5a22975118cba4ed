// Package gcp reads Google Cloud service accounts, their user-managed
// keys, the IAM bindings that grant them roles or let others act as them,
// and their last authentication, into the provider-neutral inventory. It
// reads live through the official Go clients or offline from gcloud and
// Cloud Asset Inventory exports, and knows nothing of rules or output.
package gcp

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// The types below mirror the JSON that gcloud prints (proto-JSON: false,
// zero and empty fields may be missing, so a missing "disabled" is false).

type serviceAccount struct {
	Name        string `json:"name"`
	ProjectID   string `json:"projectId"`
	UniqueID    string `json:"uniqueId"`
	Email       string `json:"email"`
	DisplayName string `json:"displayName"`
	Description string `json:"description"`
	Disabled    bool   `json:"disabled"`
}

type serviceAccountKey struct {
	Name            string `json:"name"`
	ValidAfterTime  string `json:"validAfterTime"`
	ValidBeforeTime string `json:"validBeforeTime"`
	KeyAlgorithm    string `json:"keyAlgorithm"`
	KeyOrigin       string `json:"keyOrigin"`
	KeyType         string `json:"keyType"`
	Disabled        bool   `json:"disabled"`
	DisableReason   string `json:"disableReason"`
}

type policy struct {
	Bindings []binding `json:"bindings"`
	Etag     string    `json:"etag"`
	Version  int       `json:"version"`
}

type binding struct {
	Role      string     `json:"role"`
	Members   []string   `json:"members"`
	Condition *condition `json:"condition"`
}

type condition struct {
	Expression  string `json:"expression"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

type customRole struct {
	Name                string   `json:"name"`
	Title               string   `json:"title"`
	IncludedPermissions []string `json:"includedPermissions"`
	Stage               string   `json:"stage"`
	Deleted             bool     `json:"deleted"`
}

// resourcePolicy is an IAM policy and the resource it is set on
// ("projects/P", "folders/N", "organizations/N").
type resourcePolicy struct {
	resource string
	policy   policy
}

// project is everything known about one GCP project before it becomes
// inventory; the pieces may come from several files or API calls.
type project struct {
	ID        string
	accounts  map[string]*serviceAccount // by email
	keys      map[string][]serviceAccountKey
	policy    *policy
	ancestors []resourcePolicy // folder and organization policies, nearest first
	saPolicy  map[string]*policy
	roles     map[string][]string // custom role name -> permissions

	// Last authentication, keyed by email or unique id (service accounts)
	// and key id (keys). The *Known flags say the data was given at all.
	saActivity       map[string]time.Time
	saActivityKnown  bool
	keyActivity      map[string]time.Time
	keyActivityKnown bool
	insights         map[string]string // email or unique id -> dormancy evidence
	insightsKnown    bool

	// number is the project number, when a source named it; engines are
	// its Agent Engine agents (enginesKnown: a list was given at all).
	number       string
	engines      []reasoningEngine
	enginesKnown bool

	warnings []string
}

func newProject(id string) *project {
	return &project{ID: id, accounts: map[string]*serviceAccount{}, keys: map[string][]serviceAccountKey{},
		saPolicy: map[string]*policy{}, roles: map[string][]string{}, saActivity: map[string]time.Time{},
		keyActivity: map[string]time.Time{}, insights: map[string]string{}}
}

// absorb merges what was filed under another name of the same project
// (its number, from Cloud Asset names) into p.
func (p *project) absorb(q *project) {
	for e, sa := range q.accounts {
		if _, ok := p.accounts[e]; !ok {
			p.accounts[e] = sa
		}
	}
	for e, ks := range q.keys {
		p.keys[e] = append(p.keys[e], ks...)
	}
	if q.policy != nil {
		if p.policy == nil {
			p.policy = q.policy
		} else {
			p.policy.Bindings = appendBindings(p.policy.Bindings, q.policy.Bindings)
		}
	}
	for e, pol := range q.saPolicy {
		if _, ok := p.saPolicy[e]; !ok {
			p.saPolicy[e] = pol
		}
	}
	for r, perms := range q.roles {
		p.roles[r] = perms
	}
	for k, t := range q.saActivity {
		p.saActivity[k] = t
	}
	for k, t := range q.keyActivity {
		p.keyActivity[k] = t
	}
	for k, v := range q.insights {
		p.insights[k] = v
	}
	p.saActivityKnown = p.saActivityKnown || q.saActivityKnown
	p.keyActivityKnown = p.keyActivityKnown || q.keyActivityKnown
	p.insightsKnown = p.insightsKnown || q.insightsKnown
	p.engines = append(p.engines, q.engines...)
	p.enginesKnown = p.enginesKnown || q.enginesKnown
	if p.number == "" {
		p.number = q.number
	}
	p.warnings = append(p.warnings, q.warnings...)
}

func (p *project) warn(format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

// serviceAgent matches Google-managed service agents, which Google
// creates and controls: service-<number>@gcp-sa-*, service-<number>@
// <product>.iam.gserviceaccount.com, <number>@cloudservices and the like.
var serviceAgent = regexp.MustCompile(`^(service-\d+@.*|\d+@cloudservices\.gserviceaccount\.com|[^@]+@gcp-sa-[a-z0-9-]+\.iam\.gserviceaccount\.com)$`)

// defaultAccount matches the default service accounts Google creates in
// a project (Compute Engine, App Engine, legacy Cloud Build): they are in
// scope, owned by the platform team.
var defaultAccount = regexp.MustCompile(`^(\d+-compute@developer\.gserviceaccount\.com|[a-z][a-z0-9-]*@appspot\.gserviceaccount\.com|\d+@cloudbuild\.gserviceaccount\.com)$`)

// neverExpires is validBeforeTime for keys without an expiry.
const neverExpires = 9999

func parseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

// keyID is the last segment of a key's resource name.
func keyID(name string) string { return name[strings.LastIndex(name, "/")+1:] }

// keyAccount is the service account email in a key's resource name
// projects/P/serviceAccounts/EMAIL/keys/ID.
func keyAccount(name string) (projectID, email string) {
	parts := strings.Split(name, "/")
	if len(parts) == 6 && parts[0] == "projects" && parts[2] == "serviceAccounts" && parts[4] == "keys" {
		return parts[1], parts[3]
	}
	return "", ""
}

// emailProject is the project of a user-managed service account email
// NAME@PROJECT.iam.gserviceaccount.com.
func emailProject(email string) string {
	_, domain, ok := strings.Cut(email, "@")
	if p, ok2 := strings.CutSuffix(domain, ".iam.gserviceaccount.com"); ok && ok2 && !strings.HasPrefix(p, "gcp-sa-") {
		return p
	}
	return ""
}

// member splits an IAM member into its type and value.
func member(m string) inventory.Principal {
	switch {
	case m == "allUsers" || m == "allAuthenticatedUsers":
		return inventory.Principal{Type: m, Value: "*"}
	case strings.HasPrefix(m, "principal://") || strings.HasPrefix(m, "principalSet://"):
		t, _, _ := strings.Cut(m, "://")
		return inventory.Principal{Type: t, Value: m}
	case strings.HasPrefix(m, "deleted:"):
		rest := strings.TrimPrefix(m, "deleted:")
		t, v, _ := strings.Cut(rest, ":")
		return inventory.Principal{Type: "deleted:" + t, Value: v}
	}
	t, v, _ := strings.Cut(m, ":")
	return inventory.Principal{Type: t, Value: v}
}

// neutral turns a policy binding on resource into the inventory's
// binding, with a custom role's permissions when they are known.
func neutral(b binding, resource string, perms []string) inventory.Binding {
	nb := inventory.Binding{Role: b.Role, Scope: resource, Permissions: perms}
	for _, m := range b.Members {
		nb.Members = append(nb.Members, member(m))
	}
	if c := b.Condition; c != nil && c.Expression != "" {
		nb.Condition = &inventory.BindingCondition{Title: c.Title, Expression: c.Expression}
	}
	return nb
}

// policies lists the project's own policy and its ancestors'.
func (p *project) policies() []resourcePolicy {
	var out []resourcePolicy
	if p.policy != nil {
		out = append(out, resourcePolicy{resource: "projects/" + p.ID, policy: *p.policy})
	}
	return append(out, p.ancestors...)
}

// build turns the project's pieces into inventory identities: one per
// service account, one per service account that is granted roles here
// but lives elsewhere (agents, other projects), and the project itself.
func (p *project) build(mode string) inventory.Inventory {
	var inv inventory.Inventory
	src := inventory.Source{Scanner: "gcp", Scope: p.ID, Mode: mode, Status: inventory.StatusOK}
	if !p.saActivityKnown && !p.insightsKnown {
		p.warn("no service account activity or insights for this project: dormancy of service accounts was not assessed")
		src.NotAssessed = append(src.NotAssessed, inventory.NotAssessedAccountDormancy)
	}
	if !p.keyActivityKnown {
		src.NotAssessed = append(src.NotAssessed, inventory.NotAssessedKeyDormancy)
	}
	if p.policy == nil {
		p.warn("no IAM policy for this project: role grants at project level were not assessed")
		src.NotAssessed = append(src.NotAssessed, inventory.NotAssessedProjectPolicy)
	}

	// Bindings per service account email (and per agent principal), from
	// every policy in scope.
	held := map[string][]inventory.Binding{}
	principals := map[string][]inventory.Binding{}
	for _, rp := range p.policies() {
		for _, b := range rp.policy.Bindings {
			for _, m := range b.Members {
				mp := member(m)
				if isAgentPrincipal(mp) {
					principals[mp.Value] = append(principals[mp.Value], neutral(binding{Role: b.Role, Members: []string{m}, Condition: b.Condition}, rp.resource, p.roles[b.Role]))
					continue
				}
				if mp.Type != "serviceAccount" {
					continue
				}
				nb := neutral(binding{Role: b.Role, Members: []string{m}, Condition: b.Condition}, rp.resource, p.roles[b.Role])
				held[mp.Value] = append(held[mp.Value], nb)
			}
		}
	}

	emails := make([]string, 0, len(p.accounts))
	for e := range p.accounts {
		emails = append(emails, e)
	}
	sort.Strings(emails)
	for _, e := range emails {
		inv.Identities = append(inv.Identities, p.account(p.accounts[e], held[e]))
		delete(held, e)
	}
	known := map[string]bool{}
	for _, sa := range p.accounts {
		known[sa.Email], known[sa.UniqueID] = true, true
	}
	var orphans []string
	for e := range p.keys {
		if !known[e] {
			orphans = append(orphans, e)
		}
	}
	if len(orphans) > 0 {
		sort.Strings(orphans)
		p.warn("keys of %s were given, but not the service account: they were not assessed (add service-accounts.json)", strings.Join(orphans, ", "))
	}
	// The agents, and the identities they act as that no binding named.
	for _, e := range p.engines {
		ag := p.engineAgent(e)
		inv.Agents = append(inv.Agents, ag)
		switch ag.IdentityType {
		case inventory.ActsAsServiceAgent:
			if _, ok := held[ag.IdentityID]; !ok && ag.IdentityID != "" {
				held[ag.IdentityID] = nil
			}
		case inventory.ActsAsAgentPrincipal:
			if _, ok := principals[ag.IdentityID]; !ok && ag.IdentityID != "" {
				principals[ag.IdentityID] = nil
			}
		}
	}
	// Service accounts granted roles here but not listed in this project.
	others := make([]string, 0, len(held))
	for e := range held {
		others = append(others, e)
	}
	sort.Strings(others)
	for _, e := range others {
		id := inventory.Identity{
			ID: e, Provider: inventory.GCP, Kind: inventory.KindGCPAccount, Account: p.ID, Name: localPart(e),
			Bindings: held[e], Description: "granted roles in project " + p.ID + " but not a service account of it",
		}
		if owner := emailProject(e); owner != "" {
			id.Account = owner
		}
		switch {
		case reServiceAgent.MatchString(e):
			// Google manages it, but it is the identity of the project's
			// agents, with the roles the project granted it: in scope.
			id.Description = serviceAgentDescription
			id.Account = p.ID
		case serviceAgent.MatchString(e):
			id.Excluded = "Google-managed service agent"
		}
		inv.Identities = append(inv.Identities, id)
	}
	names := make([]string, 0, len(principals))
	for m := range principals {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		inv.Identities = append(inv.Identities, inventory.Identity{
			ID: m, Provider: inventory.GCP, Kind: inventory.KindGCPAgentPrincipal, Account: p.ID,
			Name: "agent " + m[strings.LastIndex(m, "/")+1:], Bindings: principals[m], Description: principalDescription,
		})
	}

	proj := inventory.Identity{ID: "projects/" + p.ID, Provider: inventory.GCP, Kind: inventory.KindGCPProject, Account: p.ID, Name: p.ID, Owner: "-"}
	for _, rp := range p.policies() {
		for _, b := range rp.policy.Bindings {
			proj.ResourceBindings = append(proj.ResourceBindings, neutral(b, rp.resource, nil))
		}
	}
	inv.Identities = append(inv.Identities, proj)
	src.Warnings = p.warnings
	inv.Sources = append(inv.Sources, src)
	return inv
}

func localPart(email string) string {
	l, _, _ := strings.Cut(email, "@")
	return l
}

func (p *project) account(sa *serviceAccount, bindings []inventory.Binding) inventory.Identity {
	id := inventory.Identity{
		ID: sa.Email, Provider: inventory.GCP, Kind: inventory.KindGCPAccount, Account: p.ID, Name: localPart(sa.Email),
		Description: sa.Description, Disabled: sa.Disabled, Bindings: bindings,
		Tags: map[string]string{}, LastUsedKnown: p.saActivityKnown || p.insightsKnown,
	}
	if sa.DisplayName != "" {
		id.Tags["displayName"] = sa.DisplayName
	}
	if sa.UniqueID != "" {
		id.Tags["uniqueId"] = sa.UniqueID
	}
	switch {
	case reServiceAgent.MatchString(sa.Email):
		id.Description = serviceAgentDescription
	case serviceAgent.MatchString(sa.Email):
		id.Excluded = "Google-managed service agent"
	case defaultAccount.MatchString(sa.Email):
		id.Owner = "platform (Google default service account)"
	}
	for _, k := range []string{sa.Email, sa.UniqueID} {
		if t, ok := p.saActivity[k]; ok && k != "" {
			t := t
			id.LastUsed = &t
		}
		if ev, ok := p.insights[k]; ok && k != "" {
			id.DormantSignal = ev
		}
	}
	// Cloud Asset names a service account by email or by unique id.
	keys := p.keys[sa.Email]
	if sa.UniqueID != "" {
		keys = append(keys[:len(keys):len(keys)], p.keys[sa.UniqueID]...)
	}
	seenKeys := map[string]bool{}
	for _, k := range keys {
		if k.KeyType != "USER_MANAGED" || seenKeys[keyID(k.Name)] {
			continue // Google rotates system-managed keys: not a static credential
		}
		seenKeys[keyID(k.Name)] = true
		c := inventory.Credential{ID: keyID(k.Name), Kind: inventory.CredGCPUserKey, Status: inventory.CredentialActive, LastUsedKnown: p.keyActivityKnown}
		if k.Disabled {
			c.Status = inventory.CredentialInactive
		}
		if t, err := parseTime(k.ValidAfterTime); err == nil {
			c.CreatedAt = t.UTC()
		} else {
			p.warn("key %s of %s has a bad validAfterTime %q", c.ID, sa.Email, k.ValidAfterTime)
		}
		if t, err := parseTime(k.ValidBeforeTime); err == nil && t.Year() < neverExpires {
			t := t.UTC()
			c.ExpiresAt = &t
		}
		if t, ok := p.keyActivity[c.ID]; ok {
			t := t
			c.LastUsed = &t
		}
		id.Credentials = append(id.Credentials, c)
	}
	sort.Slice(id.Credentials, func(i, j int) bool { return id.Credentials[i].ID < id.Credentials[j].ID })
	pol, ok := p.saPolicy[sa.Email]
	if !ok && sa.UniqueID != "" {
		pol, ok = p.saPolicy[sa.UniqueID]
	}
	if ok {
		res := "projects/" + p.ID + "/serviceAccounts/" + sa.Email
		for _, b := range pol.Bindings {
			id.ResourceBindings = append(id.ResourceBindings, neutral(b, res, nil))
		}
	}
	return id
}

// activity is one Policy Analyzer activity, as gcloud and the REST API
// print it; Activity holds the raw "activity" struct.
type activity struct {
	ActivityType      string          `json:"activityType"`
	FullResourceName  string          `json:"fullResourceName"`
	Activity          json.RawMessage `json:"activity"`
	ObservationPeriod struct {
		StartTime string `json:"startTime"`
		EndTime   string `json:"endTime"`
	} `json:"observationPeriod"`
}

type activityBody struct {
	LastAuthenticatedTime string `json:"lastAuthenticatedTime"`
	ServiceAccount        *struct {
		FullResourceName string `json:"fullResourceName"`
		ServiceAccountID string `json:"serviceAccountId"`
	} `json:"serviceAccount"`
	ServiceAccountKey *struct {
		FullResourceName string `json:"fullResourceName"`
	} `json:"serviceAccountKey"`
}

// resourceProject is P in //iam.googleapis.com/projects/P/serviceAccounts/...
func resourceProject(full string) string {
	rest, ok := strings.CutPrefix(full, "//iam.googleapis.com/projects/")
	if !ok {
		return ""
	}
	p, _, _ := strings.Cut(rest, "/")
	return p
}

// addActivity records one activity in its project.
func addActivity(get func(string) *project, a activity) error {
	var body activityBody
	if len(a.Activity) > 0 {
		if err := json.Unmarshal(a.Activity, &body); err != nil {
			return fmt.Errorf("activity of %s: %v", a.FullResourceName, err)
		}
	}
	when, err := parseTime(body.LastAuthenticatedTime)
	if err != nil {
		return fmt.Errorf("activity of %s: bad lastAuthenticatedTime %q", a.FullResourceName, body.LastAuthenticatedTime)
	}
	when = when.UTC()
	switch a.ActivityType {
	case "serviceAccountLastAuthentication":
		names := []string{a.FullResourceName}
		if body.ServiceAccount != nil {
			names = append(names, body.ServiceAccount.FullResourceName)
		}
		for _, n := range names {
			proj := resourceProject(n)
			if proj == "" {
				continue
			}
			p := get(proj)
			p.saActivityKnown = true
			p.saActivity[n[strings.LastIndex(n, "/")+1:]] = when
			if body.ServiceAccount != nil && body.ServiceAccount.ServiceAccountID != "" {
				p.saActivity[body.ServiceAccount.ServiceAccountID] = when
			}
		}
	case "serviceAccountKeyLastAuthentication":
		n := a.FullResourceName
		if body.ServiceAccountKey != nil && body.ServiceAccountKey.FullResourceName != "" {
			n = body.ServiceAccountKey.FullResourceName
		}
		proj := resourceProject(n)
		if proj == "" {
			return fmt.Errorf("activity of %q: not a service account key", n)
		}
		p := get(proj)
		p.keyActivityKnown = true
		p.keyActivity[keyID(n)] = when
	default:
		return fmt.Errorf("unknown activity type %q", a.ActivityType)
	}
	return nil
}
