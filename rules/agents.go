package rules

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/rules/gcpcondition"
	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// AI agents are decided here and nowhere else: an identity is an agent's
// when a platform lists an agent acting as it (inventory.Agents), when
// its IAM data alone says so (agentByIAM), or when configuration marks it
// (Classify: tags, globs).

// reServiceAgent is the AI Platform Reasoning Engine service agent of a
// GCP project: the identity of every Agent Engine agent that names no
// identity of its own.
var reServiceAgent = regexp.MustCompile(`^service-\d+@gcp-sa-aiplatform-re\.iam\.gserviceaccount\.com$`)

// agentByIAM reports whether the identity's IAM data alone marks it as an
// AI agent's: an AWS role trusted by an agent service, the Reasoning
// Engine service agent, or a per-agent Agent Identity principal.
func agentByIAM(id *inventory.Identity) bool {
	switch id.Provider {
	case inventory.AWS:
		return trustsAgentService(id)
	case inventory.GCP:
		return id.Kind == inventory.KindGCPAgentPrincipal || reServiceAgent.MatchString(id.ID)
	case inventory.Azure:
		return id.Kind == inventory.KindAzureAgentIdentity || foundryProject(id) != ""
	}
	return false
}

// reFoundryProject matches the resource id of an Azure AI Foundry project
// (Microsoft.CognitiveServices/accounts/A/projects/P).
var reFoundryProject = regexp.MustCompile(`(?i)/providers/microsoft\.cognitiveservices/accounts/([^/]+)/projects/([^/]+)$`)

// foundryProject returns "account/project" when the identity is the
// managed identity of an Azure AI Foundry project, which every agent of
// the project that has no agent identity of its own acts as (the legacy
// agent model), else "".
func foundryProject(id *inventory.Identity) string {
	if id.Kind != inventory.KindAzureManagedIdentity {
		return ""
	}
	for _, r := range id.AttachedTo {
		if m := reFoundryProject.FindStringSubmatch(r); m != nil {
			return m[1] + "/" + m[2]
		}
	}
	return ""
}

// classifyAgents marks the identities the listed agents act as, and
// resolves each agent's owner from its tags or labels.
func classifyAgents(inv *inventory.Inventory, cfg *Config) {
	k8sWorkloadAgents(inv, cfg)
	acting := map[string]bool{}
	for i := range inv.Agents {
		ag := &inv.Agents[i]
		if ag.IdentityID != "" {
			acting[ag.IdentityID] = true
		}
		if ag.Owner == "" {
			for _, k := range cfg.OwnerTags {
				if v := strings.TrimSpace(ag.Tags[k]); v != "" {
					ag.Owner = v
					break
				}
			}
		}
	}
	for i := range inv.Identities {
		if id := &inv.Identities[i]; acting[id.ID] {
			id.Agent = true
		}
	}
}

// k8sWorkloadAgents adds an agent for each Kubernetes workload that the
// agent markers mark (as labels or annotations), acting as the service
// account it runs as: no platform lists these agents, the configuration
// names them. A workload that runs a listed kagent Agent is that agent.
// It adds each once, however often Classify runs.
func k8sWorkloadAgents(inv *inventory.Inventory, cfg *Config) {
	have := map[string]bool{}
	for _, ag := range inv.Agents {
		if ag.Provider != inventory.K8s {
			continue
		}
		have[ag.Account+" "+ag.ID] = true
		if ag.Platform == inventory.PlatformKagent {
			have[ag.Account+" Deployment/"+strings.TrimPrefix(ag.ID, kagentIDPrefix)] = true
		}
	}
	for i := range inv.Identities {
		id := &inv.Identities[i]
		if id.Kind != inventory.KindK8sAccount {
			continue
		}
		for j := range id.Workloads {
			w := &id.Workloads[j]
			wid := k8sWorkloadID(w)
			if have[id.Account+" "+wid] || !agentTagged(w.Labels, cfg.AgentTags) && !agentTagged(w.Annotations, cfg.AgentTags) {
				continue
			}
			have[id.Account+" "+wid] = true
			tags := maps.Clone(w.Annotations)
			if tags == nil {
				tags = map[string]string{}
			}
			maps.Copy(tags, w.Labels)
			inv.Agents = append(inv.Agents, inventory.Agent{
				Provider: inventory.K8s, Platform: inventory.PlatformK8sWorkload, ID: wid, Name: w.Namespace + "/" + w.Name,
				Account: id.Account, IdentityID: id.ID, IdentityType: inventory.ActsAsK8sServiceAccount, Tags: tags,
			})
		}
	}
}

// agentIndex is what agent rules need beyond one identity: the agents
// acting as each identity, every identity by id, and each GCP project's
// own bindings (who may act as its service accounts).
type agentIndex struct {
	byIdentity map[string][]*inventory.Agent
	identities map[string]*inventory.Identity
	projects   map[string]*inventory.Identity
	agentRoles map[string][]string // AWS account -> roles agents act as
	// azureApps are the Azure service principals by tenant and appId:
	// an agent identity's blueprint principal is found by the
	// blueprint's appId.
	azureApps map[string]*inventory.Identity
}

