package gcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	admin "cloud.google.com/go/iam/admin/apiv1"
	"cloud.google.com/go/iam/admin/apiv1/adminpb"
	"cloud.google.com/go/iam/apiv1/iampb"
	resourcemanager "cloud.google.com/go/resourcemanager/apiv3"
	"cloud.google.com/go/resourcemanager/apiv3/resourcemanagerpb"
	"github.com/googleapis/gax-go/v2"
	"github.com/googleapis/gax-go/v2/apierror"
	"google.golang.org/api/aiplatform/v1"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	"google.golang.org/api/policyanalyzer/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// LiveOptions configure a live GCP scan.
type LiveOptions struct {
	// Projects to scan, by id; or Organization (its number) to scan every
	// active project under it, with the folder and organization policies
	// they inherit; or both: those projects of the organization (one
	// shard), with what they inherit.
	Projects     []string
	Organization string
	Concurrency  int
	Progress     func(string)
	// GRPCOptions and RESTOptions reach the gRPC APIs (IAM, Resource
	// Manager) and the REST API (Policy Analyzer); tests point them at
	// local servers. By default the clients use Application Default
	// Credentials and Google's endpoints.
	GRPCOptions []option.ClientOption
	RESTOptions []option.ClientOption
	// AgentLocations are the locations whose Vertex AI Agent Engine
	// agents are listed (default DefaultAgentLocations).
	AgentLocations []string
	// Timeout bounds the scan of one project, and the listing of an
	// organization's projects (default 5 minutes); a project that takes
	// longer fails.
	Timeout time.Duration
}

// DefaultTimeout is how long one project may take by default.
const DefaultTimeout = 5 * time.Minute

// Live scans GCP through the IAM, Resource Manager and Policy Analyzer
// APIs. It only reads; README.md lists the roles it needs.
type Live struct {
	opts LiveOptions
}

