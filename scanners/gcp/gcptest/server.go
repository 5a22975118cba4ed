// Package gcptest serves a gcloud export directory (<project-id>/
// service-accounts.json, keys/, iam-policy.json, sa-policies/,
// custom-roles.json, activity-*.json) through the real wire protocols:
// in-process gRPC servers registered with the generated IAM and Resource
// Manager services, and an HTTP server answering the Policy Analyzer REST
// API. Tests drive the official Go clients against it.
package gcptest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
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

	"cloud.google.com/go/iam/admin/apiv1/adminpb"
	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/resourcemanager/apiv3/resourcemanagerpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Server is the fake Google Cloud.
type Server struct {
	// GRPCOptions and RESTOptions point the Go clients at this server.
	GRPCOptions []option.ClientOption
	RESTOptions []option.ClientOption

	// DenyProject makes every call about these projects fail with
	// PermissionDenied.
	DenyProject map[string]bool
	// Vanished service accounts are listed but deleted before their keys
	// and policy are read: those calls answer NotFound.
	Vanished map[string]bool
	// Delay makes every call of these methods ("ListServiceAccounts",
	// "activities.query", as counted by Count), or of a method about one
	// project ("ListServiceAccountKeys acme-dev"), wait this long, or
	// until the client gives up, before answering.
	Delay map[string]time.Duration
	// Org, when set, is an organization: folders (name -> parent) and
	// the parent of each project, with IAM policies on folders and the
	// organization.
	Org *Org

	mu       sync.Mutex
	calls    map[string]int
	accounts map[string][]*adminpb.ServiceAccount // project -> accounts, sorted by email
	keys     map[string][]*adminpb.ServiceAccountKey
	policies map[string]*iampb.Policy // resource -> policy
	roles    map[string][]*adminpb.Role
	activity map[string][]json.RawMessage // project/type -> activities
	engines  map[string][]json.RawMessage // project -> reasoning engines
	// DenyLocation makes reasoningEngines.list in these locations answer
	// 403 PERMISSION_DENIED.
	DenyLocation map[string]bool
}

// Org describes an organization for --organization scans.
type Org struct {
	ID            string
	Folders       map[string]string // "folders/N" -> parent
	ProjectParent map[string]string // project id -> parent
}

// Count returns how often a method was called.
func (s *Server) Count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *Server) hit(ctx context.Context, method, project string) error {
	s.mu.Lock()
	s.calls[method]++
	d := max(s.Delay[method], s.Delay[method+" "+project])
	s.mu.Unlock()
	if d > 0 {
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-time.After(d):
		}
	}
	if s.DenyProject[project] {
		return status.Errorf(codes.PermissionDenied, "Permission '%s' denied on resource 'projects/%s' (or it may not exist).", method, project)
	}
	return nil
}

var unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}

func readList[T proto.Message](path string, mk func() T) ([]T, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, err
	}
	out := make([]T, len(raws))
	for i, r := range raws {
		out[i] = mk()
		if err := unmarshal.Unmarshal(r, out[i]); err != nil {
			return nil, fmt.Errorf("%s item %d: %v", path, i, err)
		}
	}
	return out, nil
}

// New serves the export under dir and stops with the test.
func New(t testing.TB, dir string) *Server {
	t.Helper()
	s := &Server{DenyProject: map[string]bool{}, Delay: map[string]time.Duration{}, Vanished: map[string]bool{}, calls: map[string]int{}, accounts: map[string][]*adminpb.ServiceAccount{},
		keys: map[string][]*adminpb.ServiceAccountKey{}, policies: map[string]*iampb.Policy{}, roles: map[string][]*adminpb.Role{},
		activity: map[string][]json.RawMessage{}, engines: map[string][]json.RawMessage{}, DenyLocation: map[string]bool{}}
	if err := s.load(dir); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	adminpb.RegisterIAMServer(g, &iamServer{s: s})
	resourcemanagerpb.RegisterProjectsServer(g, &projectsServer{s: s})
	resourcemanagerpb.RegisterFoldersServer(g, &foldersServer{s: s})
	resourcemanagerpb.RegisterOrganizationsServer(g, &orgsServer{s: s})
	go g.Serve(lis)
	rest := httptest.NewServer(http.HandlerFunc(s.rest))
	t.Cleanup(func() { g.Stop(); rest.Close() })
	s.GRPCOptions = []option.ClientOption{option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))}
	s.RESTOptions = []option.ClientOption{option.WithEndpoint(rest.URL + "/"), option.WithoutAuthentication()}
	return s
}

