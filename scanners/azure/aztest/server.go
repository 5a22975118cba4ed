// Package aztest serves the az CLI export of one Entra tenant (the
// layout scripts/export-azure.sh writes: service-principals.json,
// applications.json, owners/, sponsors/, app-role-assignments/,
// federated-credentials/, directory-role-assignments.json,
// directory-role-definitions.json, role-assignments-<subscription>.json,
// role-definitions-<subscription>.json, sign-ins.json,
// credential-sign-ins.json) as Microsoft Graph
// and Azure Resource Manager answer it over HTTPS: Graph's
// {"value": [...], "@odata.nextLink": ...} pages, ARM's nested
// "properties" and "nextLink" pages, api-version checked, bearer tokens
// checked per audience, and error bodies {"error": {"code", "message"}}.
// Tests drive the live scanner's Graph client and the official
// armauthorization and armsubscriptions clients against it.
package aztest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// API versions the official clients send (armauthorization/v2 v2.2.0,
// armsubscriptions v1.3.0, armmsi v1.3.0); a request with another is refused as ARM
// refuses an unknown one.
const (
	authorizationAPIVersion = "2022-04-01"
	subscriptionsAPIVersion = "2022-12-01"
	msiAPIVersion           = "2024-11-30"
)

// Scopes of the tokens: Graph's and Resource Manager's.
const (
	GraphScope  = "https://graph.microsoft.com/.default"
	ARMScope    = "https://management.core.windows.net//.default"
	armAudience = "https://management.core.windows.net/"
)

// Options shape the server's answers.
type Options struct {
	// PageSize is how many items one page holds (default 2): every list
	// longer than that is paged.
	PageSize int
	// Throttle answers the first N requests of an endpoint ("GET
	// /v1.0/servicePrincipals", "GET /subscriptions/<id>/providers/
	// Microsoft.Authorization/roleAssignments") with 429 and the header
	// Retry-After: RetryAfter (default "1").
	Throttle   map[string]int
	RetryAfter string
	// DenySubscription answers every call about these subscriptions with
	// ARM's 403 AuthorizationFailed.
	DenySubscription map[string]bool
	// Deny answers these endpoints ("GET /beta/reports/...") with 403.
	Deny map[string]bool
	// Subscriptions are listed by GET /subscriptions besides those that
	// have a role-assignments-<id>.json.
	Subscriptions []string
}

// Server is the fake Graph and ARM of one tenant.
type Server struct {
	// URL is the server's https base URL; Client trusts its certificate.
	URL    string
	Client *http.Client
	// Tenant is the tenant's id (the export directory's name).
	Tenant string

	opts    Options
	graph   map[string][]json.RawMessage // Graph path -> items
	objects map[string]bool              // known object ids
	subs    []string
	ras     map[string][]json.RawMessage // subscription -> ARM role assignments
	rds     map[string][]json.RawMessage // subscription -> ARM role definitions
	fics    map[string][]json.RawMessage // object id -> az's federated credentials
	uamis   map[string]string            // user-assigned identity resource id (lowercase) -> principal id

	mu    sync.Mutex
	calls map[string][]time.Time // endpoint -> when each request came
	auth  []string               // every Authorization header seen
}

// New serves the tenant export in dir (a directory named for the tenant
// id) until the test ends.
func New(t testing.TB, dir string, o Options) *Server {
	t.Helper()
	if o.PageSize < 1 {
		o.PageSize = 2
	}
	if o.RetryAfter == "" {
		o.RetryAfter = "1"
	}
	s := &Server{Tenant: strings.ToLower(filepath.Base(dir)), opts: o, graph: map[string][]json.RawMessage{}, objects: map[string]bool{},
		ras: map[string][]json.RawMessage{}, rds: map[string][]json.RawMessage{},
		fics: map[string][]json.RawMessage{}, uamis: map[string]string{}, calls: map[string][]time.Time{}}
	if err := s.load(dir); err != nil {
		t.Fatalf("aztest: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Connections the clients still hold when the test ends are not news.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	s.URL, s.Client = srv.URL, srv.Client()
	return s
}

// Cloud points Azure Resource Manager at the server.
func (s *Server) Cloud() cloud.Configuration {
	return cloud.Configuration{ActiveDirectoryAuthorityHost: s.URL + "/", Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
		cloud.ResourceManager: {Endpoint: s.URL, Audience: armAudience},
	}}
}

// Calls returns when each request to an endpoint ("GET /v1.0/applications")
// came, in order.
func (s *Server) Calls(endpoint string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.calls[endpoint]...)
}