// NewLive returns a live GCP scanner.
func NewLive(o LiveOptions) *Live {
	if o.Concurrency < 1 {
		o.Concurrency = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return &Live{opts: o}
}

// Name of the scanner.
func (l *Live) Name() string { return "gcp" }

func (l *Live) progress(format string, args ...any) {
	if l.opts.Progress != nil {
		l.opts.Progress(fmt.Sprintf(format, args...))
	}
}

// clients are the API clients of one scan.
type clients struct {
	iam      *admin.IamClient
	projects *resourcemanager.ProjectsClient
	folders  *resourcemanager.FoldersClient
	orgs     *resourcemanager.OrganizationsClient
	analyzer *policyanalyzer.Service
	// engines are the Vertex AI clients, one per agent location (each
	// location has its own endpoint).
	engines map[string]*aiplatform.Service
}

// retry retries quota and availability errors with backoff: IAM's read
// quotas are per minute, so a large project can hit them.
var retry = gax.WithRetry(func() gax.Retryer {
	return gax.OnCodes([]codes.Code{codes.ResourceExhausted, codes.Unavailable, codes.DeadlineExceeded}, gax.Backoff{
		Initial: 500 * time.Millisecond, Max: 30 * time.Second, Multiplier: 2,
	})
})

// Scan reads every project asked for. A project that fails is reported in
// its Source and the others still complete. When ctx is cancelled it
// returns an error wrapping ctx.Err() and no inventory, whatever was read.
func (l *Live) Scan(ctx context.Context) (inventory.Inventory, error) {
	inv, err := l.scan(ctx)
	if ctx.Err() != nil {
		return inventory.Inventory{}, fmt.Errorf("gcp scan interrupted: %w", ctx.Err())
	}
	return inv, err
}

func (l *Live) scan(ctx context.Context) (inventory.Inventory, error) {
	if len(l.opts.Projects) == 0 && l.opts.Organization == "" {
		return inventory.Inventory{}, errors.New("name a --project or an --organization")
	}
	c, err := l.connect(ctx)
	if err != nil {
		if strings.Contains(err.Error(), "could not find default credentials") {
			return inventory.Inventory{}, errNoCredentials
		}
		return inventory.Inventory{}, err
	}
	defer c.close()

	ids := l.opts.Projects
	var lineage map[string][]string
	var upper map[string]*policy
	var missing []string
	if l.opts.Organization != "" {
		l.progress("listing projects of organization %s", l.opts.Organization)
		octx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
		defer cancel()
		ids, lineage, err = l.orgProjects(octx, c)
		if err != nil {
			if scanners.TimedOut(ctx, octx) {
				return inventory.Inventory{}, fmt.Errorf("listing projects of organizations/%s: timed out after %s (--timeout)", l.opts.Organization, l.opts.Timeout)
			}
			return inventory.Inventory{}, fmt.Errorf("listing projects of organizations/%s: %v", l.opts.Organization, describe(err))
		}
		ids, missing = scanners.Select(ids, l.opts.Projects)
		upper = map[string]*policy{}
		for _, id := range ids {
			for _, res := range lineage[id] {
				if _, ok := upper[res]; ok {
					continue
				}
				pol, err := ancestorPolicy(octx, c, res)
				if err != nil {
					if scanners.TimedOut(ctx, octx) {
						return inventory.Inventory{}, fmt.Errorf("reading the IAM policy of %s: timed out after %s (--timeout)", res, l.opts.Timeout)
					}
					return inventory.Inventory{}, fmt.Errorf("reading the IAM policy of %s: %v", res, describe(err))
				}
				upper[res] = pol
			}
		}
	}
	scopes := scanners.Scopes{Scanner: "gcp", Kind: "project", Concurrency: l.opts.Concurrency, Timeout: l.opts.Timeout}
	inv, err := scopes.Run(ctx, ids, func(ctx context.Context, id string) (inventory.Inventory, error) {
		p, err := l.scanProject(ctx, c, id)
		if err != nil {
			return inventory.Inventory{}, err
		}
		for _, res := range lineage[id] {
			p.ancestors = append(p.ancestors, resourcePolicy{resource: res, policy: *upper[res]})
		}
		partial := len(p.failures) > 0
		inv := p.build("live")
		if partial {
			inv.Sources[0].Status = inventory.StatusPartial
			inv.Sources[0].Error = strings.Join(p.failures, "; ")
		}
		return inv, nil
	})
	if err != nil {
		return inventory.Inventory{}, err
	}
	who := principal()
	for i := range inv.Sources {
		inv.Sources[i].Principal = who
	}
	// Each named project that is not an ACTIVE project of the
	// organization fails.
	for _, id := range missing {
		inv.Append(scopes.Failed(id, "not an ACTIVE project of organizations/"+l.opts.Organization))
	}
	return inv, nil
}

// errNoCredentials says where the client libraries looked for
// Application Default Credentials, and how to set them.
var errNoCredentials = errors.New("no Google credentials found: tried GOOGLE_APPLICATION_CREDENTIALS, gcloud's application default credentials (application_default_credentials.json in gcloud's config directory) and the GCE metadata server; run 'gcloud auth application-default login', or set GOOGLE_APPLICATION_CREDENTIALS to a credentials file (service account key or workload identity federation config)")

func (l *Live) connect(ctx context.Context) (*clients, error) {
	var c clients
	var err error
	if c.iam, err = admin.NewIamClient(ctx, l.opts.GRPCOptions...); err != nil {
		return nil, fmt.Errorf("IAM client: %v", err)
	}
	if c.projects, err = resourcemanager.NewProjectsClient(ctx, l.opts.GRPCOptions...); err != nil {
		return nil, fmt.Errorf("Resource Manager client: %v", err)
	}
	if l.opts.Organization != "" {
		if c.folders, err = resourcemanager.NewFoldersClient(ctx, l.opts.GRPCOptions...); err != nil {
			return nil, fmt.Errorf("Resource Manager client: %v", err)
		}
		if c.orgs, err = resourcemanager.NewOrganizationsClient(ctx, l.opts.GRPCOptions...); err != nil {
			return nil, fmt.Errorf("Resource Manager client: %v", err)
		}
	}
	if c.analyzer, err = policyanalyzer.NewService(ctx, l.opts.RESTOptions...); err != nil {
		return nil, fmt.Errorf("Policy Analyzer client: %v", err)
	}
	c.engines = map[string]*aiplatform.Service{}
	for _, loc := range l.agentLocations() {
		opts := append([]option.ClientOption{option.WithEndpoint("https://" + loc + "-aiplatform.googleapis.com/")}, l.opts.RESTOptions...)
		if c.engines[loc], err = aiplatform.NewService(ctx, opts...); err != nil {
			return nil, fmt.Errorf("Vertex AI client (%s): %v", loc, err)
		}
	}
	return &c, nil
}

func (c *clients) close() {
	c.iam.Close()
	c.projects.Close()
	if c.folders != nil {
		c.folders.Close()
		c.orgs.Close()
	}
}

// describe gives an API error as its status code and message.
func describe(err error) string {
	var ae *apierror.APIError
	if errors.As(err, &ae) {
		if s := ae.GRPCStatus(); s != nil {
			return s.Code().String() + ": " + s.Message()
		}
		if ae.HTTPCode() > 0 {
			return fmt.Sprintf("HTTP %d: %s", ae.HTTPCode(), ae.Reason())
		}
	}
	return err.Error()
}

func code(err error) codes.Code {
	var ae *apierror.APIError
	if errors.As(err, &ae) && ae.GRPCStatus() != nil {
		return ae.GRPCStatus().Code()
	}
	return codes.Unknown
}

// orgProjects lists the active projects under the organization, walking
// its folders, and records each project's ancestors (nearest first).
func (l *Live) orgProjects(ctx context.Context, c *clients) ([]string, map[string][]string, error) {
	org := "organizations/" + l.opts.Organization
	lineage := map[string][]string{}
	var ids []string
	type parent struct {
		name      string
		ancestors []string
	}
	queue := []parent{{name: org, ancestors: []string{org}}}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		it := c.projects.ListProjects(ctx, &resourcemanagerpb.ListProjectsRequest{Parent: p.name})
		for {
			pr, err := it.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				return nil, nil, err
			}
			if pr.State != resourcemanagerpb.Project_ACTIVE {
				continue
			}
			ids = append(ids, pr.ProjectId)
			lineage[pr.ProjectId] = p.ancestors
		}
		fit := c.folders.ListFolders(ctx, &resourcemanagerpb.ListFoldersRequest{Parent: p.name})
		for {
			f, err := fit.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				return nil, nil, err
			}
			if f.State != resourcemanagerpb.Folder_ACTIVE {
				continue
			}
			queue = append(queue, parent{name: f.Name, ancestors: append([]string{f.Name}, p.ancestors...)})
		}
	}
	sort.Strings(ids)
	return ids, lineage, nil
}