func (s *Server) load(dir string) error {
	projects, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, pd := range projects {
		if !pd.IsDir() {
			continue
		}
		p, root := pd.Name(), filepath.Join(dir, pd.Name())
		sas, err := readList(filepath.Join(root, "service-accounts.json"), func() *adminpb.ServiceAccount { return &adminpb.ServiceAccount{} })
		if err != nil {
			return err
		}
		sort.Slice(sas, func(i, j int) bool { return sas[i].Email < sas[j].Email })
		s.accounts[p] = sas
		keyFiles, _ := filepath.Glob(filepath.Join(root, "keys", "*.json"))
		for _, f := range keyFiles {
			ks, err := readList(f, func() *adminpb.ServiceAccountKey { return &adminpb.ServiceAccountKey{} })
			if err != nil {
				return err
			}
			email := strings.TrimSuffix(filepath.Base(f), ".json")
			s.keys["projects/"+p+"/serviceAccounts/"+email] = ks
		}
		if err := s.loadPolicy(filepath.Join(root, "iam-policy.json"), "projects/"+p); err != nil {
			return err
		}
		polFiles, _ := filepath.Glob(filepath.Join(root, "sa-policies", "*.json"))
		for _, f := range polFiles {
			email := strings.TrimSuffix(filepath.Base(f), ".json")
			if err := s.loadPolicy(f, "projects/"+p+"/serviceAccounts/"+email); err != nil {
				return err
			}
		}
		if rs, err := readList(filepath.Join(root, "custom-roles.json"), func() *adminpb.Role { return &adminpb.Role{} }); err == nil {
			s.roles[p] = rs
		}
		for file, typ := range map[string]string{"activity-service-accounts.json": "serviceAccountLastAuthentication", "activity-keys.json": "serviceAccountKeyLastAuthentication"} {
			data, err := os.ReadFile(filepath.Join(root, file))
			if err != nil {
				continue
			}
			var acts []json.RawMessage
			if err := json.Unmarshal(data, &acts); err != nil {
				return err
			}
			s.activity[p+"/"+typ] = acts
		}
		// reasoning-engines.json (gcloud's list) or reasoning-engines-LOC.json
		// (a REST list response per location).
		files, _ := filepath.Glob(filepath.Join(root, "reasoning-engines*.json"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			var engines []json.RawMessage
			if json.Unmarshal(data, &engines) != nil {
				var rest struct{ ReasoningEngines []json.RawMessage }
				if err := json.Unmarshal(data, &rest); err != nil {
					return fmt.Errorf("%s: %v", f, err)
				}
				engines = rest.ReasoningEngines
			}
			s.engines[p] = append(s.engines[p], engines...)
		}
	}
	return nil
}

// rest dispatches the REST APIs: Policy Analyzer and Vertex AI.
func (s *Server) rest(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/reasoningEngines") {
		s.reasoningEngines(w, r)
		return
	}
	s.policyAnalyzer(w, r)
}

// reasoningEngines answers GET /v1/projects/P/locations/L/reasoningEngines
// (Vertex AI projects.locations.reasoningEngines.list) with the engines of
// the project's export whose name is in location L, one per page so
// clients follow nextPageToken. An empty page is {} (proto-JSON leaves
// out empty fields).
func (s *Server) reasoningEngines(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/"), "/")
	w.Header().Set("Content-Type", "application/json")
	if len(parts) != 5 || parts[0] != "projects" || parts[2] != "locations" || r.Method != http.MethodGet {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}`)
		return
	}
	p, loc := parts[1], parts[3]
	if err := s.hit(r.Context(), "reasoningEngines.list", p); err != nil || s.DenyLocation[loc] {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"error": {"code": 403, "message": "Permission 'aiplatform.reasoningEngines.list' denied on resource '//aiplatform.googleapis.com/projects/%s/locations/%s' (or it may not exist).", "status": "PERMISSION_DENIED"}}`, p, loc)
		return
	}
	var here []json.RawMessage
	for _, e := range s.engines[p] {
		var probe struct{ Name string }
		json.Unmarshal(e, &probe)
		if strings.Contains(probe.Name, "/locations/"+loc+"/") {
			here = append(here, e)
		}
	}
	items, next := page(here, r.URL.Query().Get("pageToken"), 1)
	resp := map[string]any{}
	if len(items) > 0 {
		resp["reasoningEngines"] = items
	}
	if next != "" {
		resp["nextPageToken"] = next
	}
	json.NewEncoder(w).Encode(resp)
}

