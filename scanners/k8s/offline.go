// Package k8s reads Kubernetes service accounts, their legacy token
// Secrets and the RBAC that reaches them into the provider-neutral
// inventory, from what kubectl exports (offline) or through client-go
// (live, live.go); it knows nothing of rules or output.
//
// Secret data is never decoded: a Secret is read into a struct that has
// no field for data or stringData, so token material never reaches the
// inventory, an error or any output.
package k8s

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Secret type and annotations the token controller and apiserver set.
const (
	tokenSecretType = "kubernetes.io/service-account-token"
	saNameKey       = "kubernetes.io/service-account.name"
	lastUsedKey     = "kubernetes.io/legacy-token-last-used"
	invalidSinceKey = "kubernetes.io/legacy-token-invalid-since"
)

// CloudLinkKeys are the service account annotations that name the cloud
// identity its pods become (EKS IRSA, GKE Workload Identity, Azure
// Workload Identity); the loader keeps them in the identity's Tags.
var CloudLinkKeys = []string{"eks.amazonaws.com/role-arn", "iam.gke.io/gcp-service-account", "azure.workload.identity/client-id"}

// maxTagValue is the longest annotation value kept in Tags: owner names,
// role ARNs and release names are short; longer values are payloads
// (configuration, certificates) no rule reads.
const maxTagValue = 512

// SystemNamespace holds the cluster's own controllers, excluded by
// default like AWS service-linked roles.
const SystemNamespace = "kube-system"

// Offline collects the objects of one or more kubectl exports, grouped by
// cluster.
type Offline struct {
	// ClusterName, when set, names the cluster of every file; else the
	// file's directory name does.
	ClusterName string
	clusters    map[string]*cluster
	order       []string
	// named are the clusters' real names, by the name of their files'
	// directory, when an export (scripts/export-k8s.sh) gives them.
	named map[string]string
}

// clusterNameKey is the field of a List's metadata in which
// scripts/export-k8s.sh keeps the cluster's name as the kubeconfig names
// it (the name a live scan reports), which the directory name, made safe
// for a file system, may not be.
const clusterNameKey = "nhiscan.io/cluster-name"

// NewOffline returns an empty loader.
func NewOffline() *Offline { return &Offline{clusters: map[string]*cluster{}} }

// Name is the provider's name.
func (o *Offline) Name() string { return "k8s" }

type meta struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace"`
	UID               string            `json:"uid"`
	CreationTimestamp string            `json:"creationTimestamp"`
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
	OwnerReferences   []ownerRef        `json:"ownerReferences"`
}

// UnmarshalJSON reads metadata without the annotations that carry a copy
// of the whole object (kubectl's last-applied-configuration holds a
// Secret's data as it was applied): no object, Secret or other, keeps
// them, so they never reach Tags, an error or any output.
func (m *meta) UnmarshalJSON(b []byte) error {
	type plain meta
	if err := json.Unmarshal(b, (*plain)(m)); err != nil {
		return err
	}
	for k := range m.Annotations {
		if objectCopy(k) {
			delete(m.Annotations, k)
		}
	}
	return nil
}

// objectCopy reports whether an annotation holds a copy of its object
// (and so, on a Secret, its data): kubectl's last-applied-configuration,
// and any other tool's annotation of that name.
func objectCopy(key string) bool {
	return key == lastAppliedKey || strings.HasSuffix(key, "/last-applied-configuration")
}

// lastAppliedKey is where kubectl apply keeps the object it applied.
const lastAppliedKey = "kubectl.kubernetes.io/last-applied-configuration"

// ownerRef is one metadata.ownerReferences entry: the object that
// created this one (a ReplicaSet for a Pod, a Deployment for a
// ReplicaSet, a CronJob for a Job).
type ownerRef struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Controller *bool  `json:"controller"`
}

type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   meta   `json:"metadata"`
}

// secret is a Secret's metadata and type: no data, no stringData.
type secret struct {
	object
	Type string `json:"type"`
}

type policyRule struct {
	Verbs           []string `json:"verbs"`
	APIGroups       []string `json:"apiGroups"`
	Resources       []string `json:"resources"`
	ResourceNames   []string `json:"resourceNames"`
	NonResourceURLs []string `json:"nonResourceURLs"`
}

type role struct {
	object
	Rules           []policyRule `json:"rules"`
	AggregationRule *struct {
		ClusterRoleSelectors []labelSelector `json:"clusterRoleSelectors"`
	} `json:"aggregationRule"`
}

// labelSelector is a metav1.LabelSelector: every matchLabels pair and
// every matchExpressions requirement must hold.
type labelSelector struct {
	MatchLabels      map[string]string `json:"matchLabels"`
	MatchExpressions []struct {
		Key      string   `json:"key"`
		Operator string   `json:"operator"`
		Values   []string `json:"values"`
	} `json:"matchExpressions"`
}

type subject struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

