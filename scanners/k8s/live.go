package k8s

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authnv1 "k8s.io/api/authentication/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// LiveOptions configure a live Kubernetes scan.
type LiveOptions struct {
	// Kubeconfig is a kubeconfig file to read instead of the standard
	// loading rules ($KUBECONFIG, else ~/.kube/config).
	Kubeconfig string
	// Contexts to scan, by name; none: the current context. AllContexts
	// scans every context of the kubeconfig.
	Contexts    []string
	AllContexts bool
	// ClusterName names the cluster of the one context scanned (default:
	// the cluster name the context refers to).
	ClusterName string
	Concurrency int
	Progress    func(string)
	// Timeout bounds the scan of one cluster (default 5 minutes).
	Timeout time.Duration
	// PageSize is the Limit of every list request (default 500, as
	// kubectl's).
	PageSize int64
}

// DefaultTimeout is how long one cluster may take by default.
const DefaultTimeout = 5 * time.Minute

// DefaultPageSize is the number of objects asked for in one list request.
const DefaultPageSize = 500

// inClusterName is the cluster's name when nhiscan runs in a pod and no
// --cluster-name is given.
const inClusterName = "in-cluster"

// Live scans Kubernetes clusters through their API servers, one cluster
// per kubeconfig context. It only lists and gets; README.md lists the
// ClusterRole it needs.
type Live struct {
	opts LiveOptions
	// inCluster returns the configuration of a pod's own service account
	// (rest.InClusterConfig; tests replace it).
	inCluster func() (*rest.Config, error)
	// wrap, when set, changes the configuration of every cluster (tests
	// record the requests).
	wrap func(*rest.Config)
}

// NewLive returns a live Kubernetes scanner.
func NewLive(o LiveOptions) *Live {
	if o.Concurrency < 1 {
		o.Concurrency = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	return &Live{opts: o, inCluster: rest.InClusterConfig}
}

// Name of the scanner.
func (l *Live) Name() string { return "k8s" }

func (l *Live) progress(format string, args ...any) {
	if l.opts.Progress != nil {
		l.opts.Progress(fmt.Sprintf(format, args...))
	}
}

// target is one context to scan: the cluster's name, and its client
// configuration or why there is none.
type target struct {
	context  string
	cluster  string
	config   *rest.Config
	err      error
	warnings []string
}

// Scan reads every cluster asked for. A cluster that fails is reported
// in its Source and the others still complete. When ctx is cancelled it
// returns an error wrapping ctx.Err() and no inventory, whatever was read.
func (l *Live) Scan(ctx context.Context) (inventory.Inventory, error) {
	targets, err := l.targets()
	if err != nil {
		return inventory.Inventory{}, err
	}
	byCluster := make(map[string]*target, len(targets))
	ids := make([]string, 0, len(targets))
	for i := range targets {
		t := &targets[i]
		if first, ok := byCluster[t.cluster]; ok {
			first.warnings = append(first.warnings, fmt.Sprintf("context %s names the same cluster %s: scanned once, through context %s", t.context, t.cluster, first.context))
			continue
		}
		byCluster[t.cluster] = t
		ids = append(ids, t.cluster)
	}
	scopes := scanners.Scopes{Scanner: "k8s", Kind: "cluster", Concurrency: l.opts.Concurrency, Timeout: l.opts.Timeout}
	inv, err := scopes.Run(ctx, ids, func(ctx context.Context, id string) (inventory.Inventory, error) {
		t := byCluster[id]
		if t.err != nil {
			return inventory.Inventory{}, t.err
		}
		l.progress("cluster %s (context %s)", t.cluster, t.context)
		return l.scanCluster(ctx, t)
	})
	if ctx.Err() != nil {
		return inventory.Inventory{}, fmt.Errorf("k8s scan interrupted: %w", ctx.Err())
	}
	return inv, err
}

// targets resolves the contexts to scan from the kubeconfig, or the pod's
// own configuration when there is no kubeconfig and nhiscan runs in a
// pod.
func (l *Live) targets() ([]target, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.MigrationRules = nil // Load would copy an old ~/.kube/.kubeconfig: the scanner writes nothing
	rules.ExplicitPath = l.opts.Kubeconfig
	raw, err := rules.Load()
	if err != nil {
		if l.opts.Kubeconfig != "" {
			return nil, fmt.Errorf("--kubeconfig %s: %w", l.opts.Kubeconfig, oneLine(err))
		}
		return nil, fmt.Errorf("kubeconfig: %w", oneLine(err))
	}
	asked := len(l.opts.Contexts) > 0 || l.opts.AllContexts
	if len(raw.Contexts) == 0 {
		if l.opts.Kubeconfig == "" && !asked && os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
			cfg, err := l.inCluster()
			if err != nil {
				return nil, fmt.Errorf("in-cluster configuration (KUBERNETES_SERVICE_HOST is set and there is no kubeconfig): %w", oneLine(err))
			}
			name := inClusterName
			if l.opts.ClusterName != "" {
				name = l.opts.ClusterName
			}
			return []target{{context: inClusterName, cluster: name, config: cfg}}, nil
		}
		if l.opts.Kubeconfig != "" {
			return nil, fmt.Errorf("--kubeconfig %s has no contexts", l.opts.Kubeconfig)
		}
		return nil, errors.New("no kubeconfig with a context found (looked at $KUBECONFIG, else ~/.kube/config) and not running in a pod: give --kubeconfig FILE")
	}
	names := l.opts.Contexts
	switch {
	case l.opts.AllContexts:
		names = make([]string, 0, len(raw.Contexts))
		for n := range raw.Contexts {
			names = append(names, n)
		}
		slices.Sort(names)
	case len(names) == 0:
		if raw.CurrentContext == "" {
			return nil, errors.New("the kubeconfig has no current-context: give --context NAME or --all-contexts")
		}
		names = []string{raw.CurrentContext}
	}
	out := make([]target, 0, len(names))
	for _, n := range names {
		t := target{context: n, cluster: n}
		kc, ok := raw.Contexts[n]
		switch {
		case !ok:
			t.err = fmt.Errorf("context %q is not in the kubeconfig", n)
		case kc.Cluster == "":
			t.err = fmt.Errorf("context %q names no cluster", n)
		default:
			t.cluster = kc.Cluster
			t.config, err = clientcmd.NewNonInteractiveClientConfig(*raw, n, &clientcmd.ConfigOverrides{}, rules).ClientConfig()
			if err != nil {
				t.err = fmt.Errorf("context %q: %w", n, oneLine(err))
			}
		}
		if l.opts.ClusterName != "" {
			t.cluster = l.opts.ClusterName
		}
		out = append(out, t)
	}
	return out, nil
}