func (s *Server) loadPolicy(path, resource string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	pol := &iampb.Policy{}
	if err := unmarshal.Unmarshal(data, pol); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	s.policies[resource] = pol
	return nil
}

// SetPolicy sets the IAM policy of a resource (a folder or organization).
func (s *Server) SetPolicy(resource string, p *iampb.Policy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policies[resource] = p
}

func projectOf(name string) string {
	parts := strings.Split(name, "/")
	if len(parts) > 1 && parts[0] == "projects" {
		return parts[1]
	}
	return ""
}

// page returns the items of one page (two at most, so clients paginate)
// and the next page token.
func page[T any](items []T, token string, size int32) ([]T, string) {
	start, _ := strconv.Atoi(token)
	n := 2
	if size > 0 && int(size) < n {
		n = int(size)
	}
	end := min(start+n, len(items))
	if start > len(items) {
		return nil, ""
	}
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next
}

type iamServer struct {
	adminpb.UnimplementedIAMServer
	s *Server
}

func (f *iamServer) ListServiceAccounts(ctx context.Context, r *adminpb.ListServiceAccountsRequest) (*adminpb.ListServiceAccountsResponse, error) {
	p := projectOf(r.Name)
	if err := f.s.hit(ctx, "ListServiceAccounts", p); err != nil {
		return nil, err
	}
	items, next := page(f.s.accounts[p], r.PageToken, r.PageSize)
	return &adminpb.ListServiceAccountsResponse{Accounts: items, NextPageToken: next}, nil
}

func (f *iamServer) ListServiceAccountKeys(ctx context.Context, r *adminpb.ListServiceAccountKeysRequest) (*adminpb.ListServiceAccountKeysResponse, error) {
	if err := f.s.hit(ctx, "ListServiceAccountKeys", projectOf(r.Name)); err != nil {
		return nil, err
	}
	found := false
	for _, sa := range f.s.accounts[projectOf(r.Name)] {
		if (r.Name == sa.Name || strings.HasSuffix(r.Name, "/"+sa.Email)) && !f.s.Vanished[sa.Email] {
			found = true
		}
	}
	if !found {
		return nil, status.Errorf(codes.NotFound, "Service account %s does not exist.", r.Name)
	}
	want := map[adminpb.ListServiceAccountKeysRequest_KeyType]bool{}
	for _, t := range r.KeyTypes {
		want[t] = true
	}
	resp := &adminpb.ListServiceAccountKeysResponse{}
	for _, k := range f.s.keys[r.Name] {
		if len(want) == 0 || want[adminpb.ListServiceAccountKeysRequest_KeyType(k.KeyType)] {
			resp.Keys = append(resp.Keys, k)
		}
	}
	return resp, nil
}

func (f *iamServer) GetIamPolicy(ctx context.Context, r *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	if err := f.s.hit(ctx, "GetIamPolicy(serviceAccount)", projectOf(r.Resource)); err != nil {
		return nil, err
	}
	if f.s.Vanished[r.Resource[strings.LastIndex(r.Resource, "/")+1:]] {
		return nil, status.Errorf(codes.NotFound, "%s not found", r.Resource)
	}
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	if p, ok := f.s.policies[r.Resource]; ok {
		return p, nil
	}
	return &iampb.Policy{Etag: []byte("ACAB")}, nil
}

