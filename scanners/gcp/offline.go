package gcp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Offline reads gcloud and Cloud Asset Inventory exports. Files are
// recognised by content; an IAM policy, whose content does not say what
// it is set on, takes its project from the export layout
// (<project-id>/iam-policy.json, <project-id>/sa-policies/<email>.json).
type Offline struct {
	projects map[string]*project
	// org-wide Cloud Asset exports, joined in Inventory
	numbers map[string]string   // project number -> project id
	lineage map[string][]string // project id -> ancestors ("folders/N", "organizations/N")
	upper   []resourcePolicy    // folder and organization policies
	// organization-level custom roles (organizations/N/roles/R), which
	// any project under the organization may grant
	orgRoles map[string][]string
	unused   map[string]bool // asset types read past
	warnings []string
}

// NewOffline returns an empty offline loader.
func NewOffline() *Offline {
	return &Offline{projects: map[string]*project{}, numbers: map[string]string{}, lineage: map[string][]string{}, orgRoles: map[string][]string{}, unused: map[string]bool{}}
}

// Name of the scanner.
func (o *Offline) Name() string { return "gcp" }

func (o *Offline) project(id string) *project {
	p, ok := o.projects[id]
	if !ok {
		p = newProject(id)
		o.projects[id] = p
	}
	return p
}

// layout is what a file's path says under the gcloud export layout.
type layout struct {
	project string // the project directory
	kind    string // "iam-policy", "sa-policy", "keys", "activity-service-accounts", ...
	email   string // for keys/ and sa-policies/
}

func pathLayout(name string) layout {
	name = filepath.ToSlash(name)
	if strings.HasSuffix(strings.ToLower(name), ".gz") {
		name = name[:len(name)-3] // keys/EMAIL.json.gz is keys/EMAIL.json compressed
	}
	dir, file := filepath.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	base := strings.TrimSuffix(file, filepath.Ext(file))
	parent := dir[strings.LastIndex(dir, "/")+1:]
	grand := strings.TrimSuffix(dir, "/"+parent)
	grand = grand[strings.LastIndex(grand, "/")+1:]
	switch parent {
	case "keys":
		return layout{project: grand, kind: "key", email: base}
	case "sa-policies":
		return layout{project: grand, kind: "sa-policy", email: base}
	}
	return layout{project: parent, kind: base}
}

// probe is the union of fields that tell gcloud's outputs apart.
type probe struct {
	Email             *string          `json:"email"`
	UniqueID          *string          `json:"uniqueId"`
	KeyType           *string          `json:"keyType"`
	ValidAfterTime    *string          `json:"validAfterTime"`
	ActivityType      *string          `json:"activityType"`
	InsightSubtype    *string          `json:"insightSubtype"`
	AssetType         *string          `json:"assetType"`
	AssetTypeSnake    *string          `json:"asset_type"` // gcloud asset export
	IAMPolicy         json.RawMessage  `json:"iamPolicy"`
	IAMPolicySnake    json.RawMessage  `json:"iam_policy"`
	Resource          json.RawMessage  `json:"resource"`
	Policy            json.RawMessage  `json:"policy"`
	Bindings          json.RawMessage  `json:"bindings"`
	Etag              *string          `json:"etag"`
	IncludedPerms     *json.RawMessage `json:"includedPermissions"`
	Name              string           `json:"name"`
	StageOrTitleProbe *string          `json:"stage"`
}