func newAgentIndex(inv *inventory.Inventory) *agentIndex {
	x := &agentIndex{byIdentity: map[string][]*inventory.Agent{}, identities: map[string]*inventory.Identity{}, projects: map[string]*inventory.Identity{}, agentRoles: map[string][]string{}, azureApps: map[string]*inventory.Identity{}}
	for i := range inv.Identities {
		id := &inv.Identities[i]
		x.identities[id.ID] = id
		if id.Kind == inventory.KindAzureApplication && id.Tags["azure.appId"] != "" {
			x.azureApps[id.Account+"/"+strings.ToLower(id.Tags["azure.appId"])] = id
		}
		if id.Kind == inventory.KindGCPProject {
			x.projects[id.Account] = id
		}
		if id.Agent && id.Kind == inventory.KindAWSRole {
			x.agentRoles[id.Account] = append(x.agentRoles[id.Account], id.ID)
		}
	}
	for i := range inv.Agents {
		ag := &inv.Agents[i]
		if ag.IdentityID != "" {
			x.byIdentity[ag.IdentityID] = append(x.byIdentity[ag.IdentityID], ag)
		}
	}
	return x
}

// Agents returns the agents acting as the subject's identity.
func (s *Subject) Agents() []*inventory.Agent {
	if s.agents == nil {
		return nil
	}
	return s.agents.byIdentity[s.Identity.ID]
}

// sharing is who else acts as an agent's identity.
type sharing struct {
	agents, humans, workloads []string
}

func (sh sharing) found() bool { return len(sh.agents)+len(sh.humans)+len(sh.workloads) > 0 }

// ssoRole matches the roles IAM Identity Center creates for people.
var ssoRole = regexp.MustCompile(`:role/aws-reserved/sso\.amazonaws\.com/|:role/AWSReservedSSO_`)

// shared finds who else acts as the identity: the agents listed as acting
// as it (beyond the first), people, and workloads that are not agents.
func (x *agentIndex) shared(id *inventory.Identity, holds func(*inventory.Binding) bool) sharing {
	var sh sharing
	if ags := x.byIdentity[id.ID]; len(ags) > 1 {
		for _, ag := range ags {
			sh.agents = append(sh.agents, ag.Name)
		}
	}
	switch id.Provider {
	case inventory.AWS:
		x.awsShared(id, &sh)
	case inventory.GCP:
		x.gcpShared(id, holds, &sh)
	case inventory.Azure:
		if p := foundryProject(id); p != "" {
			// Entra lists no legacy Foundry agent: the project's identity
			// is every one of them.
			sh.agents = append(sh.agents, "every agent of Foundry project "+p+" without an agent identity of its own")
		}
	case inventory.K8s:
		// An agent workload acting as the service account is an agent,
		// not another workload; any other pod running as it is not.
		agentWorkloads := map[string]bool{}
		for _, ag := range x.byIdentity[id.ID] {
			agentWorkloads[ag.ID] = true
			if ag.Platform == inventory.PlatformKagent {
				// kagent runs the Agent as a Deployment of its name.
				agentWorkloads["Deployment/"+strings.TrimPrefix(ag.ID, kagentIDPrefix)] = true
			}
		}
		for i := range id.Workloads {
			if w := &id.Workloads[i]; !agentWorkloads[k8sWorkloadID(w)] {
				sh.workloads = append(sh.workloads, w.Kind+" "+w.Namespace+"/"+w.Name)
			}
		}
		if ns, name, _ := strings.Cut(id.Name, "/"); name == "default" && len(x.byIdentity[id.ID]) > 0 {
			sh.workloads = append(sh.workloads, "every pod of namespace "+ns+" that names no service account")
		}
	}
	if id.Provider != inventory.K8s {
		for _, w := range id.Workloads {
			sh.workloads = append(sh.workloads, w.Kind+" "+w.Namespace+"/"+w.Name)
		}
	}
	sh.agents, sh.humans, sh.workloads = uniq(sh.agents), uniq(sh.humans), uniq(sh.workloads)
	return sh
}

func uniq(xs []string) []string {
	sort.Strings(xs)
	return slices.Compact(xs)
}