func (f *iamServer) ListRoles(ctx context.Context, r *adminpb.ListRolesRequest) (*adminpb.ListRolesResponse, error) {
	p := projectOf(r.Parent)
	if err := f.s.hit(ctx, "ListRoles", p); err != nil {
		return nil, err
	}
	items, next := page(f.s.roles[p], r.PageToken, r.PageSize)
	out := make([]*adminpb.Role, len(items))
	for i, role := range items {
		c := proto.Clone(role).(*adminpb.Role)
		if r.View != adminpb.RoleView_FULL {
			c.IncludedPermissions = nil
		}
		out[i] = c
	}
	return &adminpb.ListRolesResponse{Roles: out, NextPageToken: next}, nil
}

type projectsServer struct {
	resourcemanagerpb.UnimplementedProjectsServer
	s *Server
}

func (f *projectsServer) GetIamPolicy(ctx context.Context, r *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	if err := f.s.hit(ctx, "GetIamPolicy(project)", projectOf(r.Resource)); err != nil {
		return nil, err
	}
	if r.GetOptions().GetRequestedPolicyVersion() != 3 {
		return nil, status.Error(codes.InvalidArgument, "ask for policy version 3 to see conditions")
	}
	if p, ok := f.s.policies[r.Resource]; ok {
		return p, nil
	}
	return nil, status.Errorf(codes.NotFound, "%s not found", r.Resource)
}

func (f *projectsServer) ListProjects(ctx context.Context, r *resourcemanagerpb.ListProjectsRequest) (*resourcemanagerpb.ListProjectsResponse, error) {
	f.s.hit(ctx, "ListProjects", "")
	resp := &resourcemanagerpb.ListProjectsResponse{}
	if f.s.Org == nil {
		return resp, nil
	}
	var ids []string
	for id, parent := range f.s.Org.ProjectParent {
		if parent == r.Parent {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		resp.Projects = append(resp.Projects, &resourcemanagerpb.Project{Name: "projects/" + id, ProjectId: id, Parent: r.Parent, State: resourcemanagerpb.Project_ACTIVE})
	}
	return resp, nil
}

type foldersServer struct {
	resourcemanagerpb.UnimplementedFoldersServer
	s *Server
}

func (f *foldersServer) ListFolders(ctx context.Context, r *resourcemanagerpb.ListFoldersRequest) (*resourcemanagerpb.ListFoldersResponse, error) {
	f.s.hit(ctx, "ListFolders", "")
	resp := &resourcemanagerpb.ListFoldersResponse{}
	if f.s.Org == nil {
		return resp, nil
	}
	var names []string
	for name, parent := range f.s.Org.Folders {
		if parent == r.Parent {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		resp.Folders = append(resp.Folders, &resourcemanagerpb.Folder{Name: n, Parent: r.Parent, State: resourcemanagerpb.Folder_ACTIVE})
	}
	return resp, nil
}

func (f *foldersServer) GetIamPolicy(ctx context.Context, r *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	f.s.hit(ctx, "GetIamPolicy(folder)", "")
	if p, ok := f.s.policies[r.Resource]; ok {
		return p, nil
	}
	return &iampb.Policy{}, nil
}

type orgsServer struct {
	resourcemanagerpb.UnimplementedOrganizationsServer
	s *Server
}

func (f *orgsServer) GetIamPolicy(ctx context.Context, r *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	f.s.hit(ctx, "GetIamPolicy(organization)", "")
	if p, ok := f.s.policies[r.Resource]; ok {
		return p, nil
	}
	return &iampb.Policy{}, nil
}

// policyAnalyzer answers GET /v1/projects/P/locations/global/activityTypes/T/activities:query,
// one activity per page so clients follow nextPageToken.
func (s *Server) policyAnalyzer(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/"), "/")
	if len(parts) != 7 || parts[0] != "projects" || parts[2] != "locations" || parts[4] != "activityTypes" || parts[6] != "activities:query" || r.Method != http.MethodGet {
		http.Error(w, `{"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}`, http.StatusNotFound)
		return
	}
	p, typ := parts[1], parts[5]
	if err := s.hit(r.Context(), "activities.query", p); err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"error": {"code": 403, "message": %q, "status": "PERMISSION_DENIED"}}`, status.Convert(err).Message())
		return
	}
	items, next := page(s.activity[p+"/"+typ], r.URL.Query().Get("pageToken"), 1)
	resp := map[string]any{"activities": items}
	if next != "" {
		resp["nextPageToken"] = next
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}