// Add reads one file. It returns false when the file is not a GCP export
// it knows.
func (o *Offline) Add(name string, data []byte) (bool, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return false, nil
	}
	lay := pathLayout(name)
	var items []json.RawMessage
	switch trimmed[0] {
	case '[':
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return false, nil
		}
		if len(items) == 0 {
			return o.addEmpty(lay), nil
		}
	case '{':
		if err := json.Unmarshal(trimmed, new(json.RawMessage)); err != nil {
			// NDJSON, as gcloud asset export writes: one object per line.
			var ok bool
			if items, ok = ndjson(trimmed); !ok {
				return false, nil
			}
		} else if list, more, ok := restList(trimmed); ok {
			// A REST response ({"accounts": [...]}) where gcloud prints the list.
			if more {
				o.warnings = append(o.warnings, fmt.Sprintf("%s is one page of a REST list (nextPageToken set); later pages are missing", name))
			}
			if len(list) == 0 {
				return o.addEmpty(lay), nil
			}
			items = list
		} else {
			items = []json.RawMessage{trimmed}
		}
	default:
		return false, nil
	}
	var first probe
	if err := json.Unmarshal(items[0], &first); err != nil {
		return false, nil
	}
	switch {
	case first.ActivityType != nil:
		return true, o.addActivities(items)
	case strings.Contains(first.Name, "/reasoningEngines/"):
		return true, o.addEngines(items, lay)
	case first.InsightSubtype != nil:
		return true, o.addInsights(items, lay)
	case (first.AssetType != nil || first.AssetTypeSnake != nil) && (len(first.Resource) > 0 && first.Resource[0] == '{' || first.IAMPolicy != nil || first.IAMPolicySnake != nil):
		return true, o.addAssets(items)
	case len(first.Policy) > 0 && first.Resource != nil:
		return true, o.addPolicySearch(items)
	case first.KeyType != nil || first.ValidAfterTime != nil:
		return true, o.addKeys(items)
	case first.Email != nil && first.UniqueID != nil:
		return true, o.addAccounts(items)
	case first.IncludedPerms != nil || strings.Contains(first.Name, "/roles/") && first.StageOrTitleProbe != nil:
		return true, o.addRoles(items, lay)
	case len(items) == 1 && (first.Bindings != nil || first.Etag != nil) && first.Email == nil:
		return true, o.addPolicy(items[0], lay)
	}
	return false, nil
}

// restLists are the list fields of the IAM, Recommender, Policy Analyzer
// and Cloud Asset REST responses; gcloud prints the bare list instead.
var restLists = []string{"accounts", "keys", "roles", "activities", "insights", "results", "assets", "reasoningEngines"}

// restList unwraps a REST list response: an object whose only list field
// is one of restLists (beside nextPageToken and the like). An empty
// object is an empty list (REST leaves out empty fields).
func restList(data []byte) (list []json.RawMessage, more, ok bool) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return nil, false, false
	}
	if len(fields) == 0 {
		return nil, false, true
	}
	var token string
	if raw, ok := fields["nextPageToken"]; ok && json.Unmarshal(raw, &token) != nil {
		return nil, false, false
	}
	var found []json.RawMessage
	n := 0
	for _, name := range restLists {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		if json.Unmarshal(raw, &found) != nil {
			return nil, false, false
		}
		n++
	}
	for k := range fields {
		switch k {
		case "nextPageToken", "readTime", "unreachable", "totalSize":
		default:
			if !slices.Contains(restLists, k) {
				return nil, false, false
			}
		}
	}
	return found, token != "", n == 1
}

func ndjson(data []byte) ([]json.RawMessage, bool) {
	var out []json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if !json.Valid(line) {
			return nil, false
		}
		out = append(out, append(json.RawMessage(nil), line...))
	}
	return out, sc.Err() == nil && len(out) > 0
}

// addEmpty takes an empty list: meaningful only by its place in the
// export layout (a service account with no keys, a project with no
// activity in the window).
func (o *Offline) addEmpty(lay layout) bool {
	switch lay.kind {
	case "key":
		o.project(lay.project) // a service account without keys
	case "activity-service-accounts":
		o.project(lay.project).saActivityKnown = true
	case "activity-keys":
		o.project(lay.project).keyActivityKnown = true
	case "insights":
		o.project(lay.project).insightsKnown = true
	case "service-accounts", "custom-roles":
		o.project(lay.project)
	default:
		if !strings.HasPrefix(lay.kind, "reasoning-engines") {
			return false
		}
		o.project(lay.project).enginesKnown = true // no agents in that location
	}
	return true
}