func (x *agentIndex) awsShared(id *inventory.Identity, sh *sharing) {
	if id.Kind == inventory.KindAWSUser {
		for _, c := range id.Credentials {
			if c.Kind == inventory.CredAWSPassword && c.Active() {
				sh.humans = append(sh.humans, "console sign-in of user "+id.Name)
			}
		}
	}
	for _, ip := range id.AttachedTo {
		sh.workloads = append(sh.workloads, "instance profile "+ip[strings.LastIndex(ip, "/")+1:])
	}
	for _, st := range id.Trust {
		if !strings.EqualFold(st.Effect, "Allow") {
			continue
		}
		for _, p := range st.Principals {
			v := p.Value
			switch p.Type {
			case "Service":
				if !agentServices[strings.ToLower(v)] {
					sh.workloads = append(sh.workloads, "service "+v)
				}
			case "Federated":
				if strings.Contains(v, ":saml-provider/") {
					sh.humans = append(sh.humans, "SAML federation "+v[strings.LastIndex(v, "/")+1:])
				} else {
					sh.workloads = append(sh.workloads, "federation "+v[strings.LastIndex(v, "/")+1:])
				}
			case "AWS", "*":
				switch {
				case v == "*":
					sh.humans = append(sh.humans, "any AWS principal")
				case strings.HasSuffix(v, ":root") || len(v) == 12 && strings.Trim(v, "0123456789") == "":
					sh.humans = append(sh.humans, "principals of account "+strings.TrimSuffix(strings.TrimPrefix(v, "arn:aws:iam::"), ":root"))
				case ssoRole.MatchString(v):
					sh.humans = append(sh.humans, "SSO role "+v[strings.LastIndex(v, "/")+1:])
				case strings.Contains(v, ":user/"):
					u := x.identities[v]
					if u != nil && hasPassword(u) {
						sh.humans = append(sh.humans, "user "+u.Name)
					} else {
						sh.workloads = append(sh.workloads, "user "+v[strings.LastIndex(v, "/")+1:])
					}
				default:
					if other := x.identities[v]; other != nil && other.Agent {
						sh.agents = append(sh.agents, "role "+other.Name)
					} else {
						sh.workloads = append(sh.workloads, "role "+v[strings.LastIndex(v, "/")+1:])
					}
				}
			}
		}
	}
}

func hasPassword(id *inventory.Identity) bool {
	for _, c := range id.Credentials {
		if c.Kind == inventory.CredAWSPassword && c.Active() {
			return true
		}
	}
	return false
}

// gcpShared: members who may act as a service account, from its own
// policy and its project's (impersonation roles).
func (x *agentIndex) gcpShared(id *inventory.Identity, holds func(*inventory.Binding) bool, sh *sharing) {
	if id.Kind != inventory.KindGCPAccount || reServiceAgent.MatchString(id.ID) {
		return // Google-managed or per-agent: nobody is granted its use
	}
	bindings := slices.Clone(id.ResourceBindings)
	if proj := x.projects[id.Account]; proj != nil {
		bindings = append(bindings, proj.ResourceBindings...)
	}
	for i := range bindings {
		b := &bindings[i]
		if !paths.GCPImpersonationRoles[b.Role] || !holds(b) {
			continue
		}
		for _, m := range b.Members {
			switch m.Type {
			case "user", "group", "domain":
				sh.humans = append(sh.humans, m.Type+":"+m.Value+" ("+b.Role+")")
			case "serviceAccount":
				if m.Value == id.ID {
					continue
				}
				if other := x.identities[m.Value]; other != nil && other.Agent {
					sh.agents = append(sh.agents, "service account "+m.Value)
				} else {
					sh.workloads = append(sh.workloads, "serviceAccount:"+m.Value+" ("+b.Role+")")
				}
			case "principal", "principalSet":
				sh.workloads = append(sh.workloads, m.Value+" ("+b.Role+")")
			}
		}
	}
}

// kagentIDPrefix starts the id of a kagent Agent ("agents.kagent.dev/ns/name").
const kagentIDPrefix = "agents.kagent.dev/"

func countKind(cs []inventory.Credential, kind string) int {
	n := 0
	for _, c := range cs {
		if c.Kind == kind {
			n++
		}
	}
	return n
}

func countActive(cs []inventory.Credential, kind string) int {
	n := 0
	for _, c := range cs {
		if c.Kind == kind && c.Active() {
			n++
		}
	}
	return n
}

// k8sWorkloadID is the agent id of a Kubernetes workload: its kind,
// namespace and name.
func k8sWorkloadID(w *inventory.Workload) string {
	return w.Kind + "/" + w.Namespace + "/" + w.Name
}

// blueprint returns the blueprint principal of an Entra agent identity
// (the service principal of the blueprint's appId, which holds the
// blueprint application's credentials), or nil when it is not in the
// scan.
func (x *agentIndex) blueprint(id *inventory.Identity) *inventory.Identity {
	b := strings.ToLower(id.Tags["azure.blueprint"])
	if id.Kind != inventory.KindAzureAgentIdentity || b == "" {
		return nil
	}
	return x.azureApps[id.Account+"/"+b]
}

// azureStaticCredentials are the client secrets and certificates that
// can still authenticate as the identity.
func azureStaticCredentials(id *inventory.Identity, asOf time.Time) []*inventory.Credential {
	var out []*inventory.Credential
	for i := range id.Credentials {
		if c := &id.Credentials[i]; azureStatic(c, asOf) {
			out = append(out, c)
		}
	}
	return out
}