// Endpoints returns every endpoint called, sorted.
func (s *Server) Endpoints() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.calls))
	for e := range s.calls {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// load reads the export.
func (s *Server) load(dir string) error {
	lists := map[string]string{
		"service-principals.json":         "/v1.0/servicePrincipals",
		"applications.json":               "/v1.0/applications",
		"directory-role-assignments.json": "/v1.0/roleManagement/directory/roleAssignments",
		"directory-role-definitions.json": "/v1.0/roleManagement/directory/roleDefinitions",
		"sign-ins.json":                   "/beta/reports/servicePrincipalSignInActivities",
		"credential-sign-ins.json":        "/beta/reports/appCredentialSignInActivities",
	}
	for file, path := range lists {
		items, err := readList(filepath.Join(dir, file))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		s.graph[path] = items
	}
	if _, ok := s.graph["/v1.0/roleManagement/directory/roleDefinitions"]; !ok {
		s.graph["/v1.0/roleManagement/directory/roleDefinitions"] = []json.RawMessage{}
	}
	s.graph["/v1.0/organization"] = []json.RawMessage{json.RawMessage(fmt.Sprintf(`{"id":%q,"displayName":"Contoso"}`, s.Tenant))}
	for _, path := range []string{"/v1.0/servicePrincipals", "/v1.0/applications"} {
		for _, raw := range s.graph[path] {
			var o struct{ ID string }
			if err := json.Unmarshal(raw, &o); err != nil {
				return err
			}
			s.objects[strings.ToLower(o.ID)] = true
		}
	}
	perObject := map[string]string{
		"owners":                "/v1.0/%s/owners",
		"sponsors":              "/v1.0/servicePrincipals/%s/microsoft.graph.agentIdentity/sponsors",
		"app-role-assignments":  "/v1.0/servicePrincipals/%s/appRoleAssignments",
		"federated-credentials": "/v1.0/applications/%s/federatedIdentityCredentials",
	}
	for sub, pattern := range perObject {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "*.json"))
		for _, f := range files {
			id := strings.ToLower(strings.TrimSuffix(filepath.Base(f), ".json"))
			items, err := readList(f)
			if err != nil {
				return err
			}
			if sub == "owners" {
				// Owners of an application or of a service principal.
				s.graph[fmt.Sprintf(pattern, "applications/"+id)] = items
				s.graph[fmt.Sprintf(pattern, "servicePrincipals/"+id)] = items
				continue
			}
			s.graph[fmt.Sprintf(pattern, id)] = items
			if sub == "federated-credentials" {
				s.fics[id] = items
			}
		}
	}
	// User-assigned managed identities, by resource id: their federated
	// credentials are exported by principal id.
	for _, raw := range s.graph["/v1.0/servicePrincipals"] {
		var sp struct {
			ID                   string   `json:"id"`
			ServicePrincipalType string   `json:"servicePrincipalType"`
			AlternativeNames     []string `json:"alternativeNames"`
		}
		if err := json.Unmarshal(raw, &sp); err != nil {
			return err
		}
		for _, n := range sp.AlternativeNames {
			if sp.ServicePrincipalType == "ManagedIdentity" && strings.Contains(strings.ToLower(n), "/providers/microsoft.managedidentity/userassignedidentities/") {
				s.uamis[strings.ToLower(n)] = strings.ToLower(sp.ID)
			}
		}
	}
	return s.loadRBAC(dir)
}