func decodeAll[T any](items []json.RawMessage, what string) ([]T, error) {
	out := make([]T, len(items))
	for i, it := range items {
		if err := json.Unmarshal(it, &out[i]); err != nil {
			return nil, fmt.Errorf("%s %d: %v", what, i+1, err)
		}
	}
	return out, nil
}

func (o *Offline) addAccounts(items []json.RawMessage) error {
	sas, err := decodeAll[serviceAccount](items, "service account")
	if err != nil {
		return err
	}
	for i := range sas {
		sa := sas[i]
		if sa.Email == "" {
			return fmt.Errorf("service account %d has no email", i+1)
		}
		proj := sa.ProjectID
		if proj == "" {
			proj = emailProject(sa.Email)
		}
		if proj == "" {
			return fmt.Errorf("service account %s: no projectId", sa.Email)
		}
		o.project(proj).accounts[sa.Email] = &sa
	}
	return nil
}

func (o *Offline) addKeys(items []json.RawMessage) error {
	keys, err := decodeAll[serviceAccountKey](items, "key")
	if err != nil {
		return err
	}
	for _, k := range keys {
		proj, email := keyAccount(k.Name)
		if email == "" {
			return fmt.Errorf("key %q: name is not projects/P/serviceAccounts/EMAIL/keys/ID", k.Name)
		}
		if _, err := parseTime(k.ValidAfterTime); err != nil {
			return fmt.Errorf("key %s: bad validAfterTime %q", keyID(k.Name), k.ValidAfterTime)
		}
		p := o.project(proj)
		p.keys[email] = append(p.keys[email], k)
	}
	return nil
}

func (o *Offline) addPolicy(item json.RawMessage, lay layout) error {
	var pol policy
	if err := json.Unmarshal(item, &pol); err != nil {
		return fmt.Errorf("IAM policy: %v", err)
	}
	switch lay.kind {
	case "iam-policy":
		o.project(lay.project).policy = &pol
	case "sa-policy":
		proj := lay.project
		if p := emailProject(lay.email); p != "" {
			proj = p
		}
		o.project(proj).saPolicy[lay.email] = &pol
	default:
		return errors.New("an IAM policy, but its file name does not say what it is set on: save a project's as <project-id>/iam-policy.json and a service account's as <project-id>/sa-policies/<email>.json")
	}
	return nil
}

func (o *Offline) addActivities(items []json.RawMessage) error {
	acts, err := decodeAll[activity](items, "activity")
	if err != nil {
		return err
	}
	for _, a := range acts {
		if err := addActivity(o.project, a); err != nil {
			return err
		}
	}
	return nil
}

type insight struct {
	Name            string         `json:"name"`
	Description     string         `json:"description"`
	InsightSubtype  string         `json:"insightSubtype"`
	Content         map[string]any `json:"content"`
	LastRefreshTime string         `json:"lastRefreshTime"`
	StateInfo       struct {
		State string `json:"state"`
	} `json:"stateInfo"`
	TargetResources []string `json:"targetResources"`
}

func (o *Offline) addInsights(items []json.RawMessage, lay layout) error {
	ins, err := decodeAll[insight](items, "insight")
	if err != nil {
		return err
	}
	for _, in := range ins {
		email, _ := in.Content["email"].(string)
		id, _ := in.Content["serviceAccountId"].(string)
		proj := emailProject(email)
		if proj == "" {
			proj = lay.project
		}
		if proj == "" || (email == "" && id == "") {
			return fmt.Errorf("insight %s names no service account", in.Name)
		}
		p := o.project(proj)
		p.insightsKnown = true
		if in.StateInfo.State == "DISMISSED" {
			continue
		}
		ev := fmt.Sprintf("Recommender insight %s (%s)", in.InsightSubtype, strings.TrimSpace(in.Description))
		if in.LastRefreshTime != "" {
			ev += ", refreshed " + in.LastRefreshTime
		}
		for _, k := range []string{email, id} {
			if k != "" {
				p.insights[k] = ev
			}
		}
	}
	return nil
}

