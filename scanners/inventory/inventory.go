// Package inventory is the provider-neutral model of non-human identities
// that every scanner produces and every rule reads. It is plain data: no
// cloud SDK, no rule logic and no rendering lives here.
package inventory

import (
	"slices"
	"time"
)

// Provider names a cloud or platform.
type Provider string

// Known providers.
const (
	AWS   Provider = "aws"
	GCP   Provider = "gcp"
	K8s   Provider = "k8s"
	Azure Provider = "azure"
)

// Identity kinds. The kind is "<provider>.<service>.<type>".
const (
	KindAWSRole    = "aws.iam.role"
	KindAWSUser    = "aws.iam.user"
	KindAWSRoot    = "aws.account.root"
	KindAWSGroup   = "aws.iam.group"
	KindGCPAccount = "gcp.service-account"
	KindGCPProject = "gcp.project"
	KindK8sAccount = "k8s.serviceaccount"
	KindK8sCluster = "k8s.cluster"
	// Azure / Entra ID service principals by what backs them.
	KindAzureApplication     = "azure.application"
	KindAzureManagedIdentity = "azure.managed-identity"
	KindAzureAgentIdentity   = "azure.agent-identity"
	// KindGCPAgentPrincipal is a Vertex AI Agent Engine agent's own
	// Agent Identity principal (principal://agents.global.…/reasoningEngines/ID).
	KindGCPAgentPrincipal = "gcp.agent-principal"
)

// Credential kinds.
const (
	CredAWSAccessKey   = "aws.access-key"
	CredAWSPassword    = "aws.console-password"
	CredGCPUserKey     = "gcp.user-managed-key"
	CredK8sLegacyToken = "k8s.legacy-token"
	CredAzureSecret    = "azure.client-secret"
	CredAzureCert      = "azure.certificate"
	CredAzureFederated = "azure.federated-credential"
	CredentialActive   = "active"
	CredentialInactive = "inactive"
	CredentialExpired  = "expired"
)

// Grant sources: where a set of policy statements reaches an identity from.
const (
	SourceInline   = "inline"
	SourceManaged  = "managed"
	SourceGroup    = "group"
	SourceBoundary = "boundary"
)

// Inventory is everything a scan found: the identities, and one Source per
// scanned scope saying whether that scope was read completely.
type Inventory struct {
	Identities []Identity `json:"identities"`
	Sources    []Source   `json:"sources"`
	// Agents are the AI agents the platforms list (Bedrock agents,
	// AgentCore runtimes, Agent Engine reasoning engines), each naming
	// the identity it acts as.
	Agents []Agent `json:"agents,omitempty"`
}

// Append adds the identities and sources of others to inv. An inv without
// identities takes the first other's as they are, not a copy (capacity
// clipped, so that appending more copies them instead of writing past
// them).
func (inv *Inventory) Append(others ...Inventory) {
	for _, o := range others {
		if len(inv.Identities) == 0 && len(o.Identities) > 0 {
			inv.Identities = slices.Clip(o.Identities)
		} else {
			inv.Identities = append(inv.Identities, o.Identities...)
		}
		inv.Sources = append(inv.Sources, o.Sources...)
		inv.Agents = append(inv.Agents, o.Agents...)
	}
}

// Source status values.
const (
	StatusOK      = "ok"
	StatusPartial = "partial"
	StatusFailed  = "failed"
)

// NotAssessedUserCredentials is the NotAssessed entry of an AWS source
// without a credential report: users' passwords, key ages and key use are
// unknown.
const NotAssessedUserCredentials = "user credentials"

// NotAssessed entries for what an export lacked about identities: their
// policies (permissions), trust policies and tags.
const (
	NotAssessedPermissions = "permissions"
	NotAssessedTrust       = "trust"
	NotAssessedTags        = "tags"
)

// NotAssessed entries of a GCP project whose export lacked activity data
// (service accounts', keys') or the project's own IAM policy.
const (
	NotAssessedAccountDormancy = "service account dormancy"
	NotAssessedKeyDormancy     = "key dormancy"
	NotAssessedProjectPolicy   = "project IAM policy"
)