// userAssignedFICs answers ARM's list of a user-assigned identity's
// federated credentials from az's flattened ones.
func (s *Server) userAssignedFICs(resource string) ([]json.RawMessage, bool) {
	principal, ok := s.uamis[resource]
	if !ok {
		return nil, false
	}
	var out []json.RawMessage
	for _, raw := range s.fics[principal] {
		var f struct {
			ID        string   `json:"id"`
			Name      string   `json:"name"`
			Issuer    string   `json:"issuer"`
			Subject   *string  `json:"subject"`
			Audiences []string `json:"audiences"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			continue
		}
		b, _ := json.Marshal(map[string]any{"id": f.ID, "name": f.Name, "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
			"properties": map[string]any{"issuer": f.Issuer, "subject": f.Subject, "audiences": f.Audiences}})
		out = append(out, b)
	}
	return out, true
}

// loadRBAC turns az's role assignments (flattened, with the names az
// added from Graph) back into ARM's answers, and lists the role
// definitions: the custom ones exported, and the built-in ones the
// assignments name.
func (s *Server) loadRBAC(dir string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "role-assignments*.json"))
	names := map[string]string{} // role definition guid -> name az printed
	var above []json.RawMessage
	for _, f := range files {
		items, err := readList(f)
		if err != nil {
			return err
		}
		base := strings.TrimSuffix(filepath.Base(f), ".json")
		fileSub := strings.TrimPrefix(strings.TrimPrefix(base, "role-assignments"), "-")
		for _, raw := range items {
			var a azRoleAssignment
			if err := json.Unmarshal(raw, &a); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			out, err := json.Marshal(armRoleAssignment{ID: a.ID, Name: a.Name, Type: "Microsoft.Authorization/roleAssignments", Properties: armRoleAssignmentProperties{
				RoleDefinitionID: "/providers/Microsoft.Authorization/roleDefinitions/" + guidOf(a.RoleDefinitionID), PrincipalID: a.PrincipalID,
				PrincipalType: a.PrincipalType, Scope: a.Scope, Condition: a.Condition, ConditionVersion: a.ConditionVersion,
				CreatedOn: a.CreatedOn, UpdatedOn: a.UpdatedOn, CreatedBy: a.CreatedBy, UpdatedBy: a.UpdatedBy, Description: a.Description,
			}})
			if err != nil {
				return err
			}
			sub := strings.ToLower(fileSub)
			if sub == "" {
				sub = subscriptionOf(a.Scope)
			}
			if sub == "" {
				// Above the subscriptions (a management group, the root):
				// every subscription lists it.
				above = append(above, out)
			} else {
				s.ras[sub] = append(s.ras[sub], out)
			}
			names[guidOf(a.RoleDefinitionID)] = a.RoleDefinitionName
		}
	}
	for sub := range s.ras {
		s.ras[sub] = append(s.ras[sub], above...)
	}
	custom := map[string]bool{}
	defs, _ := filepath.Glob(filepath.Join(dir, "role-definitions*.json"))
	for _, f := range defs {
		items, err := readList(f)
		if err != nil {
			return err
		}
		sub := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSuffix(filepath.Base(f), ".json"), "role-definitions"), "-"))
		for _, raw := range items {
			var d azRoleDefinition
			if err := json.Unmarshal(raw, &d); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			custom[strings.ToLower(d.Name)] = true
			out, err := json.Marshal(armRoleDefinition{ID: "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + d.Name, Name: d.Name,
				Type: "Microsoft.Authorization/roleDefinitions", Properties: armRoleDefinitionProperties{RoleName: d.RoleName, Type: d.RoleType,
					Description: d.Description, AssignableScopes: d.AssignableScopes, Permissions: d.Permissions}})
			if err != nil {
				return err
			}
			s.rds[sub] = append(s.rds[sub], out)
		}
	}
	for sub := range s.ras {
		guids := make([]string, 0, len(names))
		for g := range names {
			guids = append(guids, g)
		}
		sort.Strings(guids)
		for _, g := range guids {
			if custom[g] || names[g] == "" {
				continue
			}
			out, _ := json.Marshal(armRoleDefinition{ID: "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + g, Name: g,
				Type: "Microsoft.Authorization/roleDefinitions", Properties: armRoleDefinitionProperties{RoleName: names[g], Type: "BuiltInRole",
					AssignableScopes: []string{"/"}, Permissions: []json.RawMessage{json.RawMessage(`{"actions":["*"],"notActions":[],"dataActions":[],"notDataActions":[]}`)}}})
			s.rds[sub] = append(s.rds[sub], out)
		}
	}
	seen := map[string]bool{}
	for _, sub := range append(sortedKeys(s.ras), s.opts.Subscriptions...) {
		if sub = strings.ToLower(sub); !seen[sub] {
			seen[sub] = true
			s.subs = append(s.subs, sub)
		}
	}
	return nil
}

// az's role assignment (flattened by az) and ARM's.
type azRoleAssignment struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	PrincipalID        string `json:"principalId"`
	PrincipalType      string `json:"principalType"`
	RoleDefinitionID   string `json:"roleDefinitionId"`
	RoleDefinitionName string `json:"roleDefinitionName"`
	Scope              string `json:"scope"`
	Condition          string `json:"condition"`
	ConditionVersion   string `json:"conditionVersion"`
	CreatedOn          string `json:"createdOn"`
	UpdatedOn          string `json:"updatedOn"`
	CreatedBy          string `json:"createdBy"`
	UpdatedBy          string `json:"updatedBy"`
	Description        string `json:"description"`
}

type armRoleAssignment struct {
	Properties armRoleAssignmentProperties `json:"properties"`
	ID         string                      `json:"id"`
	Type       string                      `json:"type"`
	Name       string                      `json:"name"`
}

type armRoleAssignmentProperties struct {
	RoleDefinitionID string `json:"roleDefinitionId"`
	PrincipalID      string `json:"principalId"`
	PrincipalType    string `json:"principalType"`
	Scope            string `json:"scope"`
	Condition        string `json:"condition,omitempty"`
	ConditionVersion string `json:"conditionVersion,omitempty"`
	CreatedOn        string `json:"createdOn,omitempty"`
	UpdatedOn        string `json:"updatedOn,omitempty"`
	CreatedBy        string `json:"createdBy,omitempty"`
	UpdatedBy        string `json:"updatedBy,omitempty"`
	Description      string `json:"description,omitempty"`
}

type azRoleDefinition struct {
	Name             string            `json:"name"`
	RoleName         string            `json:"roleName"`
	RoleType         string            `json:"roleType"`
	Description      string            `json:"description"`
	AssignableScopes []string          `json:"assignableScopes"`
	Permissions      []json.RawMessage `json:"permissions"`
}

type armRoleDefinition struct {
	Properties armRoleDefinitionProperties `json:"properties"`
	ID         string                      `json:"id"`
	Type       string                      `json:"type"`
	Name       string                      `json:"name"`
}

type armRoleDefinitionProperties struct {
	RoleName         string            `json:"roleName"`
	Type             string            `json:"type"`
	Description      string            `json:"description"`
	AssignableScopes []string          `json:"assignableScopes"`
	Permissions      []json.RawMessage `json:"permissions"`
}

func subscriptionOf(scope string) string {
	parts := strings.Split(strings.ToLower(scope), "/")
	if len(parts) > 2 && parts[1] == "subscriptions" {
		return parts[2]
	}
	return ""
}

func guidOf(id string) string { return strings.ToLower(id[strings.LastIndex(id, "/")+1:]) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// readList reads a list as az prints it: a JSON array, or one or more
// Graph pages {"value": [...]} one after the other.
func readList(path string) ([]json.RawMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var items []json.RawMessage
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return items, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			items = append(items, list...)
			continue
		}
		var page struct {
			Value []json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		items = append(items, page.Value...)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	endpoint := r.Method + " " + r.URL.Path
	s.mu.Lock()
	s.calls[endpoint] = append(s.calls[endpoint], time.Now())
	n := len(s.calls[endpoint])
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.mu.Unlock()

	arm := !strings.HasPrefix(r.URL.Path, "/v1.0/") && !strings.HasPrefix(r.URL.Path, "/beta/")
	want := GraphScope
	if arm {
		want = ARMScope
	}
	if !validToken(r.Header.Get("Authorization"), want) {
		writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "the scanner only reads")
		return
	}
	if n <= s.opts.Throttle[endpoint] {
		w.Header().Set("Retry-After", s.opts.RetryAfter)
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests, please retry after some time.")
		return
	}
	if s.opts.Deny[endpoint] {
		writeError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	if arm {
		s.serveARM(w, r)
		return
	}
	s.serveGraph(w, r)
}

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	items, ok := s.graph[path]
	if !ok {
		// A list about a known object that the export holds nothing for
		// is empty; an unknown object is 404, as Graph answers.
		parts := strings.Split(path, "/")
		if len(parts) >= 5 && (parts[2] == "servicePrincipals" || parts[2] == "applications") && s.objects[strings.ToLower(parts[3])] {
			items, ok = []json.RawMessage{}, true
		}
	}
	if !ok {
		writeError(w, http.StatusNotFound, "Request_ResourceNotFound", fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", path))
		return
	}
	size := s.opts.PageSize
	q := r.URL.Query()
	if top, err := strconv.Atoi(q.Get("$top")); err == nil && top > 0 && top < size {
		size = top
	}
	from, _ := strconv.Atoi(q.Get("$skiptoken"))
	version, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	page := map[string]any{"@odata.context": "https://graph.microsoft.com/" + version + "/$metadata#" + rest}
	end := min(from+size, len(items))
	page["value"] = items[min(from, len(items)):end]
	if end < len(items) {
		q.Set("$skiptoken", strconv.Itoa(end))
		page["@odata.nextLink"] = s.URL + path + "?" + q.Encode()
	}
	writeJSON(w, page)
}

func (s *Server) serveARM(w http.ResponseWriter, r *http.Request) {
	path := strings.ToLower(r.URL.Path)
	q := r.URL.Query()
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var items []json.RawMessage
	version := authorizationAPIVersion
	switch {
	case path == "/subscriptions":
		version = subscriptionsAPIVersion
		for _, sub := range s.subs {
			raw, _ := json.Marshal(map[string]any{"id": "/subscriptions/" + sub, "authorizationSource": "RoleBased", "managedByTenants": []any{},
				"subscriptionId": sub, "tenantId": s.Tenant, "displayName": "Subscription " + sub[:8], "state": "Enabled",
				"subscriptionPolicies": map[string]any{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"}})
			items = append(items, raw)
		}
	case len(parts) == 5 && parts[0] == "subscriptions" && parts[2] == "providers" && parts[3] == "microsoft.authorization" &&
		(parts[4] == "roleassignments" || parts[4] == "roledefinitions"):
		sub := parts[1]
		if s.opts.DenySubscription[sub] {
			action := "Microsoft.Authorization/" + map[string]string{"roleassignments": "roleAssignments", "roledefinitions": "roleDefinitions"}[parts[4]] + "/read"
			writeError(w, http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf("The client 'e8d3a0f4-0000-4000-8000-000000000001' with object id 'e8d3a0f4-0000-4000-8000-000000000001' does not have authorization to perform action '%s' over scope '/subscriptions/%s' or the scope is invalid. If access was recently granted, please refresh your credentials.", action, sub))
			return
		}
		if !containsString(s.subs, sub) {
			writeError(w, http.StatusNotFound, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", sub))
			return
		}
		if parts[4] == "roleassignments" {
			items = s.ras[sub]
		} else {
			items = s.rds[sub]
		}
	case len(parts) == 9 && parts[0] == "subscriptions" && parts[2] == "resourcegroups" && parts[4] == "providers" &&
		parts[5] == "microsoft.managedidentity" && parts[6] == "userassignedidentities" && parts[8] == "federatedidentitycredentials":
		version = msiAPIVersion
		if s.opts.DenySubscription[parts[1]] {
			writeError(w, http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf("The client 'e8d3a0f4-0000-4000-8000-000000000001' with object id 'e8d3a0f4-0000-4000-8000-000000000001' does not have authorization to perform action 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.", r.URL.Path))
			return
		}
		var ok bool
		if items, ok = s.userAssignedFICs("/" + strings.Join(parts[:8], "/")); !ok {
			writeError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/%s' under resource group '%s' was not found.", parts[7], parts[3]))
			return
		}
	default:
		writeError(w, http.StatusNotFound, "InvalidResourceType", "The resource type could not be found in the namespace.")
		return
	}
	if got := q.Get("api-version"); got != version {
		writeError(w, http.StatusBadRequest, "InvalidApiVersionParameter", fmt.Sprintf("The api-version '%s' is invalid. The supported versions are '%s'.", got, version))
		return
	}
	from, _ := strconv.Atoi(q.Get("$skipToken"))
	end := min(from+s.opts.PageSize, len(items))
	page := map[string]any{"value": append([]json.RawMessage{}, items[min(from, len(items)):end]...)}
	if end < len(items) {
		q.Set("$skipToken", strconv.Itoa(end))
		page["nextLink"] = s.URL + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, page)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers as Graph and ARM do: {"error": {"code", "message"}}
// (Graph adds innerError).
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg,
		"innerError": map[string]any{"date": time.Now().UTC().Format("2006-01-02T15:04:05"), "request-id": "5b3a6a0e-0000-4000-8000-000000000000"}}})
}

// Credential is a fake azcore.TokenCredential: its tokens are JWT-shaped
// (header.claims.signature) with the scope's audience and AppID in the
// claims and Secret as the signature, which the server checks. Tests
// look for Secret in everything the scanner prints.
type Credential struct {
	Secret string
	AppID  string
	// TenantID is the token's tid claim; empty leaves it out.
	TenantID string
	// Fail makes GetToken fail with this error.
	Fail error

	mu     sync.Mutex
	scopes map[string]int
}

// GetToken implements azcore.TokenCredential.
func (c *Credential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if c.Fail != nil {
		return azcore.AccessToken{}, c.Fail
	}
	if len(o.Scopes) != 1 {
		return azcore.AccessToken{}, fmt.Errorf("want one scope, got %q", o.Scopes)
	}
	c.mu.Lock()
	if c.scopes == nil {
		c.scopes = map[string]int{}
	}
	c.scopes[o.Scopes[0]]++
	c.mu.Unlock()
	return azcore.AccessToken{Token: c.token(o.Scopes[0]), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// token is the token Credential gives for a scope.
func (c *Credential) token(scope string) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims := map[string]string{"aud": strings.TrimSuffix(scope, "/.default"), "appid": c.AppID}
	if c.TenantID != "" {
		claims["tid"] = c.TenantID
	}
	raw, _ := json.Marshal(claims)
	return enc([]byte(`{"typ":"JWT","alg":"RS256"}`)) + "." + enc(raw) + "." + c.Secret
}

// validToken says whether an Authorization header carries a token of
// Credential for scope (any secret: the server does not know it, it
// checks the audience and that a signature is there).
func validToken(h, scope string) bool {
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return false
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[2] == "" {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var c struct{ Aud string }
	if json.Unmarshal(raw, &c) != nil {
		return false
	}
	return c.Aud == strings.TrimSuffix(scope, "/.default")
}

// Scopes returns how many tokens were asked for each scope.
func (c *Credential) Scopes() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.scopes {
		out[k] = v
	}
	return out
}