func (o *Offline) addRoles(items []json.RawMessage, lay layout) error {
	roles, err := decodeAll[customRole](items, "role")
	if err != nil {
		return err
	}
	for _, r := range roles {
		parts := strings.Split(r.Name, "/")
		if len(parts) == 4 && (parts[0] == "organizations" || parts[0] == "folders") && parts[2] == "roles" {
			// granted by name in any project under it
			if !r.Deleted {
				o.orgRoles[r.Name] = r.IncludedPermissions
			}
			continue
		}
		proj := lay.project
		if len(parts) == 4 && parts[0] == "projects" {
			proj = parts[1]
		}
		if proj == "" {
			return fmt.Errorf("role %s: cannot tell its project", r.Name)
		}
		if !r.Deleted {
			o.project(proj).roles[r.Name] = r.IncludedPermissions
		}
	}
	return nil
}

// asset is a Cloud Asset Inventory asset: gcloud asset list and the REST
// API write camelCase fields, gcloud asset export (NDJSON in Cloud
// Storage) snake_case ones; resource.data is the resource's own REST
// representation either way.
type asset struct {
	Name           string          `json:"name"`
	AssetType      string          `json:"assetType"`
	AssetTypeSnake string          `json:"asset_type"`
	Ancestors      []string        `json:"ancestors"`
	IAMPolicy      json.RawMessage `json:"iamPolicy"`
	IAMPolicySnake json.RawMessage `json:"iam_policy"`
	Resource       struct {
		Parent string          `json:"parent"`
		Data   json.RawMessage `json:"data"`
	} `json:"resource"`
}

// Asset types: current names and the google.* names of early exports.
func assetKind(t string) string {
	switch t {
	case "iam.googleapis.com/ServiceAccount", "google.iam.ServiceAccount":
		return "sa"
	case "iam.googleapis.com/ServiceAccountKey", "google.iam.ServiceAccountKey":
		return "key"
	case "iam.googleapis.com/Role", "google.iam.Role":
		return "role"
	case "cloudresourcemanager.googleapis.com/Project", "google.cloud.resourcemanager.Project":
		return "project"
	case "cloudresourcemanager.googleapis.com/Folder", "google.cloud.resourcemanager.Folder",
		"cloudresourcemanager.googleapis.com/Organization", "google.cloud.resourcemanager.Organization":
		return "upper"
	}
	return ""
}

const crmPrefix = "//cloudresourcemanager.googleapis.com/"

func (o *Offline) addAssets(items []json.RawMessage) error {
	assets, err := decodeAll[asset](items, "asset")
	if err != nil {
		return err
	}
	for _, a := range assets {
		if a.AssetType == "" {
			a.AssetType = a.AssetTypeSnake
		}
		if a.IAMPolicy == nil {
			a.IAMPolicy = a.IAMPolicySnake
		}
		if err := o.addAsset(&a); err != nil {
			return fmt.Errorf("asset %s: %w", a.Name, err)
		}
	}
	return nil
}

func (o *Offline) addAsset(a *asset) error {
	kind := assetKind(a.AssetType)
	if kind == "" {
		o.unused[a.AssetType] = true
		return nil
	}
	if len(a.Resource.Data) > 0 && string(a.Resource.Data) != "null" {
		if err := o.addAssetResource(a, kind); err != nil {
			return err
		}
	}
	if len(a.IAMPolicy) > 0 && string(a.IAMPolicy) != "null" {
		var pol policy
		if err := json.Unmarshal(a.IAMPolicy, &pol); err != nil {
			return fmt.Errorf("iam_policy: %v", err)
		}
		return o.addAssetPolicy(a, kind, &pol)
	}
	return nil
}