// NotAssessedSignIns is the NotAssessed entry of an Entra tenant (and of
// its service principals) whose sign-in activity was not read: dormancy
// is not judged.
const NotAssessedSignIns = "sign-in activity"

// NotAssessedOwners is the NotAssessed entry of an identity whose owners
// (an Entra application's or service principal's owners, an agent
// identity's sponsors) were not exported: ownerless is not judged.
const NotAssessedOwners = "owners"

// NotAssessed entries of a Kubernetes cluster whose caller may not list
// Secrets (its legacy token Secrets) or pods and workloads (which service
// accounts they run as).
const (
	NotAssessedK8sTokens = "service account tokens"
)

// NotAssessedUsage is the NotAssessed entry of a Kubernetes cluster whose
// export held no pods and no workloads: which service accounts run
// anything is unknown, so none is judged unused.
const NotAssessedUsage = "workload usage"

// NotAssessedFederation is the NotAssessed entry of an identity whose
// federated credentials (an Entra application's, a user-assigned managed
// identity's) were not exported: what external tokens it admits is
// unknown.
const NotAssessedFederation = "federated credentials"

// Source records one scanned scope (an AWS account, a GCP project).
type Source struct {
	Scanner  string   `json:"scanner"`
	Scope    string   `json:"scope"`
	Mode     string   `json:"mode"` // live or offline
	Status   string   `json:"status"`
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// NotAssessed lists what this source could not judge ("dormancy"); a
	// rule that needs data the source lacked says so instead of guessing.
	NotAssessed []string `json:"not_assessed,omitempty"`
	// Principal is the identity a live scan ran as (caller ARN), when known.
	Principal string `json:"principal,omitempty"`
}