// oneLine joins the lines of an error's text (an aggregate of kubeconfig
// errors spans several).
func oneLine(err error) error {
	s := err.Error()
	if !strings.Contains(s, "\n") {
		return err
	}
	return errors.New(strings.Join(strings.Fields(s), " "))
}

// scanCluster lists every kind the offline reader knows, feeds each
// object to the same cluster.add as a kubectl export, and builds the
// inventory the same way: the live and offline inventories of one cluster
// are equal by construction.
func (l *Live) scanCluster(ctx context.Context, t *target) (inventory.Inventory, error) {
	off, r, err := l.readCluster(ctx, t)
	if err != nil {
		return inventory.Inventory{}, err
	}
	inv, err := off.Inventory()
	if err != nil {
		return inventory.Inventory{}, err
	}
	src := &inv.Sources[0]
	src.Mode = "live"
	src.Warnings = slices.DeleteFunc(src.Warnings, func(w string) bool { return strings.HasSuffix(w, "in the export") })
	src.Warnings = append(src.Warnings, t.warnings...)
	src.Warnings = append(src.Warnings, r.warnings...)
	for _, n := range r.notAssessed {
		src.NotAssessed = appendOnce(src.NotAssessed, n)
	}
	if len(off.clusters[t.cluster].accounts) == 0 {
		src.Warnings = append(src.Warnings, "no ServiceAccount objects in the cluster")
	}
	src.Principal = r.principal
	return inv, nil
}

// readResult is what a live read learns besides the objects: warnings,
// what was not assessed for lack of permission, and who the scan ran as.
type readResult struct {
	warnings, notAssessed []string
	principal             string
}