// credentialType says how an identity authenticates: "static" when it
// holds active long-lived keys, else "short-lived". An Entra agent
// identity authenticates through its blueprint's credentials.
func (x *agentIndex) credentialType(id *inventory.Identity, asOf time.Time) string {
	if n := len(activeKeys(id)); n > 0 {
		return fmt.Sprintf("static (%d active key(s))", n)
	}
	switch id.Kind {
	case inventory.KindAzureAgentIdentity:
		bp := x.blueprint(id)
		if bp == nil {
			return "unknown (blueprint not in the scan)"
		}
		if n := len(azureStaticCredentials(bp, asOf)); n > 0 {
			return fmt.Sprintf("static (%d secret(s) or certificate(s) on blueprint %s)", n, bp.Name)
		}
		if n := countKind(bp.Credentials, inventory.CredAzureFederated); n > 0 {
			return fmt.Sprintf("federated (%d federated credential(s) on blueprint %s)", n, bp.Name)
		}
		return "unknown (blueprint " + bp.Name + " lists no credential)"
	case inventory.KindAzureApplication:
		if n := len(azureStaticCredentials(id, asOf)); n > 0 {
			return fmt.Sprintf("static (%d secret(s) or certificate(s))", n)
		}
		if n := countKind(id.Credentials, inventory.CredAzureFederated); n > 0 {
			return fmt.Sprintf("federated (%d federated credential(s))", n)
		}
		return "unknown (no credential listed)"
	case inventory.KindAzureManagedIdentity:
		return "short-lived (managed identity)"
	case inventory.KindK8sAccount:
		if n := countActive(id.Credentials, inventory.CredK8sLegacyToken); n > 0 {
			return fmt.Sprintf("static (%d legacy token Secret(s))", n)
		}
		return "short-lived (projected service account tokens)"
	}
	switch id.Kind {
	case inventory.KindAWSRole:
		return "short-lived (role sessions)"
	case inventory.KindGCPAgentPrincipal:
		return "short-lived (per-agent, certificate-bound)"
	case inventory.KindGCPAccount:
		if reServiceAgent.MatchString(id.ID) {
			return "short-lived (Google-managed service agent)"
		}
		return "short-lived (no user-managed key)"
	case inventory.KindAWSUser:
		return "short-lived (no active access key)"
	}
	return "unknown"
}

// readOnlyVerbs are the action prefixes that only read.
var readOnlyVerbs = []string{"get", "list", "describe", "batchget", "view", "search", "query", "scan", "lookup", "head", "select"}