// Identity is one non-human identity, or a human identity holding a
// non-human credential. A CreatedAt of zero means the provider does not
// record creation (GCP service accounts). A GCP project appears as an
// identity of kind gcp.project whose Trust holds the project's (and its
// ancestors') bindings in ResourceBindings, so rules can judge who may act
// on every service account in it.
//
// Grants, Boundary and Trust are AWS policy documents; Bindings and
// ResourceBindings are provider-neutral role bindings (GCP IAM bindings).
type Identity struct {
	ID       string   `json:"id"` // ARN, service account email
	Provider Provider `json:"provider"`
	Kind     string   `json:"kind"`
	Account  string   `json:"account"` // AWS account id, GCP project id
	Name     string   `json:"name"`
	Path     string   `json:"path,omitempty"`
	// Description is the provider's free text about the identity (GCP
	// service accounts carry their owner there by convention).
	Description string            `json:"description,omitempty"`
	CreatedAt   time.Time         `json:"created"`
	LastUsed    *time.Time        `json:"last_used,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	// Owner is filled by classification from tags or other conventions.
	Owner string `json:"owner,omitempty"`
	// OwnerSource says where Owner came from ("tag owner", "label
	// app.kubernetes.io/managed-by", "namespace payments label team").
	OwnerSource string `json:"owner_source,omitempty"`
	// OwnerHints are owners that conventions below the identity's own
	// owner tags name, in order of preference (a Kubernetes service
	// account's managing tool or Helm release, then its namespace's
	// labels): classification takes one when no owner tag names an owner.
	OwnerHints []OwnerHint `json:"owner_hints,omitempty"`
	// Agent is true when the identity is used by an AI agent.
	Agent bool `json:"agent"`
	// Disabled identities cannot authenticate.
	Disabled bool `json:"disabled,omitempty"`
	// Excluded carries the reason an identity is out of scope by default
	// (service-linked role, SSO role, Google-managed agent); rules skip it.
	Excluded string `json:"excluded,omitempty"`
	// MaxSession is the longest session a caller can obtain (roles).
	MaxSession time.Duration `json:"max_session,omitempty"`
	// LastUsedKnown is false when the source carried no usage data.
	LastUsedKnown bool `json:"last_used_known"`
	// DormantSignal is the provider's own verdict that the identity is
	// unused (a GCP Recommender insight), with its evidence.
	DormantSignal string `json:"dormant_signal,omitempty"`
	// NotAssessed lists what the source lacked about this identity
	// (NotAssessedPermissions, NotAssessedTrust, NotAssessedTags): a rule
	// that needs it says so instead of concluding from its absence.
	NotAssessed []string `json:"not_assessed,omitempty"`

	// Groups are the ids of the groups the identity belongs to.
	Groups []string `json:"groups,omitempty"`
	// AttachedTo names compute the identity is attached to (AWS instance
	// profiles), through which code running there acts as it.
	AttachedTo []string `json:"attached_to,omitempty"`

	Credentials []Credential `json:"credentials,omitempty"`
	Grants      []Grant      `json:"grants,omitempty"`
	Boundary    *Grant       `json:"boundary,omitempty"`
	Trust       []Statement  `json:"trust,omitempty"`

	// Bindings are the roles bound to this identity: each binding's
	// Members holds the identity's own member entry.
	Bindings []Binding `json:"bindings,omitempty"`
	// ResourceBindings are the bindings on this identity as a resource
	// (a service account's own IAM policy), or on the scopes it stands
	// for (a project's policy and its folders' and organization's): who
	// may act on it.
	ResourceBindings []Binding `json:"resource_bindings,omitempty"`

	// CloudLinks are the identities of other providers this one is set up
	// to become by workload identity federation (a Kubernetes service
	// account annotated with an IAM role or a GCP service account). A link
	// is a claim of the configuring side; whether the other side admits
	// it is for rules to check against that side's trust.
	CloudLinks []CloudLink `json:"cloud_links,omitempty"`
	// Workloads are what runs as the identity (Kubernetes pods and
	// workload templates); nil when the source does not say.
	Workloads []Workload `json:"workloads,omitempty"`
}

// CloudLink is one federation link from an identity to an identity of
// another provider.
type CloudLink struct {
	Provider Provider `json:"provider"`
	// Target is the other side's identity id (role ARN, service account
	// email, Entra application client id).
	Target string `json:"target"`
	// Issuer is the token issuer the other side must trust (the cluster's
	// service account issuer URL), when known.
	Issuer string `json:"issuer,omitempty"`
	// Subject is the subject the tokens carry
	// ("system:serviceaccount:ns:name").
	Subject string `json:"subject"`
}

// OwnerHint is an owner a convention names. A hint with a Key counts
// only when Key is one of the configured owner keys (a namespace's label
// "team"); one without counts whatever the configuration (the Helm
// release that installed the account).
type OwnerHint struct {
	Value string `json:"value"`
	// From says where the value was found ("annotation
	// meta.helm.sh/release-name", "namespace payments label team").
	From string `json:"from"`
	Key  string `json:"key,omitempty"`
}

// Workload is one thing that runs as an identity: a pod or a workload
// controller's pod template.
type Workload struct {
	Kind      string `json:"kind"` // Pod, Deployment, CronJob, ...
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Automount is false when the workload does not mount the identity's
	// token (automountServiceAccountToken: false).
	Automount bool `json:"automount"`
	// Labels are the workload's labels (agent markers, owners).
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are the workload's short annotations (agent markers).
	Annotations map[string]string `json:"annotations,omitempty"`
	// Pods counts the pods of the source that run from this workload
	// (folded into it rather than listed one by one); a Pod entry of its
	// own counts itself.
	Pods int `json:"pods,omitempty"`
}

// Federation is what a federated credential admits: tokens from Issuer
// whose subject equals Subject, or that satisfy ClaimsExpression (Entra
// flexible federated identity credentials), for Audiences.
type Federation struct {
	Issuer           string   `json:"issuer"`
	Subject          string   `json:"subject,omitempty"`
	ClaimsExpression string   `json:"claims_expression,omitempty"`
	Audiences        []string `json:"audiences,omitempty"`
}

// Binding is a role bound to members at a scope, with an optional
// condition: a GCP IAM policy binding (Kubernetes RoleBindings and Azure
// role assignments have the same shape).
type Binding struct {
	Role string `json:"role"`
	// Scope is the resource the binding is on ("projects/p",
	// "folders/1", "projects/p/serviceAccounts/sa@...").
	Scope   string      `json:"scope"`
	Members []Principal `json:"members"`
	// Condition limits the binding; nil when it always applies.
	Condition *BindingCondition `json:"condition,omitempty"`
	// Permissions are a custom role's permissions, when the source
	// listed the role; empty for predefined roles.
	Permissions []string `json:"permissions,omitempty"`
	// Name is the binding object's own name, when the provider names
	// bindings (a Kubernetes RoleBinding "namespace/name").
	Name string `json:"name,omitempty"`
	// RBACRules are the rules of a Kubernetes Role or ClusterRole, kept
	// as tuples: flattening them into Permissions would lose which
	// resourceNames restrict which verbs.
	RBACRules []RBACRule `json:"rbac_rules,omitempty"`
}

// RBACRule is one Kubernetes PolicyRule: verbs on resources of API
// groups, optionally only the named objects, or on non-resource URLs.
type RBACRule struct {
	Verbs           []string `json:"verbs"`
	APIGroups       []string `json:"api_groups,omitempty"`
	Resources       []string `json:"resources,omitempty"`
	ResourceNames   []string `json:"resource_names,omitempty"`
	NonResourceURLs []string `json:"non_resource_urls,omitempty"`
}

// BindingCondition is a binding's condition: an expression in the
// provider's language (CEL for GCP IAM Conditions) and its title.
type BindingCondition struct {
	Title      string `json:"title,omitempty"`
	Expression string `json:"expression"`
}

// Credential is a credential bound to an identity. It never holds secret
// material: only its public identifier.
type Credential struct {
	ID          string     `json:"id"` // access key id, key name; may be empty when the source has no id
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created"`
	LastUsed    *time.Time `json:"last_used,omitempty"`
	LastRotated *time.Time `json:"last_rotated,omitempty"`
	ExpiresAt   *time.Time `json:"expires,omitempty"`
	// LastUsedKnown is false when the source carried no usage data.
	LastUsedKnown bool `json:"last_used_known"`
	// UsageTrackedSince is when the provider began recording the
	// credential's use, when that is later than its creation: a
	// credential without a recorded use is unused since then, not since
	// it was created (Kubernetes legacy tokens, tracked from 1.26 on).
	UsageTrackedSince *time.Time `json:"usage_tracked_since,omitempty"`
	// Slot is a provider-specific position ("1" or "2" for AWS keys).
	Slot string `json:"slot,omitempty"`
	// Federation is set on federated credentials (no secret at all):
	// which external tokens it admits.
	Federation *Federation `json:"federation,omitempty"`
}