func (o *Offline) addAssetResource(a *asset, kind string) error {
	switch kind {
	case "sa":
		var sa serviceAccount
		if err := json.Unmarshal(a.Resource.Data, &sa); err != nil {
			return err
		}
		if err := o.addAccounts([]json.RawMessage{a.Resource.Data}); err != nil {
			return err
		}
		anc := a.Ancestors
		if len(anc) == 0 && strings.HasPrefix(a.Resource.Parent, crmPrefix+"projects/") {
			anc = []string{strings.TrimPrefix(a.Resource.Parent, crmPrefix)}
		}
		o.remember(firstNonEmpty(sa.ProjectID, emailProject(sa.Email)), anc)
	case "key":
		data := a.Resource.Data
		var k serviceAccountKey
		if err := json.Unmarshal(data, &k); err != nil {
			return err
		}
		if k.Name == "" {
			// Some exports leave the key's name out of its data: the
			// asset's own name is the same resource.
			k.Name = strings.TrimPrefix(a.Name, "//iam.googleapis.com/")
			data, _ = json.Marshal(k)
		}
		return o.addKeys([]json.RawMessage{data})
	case "role":
		return o.addRoles([]json.RawMessage{a.Resource.Data}, layout{})
	case "project":
		var p struct {
			ProjectID     string `json:"projectId"`
			ProjectNumber string `json:"projectNumber"`
		}
		if err := json.Unmarshal(a.Resource.Data, &p); err != nil {
			return err
		}
		if p.ProjectID != "" && p.ProjectNumber != "" {
			o.numbers[p.ProjectNumber] = p.ProjectID
			o.remember(p.ProjectID, a.Ancestors)
		}
	}
	return nil
}