// readCluster reads one cluster into an offline loader holding it alone.
func (l *Live) readCluster(ctx context.Context, t *target) (*Offline, readResult, error) {
	cfg := rest.CopyConfig(t.config)
	cfg.UserAgent = "nhiscan"
	cfg.WarningHandler = rest.NoWarnings{}
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	if l.wrap != nil {
		l.wrap(cfg)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, readResult{}, fmt.Errorf("context %s: %w", t.context, err)
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, readResult{}, fmt.Errorf("context %s: %w", t.context, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, readResult{}, fmt.Errorf("context %s: %w", t.context, err)
	}
	off := NewOffline()
	var r readResult
	r.warnings, r.notAssessed, err = l.read(ctx, cs, md, dyn, off.cluster(t.cluster))
	if err != nil {
		return nil, readResult{}, &scanners.ScopeError{Step: "listing", Err: fmt.Errorf("context %s, server %s: %w", t.context, serverURL(cfg.Host), err)}
	}
	r.principal = whoAmI(ctx, cs)
	return off, r, nil
}

// kind is one resource the live scanner lists: the kind cluster.add
// knows, the resource as RBAC names it, and what the scan cannot judge
// when the caller may not list it.
type kind struct {
	kind, group, version, resource string
	list                           func(context.Context, metav1.ListOptions) ([]any, string, error)
	// notAssessed is what a forbidden list leaves unjudged; required
	// kinds fail the cluster instead.
	notAssessed string
	required    bool
	// lost says what a forbidden list loses, for the warning.
	lost string
}

// NotAssessed values of a Kubernetes source whose caller may not list a
// kind.
const (
	NotAssessedTokens = inventory.NotAssessedK8sTokens
	NotAssessedUsage  = inventory.NotAssessedUsage
)

// pager adapts a typed client's List to kind.list.
func pager[L interface{ GetContinue() string }, T any](list func(context.Context, metav1.ListOptions) (L, error), items func(L) []T) func(context.Context, metav1.ListOptions) ([]any, string, error) {
	return func(ctx context.Context, o metav1.ListOptions) ([]any, string, error) {
		l, err := list(ctx, o)
		if err != nil {
			return nil, "", err
		}
		its := items(l)
		out := make([]any, len(its))
		for i := range its {
			out[i] = &its[i]
		}
		return out, l.GetContinue(), nil
	}
}

// kinds is every kind the scanner lists, in order; the README's
// ClusterRole grants exactly these (and the discovery document).
func kinds(cs kubernetes.Interface, md metadata.Interface) []kind {
	core, rbac, apps, batch := cs.CoreV1(), cs.RbacV1(), cs.AppsV1(), cs.BatchV1()
	const perms = inventory.NotAssessedPermissions
	usage := "the pods and workloads that run as each service account"
	return []kind{
		{kind: "ServiceAccount", version: "v1", resource: "serviceaccounts", required: true,
			list: pager(core.ServiceAccounts("").List, func(l *corev1.ServiceAccountList) []corev1.ServiceAccount { return l.Items })},
		{kind: "Secret", version: "v1", resource: "secrets", notAssessed: NotAssessedTokens, lost: "legacy service account token Secrets",
			list: tokenSecrets(md)},
		{kind: "Role", group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", notAssessed: perms, lost: "the rules of Roles",
			list: pager(rbac.Roles("").List, func(l *rbacv1.RoleList) []rbacv1.Role { return l.Items })},
		{kind: "ClusterRole", group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", notAssessed: perms, lost: "the rules of ClusterRoles",
			list: pager(rbac.ClusterRoles().List, func(l *rbacv1.ClusterRoleList) []rbacv1.ClusterRole { return l.Items })},
		{kind: "RoleBinding", group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", notAssessed: perms, lost: "RoleBindings",
			list: pager(rbac.RoleBindings("").List, func(l *rbacv1.RoleBindingList) []rbacv1.RoleBinding { return l.Items })},
		{kind: "ClusterRoleBinding", group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings", notAssessed: perms, lost: "ClusterRoleBindings",
			list: pager(rbac.ClusterRoleBindings().List, func(l *rbacv1.ClusterRoleBindingList) []rbacv1.ClusterRoleBinding { return l.Items })},
		{kind: "Pod", version: "v1", resource: "pods", notAssessed: NotAssessedUsage, lost: usage,
			list: pager(core.Pods("").List, func(l *corev1.PodList) []corev1.Pod { return l.Items })},
		{kind: "Deployment", group: "apps", version: "v1", resource: "deployments", notAssessed: NotAssessedUsage, lost: usage,
			list: pager(apps.Deployments("").List, func(l *appsv1.DeploymentList) []appsv1.Deployment { return l.Items })},
		{kind: "StatefulSet", group: "apps", version: "v1", resource: "statefulsets", notAssessed: NotAssessedUsage, lost: usage,
			list: pager(apps.StatefulSets("").List, func(l *appsv1.StatefulSetList) []appsv1.StatefulSet { return l.Items })},
		{kind: "DaemonSet", group: "apps", version: "v1", resource: "daemonsets", notAssessed: NotAssessedUsage, lost: usage,
			list: pager(apps.DaemonSets("").List, func(l *appsv1.DaemonSetList) []appsv1.DaemonSet { return l.Items })},
		{kind: "ReplicaSet", group: "apps", version: "v1", resource: "replicasets", notAssessed: NotAssessedUsage, lost: usage,
			list: pager(apps.ReplicaSets("").List, func(l *appsv1.ReplicaSetList) []appsv1.ReplicaSet { return l.Items })},
		{kind: "Job", group: "batch", version: "v1", resource: "jobs", notAssessed: NotAssessedUsage, lost: usage,
			list: pager(batch.Jobs("").List, func(l *batchv1.JobList) []batchv1.Job { return l.Items })},
		{kind: "CronJob", group: "batch", version: "v1", resource: "cronjobs", notAssessed: NotAssessedUsage, lost: usage,
			list: pager(batch.CronJobs("").List, func(l *batchv1.CronJobList) []batchv1.CronJob { return l.Items })},
		{kind: "Namespace", version: "v1", resource: "namespaces", lost: "the namespaces' labels (an owner fallback)",
			list: pager(core.Namespaces().List, func(l *corev1.NamespaceList) []corev1.Namespace { return l.Items })},
	}
}

// tokenSecret is what the scanner knows of a token Secret: its metadata
// and the type the field selector matched. There is no field for data.
type tokenSecret struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Type       string            `json:"type"`
}