// Active reports whether the credential can currently authenticate.
func (c Credential) Active() bool { return c.Status == CredentialActive }

// Grant is a set of policy statements reaching an identity from one policy.
type Grant struct {
	Source     string      `json:"source"` // inline, managed, group, boundary
	PolicyName string      `json:"policy_name"`
	PolicyID   string      `json:"policy_id,omitempty"` // ARN of a managed policy, role name
	Via        string      `json:"via,omitempty"`       // group name
	Statements []Statement `json:"statements"`
	// OtherVersions are a managed policy's versions that are not in force
	// (iam:SetDefaultPolicyVersion can put one in force).
	OtherVersions []PolicyVersion `json:"other_versions,omitempty"`
}

// PolicyVersion is one stored version of a managed policy.
type PolicyVersion struct {
	ID         string      `json:"id"`
	Statements []Statement `json:"statements"`
}

// Statement is one normalised policy statement. Values keep the case the
// policy wrote; matching decides on case.
type Statement struct {
	Sid          string      `json:"sid,omitempty"`
	Effect       string      `json:"effect"` // Allow or Deny
	Actions      []string    `json:"actions,omitempty"`
	NotActions   []string    `json:"not_actions,omitempty"`
	Resources    []string    `json:"resources,omitempty"`
	NotResources []string    `json:"not_resources,omitempty"`
	Principals   []Principal `json:"principals,omitempty"`
	// NotPrincipals is set when the statement used NotPrincipal.
	NotPrincipals []Principal `json:"not_principals,omitempty"`
	Conditions    []Condition `json:"conditions,omitempty"`
}