// writableServices lists the services the identity may write in: AWS
// services with an allowed action that does not only read, GCP services
// of roles other than viewers and readers. "*" means every service.
func writableServices(s *Subject) []string {
	id := s.Identity
	set := map[string]bool{}
	switch id.Provider {
	case inventory.AWS:
		s.Perms().AllowActions(func(pattern string) {
			if pattern == "*" || pattern == "*:*" {
				set["*"] = true
				return
			}
			svc, act, ok := strings.Cut(pattern, ":")
			if !ok {
				return
			}
			write := act == "*" || !slices.ContainsFunc(readOnlyVerbs, func(p string) bool { return strings.HasPrefix(act, p) })
			if write && s.Perms().MayAllow(pattern) {
				set[svc] = true
			}
		})
	case inventory.GCP:
		gcpBindings(id, s.Config.AsOf, func(b *inventory.Binding) {
			r := strings.TrimPrefix(b.Role, "roles/")
			switch {
			case r == "owner" || r == "editor":
				set["*"] = true
			case r == "viewer" || strings.HasSuffix(strings.ToLower(r), "viewer") || strings.HasSuffix(strings.ToLower(r), "reader"):
			case strings.Contains(b.Role, "/roles/"): // a custom role: its permissions' services
				for _, p := range b.Permissions {
					svc, verb, _ := strings.Cut(p, ".")
					if i := strings.LastIndex(verb, "."); i >= 0 {
						verb = verb[i+1:]
					}
					if !slices.ContainsFunc(readOnlyVerbs, func(ro string) bool { return strings.HasPrefix(verb, ro) }) {
						set[svc] = true
					}
				}
			default:
				svc, _, _ := strings.Cut(r, ".")
				set[svc] = true
			}
		})
	case inventory.K8s:
		// Resources a Role or ClusterRole lets it change (any verb but
		// get, list and watch), as resource.group.
		for _, b := range id.Bindings {
			for _, r := range b.RBACRules {
				if !slices.ContainsFunc(r.Verbs, func(v string) bool { return v != "get" && v != "list" && v != "watch" }) {
					continue
				}
				for _, g := range r.APIGroups {
					for _, res := range r.Resources {
						switch {
						case g == "*" && res == "*":
							set["*"] = true
						case g == "":
							set[res] = true
						default:
							set[res+"."+g] = true
						}
					}
				}
			}
		}
	case inventory.Azure:
		// Azure RBAC roles that are no readers, directory roles, and
		// Graph permissions that write.
		for _, b := range id.Bindings {
			switch {
			case strings.HasPrefix(b.Role, "directoryRole:"):
				set["entra ("+strings.TrimPrefix(b.Role, "directoryRole:")+")"] = true
			case strings.HasPrefix(b.Role, "appRole:"):
				if strings.Contains(b.Role, "ReadWrite") || strings.HasSuffix(b.Role, ".Send") {
					set["graph ("+b.Role[strings.LastIndex(b.Role, "/")+1:]+")"] = true
				}
			case !strings.HasSuffix(b.Role, "Reader"):
				set["azure ("+b.Role+")"] = true
			}
		}
	}
	if set["*"] {
		return []string{"*"}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// agentRule marks the rules written for agents: their severity already
// accounts for the agent, so it is not raised again.
type agentRule interface{ agentSpecific() }

// agentNames names the agents acting as the subject, or the identity
// itself when no platform listed one.
func agentNames(s *Subject) string {
	ags := s.Agents()
	if len(ags) == 0 {
		return s.Identity.Name + " (an agent's identity; no agent resource listed)"
	}
	names := make([]string, len(ags))
	for i, ag := range ags {
		names[i] = ag.Name + " (" + ag.Platform + ")"
	}
	sort.Strings(names)
	return strings.Join(names, "; ")
}

// agentShared: an agent's identity is shared with other agents, people or
// other workloads.
type agentShared struct{}

func (agentShared) agentSpecific() {}

func (agentShared) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-AGT-001", Title: "Agent identity is shared", Category: findings.Delegation, Severity: findings.Medium,
		Description: "The identity an AI agent acts as is also used by other agents (a GCP project's Reasoning Engine service agent runs every Agent Engine agent that names no identity of its own; several Bedrock agents or AgentCore runtimes on one role), can be used by people (console sign-in, SSO or SAML roles, a whole account, users granted impersonation of the service account), or by workloads that are not agents (other services, instance profiles, federations, other service accounts). On Azure, the managed identity of an AI Foundry project is shared by every agent of the project that has no agent identity of its own (the legacy agent model); several Entra agent identities of one blueprint are distinct identities, not shared. On Kubernetes, a service account run by several agent workloads or kagent Agents, or by an agent and other workloads; an agent on its namespace's default service account shares it with every pod of the namespace that names no service account.",
		Rationale:   "When agents, people and programs share one identity, the audit trail cannot tell who acted, and each one carries every other one's permissions: one compromised agent acts as all of them.",
		Remediation: "Give each agent an identity of its own: one execution role per Bedrock agent or AgentCore runtime, trusted by the agent service alone with aws:SourceArn set to that agent; on Agent Engine, a dedicated service account per agent (spec.serviceAccount) or Agent Identity; on Foundry, agents with their own Entra agent identity; on Kubernetes, one service account per agent (kagent: spec.declarative.deployment.serviceAccountName, or none for one of its own). Remove people's and other workloads' access to it.",
		Defaults:    "Medium; high when people can act as the identity.",
		References:  []string{"https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025", "https://cloud.google.com/vertex-ai/generative-ai/docs/agent-engine/manage/access", "https://docs.aws.amazon.com/bedrock/latest/userguide/agents-permissions.html"},
		Providers:   []string{"aws", "gcp", "azure", "k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI07", controls.ASITM: "T8 T9", controls.NHI: "NHI9", controls.MAESTRO: "L7/repudiation L7/agent-identity-attack", controls.NIST: "AC-2(9) AC-2 IA-2 AU-10"}.list(),
	}
}

func (r agentShared) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !id.Agent || s.agents == nil {
		return nil
	}
	sh := s.agents.shared(id, func(b *inventory.Binding) bool { return holdsAt(b, s) })
	if !sh.found() {
		return nil
	}
	sev := findings.Medium
	var parts []string
	e := []findings.Evidence{ev("agents", agentNames(s))}
	if len(sh.agents) > 0 {
		parts = append(parts, fmt.Sprintf("%d agents", len(sh.agents)))
		e = append(e, ev("shared_with_agents", strings.Join(sh.agents, "; ")))
	}
	if len(sh.humans) > 0 {
		sev = findings.High
		parts = append(parts, "people")
		e = append(e, ev("shared_with_people", strings.Join(sh.humans, "; ")))
	}
	if len(sh.workloads) > 0 {
		parts = append(parts, "other workloads")
		e = append(e, ev("shared_with_workloads", strings.Join(sh.workloads, "; ")))
	}
	return []findings.Finding{finding(r, s, sev, nil, "", fmt.Sprintf("Agent identity %s is shared by %s.", id.Name, strings.Join(parts, ", ")), e...)}
}

// agentStatic: an agent acts as a long-lived key.
type agentStatic struct{}

func (agentStatic) agentSpecific() {}