type roleBinding struct {
	object
	RoleRef struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"roleRef"`
	Subjects []subject `json:"subjects"`
}

type cluster struct {
	accounts     []object
	secrets      []secret
	roles        map[string]role // "namespace/name"
	clusterRoles map[string]role
	bindings     []roleBinding // RoleBindings and ClusterRoleBindings
	// issuer is the cluster's service account token issuer (from its
	// /.well-known/openid-configuration), when known.
	issuer string
	// automount is each service account's own
	// automountServiceAccountToken ("namespace/name"), when set.
	automount map[string]bool
	// workloads are the pods and workload controllers; usageSeen is set
	// once the export showed any (or an empty typed list of them). A live
	// scan that listed pods sets it too, even when none came back.
	workloads []workload
	usageSeen bool
	// tracked caches tokenTracking: since, and whether it was computed.
	tracked *time.Time
	// namespaces are the Namespace objects, by name.
	namespaces map[string]meta
	// kagents are the kagent Agent resources.
	kagents []kagentAgent
	// slots says where each object ("Kind/namespace/name") of accounts,
	// secrets, bindings and workloads is: an object given twice (the same
	// file twice, a full dump and per-kind dumps) is kept once, the later
	// copy winning.
	slots map[string]int
	// skipped are the kinds of the file being read that the loader does
	// not read; warnings are the loader's about the cluster's files.
	skipped  map[string]bool
	warnings []string
}

// put stores v in *s at the slot of the object kind ns/name: over its
// earlier copy, else appended.
func put[T any](c *cluster, s *[]T, v T, kind, ns, name string) {
	k := kind + "/" + ns + "/" + name
	if i, ok := c.slots[k]; ok {
		(*s)[i] = v
		return
	}
	if c.slots == nil {
		c.slots = map[string]int{}
	}
	c.slots[k] = len(*s)
	*s = append(*s, v)
}

// podSpec is what a pod spec says about its service account.
type podSpec struct {
	ServiceAccountName string `json:"serviceAccountName"`
	// ServiceAccount is the deprecated alias of ServiceAccountName.
	ServiceAccount               string `json:"serviceAccount"`
	AutomountServiceAccountToken *bool  `json:"automountServiceAccountToken"`
}

type podTemplate struct {
	Metadata meta    `json:"metadata"`
	Spec     podSpec `json:"spec"`
}

// workloadObject reads a Pod (spec is a pod spec), a controller
// (spec.template) or a CronJob (spec.jobTemplate.spec.template).
type workloadObject struct {
	object
	Spec struct {
		podSpec
		Template    *podTemplate `json:"template"`
		JobTemplate *struct {
			Spec struct {
				Template podTemplate `json:"template"`
			} `json:"spec"`
		} `json:"jobTemplate"`
	} `json:"spec"`
}

// workload is one pod or workload controller of the export, with the
// service account its pods run as.
type workload struct {
	kind, namespace, name string
	account               string
	automount             *bool
	labels, annotations   map[string]string
	owners                []ownerRef
}

// workloadKinds are the objects that run pods as a service account.
var workloadKinds = map[string]bool{
	"Pod": true, "Deployment": true, "StatefulSet": true, "DaemonSet": true,
	"ReplicaSet": true, "Job": true, "CronJob": true,
}

// kinds the loader reads; the rest of a kubectl dump (pods, workloads,
// namespaces) is recognised and not yet used.
var known = map[string]bool{
	"ServiceAccount": true, "Secret": true, "Role": true, "ClusterRole": true,
	"RoleBinding": true, "ClusterRoleBinding": true, "Pod": true, "Deployment": true,
	"StatefulSet": true, "DaemonSet": true, "ReplicaSet": true, "Job": true,
	"CronJob": true, "Namespace": true, "Agent": true,
}

// kagentGroup is the API group of kagent's Agent resource
// (agents.kagent.dev, kagent.dev/v1alpha1 and v1alpha2).
const kagentGroup = "kagent.dev"

// kagentAgent is what the scanner reads of a kagent Agent: where its
// pods run and as which service account. v1alpha2 names it in
// spec.declarative.deployment or spec.byo.deployment
// (serviceAccountName); without one, and in v1alpha1 (which has no such
// field), the kagent controller creates a service account named after
// the Agent, unless it was started with a global default.
type kagentAgent struct {
	object
	Spec struct {
		Type        string `json:"type"`
		Description string `json:"description"`
		Declarative *struct {
			Deployment *kagentDeployment `json:"deployment"`
		} `json:"declarative"`
		BYO *struct {
			Deployment *kagentDeployment `json:"deployment"`
		} `json:"byo"`
	} `json:"spec"`
}

type kagentDeployment struct {
	ServiceAccountName *string `json:"serviceAccountName"`
}

// Add reads one file: a kubectl List (JSON or YAML) of Kubernetes objects,
// or one object, or a stream of YAML documents of either (`---`). It
// returns false for anything else. Objects of kinds it does not read are
// skipped, with one warning per file naming their kinds.
func (o *Offline) Add(name string, data []byte) (bool, error) {
	ext := strings.ToLower(filepath.Ext(strings.TrimSuffix(name, ".gz")))
	trimmed := bytes.TrimSpace(data)
	docs := [][]byte{trimmed}
	if ext == ".yaml" || ext == ".yml" {
		if !bytes.Contains(trimmed, []byte("apiVersion:")) || !bytes.Contains(trimmed, []byte("kind:")) {
			return false, nil
		}
		var err error
		if docs, err = yamlDocuments(trimmed); err != nil {
			return true, err
		}
	} else if len(trimmed) == 0 || trimmed[0] != '{' {
		return false, nil
	}
	heads := make([]listHead, len(docs))
	for i, doc := range docs {
		if json.Unmarshal(doc, &heads[i]) != nil {
			heads[i] = listHead{}
		}
	}
	if len(docs) == 1 && heads[0].APIVersion == "" {
		return o.addDiscovery(name, docs[0])
	}
	if !slices.ContainsFunc(heads, listHead.claims) {
		return false, nil
	}
	key := o.clusterOf(name)
	for _, h := range heads {
		if err := o.name(key, h.Metadata.ClusterName); err != nil {
			return true, err
		}
	}
	c := o.cluster(key)
	c.skipped = map[string]bool{}
	defer func() { c.skipped = nil }()
	for d, doc := range docs {
		if err := c.addDocument(doc, heads[d]); err != nil {
			if len(docs) > 1 {
				return true, fmt.Errorf("document %d: %w", d+1, err)
			}
			return true, err
		}
	}
	if len(c.skipped) > 0 {
		c.warnings = append(c.warnings, fmt.Sprintf("%s: kinds not read, skipped: %s", name, strings.Join(slices.Sorted(maps.Keys(c.skipped)), ", ")))
	}
	return true, nil
}

// name records the real name of the cluster whose files' directory is
// key, unless --cluster-name names it.
func (o *Offline) name(key, real string) error {
	if real == "" || o.ClusterName != "" {
		return nil
	}
	if o.named == nil {
		o.named = map[string]string{}
	}
	if prev, ok := o.named[key]; ok && prev != real {
		return fmt.Errorf("metadata: %s %q differs from %q in another file of the directory %s", clusterNameKey, real, prev, key)
	}
	o.named[key] = real
	return nil
}

// listHead is what a document's top level says of what it holds.
type listHead struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		ClusterName string `json:"nhiscan.io/cluster-name"`
	} `json:"metadata"`
	Items []json.RawMessage `json:"items"`
}

// claims reports whether a document is one the loader reads: a List, a
// typed list (SecretList, even of a kind it skips) or one object of a
// kind it knows.
func (h listHead) claims() bool {
	if h.APIVersion == "" {
		return false
	}
	if h.Kind == "Agent" && !strings.HasPrefix(h.APIVersion, kagentGroup+"/") {
		return false // another project's Agent kind
	}
	return h.Kind == "List" || strings.HasSuffix(h.Kind, "List") && h.Items != nil || known[h.Kind]
}

// yamlDocuments converts every document of a YAML stream to JSON,
// leaving out empty ones (a leading `---`, comments).
func yamlDocuments(data []byte) ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for n := 1; ; n++ {
		doc, err := r.Read()
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not valid YAML: document %d: %w", n, err)
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("not valid YAML: document %d: %w", n, err)
		}
		if t := bytes.TrimSpace(j); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
			docs = append(docs, t)
		}
	}
}

// addDocument reads one JSON document of a file: a List, a typed list
// (SecretList) or one object. Objects and lists of kinds the loader does
// not read, and documents that are no Kubernetes object, go into
// c.skipped. Items are counted from 1, as the other readers count.
func (c *cluster) addDocument(doc []byte, head listHead) error {
	if head.APIVersion == "" {
		c.skipped["(not a Kubernetes object)"] = true
		return nil
	}
	listKind := strings.TrimSuffix(head.Kind, "List")
	var items []json.RawMessage
	switch {
	case head.Kind == "List":
		items, listKind = head.Items, ""
	case strings.HasSuffix(head.Kind, "List") && head.Items != nil:
		if !known[listKind] {
			c.skipped[listKind] = true
			return nil
		}
		items = head.Items
	case known[head.Kind]:
		return c.add(doc, "") // one object
	default:
		c.skipped[head.Kind] = true
		return nil
	}
	if workloadKinds[listKind] {
		c.usageSeen = true // a typed list of pods, even empty, says which pods there are
	}
	for i, raw := range items {
		if err := c.add(raw, listKind); err != nil {
			return fmt.Errorf("item %d: %w", i+1, err)
		}
	}
	return nil
}

// addDiscovery reads the service account issuer discovery document
// (kubectl get --raw /.well-known/openid-configuration) into the issuer
// of the file's cluster; it returns false for any other file.
func (o *Offline) addDiscovery(name string, data []byte) (bool, error) {
	issuer, ok, err := discovery(data)
	if !ok || err != nil {
		return ok, err
	}
	c := o.cluster(o.clusterOf(name))
	if c.issuer != "" && c.issuer != issuer {
		return true, fmt.Errorf("issuer %q differs from the issuer %q of another discovery document of cluster %s", issuer, c.issuer, o.clusterOf(name))
	}
	c.issuer = issuer
	return true, nil
}

// discovery reads the issuer of a Kubernetes API server's OpenID discovery
// document: JSON with issuer and jwks_uri and, unlike a full OpenID
// provider's, no authorization_endpoint. ok is false for anything else.
func discovery(data []byte) (issuer string, ok bool, err error) {
	var d struct {
		Issuer                *string `json:"issuer"`
		JWKSURI               string  `json:"jwks_uri"`
		AuthorizationEndpoint string  `json:"authorization_endpoint"`
	}
	if json.Unmarshal(data, &d) != nil || d.Issuer == nil || d.JWKSURI == "" || d.AuthorizationEndpoint != "" {
		return "", false, nil
	}
	if strings.TrimSpace(*d.Issuer) == "" {
		return "", true, errors.New("OpenID discovery document: issuer is empty")
	}
	return *d.Issuer, true, nil
}

func (o *Offline) clusterOf(name string) string {
	if o.ClusterName != "" {
		return o.ClusterName
	}
	dir := filepath.Base(filepath.Dir(filepath.Clean(name)))
	if dir == "." || dir == string(filepath.Separator) || dir == "" {
		return "cluster"
	}
	return dir
}

func (o *Offline) cluster(name string) *cluster {
	c := o.clusters[name]
	if c == nil {
		c = &cluster{roles: map[string]role{}, clusterRoles: map[string]role{}, automount: map[string]bool{}, namespaces: map[string]meta{}}
		o.clusters[name] = c
		o.order = append(o.order, name)
	}
	return c
}

func (c *cluster) add(raw json.RawMessage, listKind string) error {
	var obj object
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("not a Kubernetes object: %w", err)
	}
	if obj.Kind == "" {
		obj.Kind = listKind // a typed list (SecretList) may leave items' kind empty
	}
	if obj.Kind == "" {
		return errors.New("object without kind")
	}
	if ts := obj.Metadata.CreationTimestamp; ts != "" && known[obj.Kind] {
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			return fmt.Errorf("%s %s: metadata.creationTimestamp: %q is not an RFC 3339 time", obj.Kind, qualifiedName(obj.Metadata), ts)
		}
	}
	decode := func(v any) error {
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("%s %s: %w", obj.Kind, obj.Metadata.Name, err)
		}
		return nil
	}
	switch obj.Kind {
	case "ServiceAccount":
		var sa struct {
			Automount *bool `json:"automountServiceAccountToken"`
		}
		if err := decode(&sa); err != nil {
			return err
		}
		if sa.Automount != nil {
			c.automount[obj.Metadata.Namespace+"/"+obj.Metadata.Name] = *sa.Automount
		}
		put(c, &c.accounts, obj, obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name)
	case "Namespace":
		c.namespaces[obj.Metadata.Name] = obj.Metadata
	case "Agent":
		group, _, _ := strings.Cut(obj.APIVersion, "/")
		if group != kagentGroup {
			return nil // another project's Agent kind
		}
		var a kagentAgent
		if err := decode(&a); err != nil {
			return err
		}
		a.Kind = obj.Kind
		put(c, &c.kagents, a, obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name)
	case "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob":
		var w workloadObject
		if err := decode(&w); err != nil {
			return err
		}
		c.usageSeen = true
		put(c, &c.workloads, newWorkload(obj, &w), obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name)
	case "Secret":
		var s secret
		if err := decode(&s); err != nil {
			return err
		}
		if s.Type == tokenSecretType {
			s.Kind = obj.Kind
			if err := checkTokenDates(s); err != nil {
				return err
			}
			put(c, &c.secrets, s, obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name)
			c.tracked = nil
		}
	case "Role", "ClusterRole":
		var r role
		if err := decode(&r); err != nil {
			return err
		}
		if obj.Kind == "Role" {
			c.roles[obj.Metadata.Namespace+"/"+obj.Metadata.Name] = r
		} else {
			c.clusterRoles[obj.Metadata.Name] = r
		}
	case "RoleBinding", "ClusterRoleBinding":
		var b roleBinding
		if err := decode(&b); err != nil {
			return err
		}
		b.Kind = obj.Kind
		if b.RoleRef.Kind != "Role" && b.RoleRef.Kind != "ClusterRole" {
			return fmt.Errorf("%s %s: roleRef.kind %q is neither Role nor ClusterRole", obj.Kind, obj.Metadata.Name, b.RoleRef.Kind)
		}
		put(c, &c.bindings, b, obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name)
	default:
		if c.skipped != nil {
			c.skipped[obj.Kind] = true
		}
	}
	return nil
}

// checkTokenDates checks the dates the API server writes on a legacy
// token Secret: kubernetes.io/legacy-token-last-used and
// kubernetes.io/legacy-token-invalid-since are labels holding a day,
// YYYY-MM-DD (k8s.io/kubernetes pkg/serviceaccount/legacy.go formats
// them with "2006-01-02").
func checkTokenDates(s secret) error {
	for _, k := range []string{lastUsedKey, invalidSinceKey} {
		for what, m := range map[string]map[string]string{"labels": s.Metadata.Labels, "annotations": s.Metadata.Annotations} {
			if v, ok := m[k]; ok && v != "" {
				if _, err := time.Parse(time.DateOnly, v); err != nil {
					return fmt.Errorf("Secret %s/%s: metadata.%s[%s]: %q is not a date (YYYY-MM-DD)", s.Metadata.Namespace, s.Metadata.Name, what, k, v)
				}
			}
		}
	}
	return nil
}

// Inventory builds one identity per service account, and one source per
// cluster.
func (o *Offline) Inventory() (inventory.Inventory, error) {
	var inv inventory.Inventory
	for _, key := range o.order {
		c := o.clusters[key]
		name := cmp.Or(o.named[key], key)
		inv.Identities = append(inv.Identities, c.identities(name)...)
		inv.Agents = append(inv.Agents, c.agents(name)...)
		if cl, ok := c.anonymous(name); ok {
			inv.Identities = append(inv.Identities, cl)
		}
		src := inventory.Source{Scanner: "k8s", Scope: name, Mode: "offline", Status: inventory.StatusOK}
		src.Warnings = append(src.Warnings, c.warnings...)
		if len(c.accounts) == 0 {
			src.Warnings = append(src.Warnings, "no ServiceAccount objects in the export")
		}
		if !c.usageSeen {
			src.NotAssessed = append(src.NotAssessed, inventory.NotAssessedUsage)
		}
		inv.Sources = append(inv.Sources, src)
	}
	return inv, nil
}

// qualifiedName is namespace/name, or name for a cluster-wide object.
func qualifiedName(m meta) string {
	if m.Namespace == "" {
		return m.Name
	}
	return m.Namespace + "/" + m.Name
}

func parseTime(s string) time.Time {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC()
	}
	return time.Time{}
}

// bindingIndex lists, by the subject through which a binding may reach a
// service account, the bindings (indexes of cluster.bindings) that name
// it: built once, so that finding an account's bindings does not read
// every binding of the cluster.
type bindingIndex struct {
	byAccount map[string][]int // "namespace/name": ServiceAccount subjects, and the User system:serviceaccount:NS:NAME
	byGroup   map[string][]int
}

func (c *cluster) indexBindings() bindingIndex {
	ix := bindingIndex{byAccount: map[string][]int{}, byGroup: map[string][]int{}}
	for i, b := range c.bindings {
		bns := ""
		if b.Kind == "RoleBinding" {
			bns = b.Metadata.Namespace
		}
		for _, s := range b.Subjects {
			switch s.Kind {
			case "ServiceAccount":
				k := cmp.Or(s.Namespace, bns) + "/" + s.Name
				ix.byAccount[k] = append(ix.byAccount[k], i)
			case "Group":
				ix.byGroup[s.Name] = append(ix.byGroup[s.Name], i)
			case "User":
				if rest, ok := strings.CutPrefix(s.Name, "system:serviceaccount:"); ok {
					if ns, name, ok := strings.Cut(rest, ":"); ok {
						ix.byAccount[ns+"/"+name] = append(ix.byAccount[ns+"/"+name], i)
					}
				}
			}
		}
	}
	return ix
}

// of returns the bindings that may reach the service account ns/name
// (member decides), each once, in the export's order.
func (ix bindingIndex) of(ns, name string) []int {
	out := slices.Clone(ix.byAccount[ns+"/"+name])
	for _, g := range []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"} {
		out = append(out, ix.byGroup[g]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// member returns the subject through which a binding reaches the service
// account ns/name, if any.
func member(subjects []subject, bindingNS, ns, name string) (inventory.Principal, bool) {
	for _, s := range subjects {
		switch s.Kind {
		case "ServiceAccount":
			sns := s.Namespace
			if sns == "" {
				sns = bindingNS // kubectl create rolebinding --serviceaccount leaves no namespace only in hand-made objects
			}
			if sns == ns && s.Name == name {
				return inventory.Principal{Type: "ServiceAccount", Value: ns + "/" + name}, true
			}
		case "Group":
			if s.Name == "system:serviceaccounts" || s.Name == "system:serviceaccounts:"+ns || s.Name == "system:authenticated" {
				return inventory.Principal{Type: "Group", Value: s.Name}, true
			}
		case "User":
			if s.Name == "system:serviceaccount:"+ns+":"+name {
				return inventory.Principal{Type: "User", Value: s.Name}, true
			}
		}
	}
	return inventory.Principal{}, false
}

// rulesOf returns a role's rules; an aggregated ClusterRole whose rules
// the export left empty gets the rules of the ClusterRoles its selectors
// match (matchLabels and matchExpressions).
func (c *cluster) rulesOf(kind, ns, name string) ([]policyRule, bool) {
	if kind == "Role" {
		r, ok := c.roles[ns+"/"+name]
		return r.Rules, ok
	}
	_, ok := c.clusterRoles[name]
	return c.aggregated(name, map[string]bool{}), ok
}

// aggregated returns a ClusterRole's rules, or, for an aggregated one the
// export left empty, the rules of the ClusterRoles its selectors pick,
// themselves aggregated when they are (seen stops a cycle).
func (c *cluster) aggregated(name string, seen map[string]bool) []policyRule {
	r := c.clusterRoles[name]
	if r.AggregationRule == nil || len(r.Rules) > 0 || seen[name] {
		return r.Rules
	}
	seen[name] = true
	var out []policyRule
	for _, n := range sortedKeys(c.clusterRoles) {
		if n == name {
			continue
		}
		if slices.ContainsFunc(r.AggregationRule.ClusterRoleSelectors, func(sel labelSelector) bool { return sel.selects(c.clusterRoles[n].Metadata.Labels) }) {
			out = append(out, c.aggregated(n, seen)...)
		}
	}
	return out
}

func matches(sel, labels map[string]string) bool {
	for k, v := range sel {
		if lv, ok := labels[k]; !ok || lv != v {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (c *cluster) identities(clusterName string) []inventory.Identity {
	// By "namespace/name", each key built once rather than at every
	// comparison.
	type keyed struct {
		key string
		obj object
	}
	sorted := make([]keyed, len(c.accounts))
	for i, a := range c.accounts {
		sorted[i] = keyed{a.Metadata.Namespace + "/" + a.Metadata.Name, a}
	}
	slices.SortFunc(sorted, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	accounts := make([]object, len(sorted))
	for i, k := range sorted {
		accounts[i] = k.obj
	}
	out := make([]inventory.Identity, 0, len(accounts))
	usage := c.usage()
	ix := c.indexBindings()
	secrets := make(map[string][]int, len(c.secrets))
	for i, s := range c.secrets {
		k := s.Metadata.Namespace + "/" + s.Metadata.Annotations[saNameKey]
		secrets[k] = append(secrets[k], i)
	}
	type roleRules struct {
		rules []inventory.RBACRule
		found bool
	}
	rulesOf := map[string]roleRules{} // "kind/namespace/name": each role's rules, converted once
	for _, sa := range accounts {
		ns, name := sa.Metadata.Namespace, sa.Metadata.Name
		id := inventory.Identity{
			ID:       "system:serviceaccount:" + ns + ":" + name,
			Provider: inventory.K8s, Kind: inventory.KindK8sAccount,
			Account: clusterName, Name: ns + "/" + name, Path: ns,
			CreatedAt: parseTime(sa.Metadata.CreationTimestamp),
			Tags:      tags(sa.Metadata),
		}
		id.OwnerHints = c.ownerHints(sa.Metadata)
		id.CloudLinks = cloudLinks(sa.Metadata.Annotations, ns, name, c.issuer)
		reaching := ix.of(ns, name)
		id.Excluded = c.providerManaged(ns, name, reaching)
		id.Workloads = usage[ns+"/"+name]
		for _, i := range secrets[ns+"/"+name] {
			id.Credentials = append(id.Credentials, c.credential(c.secrets[i]))
		}
		for _, bi := range reaching {
			b := c.bindings[bi]
			bns := ""
			if b.Kind == "RoleBinding" {
				bns = b.Metadata.Namespace
			}
			p, ok := member(b.Subjects, bns, ns, name)
			if !ok {
				continue
			}
			rk := b.RoleRef.Kind + "/" + bns + "/" + b.RoleRef.Name
			rr, cached := rulesOf[rk]
			if !cached {
				rules, found := c.rulesOf(b.RoleRef.Kind, bns, b.RoleRef.Name)
				rr.found = found
				for _, r := range rules {
					rr.rules = append(rr.rules, inventory.RBACRule{
						Verbs: r.Verbs, APIGroups: r.APIGroups, Resources: r.Resources,
						ResourceNames: r.ResourceNames, NonResourceURLs: r.NonResourceURLs,
					})
				}
				rr.rules = slices.Clip(rr.rules)
				rulesOf[rk] = rr
			}
			ib := inventory.Binding{
				Role:    b.RoleRef.Kind + "/" + b.RoleRef.Name,
				Scope:   "cluster",
				Members: []inventory.Principal{p},
				Name:    b.Kind + "/" + b.Metadata.Name,
			}
			if bns != "" {
				ib.Scope = "namespaces/" + bns
				ib.Name = b.Kind + "/" + bns + "/" + b.Metadata.Name
			}
			ib.RBACRules = rr.rules // shared by the identities the role reaches: read-only
			if !rr.found {
				id.NotAssessed = appendOnce(id.NotAssessed, inventory.NotAssessedPermissions)
			}
			id.Bindings = append(id.Bindings, ib)
		}
		out = append(out, id)
	}
	return out
}

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// tags are a service account's labels and its annotations (owner keys,
// Helm's release, cloud links, agent markers are all read from them),
// except kubectl's own (last-applied-configuration) and long payloads.
func tags(m meta) map[string]string {
	// A label wins over an annotation of the same key.
	return merged(shortAnnotations(m.Annotations), maps.Clone(m.Labels))
}

// credential is a legacy token Secret as a credential. Without a
// last-used label on a cluster that tracks token use, the token was not
// used since tracking began.
func (c *cluster) credential(s secret) inventory.Credential {
	get := func(k string) string {
		if v, ok := s.Metadata.Labels[k]; ok {
			return v
		}
		return s.Metadata.Annotations[k]
	}
	cr := inventory.Credential{
		ID: s.Metadata.Namespace + "/" + s.Metadata.Name, Kind: inventory.CredK8sLegacyToken,
		Status: inventory.CredentialActive, CreatedAt: parseTime(s.Metadata.CreationTimestamp),
	}
	if v := get(lastUsedKey); v != "" {
		if t := parseTime(v); !t.IsZero() {
			cr.LastUsed, cr.LastUsedKnown = &t, true
		}
	}
	if since, tracked := c.tokenTracking(); tracked && !cr.LastUsedKnown {
		cr.LastUsedKnown = true
		if since.After(cr.CreatedAt) {
			cr.UsageTrackedSince = &since
		}
	}
	if v := get(invalidSinceKey); v != "" {
		cr.Status = inventory.CredentialInactive
	}
	return cr
}

// anonymous returns the cluster as an identity of kind k8s.cluster whose
// ResourceBindings are the bindings to unauthenticated requests (the group
// system:unauthenticated, the user system:anonymous) and to every
// authenticated identity (the group system:authenticated), each binding
// once with the members of those three it names: no service account
// holds these grants alone, yet they are the cluster's most open. There
// is no such identity when no binding names them.
func (c *cluster) anonymous(clusterName string) (inventory.Identity, bool) {
	id := inventory.Identity{
		ID: "cluster:" + clusterName, Provider: inventory.K8s, Kind: inventory.KindK8sCluster,
		Account: clusterName, Name: clusterName, Owner: "-",
	}
	for _, b := range c.bindings {
		var members []inventory.Principal
		for _, s := range b.Subjects {
			if s.Kind == "Group" && (s.Name == "system:unauthenticated" || s.Name == "system:authenticated") || s.Kind == "User" && s.Name == "system:anonymous" {
				members = append(members, inventory.Principal{Type: s.Kind, Value: s.Name})
			}
		}
		if len(members) == 0 {
			continue
		}
		bns := ""
		if b.Kind == "RoleBinding" {
			bns = b.Metadata.Namespace
		}
		rules, _ := c.rulesOf(b.RoleRef.Kind, bns, b.RoleRef.Name)
		ib := inventory.Binding{Role: b.RoleRef.Kind + "/" + b.RoleRef.Name, Scope: "cluster", Members: members, Name: b.Kind + "/" + b.Metadata.Name}
		if bns != "" {
			ib.Scope, ib.Name = "namespaces/"+bns, b.Kind+"/"+bns+"/"+b.Metadata.Name
		}
		for _, r := range rules {
			ib.RBACRules = append(ib.RBACRules, inventory.RBACRule{
				Verbs: r.Verbs, APIGroups: r.APIGroups, Resources: r.Resources,
				ResourceNames: r.ResourceNames, NonResourceURLs: r.NonResourceURLs,
			})
		}
		id.ResourceBindings = append(id.ResourceBindings, ib)
	}
	return id, len(id.ResourceBindings) > 0
}

// newWorkload reads the service account settings of a pod or of a
// controller's pod template: serviceAccountName (else the deprecated
// serviceAccount, else "default") and automountServiceAccountToken.
func newWorkload(obj object, w *workloadObject) workload {
	spec := w.Spec.podSpec
	labels := maps.Clone(obj.Metadata.Labels)
	var tmpl *podTemplate
	switch {
	case obj.Kind == "CronJob" && w.Spec.JobTemplate != nil:
		tmpl = &w.Spec.JobTemplate.Spec.Template
	case obj.Kind != "Pod":
		tmpl = w.Spec.Template
	}
	annotations := shortAnnotations(obj.Metadata.Annotations)
	if tmpl != nil {
		spec = tmpl.Spec
		// What its pods get: the template's labels and annotations.
		labels = merged(labels, tmpl.Metadata.Labels)
		annotations = merged(annotations, shortAnnotations(tmpl.Metadata.Annotations))
	} else if obj.Kind != "Pod" {
		spec = podSpec{}
	}
	account := cmp.Or(spec.ServiceAccountName, spec.ServiceAccount, "default")
	return workload{
		kind: obj.Kind, namespace: obj.Metadata.Namespace, name: obj.Metadata.Name,
		account: account, automount: spec.AutomountServiceAccountToken,
		labels: labels, annotations: annotations, owners: obj.Metadata.OwnerReferences,
	}
}

// merged returns a with b's entries added (b wins), nil when both are
// empty.
func merged(a, b map[string]string) map[string]string {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = map[string]string{}
	}
	maps.Copy(a, b)
	return a
}

// shortAnnotations are the annotations a rule may read (markers, owners):
// not kubectl's own (last-applied-configuration) nor long payloads.
func shortAnnotations(m map[string]string) map[string]string {
	var out map[string]string
	for k, v := range m {
		if !strings.HasPrefix(k, "kubectl.kubernetes.io/") && len(v) <= maxTagValue {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// controllerOf returns the workload of the export that controls w (a
// Pod's ReplicaSet or Job, a ReplicaSet's Deployment, a Job's CronJob),
// or nil. A ReplicaSet the export lacks (kubectl get deployments,pods
// lists none) is recognised by its name, the Deployment's name and the
// pod's pod-template-hash label.
func controllerOf(w *workload, byKey map[string]*workload) *workload {
	refs := w.owners
	if i := slices.IndexFunc(refs, func(r ownerRef) bool { return r.Controller != nil && *r.Controller }); i >= 0 {
		refs = refs[i : i+1]
	} else if len(refs) != 1 {
		return nil
	}
	r := refs[0]
	if up := byKey[r.Kind+"/"+w.namespace+"/"+r.Name]; up != nil && up != w {
		return up
	}
	if h := w.labels["pod-template-hash"]; r.Kind == "ReplicaSet" && h != "" && strings.HasSuffix(r.Name, "-"+h) {
		return byKey["Deployment/"+w.namespace+"/"+strings.TrimSuffix(r.Name, "-"+h)]
	}
	return nil
}

// usage returns what runs as each service account ("namespace/name").
// Every pod and controller is folded into the top-most controller of the
// export that owns it (a Pod into its ReplicaSet and that into its
// Deployment, a Job into its CronJob), so a Deployment with three
// replicas is one entry whose Pods is 3, not five entries. Objects that
// differ in service account or in automount stay apart: the ReplicaSet
// of an older rollout that ran as another account is that account's.
func (c *cluster) usage() map[string][]inventory.Workload {
	byKey := make(map[string]*workload, len(c.workloads))
	for i := range c.workloads {
		w := &c.workloads[i]
		byKey[w.kind+"/"+w.namespace+"/"+w.name] = w
	}
	type key struct {
		account, kind, namespace, name string
		automount                      bool
	}
	entries := map[key]*inventory.Workload{}
	out := map[string][]inventory.Workload{}
	var order []key
	for i := range c.workloads {
		w := &c.workloads[i]
		top := w
		for range 3 { // Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob
			up := controllerOf(top, byKey)
			if up == nil {
				break
			}
			top = up
		}
		automount := true
		if v, ok := c.automount[w.namespace+"/"+w.account]; ok {
			automount = v
		}
		if w.automount != nil {
			automount = *w.automount // the pod's own setting wins over its account's
		}
		k := key{w.account, top.kind, top.namespace, top.name, automount}
		e := entries[k]
		if e == nil {
			e = &inventory.Workload{Kind: top.kind, Namespace: top.namespace, Name: top.name, Automount: automount, Labels: top.labels, Annotations: top.annotations}
			entries[k] = e
			order = append(order, k)
		}
		if w.kind == "Pod" {
			e.Pods++
		}
	}
	slices.SortFunc(order, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.kind, b.kind), cmp.Compare(a.name, b.name), cmp.Compare(a.account, b.account), boolCompare(a.automount, b.automount))
	})
	for _, k := range order {
		sa := k.namespace + "/" + k.account
		out[sa] = append(out[sa], *entries[k])
	}
	return out
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// selects reports whether a label selector picks an object with labels.
// An empty selector selects nothing here: an aggregation rule's empty
// selector is not a request for every ClusterRole.
func (sel labelSelector) selects(labels map[string]string) bool {
	if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return false
	}
	if !matches(sel.MatchLabels, labels) {
		return false
	}
	for _, e := range sel.MatchExpressions {
		v, has := labels[e.Key]
		switch e.Operator {
		case "In":
			if !has || !slices.Contains(e.Values, v) {
				return false
			}
		case "NotIn":
			if has && slices.Contains(e.Values, v) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false // an operator the API server would reject selects nothing
		}
	}
	return true
}

// managedNamespaces hold the cluster's own controllers and the add-ons a
// managed Kubernetes service installs and runs itself. Their service
// accounts are provider-managed: excluded by default, like AWS
// service-linked roles.
var managedNamespaces = map[string]string{
	"kube-system":      "Kubernetes system controllers (kube-system)",
	"kube-public":      "Kubernetes system namespace (kube-public)",
	"kube-node-lease":  "Kubernetes system namespace (kube-node-lease)",
	"gke-gmp-system":   "GKE managed add-on (gke-gmp-system: Managed Service for Prometheus)",
	"amazon-guardduty": "EKS managed add-on (amazon-guardduty: GuardDuty runtime monitoring)",
}

// managedNamespacePrefixes are namespace prefixes a managed service
// reserves for its components.
var managedNamespacePrefixes = map[string]string{
	"gke-managed-": "GKE managed component",
}

// bootstrapLabel marks the RBAC objects the API server creates and keeps
// up to date itself (the default roles and bindings).
const bootstrapLabel = "kubernetes.io/bootstrapping"

// providerManaged returns why the service account ns/name is managed by
// the cluster or its provider, or "": it lives in a managed namespace, or
// every binding that names it is one the API server bootstrapped to a
// system: ClusterRole (a controller's account).
func (c *cluster) providerManaged(ns, name string, reaching []int) string {
	if why, ok := managedNamespaces[ns]; ok {
		return why
	}
	for p, why := range managedNamespacePrefixes {
		if strings.HasPrefix(ns, p) {
			return why + " (" + ns + ")"
		}
	}
	direct := 0
	for _, bi := range reaching {
		b := c.bindings[bi]
		bns := ""
		if b.Kind == "RoleBinding" {
			bns = b.Metadata.Namespace
		}
		p, ok := member(b.Subjects, bns, ns, name)
		if !ok || p.Type == "Group" {
			continue
		}
		if b.Metadata.Labels[bootstrapLabel] != "rbac-defaults" || b.RoleRef.Kind != "ClusterRole" || !strings.HasPrefix(b.RoleRef.Name, "system:") {
			return ""
		}
		direct++
	}
	if direct == 0 {
		return ""
	}
	return "bound only by the cluster's bootstrap RBAC to system: ClusterRoles"
}

// Owner conventions below the configured owner keys, in order: the tool
// that manages the account, the application it is part of, the Helm
// release that installed it.
var ownerConventions = []struct{ key, what string }{
	{"app.kubernetes.io/managed-by", "label"},
	{"app.kubernetes.io/part-of", "label"},
	{"meta.helm.sh/release-name", "annotation"},
}

// ownerTools are the deployment tools, controllers and agent platforms
// that app.kubernetes.io/managed-by (or part-of) often names: a tool
// answers for nothing, so such a value is no owner. Compared without
// case; a value ending in -operator or -controller is a controller too.
var ownerTools = []string{
	"helm", "tiller", "kustomize", "kubectl", "kagent", "argocd", "argo-cd", "flux", "fluxcd", "kapp", "kapp-controller",
	"skaffold", "pulumi", "terraform", "crossplane", "olm", "operator-lifecycle-manager", "rancher", "fleet", "tekton",
	"jenkins-x", "spinnaker", "kubebuilder", "operator-sdk", "eksctl", "kops", "gitlab", "kpt", "timoni", "carvel",
}

// namesTool reports whether an owner convention's value names a tool or
// controller (ownerTools) rather than a team.
func namesTool(v string) bool {
	v = strings.ToLower(v)
	return slices.Contains(ownerTools, v) || strings.HasSuffix(v, "-operator") || strings.HasSuffix(v, "-controller")
}

// ownerHints lists, in order of preference, the owners that conventions
// name for a service account (its own owner labels and annotations are
// in its Tags): the managing tool, the application, the Helm release
// (with its namespace when another), then its namespace's labels and
// annotations, which count only under a configured owner key.
func (c *cluster) ownerHints(m meta) []inventory.OwnerHint {
	var out []inventory.OwnerHint
	for _, conv := range ownerConventions {
		v, from := strings.TrimSpace(m.Labels[conv.key]), "label "+conv.key
		if v == "" {
			v, from = strings.TrimSpace(m.Annotations[conv.key]), "annotation "+conv.key
		}
		if v == "" || conv.key != "meta.helm.sh/release-name" && namesTool(v) {
			continue
		}
		if rns := m.Annotations["meta.helm.sh/release-namespace"]; conv.key == "meta.helm.sh/release-name" && rns != "" && rns != m.Namespace {
			v = rns + "/" + v
		}
		out = append(out, inventory.OwnerHint{Value: v, From: from})
	}
	ns, ok := c.namespaces[m.Namespace]
	if !ok {
		return out
	}
	for _, kind := range []struct {
		what string
		kv   map[string]string
	}{{"label", ns.Labels}, {"annotation", ns.Annotations}} {
		for _, k := range sortedKeys(kind.kv) {
			if v := strings.TrimSpace(kind.kv[k]); v != "" && !strings.HasPrefix(k, "kubectl.kubernetes.io/") && !strings.HasPrefix(k, "kubernetes.io/") {
				out = append(out, inventory.OwnerHint{Value: v, From: "namespace " + m.Namespace + " " + kind.what + " " + k, Key: k})
			}
		}
	}
	return out
}

// tokenTracking returns since when the cluster records the use of legacy
// tokens, and whether it does: the API server (1.26 and later) labels a
// token with kubernetes.io/legacy-token-last-used on use, so a label on
// any token of the cluster shows tracking is on, since the earliest such
// date at the latest. A token without the label was not used since then.
func (c *cluster) tokenTracking() (time.Time, bool) {
	if c.tracked != nil {
		return *c.tracked, !c.tracked.IsZero()
	}
	var since time.Time
	defer func() { c.tracked = &since }()
	for _, s := range c.secrets {
		v, ok := s.Metadata.Labels[lastUsedKey]
		if !ok {
			v, ok = s.Metadata.Annotations[lastUsedKey]
		}
		if t := parseTime(v); ok && !t.IsZero() && (since.IsZero() || t.Before(since)) {
			since = t
		}
	}
	return since, !since.IsZero()
}

// agents are the cluster's kagent Agents, each acting as the service
// account its pods run as: the one its spec names, else the one of the
// Deployment the kagent controller runs it as (named after the Agent and
// owned by it) when the export has that Deployment, else the one the
// controller creates, named after the Agent.
func (c *cluster) agents(clusterName string) []inventory.Agent {
	deployments := map[string]string{}
	for _, w := range c.workloads {
		if w.kind == "Deployment" && slices.ContainsFunc(w.owners, func(r ownerRef) bool { return r.Kind == "Agent" && r.Name == w.name }) {
			deployments[w.namespace+"/"+w.name] = w.account
		}
	}
	out := make([]inventory.Agent, 0, len(c.kagents))
	for _, a := range c.kagents {
		ns, name := a.Metadata.Namespace, a.Metadata.Name
		sa := name
		if d, ok := deployments[ns+"/"+name]; ok {
			sa = d
		}
		for _, d := range []*kagentDeployment{a.declarative(), a.byo()} {
			if d != nil && d.ServiceAccountName != nil && *d.ServiceAccountName != "" {
				sa = *d.ServiceAccountName
			}
		}
		tags := merged(shortAnnotations(a.Metadata.Annotations), maps.Clone(a.Metadata.Labels))
		if a.Spec.Type != "" {
			tags = merged(tags, map[string]string{"kagent.dev/type": a.Spec.Type})
		}
		out = append(out, inventory.Agent{
			Provider: inventory.K8s, Platform: inventory.PlatformKagent, ID: "agents." + kagentGroup + "/" + ns + "/" + name,
			Name: ns + "/" + name, Account: clusterName, Location: ns, CreatedAt: parseTime(a.Metadata.CreationTimestamp),
			IdentityID: "system:serviceaccount:" + ns + ":" + sa, IdentityType: inventory.ActsAsK8sServiceAccount, Tags: tags,
		})
	}
	slices.SortFunc(out, func(a, b inventory.Agent) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (a *kagentAgent) declarative() *kagentDeployment {
	if a.Spec.Declarative == nil {
		return nil
	}
	return a.Spec.Declarative.Deployment
}

func (a *kagentAgent) byo() *kagentDeployment {
	if a.Spec.BYO == nil {
		return nil
	}
	return a.Spec.BYO.Deployment
}