// tokenSecrets lists the Secrets of type kubernetes.io/service-account-token
// through the metadata-only API: the server answers with
// PartialObjectMetadata, so no Secret's data reaches the scanner.
func tokenSecrets(md metadata.Interface) func(context.Context, metav1.ListOptions) ([]any, string, error) {
	secrets := md.Resource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"})
	return func(ctx context.Context, o metav1.ListOptions) ([]any, string, error) {
		o.FieldSelector = fields.OneTermEqualSelector("type", tokenSecretType).String()
		l, err := secrets.Namespace(metav1.NamespaceAll).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		out := make([]any, len(l.Items))
		for i, it := range l.Items {
			out[i] = tokenSecret{APIVersion: "v1", Kind: "Secret", Metadata: it.ObjectMeta, Type: tokenSecretType}
		}
		return out, l.Continue, nil
	}
}

// read lists every kind into c, page by page, and reads the service
// account issuer. A kind the caller may not list is a warning and what
// it leaves unjudged; any other failure fails the cluster.
func (l *Live) read(ctx context.Context, cs kubernetes.Interface, md metadata.Interface, dyn dynamic.Interface, c *cluster) (warnings, notAssessed []string, err error) {
	for _, k := range kinds(cs, md) {
		err := l.each(ctx, k, c)
		switch {
		case err == nil:
		case apierrors.IsForbidden(err) && !k.required:
			warnings = append(warnings, fmt.Sprintf("not allowed to list %s: %s not assessed", qualified(k), k.lost))
			if k.notAssessed != "" {
				notAssessed = appendOnce(notAssessed, k.notAssessed)
			}
		case apierrors.IsNotFound(err) && !k.required:
			warnings = append(warnings, fmt.Sprintf("the API server does not serve %s: %s not read", qualified(k), k.lost))
		default:
			return nil, nil, fmt.Errorf("listing %s: %w", qualified(k), explain(oneLine(err)))
		}
	}
	switch w, err := l.kagentAgents(ctx, cs, dyn, c); {
	case err != nil:
		return nil, nil, err
	case w != "":
		warnings = append(warnings, w)
	}
	issuer, err := l.issuer(ctx, cs)
	switch {
	case err == nil:
		c.issuer = issuer
	case apierrors.IsForbidden(err) || apierrors.IsNotFound(err) || errors.Is(err, errNoIssuer):
		warnings = append(warnings, fmt.Sprintf("service account issuer not read (%s): %v", discoveryPath, oneLine(err)))
	default:
		return nil, nil, fmt.Errorf("getting %s: %w", discoveryPath, explain(oneLine(err)))
	}
	return warnings, notAssessed, nil
}

