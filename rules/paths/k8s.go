package paths

import (
	"cmp"
	"slices"
	"strings"
	"time"

	policy "github.com/nhiscan/nhiscan/rules/awspolicy"
	"github.com/nhiscan/nhiscan/rules/gcpcondition"
	"github.com/nhiscan/nhiscan/rules/k8srbac"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

const (
	k8sGoodPractices = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks"
	k8sRBAC          = "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping"
	irsaDocs         = "https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html"
	gkeWIDocs        = "https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity"
	azureWIDocs      = "https://learn.microsoft.com/en-us/azure/aks/workload-identity-overview"
	azureFICDocs     = "https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation"
	k8sPodSA         = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/"
)

// k8sMethods are the Kubernetes methods the graph checks: what RBAC lets
// a service account become inside its cluster, and the workload identity
// federation that takes it into a cloud.
var k8sMethods = []Method{
	{ID: "k8s-read-token-secrets", Name: "get, list or watch Secrets holding legacy service account tokens", Sources: []string{k8sGoodPractices}},
	{ID: "k8s-create-workload", Name: "create pods or workload controllers, which run as any service account of the namespace", Sources: []string{k8sGoodPractices}},
	{ID: "k8s-patch-workload", Name: "update or patch a workload controller, whose pod template then runs as any service account of the namespace", Sources: []string{k8sGoodPractices, k8sPodSA}},
	{ID: "k8s-create-token", Name: "create serviceaccounts/token (TokenRequest)", Sources: []string{k8sGoodPractices}},
	{ID: "k8s-impersonate", Name: "impersonate service accounts, or users and groups", Sources: []string{k8sGoodPractices, "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation"}},
	{ID: "k8s-escalate-bind", Name: "bind or escalate roles, and create role bindings", Sources: []string{k8sGoodPractices, k8sRBAC}},
	{ID: "k8s-nodes-proxy", Name: "nodes/proxy (the kubelet API: exec into any pod of the node)", Sources: []string{k8sGoodPractices}},
	{ID: "k8s-csr-approve", Name: "create and approve a client certificate signing request", Sources: []string{k8sGoodPractices, "https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/#authorization"}},
	{ID: "k8s-admission-webhook", Name: "write admission webhook configurations", Sources: []string{k8sGoodPractices}},
	{ID: "k8s-eks-irsa", Name: "EKS IAM role for service accounts (sts:AssumeRoleWithWebIdentity)", Sources: []string{irsaDocs}},
	{ID: "k8s-gke-workload-identity", Name: "GKE Workload Identity (roles/iam.workloadIdentityUser)", Sources: []string{gkeWIDocs}},
	{ID: "k8s-azure-workload-identity", Name: "Azure Workload Identity (federated identity credential)", Sources: []string{azureWIDocs, azureFICDocs}},
}

// k8sMethod returns the method of an id; the ids are the table's own.
func k8sMethod(id string) *Method {
	for i := range k8sMethods {
		if k8sMethods[i].ID == id {
			return &k8sMethods[i]
		}
	}
	panic("paths: no Kubernetes method " + id)
}

var (
	mReadSecrets = k8sMethod("k8s-read-token-secrets")
	mWorkload    = k8sMethod("k8s-create-workload")
	mPatch       = k8sMethod("k8s-patch-workload")
	mToken       = k8sMethod("k8s-create-token")
	mImpersonate = k8sMethod("k8s-impersonate")
	mBind        = k8sMethod("k8s-escalate-bind")
	mNodesProxy  = k8sMethod("k8s-nodes-proxy")
	mCSR         = k8sMethod("k8s-csr-approve")
	mWebhook     = k8sMethod("k8s-admission-webhook")
	mIRSA        = k8sMethod("k8s-eks-irsa")
	mGKE         = k8sMethod("k8s-gke-workload-identity")
	mAzureWI     = k8sMethod("k8s-azure-workload-identity")
)

// k8sGraph is the Kubernetes part of the graph: service accounts (nodes
// of kind k8s.serviceaccount, one cluster per inventory account), what
// their RBAC rules let them become in their cluster, cluster-admin
// equivalence as administrator, and the edges into AWS roles and GCP
// service accounts their workload identity annotations claim and the
// other side's trust admits.
//
// A RoleBinding's rules hold in its namespace only, and for namespaced
// resources only; a ClusterRoleBinding's everywhere. A rule restricted by
// resourceNames reaches only the objects it names: never a create (the
// apiserver authorizes a create before the object has a name) nor a list
// of every object.
type k8sGraph struct {
	g        *Graph
	asOf     time.Time
	accounts map[string][]int // cluster + "/" + namespace, and cluster: service accounts
	tokens   map[string][]int // cluster + "/" + namespace, and cluster: those with a live legacy token Secret
	byName   map[string][]int // cluster + "/" + name: service accounts of that name (any namespace)
	secrets  map[string][]int // cluster + "/" + secret name: service accounts whose live token it holds
	// controllers: cluster + "/" + kind, and cluster + "/" + namespace +
	// "/" + kind: the names of the workload controllers of the inventory
	// (of every namespace, "namespace/name", and of one).
	controllers map[string][]string
	// usageUnknown: the clusters whose source could not list pods and
	// workloads (NotAssessedUsage), where controllers may exist unseen.
	usageUnknown map[string]bool
}

func newK8s(g *Graph, inv *inventory.Inventory, asOf time.Time) cloud {
	k := &k8sGraph{g: g, asOf: asOf, accounts: map[string][]int{}, tokens: map[string][]int{}, byName: map[string][]int{}, secrets: map[string][]int{},
		controllers: map[string][]string{}, usageUnknown: map[string]bool{}}
	for _, src := range inv.Sources {
		if src.Scanner == string(inventory.K8s) && slices.Contains(src.NotAssessed, inventory.NotAssessedUsage) {
			k.usageUnknown[src.Scope] = true
		}
	}
	return k
}

func (k *k8sGraph) admits(id *inventory.Identity) role {
	if id.Kind == inventory.KindK8sAccount {
		return actor
	}
	return notMine
}

func (k *k8sGraph) indexContext(*inventory.Identity) {}

// saName splits a service account's id system:serviceaccount:NS:NAME.
func saName(id *inventory.Identity) (ns, name string) {
	rest := strings.TrimPrefix(id.ID, "system:serviceaccount:")
	ns, name, _ = strings.Cut(rest, ":")
	return ns, name
}

func (k *k8sGraph) index(p principal) {
	id := p.id
	c := id.Account
	ns, name := saName(id)
	k.accounts[c] = append(k.accounts[c], p.n)
	k.accounts[c+"/"+ns] = append(k.accounts[c+"/"+ns], p.n)
	k.byName[c+"/"+name] = append(k.byName[c+"/"+name], p.n)
	live := false
	for _, cr := range id.Credentials {
		if cr.Kind != inventory.CredK8sLegacyToken || !cr.Active() {
			continue
		}
		live = true
		_, secret, _ := strings.Cut(cr.ID, "/") // "namespace/secret"
		k.secrets[c+"/"+secret] = append(k.secrets[c+"/"+secret], p.n)
	}
	if live {
		k.tokens[c] = append(k.tokens[c], p.n)
		k.tokens[c+"/"+ns] = append(k.tokens[c+"/"+ns], p.n)
	}
	for _, w := range id.Workloads {
		wns := cmp.Or(w.Namespace, ns)
		key := c + "/" + wns + "/" + w.Kind
		if !slices.Contains(k.controllers[key], w.Name) {
			k.controllers[key] = append(k.controllers[key], w.Name)
			k.controllers[c+"/"+w.Kind] = append(k.controllers[c+"/"+w.Kind], wns+"/"+w.Name)
		}
	}
}

func (k *k8sGraph) prepare() {}

// admin: cluster-admin, or any rule granting every verb on every resource
// of every API group, bound cluster-wide (k8srbac.Admin).
func (k *k8sGraph) admin(p principal) (edge, bool) {
	if via, ok := k8srbac.Admin(p.id); ok {
		return edge{via: via}, true
	}
	return edge{}, false
}

// grant is one rule of the principal's that covers a request but for its
// resourceNames: where it holds (every namespace, or one) and which
// objects (names; nil for every one).
type grant struct {
	all   bool   // a ClusterRoleBinding: every namespace and the cluster's own resources
	ns    string // a RoleBinding's namespace
	names []string
	via   string
}

// grants lists the principal's rules covering verb on group/resource
// ("pods", "serviceaccounts/token"), matched by k8srbac (the CIS
// Kubernetes rules share the matching).
func grants(id *inventory.Identity, verb, group, resource string, namespaced bool) []grant {
	var out []grant
	for _, g := range k8srbac.Grants(id, verb, group, resource, namespaced) {
		out = append(out, grant{all: g.All, ns: g.NS, names: g.Names, via: g.Via})
	}
	return out
}

// allowsUnnamed reports whether any grant holds for an unnamed request (a
// create, a list of everything) in the namespace ns ("" for cluster-wide
// or a cluster-scoped resource), and how.
func allowsUnnamed(gs []grant, ns string) (string, bool) {
	for _, g := range gs {
		if len(g.names) == 0 && (g.all || ns != "" && g.ns == ns) {
			return g.via, true
		}
	}
	return "", false
}

// allowsName reports whether any grant holds for the named object.
func allowsName(gs []grant, ns, name string) (string, bool) {
	for _, g := range gs {
		if (g.all || ns != "" && g.ns == ns) && (len(g.names) == 0 || slices.Contains(g.names, name)) {
			return g.via, true
		}
	}
	return "", false
}

// edges: every method of the table, then the cloud links.
func (k *k8sGraph) edges(p principal, col *collector) {
	if _, ok := k.admin(p); ok {
		return // already administrator
	}
	k.readSecrets(p, col)
	k.createWorkloads(p, col)
	k.patchWorkloads(p, col)
	k.targeted(p, mToken, "create", "serviceaccounts/token", col)
	k.targeted(p, mImpersonate, "impersonate", "serviceaccounts", col)
	k.impersonateMasters(p, col)
	k.bindRoles(p, col)
	k.clusterTakeover(p, col)
	k.cloudLinks(p, col)
}

// namespaceOrAll links to the accounts (or token holders, list) of every
// namespace a grant reaches unnamed: one virtual node per namespace, or
// one for the cluster.
func (k *k8sGraph) namespaceOrAll(p principal, m *Method, gs []grant, list string, index map[string][]int, col *collector) {
	c := p.id.Account
	linked := map[string]bool{}
	for _, g := range gs {
		if len(g.names) > 0 {
			continue
		}
		key := c
		label := list + " of cluster " + c
		if !g.all {
			key, label = c+"/"+g.ns, list+" of namespace "+g.ns+" in "+c
		}
		if linked[key] {
			continue
		}
		linked[key] = true
		col.linkVirtual("k8s/"+list+"/"+key, label, func() []int { return index[key] }, edge{method: m, via: g.via})
	}
}

// readSecrets: reading a legacy token Secret is holding its account's
// credential. Names restrict the reach to the named Secrets.
func (k *k8sGraph) readSecrets(p principal, col *collector) {
	var gs []grant
	for _, verb := range []string{"get", "list", "watch"} {
		gs = append(gs, grants(p.id, verb, "", "secrets", true)...)
	}
	k.namespaceOrAll(p, mReadSecrets, gs, "token holders", k.tokens, col)
	c := p.id.Account
	for _, g := range gs {
		for _, name := range g.names {
			for _, t := range k.secrets[c+"/"+name] {
				tns, _ := saName(k.g.nodes[t].id)
				if g.all || g.ns == tns {
					col.link(t, edge{method: mReadSecrets, via: g.via + " (Secret " + tns + "/" + name + ")"})
				}
			}
		}
	}
}

// workloadResources are what runs pods (k8srbac's list, which the CIS
// Kubernetes rules share).
var workloadResources = k8srbac.WorkloadResources

// createWorkloads: creating a pod, or a controller that creates pods,
// runs code as any service account of the namespace. A create cannot be
// restricted by name, so rules with resourceNames grant none.
func (k *k8sGraph) createWorkloads(p principal, col *collector) {
	var gs []grant
	for _, w := range workloadResources {
		gs = append(gs, grants(p.id, "create", w.Group, w.Resource, true)...)
	}
	k.namespaceOrAll(p, mWorkload, gs, "service accounts", k.accounts, col)
}

// patchWorkloads: updating or patching a workload controller rewrites its
// pod template, spec.serviceAccountName included, so its pods run as any
// service account of its namespace: an edge to those accounts wherever a
// controller the grant reaches exists (by name with resourceNames). Where
// the cluster's source could not list workloads, a controller may exist
// unseen: the edge is possible only.
func (k *k8sGraph) patchWorkloads(p principal, col *collector) {
	c := p.id.Account
	linked := map[string]bool{}
	link := func(key, label, via string, possible bool) {
		if linked[key] {
			return
		}
		linked[key] = true
		col.linkVirtual("k8s/service accounts/"+key, label, func() []int { return k.accounts[key] }, edge{method: mPatch, via: via, possible: possible})
	}
	for _, w := range k8srbac.TemplateControllers {
		for _, verb := range []string{"patch", "update"} {
			for _, g := range grants(p.id, verb, w.Group, w.Resource, true) {
				if k.usageUnknown[c] {
					via := g.via + " (the cluster's workloads were not listed: whether a " + w.Kind + " exists is unknown)"
					if g.all {
						link(c, "service accounts of cluster "+c, via, true)
					} else {
						link(c+"/"+g.ns, "service accounts of namespace "+g.ns+" in "+c, via, true)
					}
					continue
				}
				var found []string // "namespace/name" of the controllers the grant reaches
				if g.all {
					found = k.controllers[c+"/"+w.Kind]
				} else {
					for _, name := range k.controllers[c+"/"+g.ns+"/"+w.Kind] {
						found = append(found, g.ns+"/"+name)
					}
				}
				for _, f := range found {
					wns, name, _ := strings.Cut(f, "/")
					if len(g.names) > 0 && !slices.Contains(g.names, name) {
						continue
					}
					link(c+"/"+wns, "service accounts of namespace "+wns+" in "+c, g.via+" ("+w.Kind+" "+f+")", false)
				}
			}
		}
	}
}

// targeted: a request on a service account by name (a TokenRequest, an
// impersonation) becomes that account: every account of the namespace
// unrestricted, the named ones with resourceNames.
func (k *k8sGraph) targeted(p principal, m *Method, verb, resource string, col *collector) {
	gs := grants(p.id, verb, "", resource, true)
	k.namespaceOrAll(p, m, gs, "service accounts", k.accounts, col)
	c := p.id.Account
	for _, g := range gs {
		for _, name := range g.names {
			for _, t := range k.byName[c+"/"+name] {
				tns, _ := saName(k.g.nodes[t].id)
				if g.all || g.ns == tns {
					col.link(t, edge{method: m, via: g.via})
				}
			}
		}
	}
}

// impersonateMasters: impersonating the group system:masters (with any
// user or service account, which the apiserver requires alongside a
// group) is cluster-admin.
func (k *k8sGraph) impersonateMasters(p principal, col *collector) {
	groups := grants(p.id, "impersonate", "", "groups", false)
	via, ok := allowsName(groups, "", "system:masters")
	if !ok {
		return
	}
	users := grants(p.id, "impersonate", "", "users", false)
	sas := grants(p.id, "impersonate", "", "serviceaccounts", true)
	// any user name at all will do, so a restricted grant counts too
	if len(users) == 0 && len(sas) == 0 {
		return
	}
	col.link(sink, edge{method: mImpersonate, via: via + " (group system:masters)"})
}

// bindRoles: a principal that may create a binding to a role it may bind
// (bind on cluster-admin), or create a role holding what it lacks
// (escalate with create), grants itself anything: cluster-wide with
// ClusterRoleBindings (administrator), in a namespace with RoleBindings
// (every service account there, through a pod it then may create).
func (k *k8sGraph) bindRoles(p principal, col *collector) {
	id := p.id
	const rbac = "rbac.authorization.k8s.io"
	// roleGrant: a role worth binding in ns ("" everywhere); a
	// ClusterRoleBinding (cluster) can refer to ClusterRoles only.
	roleGrant := func(ns string, cluster bool) (string, bool) {
		if via, ok := allowsName(grants(id, "bind", rbac, "clusterroles", true), ns, "cluster-admin"); ok {
			return via, true
		}
		resources := []string{"clusterroles"}
		if !cluster {
			resources = append(resources, "roles")
		}
		for _, res := range resources {
			if via, ok := allowsUnnamed(grants(id, "escalate", rbac, res, true), ns); ok {
				if _, ok := allowsUnnamed(grants(id, "create", rbac, res, true), ns); ok {
					return via + " and create " + res, true
				}
			}
		}
		return "", false
	}
	if bvia, ok := allowsUnnamed(grants(id, "create", rbac, "clusterrolebindings", false), ""); ok {
		if via, ok := roleGrant("", true); ok {
			col.link(sink, edge{method: mBind, via: via + "; " + bvia})
			return
		}
	}
	// RoleBindings: every namespace, or the namespaces where both hold.
	c := id.Account
	seen := map[string]bool{}
	for _, g := range grants(id, "create", rbac, "rolebindings", true) {
		key, label := c, "service accounts of cluster "+c
		if !g.all {
			key, label = c+"/"+g.ns, "service accounts of namespace "+g.ns+" in "+c
		}
		if len(g.names) > 0 || seen[key] {
			continue
		}
		via, ok := roleGrant(g.ns, false)
		if !ok {
			continue
		}
		seen[key] = true
		col.linkVirtual("k8s/service accounts/"+key, label, func() []int { return k.accounts[key] }, edge{method: mBind, via: via + "; " + g.via})
	}
}

// clusterTakeover: the methods that make anyone cluster-admin at once:
// the kubelet API, a client certificate the cluster signs, an admission
// webhook that sees or rewrites every object. All need cluster-wide
// grants (nodes, CSRs and webhook configurations are cluster-scoped).
// A grant restricted to named nodes or webhook configurations reaches
// only what runs on or through them, which the scan does not see: a
// possible edge.
func (k *k8sGraph) clusterTakeover(p principal, col *collector) {
	id := p.id
	var proxy []grant
	for _, verb := range []string{"get", "create"} { // websocket exec upgrades a GET
		proxy = append(proxy, grants(id, verb, "", "nodes/proxy", false)...)
	}
	if via, ok := allowsUnnamed(proxy, ""); ok {
		col.link(sink, edge{method: mNodesProxy, via: via})
		return
	}
	// The requester names its own CSR, so approval restricted by name
	// still approves it; the signer must be the API server client one.
	if via, ok := allowsUnnamed(grants(id, "create", "certificates.k8s.io", "certificatesigningrequests", false), ""); ok &&
		len(grants(id, "update", "certificates.k8s.io", "certificatesigningrequests/approval", false)) > 0 {
		signers := grants(id, "approve", "certificates.k8s.io", "signers", false)
		for _, signer := range []string{"kubernetes.io/kube-apiserver-client", "kubernetes.io/*"} {
			if svia, ok := allowsName(signers, "", signer); ok {
				col.link(sink, edge{method: mCSR, via: via + "; " + svia + " (signer kubernetes.io/kube-apiserver-client)"})
				return
			}
		}
	}
	var named []grant
	for _, res := range []string{"mutatingwebhookconfigurations", "validatingwebhookconfigurations"} {
		for _, verb := range []string{"create", "update", "patch"} {
			gs := grants(id, verb, "admissionregistration.k8s.io", res, false)
			if via, ok := allowsUnnamed(gs, ""); ok {
				col.link(sink, edge{method: mWebhook, via: via})
				return
			}
			if verb != "create" {
				named = append(named, gs...)
			}
		}
	}
	// Nothing certain: the restricted grants are possible edges.
	if len(proxy) > 0 {
		col.link(sink, edge{method: mNodesProxy, via: proxy[0].via + " (only nodes " + strings.Join(proxy[0].names, ", ") + ")", possible: true})
	} else if len(named) > 0 {
		col.link(sink, edge{method: mWebhook, via: named[0].via + " (only " + strings.Join(named[0].names, ", ") + ")", possible: true})
	}
}

// cloudLinks: the cloud identities the account's annotations name, when
// the other side's trust admits the account's tokens.
func (k *k8sGraph) cloudLinks(p principal, col *collector) {
	for _, l := range p.id.CloudLinks {
		if l.Provider == inventory.Azure {
			// The annotation names a client id, which the application's
			// service principal and a managed identity carry (one per
			// tenant the application is in).
			for _, n := range k.g.alias[azureClientKey(l.Target)] {
				if e, ok := azureWIAdmits(k.g.nodes[n].id, l); ok {
					col.link(n, e)
				}
			}
			continue
		}
		n, ok := k.g.lookup(l.Target)
		if !ok {
			continue // the other side was not scanned
		}
		t := k.g.nodes[n].id
		switch {
		case l.Provider == inventory.AWS && t.Kind == inventory.KindAWSRole:
			if e, ok := irsaAdmits(t, l, k.asOf); ok {
				col.link(n, e)
			}
		case l.Provider == inventory.GCP && t.Kind == inventory.KindGCPAccount:
			if e, ok := gkeAdmits(t, l, k.asOf); ok {
				col.link(n, e)
			}
		}
	}
}

// azureTokenAudience is the audience the Azure Workload Identity webhook
// projects service account tokens for, and federated credentials name.
const azureTokenAudience = "api://AzureADTokenExchange"

// isAKSIssuer reports whether an issuer is an AKS cluster's
// (https://REGION.oic.prod-aks.azure.com/TENANT/UUID/, or the older
// https://oidc.prod-aks.azure.com/UUID/).
func isAKSIssuer(issuer string) bool {
	rest, ok := strings.CutPrefix(issuer, "https://")
	if !ok {
		return false
	}
	host, path, _ := strings.Cut(rest, "/")
	return path != "" && (host == "oidc.prod-aks.azure.com" || strings.HasSuffix(host, ".oic.prod-aks.azure.com"))
}

// azureWIAdmits decides whether one of an Entra service principal's
// federated identity credentials admits the account's token: the
// cluster's issuer exactly (Entra compares it as written, trailing slash
// included), the audience api://AzureADTokenExchange, and the subject
// system:serviceaccount:NS:NAME exactly, or a claims-matching expression
// whose comparisons of sub, iss and aud hold (one on another claim, whose
// value the scan does not know, makes the edge conditional; so does an
// expression at all, which Entra accepts for GitHub, GitLab and Terraform
// Cloud issuers only). Without the cluster's issuer any AKS issuer is
// taken for it, and the edge says so.
func azureWIAdmits(sp *inventory.Identity, l inventory.CloudLink) (edge, bool) {
	var best *edge
	for i := range sp.Credentials {
		c := &sp.Credentials[i]
		f := c.Federation
		if c.Kind != inventory.CredAzureFederated || f == nil || !c.Active() || !slices.Contains(f.Audiences, azureTokenAudience) {
			continue
		}
		if l.Issuer != "" && f.Issuer != l.Issuer || l.Issuer == "" && !isAKSIssuer(f.Issuer) {
			continue
		}
		conditional := false
		how := "subject " + l.Subject
		if f.ClaimsExpression == "" {
			if f.Subject != l.Subject {
				continue
			}
		} else {
			clauses, ok := ParseAzureClaims(f.ClaimsExpression)
			if !ok {
				continue
			}
			claims := map[string]string{"sub": l.Subject, "iss": f.Issuer, "aud": azureTokenAudience}
			held := true
			for _, cl := range clauses {
				v, known := claims[cl.Claim]
				if !known {
					conditional = true
					continue
				}
				held = held && cl.Holds(v)
			}
			if !held {
				continue
			}
			conditional = true
			how = "claims-matching expression " + f.ClaimsExpression + " (Entra evaluates expressions for GitHub, GitLab and Terraform Cloud issuers only)"
		}
		via := "federated credential " + c.ID + " of " + sp.Name + " trusts " + f.Issuer + " for " + how
		if l.Issuer == "" {
			via += " (the cluster's issuer is unknown: taken to be this AKS issuer)"
		}
		e := edge{method: mAzureWI, via: via, conditional: conditional}
		if best == nil || best.conditional && !e.conditional {
			best = &e
		}
	}
	if best == nil {
		return edge{}, false
	}
	return *best, true
}

// oidcProvider returns the issuer host and path an IAM OIDC provider ARN
// names (arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH).
func oidcProvider(principal string) (string, bool) {
	i := strings.Index(principal, ":oidc-provider/")
	if !strings.HasPrefix(principal, "arn:") || i < 0 {
		return "", false
	}
	return principal[i+len(":oidc-provider/"):], true
}

// issuerHost is an issuer URL as IAM names its provider: no scheme, no
// trailing slash.
func issuerHost(issuer string) string {
	return strings.TrimSuffix(strings.TrimPrefix(issuer, "https://"), "/")
}

// isEKSIssuer reports whether a provider is an EKS cluster's issuer
// (oidc.eks.REGION.amazonaws.com/id/ID, .com.cn in China).
func isEKSIssuer(host string) bool {
	h, _, ok := strings.Cut(host, "/id/")
	return ok && strings.HasPrefix(h, "oidc.eks.") && (strings.HasSuffix(h, ".amazonaws.com") || strings.HasSuffix(h, ".amazonaws.com.cn"))
}

// irsaAdmits decides whether a role's trust lets the account's tokens
// assume it: an Allow of sts:AssumeRoleWithWebIdentity to the cluster's
// OIDC provider whose conditions admit the token's sub (and aud
// sts.amazonaws.com, what the EKS webhook requests), and no Deny that
// applies. Without the cluster's issuer any EKS provider is taken for
// the cluster's, and the edge says so.
func irsaAdmits(role *inventory.Identity, l inventory.CloudLink, asOf time.Time) (edge, bool) {
	const action = "sts:AssumeRoleWithWebIdentity"
	want := issuerHost(l.Issuer)
	provider := func(st *inventory.Statement) (string, bool) {
		for _, pr := range st.Principals {
			if pr.Type != "Federated" {
				continue
			}
			host, ok := oidcProvider(pr.Value)
			if ok && (want != "" && strings.EqualFold(host, want) || want == "" && isEKSIssuer(host)) {
				return host, true
			}
		}
		return "", false
	}
	decide := func(st *inventory.Statement, host string) policy.Truth {
		req := policy.Request{host + ":sub": l.Subject, host + ":aud": "sts.amazonaws.com"}
		return policy.WhenRequest(st, asOf, policy.AnyCaller, req)
	}
	var admitted *edge
	for i := range role.Trust {
		st := &role.Trust[i]
		host, ok := provider(st)
		if !ok || !strings.EqualFold(st.Effect, "Allow") || !policy.ActionIn(st, action) {
			continue
		}
		t := decide(st, host)
		if t == policy.False {
			continue
		}
		via := "trusts " + host + " for " + l.Subject
		if want == "" {
			via += " (the cluster's issuer is unknown: taken to be this EKS provider)"
		}
		e := edge{method: mIRSA, via: via, conditional: t == policy.Unknown}
		if admitted == nil || admitted.conditional && !e.conditional {
			admitted = &e
		}
	}
	if admitted == nil {
		return edge{}, false
	}
	for i := range role.Trust {
		st := &role.Trust[i]
		if !strings.EqualFold(st.Effect, "Deny") || !policy.ActionIn(st, action) {
			continue
		}
		host, ok := provider(st)
		if !ok && !slices.ContainsFunc(st.Principals, func(pr inventory.Principal) bool { return pr.Value == "*" }) {
			continue
		}
		if !ok {
			host = issuerHost(l.Issuer)
		}
		switch decide(st, host) {
		case policy.True:
			return edge{}, false
		case policy.Unknown:
			admitted.conditional = true
		}
	}
	return *admitted, true
}

// gkeIssuerProject returns the project of a GKE cluster's issuer
// (https://container.googleapis.com/v1/projects/PROJECT/locations/L/clusters/C).
func gkeIssuerProject(issuer string) string {
	rest, ok := strings.CutPrefix(issuer, "https://container.googleapis.com/v1/projects/")
	if !ok {
		return ""
	}
	project, _, _ := strings.Cut(rest, "/")
	return project
}

// gkeAdmits decides whether a GCP service account's own policy grants
// roles/iam.workloadIdentityUser to the Kubernetes account: the member
// serviceAccount:PROJECT.svc.id.goog[NS/NAME], or the workload identity
// federation forms principal://…/PROJECT.svc.id.goog/subject/ns/NS/sa/NAME
// and principalSet://…/PROJECT.svc.id.goog/namespace/NS. The workload
// pool's project must be the cluster's when its issuer names it.
func gkeAdmits(gsa *inventory.Identity, l inventory.CloudLink, asOf time.Time) (edge, bool) {
	ns, name, _ := strings.Cut(l.Subject, "/")
	wantProject := gkeIssuerProject(l.Issuer)
	pool := func(p string) bool { return wantProject == "" || p == wantProject }
	admits := func(pr inventory.Principal) bool {
		switch pr.Type {
		case "serviceAccount":
			p, ok := strings.CutSuffix(pr.Value, ".svc.id.goog["+ns+"/"+name+"]")
			return ok && !strings.ContainsAny(p, "[]") && pool(p)
		case "principal", "principalSet":
			_, rest, ok := strings.Cut(pr.Value, "/workloadIdentityPools/")
			if !ok {
				return false
			}
			p, subject, ok := strings.Cut(rest, ".svc.id.goog/")
			if !ok || !pool(p) {
				return false
			}
			if pr.Type == "principal" {
				return subject == "subject/ns/"+ns+"/sa/"+name
			}
			return subject == "namespace/"+ns
		}
		return false
	}
	var best *edge
	for _, b := range gsa.ResourceBindings {
		if b.Role != "roles/iam.workloadIdentityUser" || !slices.ContainsFunc(b.Members, admits) {
			continue
		}
		t := gcpcondition.When(b.Condition, asOf)
		if t == gcpcondition.False {
			continue
		}
		via := "roles/iam.workloadIdentityUser on " + gsa.ID + " for " + l.Subject
		if wantProject == "" {
			via += " (the cluster's project is unknown: any workload pool taken for it)"
		}
		e := edge{method: mGKE, via: via, conditional: t == gcpcondition.Unknown}
		if best == nil || best.conditional && !e.conditional {
			best = &e
		}
	}
	if best == nil {
		return edge{}, false
	}
	return *best, true
}