func (agentStatic) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-AGT-002", Title: "Agent acts as a static credential", Category: findings.Static, Severity: findings.High,
		Description: "An AI agent's identity holds an active long-lived key (an IAM user access key, a user-managed service account key, a Kubernetes legacy service account token Secret), or an Entra agent identity's blueprint holds a client secret or certificate that can still authenticate: the agent acts through a secret that does not expire (the blueprint acquires every one of its agents' tokens with it). NHI-STA-301 reports each such credential once, on the blueprint.",
		Rationale:   "A key an agent holds sits in its configuration or context, where prompt injection, tool output and logs can leak it; a leaked key works from anywhere until someone revokes it.",
		Remediation: "Run the agent on its platform's short-lived identity (a Bedrock or AgentCore execution role, an Agent Engine service account without keys or Agent Identity), then disable and delete the key.",
		References:  []string{"https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"aws", "gcp", "azure", "k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T9 T3", controls.NHI: "NHI7", controls.MAESTRO: "L7/agent-identity-attack", controls.NIST: "IA-5 IA-9"}.list(),
	}
}

func (r agentStatic) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !id.Agent {
		return nil
	}
	if id.Kind == inventory.KindAzureAgentIdentity {
		return r.blueprintCredentials(s)
	}
	keys := activeKeys(id)
	if id.Kind == inventory.KindK8sAccount {
		for i := range id.Credentials {
			if c := &id.Credentials[i]; c.Kind == inventory.CredK8sLegacyToken && c.Active() {
				keys = append(keys, c)
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = credentialLabel(id, k)
	}
	return []findings.Finding{finding(r, s, findings.High, nil, "",
		fmt.Sprintf("Agent identity %s authenticates with %d active long-lived key(s).", id.Name, len(keys)),
		ev("agents", agentNames(s)), ev("keys", strings.Join(ids, "; ")))}
}

// blueprintCredentials: an Entra agent identity has no credential of its
// own; its blueprint acquires its tokens, with the blueprint's
// credentials. A client secret or certificate there is a static
// credential every agent of the blueprint acts through (NHI-STA-301
// reports each credential once, on the blueprint).
func (r agentStatic) blueprintCredentials(s *Subject) []findings.Finding {
	id := s.Identity
	if s.agents == nil || id.Disabled {
		return nil
	}
	bp := s.agents.blueprint(id)
	if bp == nil || bp.Disabled {
		return nil
	}
	creds := azureStaticCredentials(bp, s.Config.AsOf)
	if len(creds) == 0 {
		return nil
	}
	ids := make([]string, len(creds))
	for i, c := range creds {
		ids[i] = azureCredentialNoun(c) + " " + c.ID
		if c.ExpiresAt == nil {
			ids[i] += " (never expires)"
		} else {
			ids[i] += " (expires " + date(*c.ExpiresAt) + ")"
		}
	}
	return []findings.Finding{finding(r, s, findings.High, nil, "",
		fmt.Sprintf("Agent identity %s acts through %d client secret(s) or certificate(s) of its blueprint %s.", id.Name, len(creds), bp.Name),
		ev("agents", agentNames(s)), ev("blueprint", bp.Name+" ("+bp.ID+")"), ev("credentials", strings.Join(ids, "; ")))}
}

// agentNoOwner: an agent nobody answers for.
type agentNoOwner struct{}

func (agentNoOwner) agentSpecific() {}

func (agentNoOwner) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-AGT-003", Title: "Agent has no owner or sponsor", Category: findings.Ownerless, Severity: findings.Medium,
		Description: "An agent a platform lists (Bedrock agent, AgentCore runtime, Agent Engine agent, Entra agent identity, kagent Agent, labelled Kubernetes workload) has no owner: an Entra agent identity has no sponsor, and none of the owner tag keys is set on the agent, in its labels, or on the identity it acts as. An agent identity whose sponsors were not exported is not judged.",
		Rationale:   "An agent nobody answers for is nobody's to review, to rein in or to retire: its permissions outlive its purpose, and a rogue or compromised agent has no one to notice it.",
		Remediation: "Record an owner: an owner label on the Agent Engine agent, kagent Agent or workload, an owner tag on the agent's role, a sponsor on the Entra agent identity (POST /servicePrincipals/{id}/microsoft.graph.agentIdentity/sponsors/$ref); or list the identity in the owners map of .nhiscan.yaml.",
		Defaults:    "The owner tag keys (owner_tags) on the agent's tags or labels, then the owner of its identity. Medium; high when the identity is administrator-equivalent.",
		References:  []string{"https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"aws", "gcp", "azure", "k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI10", controls.ASITM: "T8 T13", controls.NHI: "NHI1", controls.MAESTRO: "L7/repudiation L6", controls.NIST: "AC-2 CM-8(4) IA-4"}.list(),
	}
}