// Conditional reports whether the statement applies only under conditions.
func (s Statement) Conditional() bool { return len(s.Conditions) > 0 }

// Principal is one principal in a trust statement: Type is AWS, Service,
// Federated, CanonicalUser or "*" for the anonymous wildcard. In a
// binding it is one member: Type is the member's prefix (serviceAccount,
// user, group, domain, principalSet, deleted:user, allUsers).
type Principal struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Condition is one operator/key pair with its values.
type Condition struct {
	Operator string   `json:"operator"`
	Key      string   `json:"key"`
	Values   []string `json:"values"`
}

// Agent platforms.
const (
	PlatformBedrockAgent     = "aws.bedrock.agent"
	PlatformAgentCoreRuntime = "aws.bedrock-agentcore.runtime"
	PlatformAgentEngine      = "gcp.vertex-ai.reasoning-engine"
	// PlatformEntraAgent is a Microsoft Entra agent identity: the agent
	// and the identity it acts as are one object; its credentials live
	// on its blueprint.
	PlatformEntraAgent = "azure.entra.agent-identity"
	// PlatformK8sWorkload is a Kubernetes workload that the configured
	// agent labels or annotations mark as an agent's.
	PlatformK8sWorkload = "k8s.workload"
	// PlatformKagent is a kagent Agent resource (agents.kagent.dev).
	PlatformKagent = "k8s.kagent.agent"
)

// How an agent acts: the kind of identity it runs as.
const (
	// ActsAsRole: an IAM role the platform assumes for the agent.
	ActsAsRole = "role"
	// ActsAsServiceAccount: a service account chosen for the agent.
	ActsAsServiceAccount = "service account"
	// ActsAsServiceAgent: the platform's service agent, shared by every
	// agent of the project that does not name its own identity.
	ActsAsServiceAgent = "shared service agent"
	// ActsAsAgentPrincipal: a principal of the agent's own (GCP Agent
	// Identity, Entra agent identity).
	ActsAsAgentPrincipal = "per-agent principal"
	// ActsAsK8sServiceAccount: the Kubernetes service account the
	// agent's pods run as.
	ActsAsK8sServiceAccount = "k8s service account"
)

// Agent is one AI agent a platform lists, and the identity it acts as.
// IdentityID is the inventory id of that identity (role ARN, service
// account email, principal://…); it is empty when the source did not say
// (an agent listed without its details).
type Agent struct {
	Provider Provider `json:"provider"`
	Platform string   `json:"platform"`
	// ID is the agent's resource id: its ARN, or its resource name.
	ID       string `json:"id"`
	Name     string `json:"name"`
	Account  string `json:"account"`
	Location string `json:"location,omitempty"` // region
	Status   string `json:"status,omitempty"`
	// IdentityID is the id of the identity the agent acts as.
	IdentityID   string `json:"identity_id,omitempty"`
	IdentityType string `json:"identity_type,omitempty"`
	// WorkloadIdentity is the platform's workload identity of the agent
	// (AgentCore workload identity ARN), when it has one.
	WorkloadIdentity string    `json:"workload_identity,omitempty"`
	CreatedAt        time.Time `json:"created"`
	UpdatedAt        time.Time `json:"updated"`
	// Owner is the agent's owner or sponsor when the platform records
	// one; Tags are its tags or labels.
	Owner string            `json:"owner,omitempty"`
	Tags  map[string]string `json:"tags,omitempty"`
}