// kagentAgents lists the kagent Agent resources (agents.kagent.dev) at
// the version the API server prefers, when it serves the group: a cluster
// without kagent has none, which is no warning. A caller that may not
// list them gets a warning; the rest of the cluster is complete.
func (l *Live) kagentAgents(ctx context.Context, cs kubernetes.Interface, dyn dynamic.Interface, c *cluster) (warning string, err error) {
	groups, err := cs.Discovery().ServerGroups()
	if err != nil {
		return fmt.Sprintf("API groups not discovered (%v): kagent agents not listed", oneLine(err)), nil
	}
	version := ""
	for _, g := range groups.Groups {
		if g.Name == kagentGroup {
			version = g.PreferredVersion.Version
		}
	}
	if version == "" {
		return "", nil
	}
	res := dyn.Resource(schema.GroupVersionResource{Group: kagentGroup, Version: version, Resource: "agents"})
	k := kind{kind: "Agent", group: kagentGroup, version: version, resource: "agents",
		list: func(ctx context.Context, o metav1.ListOptions) ([]any, string, error) {
			ul, err := res.Namespace(metav1.NamespaceAll).List(ctx, o)
			if err != nil {
				return nil, "", err
			}
			out := make([]any, len(ul.Items))
			for i := range ul.Items {
				out[i] = ul.Items[i].Object // apiVersion and kind included
			}
			return out, ul.GetContinue(), nil
		}}
	switch err := l.each(ctx, k, c); {
	case err == nil, apierrors.IsNotFound(err):
		return "", nil // the group is served without an Agent resource
	case apierrors.IsForbidden(err):
		return "not allowed to list agents." + kagentGroup + ": kagent agents not listed", nil
	default:
		return "", fmt.Errorf("listing agents.%s: %w", kagentGroup, oneLine(err))
	}
}

// serverURL is a cluster's server URL as the report may show it: without
// user information, were the kubeconfig to carry any in it.
func serverURL(host string) string {
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		return host
	}
	u.User = nil
	return u.String()
}

// explain says what a refusal the client reports tersely means: an
// Unauthorized, a 404 on a kind every API server serves, an answer that
// is no Kubernetes API's (a proxy's or a login page's HTML).
func explain(err error) error {
	switch {
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("%w (HTTP 401: the server refused the credentials of the context's user)", err)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%w (HTTP 404: not a Kubernetes API server, or the server URL lacks its path prefix?)", err)
	}
	// client-go's own text when no decoder exists for a response's type.
	if ct, ok := strings.CutPrefix(err.Error(), "serializer for "); ok && strings.HasSuffix(ct, " doesn't exist") {
		return fmt.Errorf("the server answered with %s, not the Kubernetes API (a proxy or a login page?): %w", strings.TrimSuffix(ct, " doesn't exist"), err)
	}
	return err
}

func qualified(k kind) string {
	if k.group == "" {
		return k.resource
	}
	return k.resource + "." + k.group
}

// each lists one kind page by page (Limit, Continue) and adds every
// object, as the JSON kubectl would print for it, to c. A continue token
// that outlived etcd's compaction (410 Expired) restarts the kind as one
// unpaged list, as client-go's pager does; the objects of a kind are added
// once it is read whole, so none is added twice.
func (l *Live) each(ctx context.Context, k kind, c *cluster) error {
	raws, err := l.pages(ctx, k, metav1.ListOptions{Limit: l.opts.PageSize})
	if apierrors.IsResourceExpired(err) {
		l.progress("listing %s again in one request: its continue token expired", qualified(k))
		raws, err = l.pages(ctx, k, metav1.ListOptions{})
	}
	if err != nil {
		return err
	}
	if workloadKinds[k.kind] {
		c.usageSeen = true // listed, even when nothing runs: usage is known
	}
	for _, raw := range raws {
		if err := c.add(raw, k.kind); err != nil {
			return err
		}
	}
	return nil
}

// pages lists one kind from opts on, following continue tokens, and
// returns its objects as JSON.
func (l *Live) pages(ctx context.Context, k kind, opts metav1.ListOptions) ([]json.RawMessage, error) {
	var raws []json.RawMessage
	for {
		items, cont, err := k.list(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			// The typed client leaves apiVersion and kind empty; kubectl
			// prints them.
			if o, ok := it.(runtime.Object); ok {
				o.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{Group: k.group, Version: k.version, Kind: k.kind})
			}
			raw, err := json.Marshal(it)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k.kind, err)
			}
			raws = append(raws, raw)
		}
		if cont == "" {
			return raws, nil
		}
		opts.Continue = cont
	}
}

// discoveryPath is the service account issuer discovery document.
const discoveryPath = "/.well-known/openid-configuration"

var errNoIssuer = errors.New("the discovery document names no issuer")

// issuer reads the service account issuer from the API server's
// discovery document.
func (l *Live) issuer(ctx context.Context, cs kubernetes.Interface) (string, error) {
	body, err := cs.Discovery().RESTClient().Get().AbsPath(discoveryPath).DoRaw(ctx)
	if err != nil {
		return "", err
	}
	issuer, ok, err := discovery(body)
	if err != nil || !ok {
		return "", errNoIssuer
	}
	return issuer, nil
}

// whoAmI is the user the scan runs as (a SelfSubjectReview, which every
// authenticated user may create and which stores nothing), or "" when the
// server does not say.
func whoAmI(ctx context.Context, cs kubernetes.Interface) string {
	r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return ""
	}
	return r.Status.UserInfo.Username
}