func (r agentNoOwner) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if id.Owner != "" || slices.Contains(id.NotAssessed, inventory.NotAssessedOwners) {
		return nil // an owner, or sponsors not exported: not judged
	}
	var h hits
	h.key, h.noun = "agents", "agent(s)"
	sev := findings.Medium
	if s.Admin().Allowed || gcpAdmin(id, s.Config.AsOf) {
		sev = findings.High
	}
	for _, ag := range s.Agents() {
		if ag.Owner == "" {
			h.add(sev, fmt.Sprintf("Agent %s acting as %s has no owner or sponsor.", ag.Name, id.Name), ag.Name+" ("+ag.ID+")")
		}
	}
	return h.findings(r, s)
}

// agentAdmin: an agent's identity is, or can become, administrator.
type agentAdmin struct{}

func (agentAdmin) agentSpecific() {}
func (agentAdmin) needsGraph()    {}

func (agentAdmin) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-AGT-004", Title: "Agent can reach administrator", Category: findings.Escalation, Severity: findings.Critical,
		Description: "The identity an AI agent acts as is administrator-equivalent, or the escalation graph finds a path from it to administrator.",
		Rationale:   "An agent's actions are steered by what it reads: prompt injection or a poisoned tool turns an agent with administrator reach into an administrator working for someone else.",
		Remediation: "Scope the agent's identity to the models, knowledge bases, tools and data it needs; break the path's first hop (nhiscan paths --from ID); for Bedrock, attach a permissions boundary the agent cannot remove.",
		Defaults:    "Critical when the identity is administrator or one or two hops from it; high for longer or conditional paths.",
		References:  []string{"https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025", "https://docs.aws.amazon.com/bedrock/latest/userguide/agents-permissions.html"},
		Providers:   []string{"aws", "gcp", "azure", "k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation L7/agent-identity-attack", controls.NIST: "AC-6 AC-6(5)"}.list(),
	}
}

func (r agentAdmin) Check(s *Subject) []findings.Finding {
	id := s.Identity
	g := s.Graph()
	if !id.Agent || g == nil {
		return nil
	}
	if g.IsAdmin(id.ID) {
		return []findings.Finding{finding(r, s, findings.Critical, nil, "", fmt.Sprintf("Agent identity %s is administrator-equivalent.", id.Name),
			ev("agents", agentNames(s)), ev("reach", "administrator"))}
	}
	p, ok := g.ToAdmin(id.ID)
	if !ok {
		return nil
	}
	sev := findings.Critical
	if p.Hops() > 2 || p.Conditional() {
		sev = findings.High
	}
	return []findings.Finding{finding(r, s, sev, nil, "", fmt.Sprintf("Agent identity %s can become administrator in %d hop(s).", id.Name, max(p.Hops(), 1)),
		ev("agents", agentNames(s)), ev("path", PathText(p)), ev("hops", fmt.Sprint(p.Hops())))}
}

// agentPlatformControl: an agent's identity can change agents.
type agentPlatformControl struct{}

func (agentPlatformControl) agentSpecific() {}

// agentPlatformActions are the AWS actions that rewrite agents, start
// new ones, or issue an agent's workload access token for a user id the
// caller chooses (no identity provider checks it).
var agentPlatformActions = []string{
	"bedrock:CreateAgent", "bedrock:UpdateAgent", "bedrock:UpdateAgentActionGroup", "bedrock:CreateAgentActionGroup",
	"bedrock-agentcore:CreateAgentRuntime", "bedrock-agentcore:UpdateAgentRuntime",
	"bedrock-agentcore:GetWorkloadAccessTokenForUserId",
}

// agentPlatformPermissions are the GCP permissions that rewrite or
// create Agent Engine agents or change who may use them.
var agentPlatformPermissions = []string{"aiplatform.reasoningEngines.update", "aiplatform.reasoningEngines.create", "aiplatform.reasoningEngines.setIamPolicy"}

// agentPlatformRoles are the predefined roles that carry them.
var agentPlatformRoles = map[string]bool{"roles/owner": true, "roles/editor": true, "roles/aiplatform.admin": true, "roles/aiplatform.user": true}

func (agentPlatformControl) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-AGT-005", Title: "Agent identity can change the agent platform", Category: findings.Escalation, Severity: findings.High,
		Description: "An AI agent's identity may rewrite or create agents (bedrock:CreateAgent, bedrock:UpdateAgent, action groups, bedrock-agentcore:Create/UpdateAgentRuntime; aiplatform.reasoningEngines.create, update or setIamPolicy, as roles/aiplatform.user and aiplatform.admin grant), pass agents' roles to them (iam:PassRole on an agent's role), or issue workload access tokens for any user id (bedrock-agentcore:GetWorkloadAccessTokenForUserId on every workload identity); on Azure, holds the Agent ID Administrator directory role or a Microsoft Graph AgentIdentity* permission that writes; on Kubernetes, may create, change or delete kagent Agents (agents.kagent.dev).",
		Rationale:   "An agent that can rewrite agents can give itself or another agent new instructions, tools or a stronger role, and one that can mint tokens for any user id acts as any user of every agent: a compromised agent becomes a rogue one that persists.",
		Remediation: "Remove the agent-management permissions from agents' identities and keep them with the deployment pipeline; scope GetWorkloadAccessToken* to the agent's own workload identity and deny GetWorkloadAccessTokenForUserId where users sign in through an identity provider; on Agent Engine grant agents narrower roles than roles/aiplatform.user.",
		Defaults:    "AWS: the actions on every resource (\"*\"), iam:PassRole on any role an agent acts as. GCP: the predefined roles listed and custom roles with those permissions.",
		References:  []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-permissions.html", "https://cloud.google.com/vertex-ai/docs/general/access-control"},
		Providers:   []string{"aws", "gcp", "azure", "k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI10", controls.ASITM: "T3 T13", controls.NHI: "NHI5", controls.MAESTRO: "L7/agent-identity-attack cross-layer/privilege-escalation", controls.NIST: "AC-6 AC-5 AC-3"}.list(),
	}
}