func ancestorPolicy(ctx context.Context, c *clients, resource string) (*policy, error) {
	req := &iampb.GetIamPolicyRequest{Resource: resource, Options: &iampb.GetPolicyOptions{RequestedPolicyVersion: 3}}
	var pb *iampb.Policy
	var err error
	if strings.HasPrefix(resource, "folders/") {
		pb, err = c.folders.GetIamPolicy(ctx, req, retry)
	} else {
		pb, err = c.orgs.GetIamPolicy(ctx, req, retry)
	}
	if err != nil {
		return nil, err
	}
	return convertPolicy(pb), nil
}

// liveProject is a project read from the API, with the calls that failed.
type liveProject struct {
	*project
	failures []string
}

// scanProject reads one project. Listing its service accounts must work;
// other failures make the project partial.
func (l *Live) scanProject(ctx context.Context, c *clients, id string) (*liveProject, error) {
	p := &liveProject{project: newProject(id)}
	l.progress("project %s: listing service accounts", id)
	it := c.iam.ListServiceAccounts(ctx, &adminpb.ListServiceAccountsRequest{Name: "projects/" + id, PageSize: 100}, retry)
	for {
		sa, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("iam.serviceAccounts.list: %s", describe(err))
		}
		p.accounts[sa.Email] = &serviceAccount{Name: sa.Name, ProjectID: sa.ProjectId, UniqueID: sa.UniqueId, Email: sa.Email,
			DisplayName: sa.DisplayName, Description: sa.Description, Disabled: sa.Disabled}
	}
	pol, err := c.projects.GetIamPolicy(ctx, &iampb.GetIamPolicyRequest{Resource: "projects/" + id, Options: &iampb.GetPolicyOptions{RequestedPolicyVersion: 3}}, retry)
	if err != nil {
		p.failures = append(p.failures, "resourcemanager.projects.getIamPolicy: "+describe(err))
	} else {
		p.policy = convertPolicy(pol)
	}
	l.progress("project %s: reading keys and policies of %d service accounts", id, len(p.accounts))
	emails := make([]string, 0, len(p.accounts))
	for e := range p.accounts {
		emails = append(emails, e)
	}
	sort.Strings(emails)
	var keyFail, polFail []string
	for _, e := range emails {
		name := "projects/" + id + "/serviceAccounts/" + e
		keys, err := c.iam.ListServiceAccountKeys(ctx, &adminpb.ListServiceAccountKeysRequest{Name: name, KeyTypes: []adminpb.ListServiceAccountKeysRequest_KeyType{adminpb.ListServiceAccountKeysRequest_USER_MANAGED}}, retry)
		switch {
		case code(err) == codes.NotFound:
			continue // deleted since it was listed
		case err != nil:
			keyFail = append(keyFail, e+": "+describe(err))
		default:
			for _, k := range keys.Keys {
				p.keys[e] = append(p.keys[e], convertKey(k))
			}
		}
		sp, err := c.iam.GetIamPolicy(ctx, &iampb.GetIamPolicyRequest{Resource: name})
		switch {
		case code(err) == codes.NotFound:
		case err != nil:
			polFail = append(polFail, e+": "+describe(err))
		default:
			p.saPolicy[e] = convertPolicy(sp.InternalProto)
		}
	}
	if len(keyFail) > 0 {
		p.failures = append(p.failures, fmt.Sprintf("iam.serviceAccountKeys.list failed for %d service account(s) (first: %s)", len(keyFail), keyFail[0]))
	}
	if len(polFail) > 0 {
		p.failures = append(p.failures, fmt.Sprintf("iam.serviceAccounts.getIamPolicy failed for %d service account(s) (first: %s)", len(polFail), polFail[0]))
	}
	rit := c.iam.ListRolesIter(ctx, &adminpb.ListRolesRequest{Parent: "projects/" + id, View: adminpb.RoleView_FULL}, retry)
	for {
		r, err := rit.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			p.failures = append(p.failures, "iam.roles.list: "+describe(err)+" (custom role permissions not assessed)")
			break
		}
		if !r.Deleted {
			p.roles[r.Name] = r.IncludedPermissions
		}
	}
	l.progress("project %s: listing Agent Engine agents", id)
	l.listEngines(ctx, c, p, id)
	l.progress("project %s: reading authentication activity", id)
	for _, typ := range []string{"serviceAccountLastAuthentication", "serviceAccountKeyLastAuthentication"} {
		err := c.analyzer.Projects.Locations.ActivityTypes.Activities.Query("projects/"+id+"/locations/global/activityTypes/"+typ).PageSize(1000).Pages(ctx,
			func(resp *policyanalyzer.GoogleCloudPolicyanalyzerV1QueryActivityResponse) error {
				for _, a := range resp.Activities {
					raw, err := json.Marshal(a)
					if err != nil {
						return err
					}
					var act activity
					if err := json.Unmarshal(raw, &act); err != nil {
						return err
					}
					if err := addActivity(func(string) *project { return p.project }, act); err != nil {
						return err
					}
				}
				return nil
			})
		if err != nil {
			p.failures = append(p.failures, "policyanalyzer "+typ+": "+describe(err)+" (dormancy not assessed)")
			continue
		}
		if typ == "serviceAccountLastAuthentication" {
			p.saActivityKnown = true
		} else {
			p.keyActivityKnown = true
		}
	}
	return p, nil
}

func convertPolicy(pb *iampb.Policy) *policy {
	pol := &policy{Version: int(pb.GetVersion())}
	for _, b := range pb.GetBindings() {
		nb := binding{Role: b.Role, Members: b.Members}
		if c := b.Condition; c != nil {
			nb.Condition = &condition{Expression: c.Expression, Title: c.Title, Description: c.Description}
		}
		pol.Bindings = append(pol.Bindings, nb)
	}
	return pol
}

func rfc3339(t *timestamppb.Timestamp) string {
	if t == nil {
		return ""
	}
	return t.AsTime().UTC().Format(time.RFC3339)
}

func convertKey(k *adminpb.ServiceAccountKey) serviceAccountKey {
	return serviceAccountKey{
		Name: k.Name, ValidAfterTime: rfc3339(k.ValidAfterTime), ValidBeforeTime: rfc3339(k.ValidBeforeTime),
		KeyAlgorithm: k.KeyAlgorithm.String(), KeyOrigin: k.KeyOrigin.String(), KeyType: k.KeyType.String(), Disabled: k.Disabled,
	}
}