// addAssetPolicy takes an asset's IAM policy (gcloud asset export
// --content-type=iam-policy). Projects are named by number there; they
// fold into their ids when an export maps the two.
func (o *Offline) addAssetPolicy(a *asset, kind string, pol *policy) error {
	switch kind {
	case "project":
		id := strings.TrimPrefix(a.Name, crmPrefix+"projects/")
		if id == a.Name || id == "" {
			return errors.New("not a project name")
		}
		o.project(id).mergePolicy(pol)
		if len(a.Ancestors) > 1 {
			o.lineage[id] = a.Ancestors[1:]
		}
	case "upper":
		res := strings.TrimPrefix(a.Name, crmPrefix)
		if res == a.Name {
			return errors.New("not a folder or organization name")
		}
		o.addUpper(res, *pol)
	case "sa":
		// //iam.googleapis.com/projects/P/serviceAccounts/EMAIL or UNIQUE_ID
		proj := resourceProject(a.Name)
		if proj == "" || !strings.Contains(a.Name, "/serviceAccounts/") {
			return errors.New("not a service account name")
		}
		o.project(proj).saPolicy[a.Name[strings.LastIndex(a.Name, "/")+1:]] = pol
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// remember records a project's number and ancestry from an asset's
// ancestors list ("projects/NUM", "folders/N", "organizations/N").
func (o *Offline) remember(projectID string, ancestors []string) {
	if projectID == "" || len(ancestors) == 0 {
		return
	}
	if num, ok := strings.CutPrefix(ancestors[0], "projects/"); ok {
		o.numbers[num] = projectID
	}
	if len(ancestors) > 1 {
		o.lineage[projectID] = ancestors[1:]
	}
}

// policySearchResult is one result of gcloud asset search-all-iam-policies.
type policySearchResult struct {
	Resource     string   `json:"resource"`
	AssetType    string   `json:"assetType"`
	Project      string   `json:"project"`
	Folders      []string `json:"folders"`
	Organization string   `json:"organization"`
	Policy       policy   `json:"policy"`
}

func (o *Offline) addPolicySearch(items []json.RawMessage) error {
	res, err := decodeAll[policySearchResult](items, "IAM policy result")
	if err != nil {
		return err
	}
	for _, r := range res {
		full := r.Resource
		switch {
		case strings.HasPrefix(full, "//cloudresourcemanager.googleapis.com/projects/"):
			id := strings.TrimPrefix(full, "//cloudresourcemanager.googleapis.com/projects/")
			if num, ok := strings.CutPrefix(r.Project, "projects/"); ok && num != id {
				o.numbers[num] = id
			}
			pol := r.Policy
			o.project(id).mergePolicy(&pol)
			anc := append([]string(nil), r.Folders...)
			if r.Organization != "" {
				anc = append(anc, r.Organization)
			}
			if len(anc) > 0 {
				o.lineage[id] = anc
			}
		case strings.HasPrefix(full, "//cloudresourcemanager.googleapis.com/folders/"), strings.HasPrefix(full, "//cloudresourcemanager.googleapis.com/organizations/"):
			o.addUpper(strings.TrimPrefix(full, "//cloudresourcemanager.googleapis.com/"), r.Policy)
		case strings.HasPrefix(full, "//iam.googleapis.com/projects/") && strings.Contains(full, "/serviceAccounts/"):
			proj := resourceProject(full)
			email := full[strings.LastIndex(full, "/")+1:]
			pol := r.Policy
			o.project(proj).saPolicy[email] = &pol
		}
	}
	return nil
}

// addUpper records a folder's or organization's policy, merged with what
// an earlier file said of the same resource.
func (o *Offline) addUpper(resource string, pol policy) {
	for i := range o.upper {
		if o.upper[i].resource == resource {
			o.upper[i].policy.Bindings = appendBindings(o.upper[i].policy.Bindings, pol.Bindings)
			return
		}
	}
	o.upper = append(o.upper, resourcePolicy{resource: resource, policy: pol})
}

func (p *project) mergePolicy(pol *policy) {
	if p.policy == nil {
		p.policy = pol
		return
	}
	p.policy.Bindings = appendBindings(p.policy.Bindings, pol.Bindings)
}

// appendBindings adds the bindings of src that dst does not hold yet: the
// same policy read twice (two exports of one project) adds nothing.
func appendBindings(dst, src []binding) []binding {
	key := func(b binding) string {
		k := b.Role + "\x00" + strings.Join(b.Members, "\x00")
		if b.Condition != nil {
			k += "\x00" + b.Condition.Expression
		}
		return k
	}
	have := make(map[string]bool, len(dst))
	for _, b := range dst {
		have[key(b)] = true
	}
	for _, b := range src {
		if k := key(b); !have[k] {
			have[k] = true
			dst = append(dst, b)
		}
	}
	return dst
}

// Inventory builds the inventory of every project seen.
func (o *Offline) Inventory() (inventory.Inventory, error) {
	// Projects known only by number (from asset names) fold into their ids.
	for num, id := range o.numbers {
		if anc, ok := o.lineage[num]; ok && num != id {
			if _, have := o.lineage[id]; !have {
				o.lineage[id] = anc
			}
			delete(o.lineage, num)
		}
		if p, ok := o.projects[num]; ok && num != id {
			o.project(id).absorb(p)
			delete(o.projects, num)
		}
	}
	for _, p := range o.projects {
		for name, perms := range o.orgRoles {
			if _, ok := p.roles[name]; !ok {
				p.roles[name] = perms
			}
		}
	}
	ids := make([]string, 0, len(o.projects))
	for id := range o.projects {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var inv inventory.Inventory
	for _, id := range ids {
		p := o.projects[id]
		for _, anc := range o.lineage[id] {
			for _, up := range o.upper {
				if up.resource == anc {
					p.ancestors = append(p.ancestors, up)
				}
			}
		}
		inv.Append(p.build("offline"))
	}
	if len(o.unused) > 0 {
		types := slices.Sorted(maps.Keys(o.unused))
		o.warnings = append(o.warnings, fmt.Sprintf("asset types not used: %s", strings.Join(types, ", ")))
	}
	if len(o.warnings) > 0 {
		inv.Sources = append(inv.Sources, inventory.Source{Scanner: "gcp", Scope: "offline inputs", Mode: "offline", Status: inventory.StatusOK, Warnings: dedupe(o.warnings)})
	}
	return inv, nil
}

func dedupe(ws []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range ws {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
