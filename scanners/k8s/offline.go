// Package k8s reads Kubernetes service accounts, their legacy token
// Secrets and the RBAC that reaches them into the provider-neutral
// inventory. This increment reads what kubectl exports (offline); it knows
// nothing of rules or output.
//
// Secret data is never decoded: a Secret is read into a struct that has
// no field for data or stringData, so token material never reaches the
// inventory, an error or any output.
package k8s

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

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

// ownerKeys are the annotations kept in Tags for the owner classification
// (labels are kept whole); fallbackOwnerKeys name an owner only when none
// of ownerKeys is set.
var (
	ownerKeys         = []string{"owner", "Owner", "team", "owner-email", "contact"}
	fallbackOwnerKeys = []string{"app.kubernetes.io/managed-by", "app.kubernetes.io/part-of", "meta.helm.sh/release-name"}
)

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
}

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
		ClusterRoleSelectors []struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"clusterRoleSelectors"`
	} `json:"aggregationRule"`
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
}

// kinds the loader reads; the rest of a kubectl dump (pods, workloads,
// namespaces) is recognised and not yet used.
var known = map[string]bool{
	"ServiceAccount": true, "Secret": true, "Role": true, "ClusterRole": true,
	"RoleBinding": true, "ClusterRoleBinding": true, "Pod": true, "Deployment": true,
	"StatefulSet": true, "DaemonSet": true, "ReplicaSet": true, "Job": true,
	"CronJob": true, "Namespace": true,
}

// Add reads one file: a kubectl List (JSON or YAML) of Kubernetes objects,
// or one object. It returns false for anything else.
func (o *Offline) Add(name string, data []byte) (bool, error) {
	ext := strings.ToLower(filepath.Ext(strings.TrimSuffix(name, ".gz")))
	trimmed := bytes.TrimSpace(data)
	if ext == ".yaml" || ext == ".yml" {
		if !bytes.Contains(trimmed, []byte("apiVersion:")) || !bytes.Contains(trimmed, []byte("kind:")) {
			return false, nil
		}
		j, err := yaml.YAMLToJSON(trimmed)
		if err != nil {
			return true, fmt.Errorf("not valid YAML: %w", err)
		}
		trimmed = j
	} else if len(trimmed) == 0 || trimmed[0] != '{' {
		return false, nil
	}
	var head struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Items      []json.RawMessage `json:"items"`
	}
	if json.Unmarshal(trimmed, &head) != nil || head.APIVersion == "" {
		return o.addDiscovery(name, trimmed)
	}
	var items []json.RawMessage
	switch {
	case head.Kind == "List" || strings.HasSuffix(head.Kind, "List") && known[strings.TrimSuffix(head.Kind, "List")]:
		items = head.Items
	case known[head.Kind]:
		items = []json.RawMessage{trimmed}
	default:
		return false, nil
	}
	c := o.cluster(o.clusterOf(name))
	listKind := strings.TrimSuffix(head.Kind, "List")
	for i, raw := range items {
		if err := c.add(raw, listKind); err != nil {
			return true, fmt.Errorf("items[%d]: %w", i, err)
		}
	}
	return true, nil
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
		c = &cluster{roles: map[string]role{}, clusterRoles: map[string]role{}}
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
	decode := func(v any) error {
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("%s %s: %w", obj.Kind, obj.Metadata.Name, err)
		}
		return nil
	}
	switch obj.Kind {
	case "ServiceAccount":
		c.accounts = append(c.accounts, obj)
	case "Secret":
		var s secret
		if err := decode(&s); err != nil {
			return err
		}
		if s.Type == tokenSecretType {
			s.Kind = obj.Kind
			c.secrets = append(c.secrets, s)
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
		c.bindings = append(c.bindings, b)
	}
	return nil
}

// Inventory builds one identity per service account, and one source per
// cluster.
func (o *Offline) Inventory() (inventory.Inventory, error) {
	var inv inventory.Inventory
	for _, name := range o.order {
		c := o.clusters[name]
		inv.Identities = append(inv.Identities, c.identities(name)...)
		if cl, ok := c.anonymous(name); ok {
			inv.Identities = append(inv.Identities, cl)
		}
		src := inventory.Source{Scanner: "k8s", Scope: name, Mode: "offline", Status: inventory.StatusOK}
		if len(c.accounts) == 0 {
			src.Warnings = append(src.Warnings, "no ServiceAccount objects in the export")
		}
		inv.Sources = append(inv.Sources, src)
	}
	return inv, nil
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
// match (matchLabels only).
func (c *cluster) rulesOf(kind, ns, name string) ([]policyRule, bool) {
	if kind == "Role" {
		r, ok := c.roles[ns+"/"+name]
		return r.Rules, ok
	}
	r, ok := c.clusterRoles[name]
	if !ok || r.AggregationRule == nil || len(r.Rules) > 0 {
		return r.Rules, ok
	}
	var out []policyRule
	for _, n := range sortedKeys(c.clusterRoles) {
		other := c.clusterRoles[n]
		if n == name {
			continue
		}
		for _, sel := range r.AggregationRule.ClusterRoleSelectors {
			if len(sel.MatchLabels) > 0 && matches(sel.MatchLabels, other.Metadata.Labels) {
				out = append(out, other.Rules...)
				break
			}
		}
	}
	return out, true
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
	accounts := slices.Clone(c.accounts)
	slices.SortFunc(accounts, func(a, b object) int {
		return strings.Compare(a.Metadata.Namespace+"/"+a.Metadata.Name, b.Metadata.Namespace+"/"+b.Metadata.Name)
	})
	out := make([]inventory.Identity, 0, len(accounts))
	for _, sa := range accounts {
		ns, name := sa.Metadata.Namespace, sa.Metadata.Name
		id := inventory.Identity{
			ID:       "system:serviceaccount:" + ns + ":" + name,
			Provider: inventory.K8s, Kind: inventory.KindK8sAccount,
			Account: clusterName, Name: ns + "/" + name, Path: ns,
			CreatedAt: parseTime(sa.Metadata.CreationTimestamp),
			Tags:      tags(sa.Metadata),
		}
		id.Owner = fallbackOwner(sa.Metadata)
		id.CloudLinks = cloudLinks(sa.Metadata.Annotations, ns, name, c.issuer)
		if ns == SystemNamespace {
			id.Excluded = "Kubernetes system controller (kube-system)"
		}
		for _, s := range c.secrets {
			if s.Metadata.Namespace == ns && s.Metadata.Annotations[saNameKey] == name {
				id.Credentials = append(id.Credentials, credential(s))
			}
		}
		for _, b := range c.bindings {
			bns := ""
			if b.Kind == "RoleBinding" {
				bns = b.Metadata.Namespace
			}
			p, ok := member(b.Subjects, bns, ns, name)
			if !ok {
				continue
			}
			rules, found := c.rulesOf(b.RoleRef.Kind, bns, b.RoleRef.Name)
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
			for _, r := range rules {
				ib.RBACRules = append(ib.RBACRules, inventory.RBACRule{
					Verbs: r.Verbs, APIGroups: r.APIGroups, Resources: r.Resources,
					ResourceNames: r.ResourceNames, NonResourceURLs: r.NonResourceURLs,
				})
			}
			if !found {
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

func tags(m meta) map[string]string {
	t := map[string]string{}
	for k, v := range m.Labels {
		t[k] = v
	}
	for _, k := range slices.Concat(ownerKeys, fallbackOwnerKeys, CloudLinkKeys) {
		if v, ok := m.Annotations[k]; ok {
			t[k] = v
		}
	}
	if len(t) == 0 {
		return nil
	}
	return t
}

// fallbackOwner is the owner a managing tool or Helm release names, when
// no owner key is set.
func fallbackOwner(m meta) string {
	t := tags(m)
	for _, k := range ownerKeys {
		if strings.TrimSpace(t[k]) != "" {
			return ""
		}
	}
	for _, k := range fallbackOwnerKeys {
		if v := strings.TrimSpace(t[k]); v != "" {
			return v
		}
	}
	return ""
}

func credential(s secret) inventory.Credential {
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
	if v := get(invalidSinceKey); v != "" {
		cr.Status = inventory.CredentialInactive
	}
	return cr
}

// anonymous returns the cluster as an identity of kind k8s.cluster whose
// ResourceBindings are the bindings to unauthenticated requests (the group
// system:unauthenticated, the user system:anonymous): no service account
// holds them, yet they are the cluster's most open grants. There is no
// such identity when no binding names them.
func (c *cluster) anonymous(clusterName string) (inventory.Identity, bool) {
	id := inventory.Identity{
		ID: "cluster:" + clusterName, Provider: inventory.K8s, Kind: inventory.KindK8sCluster,
		Account: clusterName, Name: clusterName, Owner: "-",
	}
	for _, b := range c.bindings {
		var members []inventory.Principal
		for _, s := range b.Subjects {
			if s.Kind == "Group" && s.Name == "system:unauthenticated" || s.Kind == "User" && s.Name == "system:anonymous" {
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