func (r agentPlatformControl) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !id.Agent {
		return nil
	}
	var h hits
	h.key, h.noun = "permissions", "permission(s)"
	switch id.Provider {
	case inventory.AWS:
		for _, a := range agentPlatformActions {
			if s.Perms().Evaluate(a, "*").Allowed {
				h.add(findings.High, fmt.Sprintf("Agent identity %s may call %s on every resource.", id.Name, a), a)
			}
		}
		if s.agents != nil {
			// PassRole passes roles of the caller's own account only.
			for _, role := range s.agents.agentRoles[id.Account] {
				if s.Perms().Evaluate("iam:PassRole", role).Allowed {
					h.add(findings.High, fmt.Sprintf("Agent identity %s may pass the agent role %s.", id.Name, role), "iam:PassRole on "+role)
				}
			}
		}
	case inventory.GCP:
		gcpBindings(id, s.Config.AsOf, func(b *inventory.Binding) {
			if agentPlatformRoles[b.Role] {
				h.add(findings.High, fmt.Sprintf("Agent identity %s holds %s on %s, which may rewrite Agent Engine agents.", id.Name, b.Role, b.Scope), b.Role+" on "+b.Scope)
				return
			}
			for _, p := range agentPlatformPermissions {
				if slices.Contains(b.Permissions, p) {
					h.add(findings.High, fmt.Sprintf("Agent identity %s holds %s (%s) on %s.", id.Name, b.Role, p, b.Scope), b.Role+" ("+p+") on "+b.Scope)
				}
			}
		})
	case inventory.Azure:
		for _, b := range id.Bindings {
			role := b.Role[strings.LastIndex(b.Role, "/")+1:]
			switch {
			case b.Role == "directoryRole:Agent ID Administrator":
				h.add(findings.High, fmt.Sprintf("Agent identity %s holds the Agent ID Administrator directory role, which manages every agent identity and blueprint.", id.Name), "Agent ID Administrator on "+b.Scope)
			case strings.HasPrefix(b.Role, "appRole:") && strings.HasPrefix(role, "AgentIdentity") && !strings.HasSuffix(role, ".Read.All"):
				h.add(findings.High, fmt.Sprintf("Agent identity %s holds the Microsoft Graph permission %s over agent identities or blueprints.", id.Name, role), role)
			}
		}
	case inventory.K8s:
		for _, b := range id.Bindings {
			for _, rule := range b.RBACRules {
				if k8sWritesKagentAgents(rule) {
					h.add(findings.High, fmt.Sprintf("Agent identity %s may change kagent Agents through %s (%s).", id.Name, b.Role, b.Scope), b.Role+" on "+b.Scope)
					break
				}
			}
		}
	}
	out := h.findings(r, s)
	for i := range out {
		out[i].Evidence = append(out[i].Evidence, ev("agents", agentNames(s)))
	}
	return out
}

// k8sWritesKagentAgents reports whether an RBAC rule may create, change
// or delete kagent Agent resources (agents.kagent.dev).
func k8sWritesKagentAgents(r inventory.RBACRule) bool {
	group := slices.ContainsFunc(r.APIGroups, func(g string) bool { return g == "*" || g == kagentGroup })
	res := slices.ContainsFunc(r.Resources, func(x string) bool { return x == "*" || x == "agents" })
	write := slices.ContainsFunc(r.Verbs, func(v string) bool {
		return v == "*" || v == "create" || v == "update" || v == "patch" || v == "delete"
	})
	return group && res && write && len(r.ResourceNames) == 0
}

// kagentGroup is the API group of kagent's resources.
const kagentGroup = "kagent.dev"

// holdsAt reports whether a binding's condition can hold as of the
// subject's clock.
func holdsAt(b *inventory.Binding, s *Subject) bool {
	return gcpcondition.When(b.Condition, s.Config.AsOf) != gcpcondition.False
}

// Agents returns the agent rules.
func Agents() []Rule {
	return []Rule{agentShared{}, agentStatic{}, agentNoOwner{}, agentAdmin{}, agentPlatformControl{}}
}
