package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/rules/awspolicy"
	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// PathText writes a path hop by hop: a -[method]-> b -[...]-> administrator.
func PathText(p paths.Path) string {
	var b strings.Builder
	for i, st := range p.Steps {
		if i == 0 {
			b.WriteString(st.FromName)
		}
		label := st.MethodName
		if label == "" {
			label = st.Via
		} else if st.Via != "" {
			label += " (" + st.Via + ")"
		}
		if st.Conditional {
			label += ", conditional"
		}
		if st.Possible {
			label += ", if such a resource exists"
		}
		fmt.Fprintf(&b, " -[%s]-> %s", label, st.ToName)
	}
	return b.String()
}

// hasStaticKey reports whether the identity holds an active long-lived
// key: an access key, a user-managed service account key, or an Azure
// client secret or certificate.
func hasStaticKey(id *inventory.Identity) bool {
	if len(activeKeys(id)) > 0 {
		return true
	}
	for i := range id.Credentials {
		if c := &id.Credentials[i]; (c.Kind == inventory.CredAzureSecret || c.Kind == inventory.CredAzureCert) && c.Active() {
			return true
		}
	}
	return false
}

func escalates(id *inventory.Identity) bool {
	switch id.Kind {
	case inventory.KindAWSRole, inventory.KindAWSUser, inventory.KindGCPAccount, inventory.KindGCPAgentPrincipal, inventory.KindK8sAccount,
		inventory.KindAzureApplication, inventory.KindAzureManagedIdentity, inventory.KindAzureAgentIdentity:
		return true
	}
	return false
}

// toAdmin: a path from a non-administrator to administrator.
type toAdmin struct{}

func (toAdmin) needsGraph() {}

func (toAdmin) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-ESC-001", Title: "Identity can escalate to administrator", Category: findings.Escalation, Severity: findings.High,
		Description: "The identity is not an administrator, but a chain of documented escalation methods leads from it to one: rewriting its own policies (CreatePolicyVersion, SetDefaultPolicyVersion, Attach/Put policies, AddUserToGroup), obtaining another user's credentials (CreateAccessKey, login profiles), assuming or re-trusting roles, passing a role to a service that runs code (EC2, Lambda, Glue, CloudFormation, Data Pipeline, CodeBuild, SageMaker, ECS), taking over existing functions, stacks, endpoints or instances (UpdateFunctionCode, SSM, EC2 Instance Connect), GCP service account impersonation, on Azure adding a secret to an application it owns or administers (Application Administrator, Cloud Application Administrator, Application.ReadWrite.All), granting itself Global Administrator or any app role (Privileged Role Administrator, RoleManagement.ReadWrite.Directory, AppRoleAssignment.ReadWrite.All), assigning itself Owner of the root (User Access Administrator, RBAC Administrator) and acting as a blueprint's agents, or Kubernetes RBAC (reading legacy token Secrets, creating pods or workload controllers, serviceaccounts/token, impersonate, bind/escalate with role bindings, nodes/proxy, CSR approval, admission webhook configurations) and the workload identity federation (EKS IRSA, GKE Workload Identity, Azure Workload Identity) that takes a service account into an AWS role, GCP service account or Entra service principal whose trust (or federated identity credential) admits it.",
		Rationale:   "Permissions lists hide what a credential can become. An agent or workload one hop from administrator is an administrator to anyone who steals its credentials or steers its tools.",
		Remediation: "Break the first hop of the path: remove the listed action, scope its Resource away from the target, or add a permissions boundary that the identity cannot remove. Run 'nhiscan paths --from ID' to see every hop.",
		Defaults:    "High for one or two hops, medium for longer paths; one step more when the identity is an agent or holds a static key; one step less when a hop depends on an undecided condition or on a resource the scan cannot see.",
		References:  []string{"https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/", "https://github.com/BishopFox/iam-vulnerable", "https://pathfinding.cloud", "https://cloud.google.com/iam/docs/service-account-permissions", "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks", "https://bloodhound.specterops.io/resources/edges/az-add-secret"},
		Providers:   []string{"aws", "gcp", "k8s", "azure"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T14", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation", controls.CISGCP3: "1.6", controls.NIST: "AC-6 AC-5 AC-3"}.list(),
	}
}

// adminPath is the subject's shortest path to administrator, when it is
// not an administrator itself.
func adminPath(s *Subject) (paths.Path, bool) {
	g := s.Graph()
	ref := paths.Ref(s.Identity)
	if g == nil || !escalates(s.Identity) || g.IsAdmin(ref) {
		return paths.Path{}, false
	}
	if g.Identity(ref) != s.Identity {
		// A duplicate of an identity already in the graph (the same
		// export read twice): the node is the first one's.
		return paths.Path{}, false
	}
	return g.ToAdmin(ref)
}

func (r toAdmin) Check(s *Subject) []findings.Finding {
	id := s.Identity
	p, ok := adminPath(s)
	if !ok {
		return nil
	}
	hops := p.Hops()
	sev := findings.High
	if hops > 2 {
		sev = findings.Medium
	}
	if id.Agent || hasStaticKey(id) {
		sev = sev.Raise()
	}
	if p.Conditional() && sev > findings.Low {
		sev--
	}
	first := p.Steps[0]
	how := first.MethodName
	if how == "" {
		how = first.Via
	}
	e := []findings.Evidence{ev("path", PathText(p)), ev("hops", fmt.Sprint(hops)), ev("first_method", first.Method)}
	if id.Agent {
		e = append(e, ev("agent", "the start is an AI agent"))
	}
	if hasStaticKey(id) {
		e = append(e, ev("static_credential", "the start holds a long-lived key"))
	}
	return []findings.Finding{finding(r, s, sev, nil, "",
		fmt.Sprintf("%s can become administrator in %d hop(s), first by %s.", id.Name, max(hops, 1), how), e...)}
}

// chainDelegation: paths to administrator that cross accounts or agents.
type chainDelegation struct{}

func (chainDelegation) needsGraph() {}

func (chainDelegation) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-006", Title: "Delegation chain crosses accounts or passes through an agent", Category: findings.Delegation, Severity: findings.High,
		Description: "The identity's path to administrator goes through another account or project (a Kubernetes service account's into a cloud account), or through an AI agent's identity: accountability for what happens at the end of the chain is blurred.",
		Rationale:   "Tool chaining and delegation make the accountable identity unclear: a compromise in one account or one agent becomes administrator elsewhere.",
		Remediation: "Cut the cross-account or agent hop: pin trust policies to specific principals with external ids or conditions, and keep agents' roles out of other identities' reach.",
		Defaults:    "High when the chain crosses accounts, medium when it passes through an agent in the same account.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html", "https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/"},
		Providers:   []string{"aws", "gcp", "k8s", "azure"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI07", controls.ASITM: "T3 T8", controls.NHI: "NHI5 NHI9", controls.MAESTRO: "cross-layer/lateral-movement L7/integration-risks", controls.NIST: "AC-20 AC-6 AU-10"}.list(),
	}
}

func (r chainDelegation) Check(s *Subject) []findings.Finding {
	g, id := s.Graph(), s.Identity
	p, ok := adminPath(s)
	if !ok {
		return nil
	}
	var accounts, agents []string
	seen := map[string]bool{id.Account: true}
	for i, st := range p.Steps {
		if st.To == paths.Administrator {
			continue
		}
		t := g.Identity(st.ToRef)
		if t == nil {
			continue
		}
		if !seen[t.Account] {
			seen[t.Account] = true
			accounts = append(accounts, t.Account)
		}
		if t.Agent && i < len(p.Steps)-1 {
			agents = append(agents, t.Name)
		}
	}
	if len(accounts) == 0 && len(agents) == 0 {
		return nil
	}
	sev := findings.Medium
	what := "passes through agent " + strings.Join(agents, ", ")
	if len(accounts) > 0 {
		sev = findings.High
		what = "crosses into account " + strings.Join(accounts, ", ")
	}
	return []findings.Finding{finding(r, s, sev, nil, "",
		fmt.Sprintf("%s's path to administrator %s.", id.Name, what),
		ev("path", PathText(p)), ev("accounts_crossed", strings.Join(accounts, ", ")), ev("agents_crossed", strings.Join(agents, ", ")))}
}

// rewriteOthers are the actions that rewrite another principal's
// permissions or credentials, with the kind of target they act on and what
// target would make them an escalation.
var rewriteOthers = []struct {
	action, kind, exploitable string
}{
	{"iam:PutUserPolicy", "user", "a user in scope whose credentials it obtains"},
	{"iam:AttachUserPolicy", "user", "a user in scope whose credentials it obtains"},
	{"iam:PutGroupPolicy", "group", "a group in scope that it belongs to or can join, or whose member's credentials it obtains"},
	{"iam:AttachGroupPolicy", "group", "a group in scope that it belongs to or can join, or whose member's credentials it obtains"},
	{"iam:AddUserToGroup", "group", "an administrator group in scope, or one whose permissions escalate, and a user it is or whose credentials it obtains"},
	{"iam:CreateAccessKey", "user", "an administrator user in scope"},
	{"iam:CreateLoginProfile", "user", "an administrator user in scope without a console password"},
	{"iam:UpdateLoginProfile", "user", "an administrator user in scope with a console password"},
}

// latentEscalation: rights over other principals' permissions or
// credentials, with no administrator in reach today.
type latentEscalation struct{}

func (latentEscalation) needsGraph() {}

func (latentEscalation) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-ESC-002", Title: "Identity can rewrite other principals' permissions or credentials", Category: findings.Escalation, Severity: findings.Medium,
		Description: "The identity may change the permissions or credentials of other IAM users and groups (iam:PutUserPolicy, AttachUserPolicy, PutGroupPolicy, AttachGroupPolicy, AddUserToGroup, CreateAccessKey, CreateLoginProfile, UpdateLoginProfile) but no path to administrator exists today (NHI-ESC-001 reports those that do). The evidence lists each right, the targets it covers and which target would make it exploitable.",
		Rationale:   "Privilege management rights are escalation waiting for a target: the day an administrator user or a privileged group appears within their scope, the identity becomes administrator, and nobody reviews the old grant again.",
		Remediation: "Keep IAM user, group and credential management with a reviewed administration role; scope the Resource of these actions to the principals the workload must manage, or remove them.",
		Defaults:    "Medium, one step below an exploitable path (NHI-ESC-001); one step more when the identity is an agent or holds a static key; one step less when every such right is conditional. AWS users and roles that are not administrators and have no path to administrator. Both login-profile rights count whatever the users' password state (unknown without a credential report; NHI-ESC-001 then treats both as conditional hops).",
		References:  []string{"https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/", "https://pathfinding.cloud"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation", controls.NIST: "AC-6 AC-6(1) AC-5"}.list(),
	}
}

func (r latentEscalation) Check(s *Subject) []findings.Finding {
	id := s.Identity
	g := s.Graph()
	if !isAWSPrincipal(id) || g == nil || g.IsAdmin(id.ID) || s.Admin().Allowed {
		return nil
	}
	if _, ok := g.ToAdmin(id.ID); ok {
		return nil // an exploitable path: NHI-ESC-001's
	}
	var iamAllows []string // Allow action patterns that could grant iam actions
	s.Perms().AllowActions(func(a string) {
		if awspolicy.Overlap(a, "iam:*") {
			iamAllows = append(iamAllows, a)
		}
	})
	if len(iamAllows) == 0 {
		return nil
	}
	prefix := id.ID[:strings.LastIndex(id.ID, ":")+1] // arn:PARTITION:iam::ACCOUNT:
	var rights, when []string
	seenWhen := map[string]bool{}
	allConditional := true
	for _, ro := range rewriteOthers {
		action := strings.ToLower(ro.action)
		if !slices.ContainsFunc(iamAllows, func(a string) bool { return awspolicy.Overlap(a, action) }) {
			continue
		}
		scope, conditional := othersScope(s, ro.action, prefix+ro.kind+"/")
		if scope == "" {
			continue
		}
		allConditional = allConditional && conditional
		right := ro.action + " on " + scope
		if strings.HasPrefix(scope, "every ") {
			if names, total := g.Some(id.Account, ro.kind, 3); total > 0 {
				right += fmt.Sprintf(" (%d today, such as %s)", total, strings.Join(names, ", "))
			} else {
				right += " (none today)"
			}
		}
		if conditional {
			right += " (conditional)"
		}
		rights = append(rights, right)
		if !seenWhen[ro.exploitable] {
			seenWhen[ro.exploitable] = true
			when = append(when, ro.action+": "+ro.exploitable)
		}
	}
	if len(rights) == 0 {
		return nil
	}
	sev := findings.Medium
	if id.Agent || hasStaticKey(id) {
		sev = sev.Raise()
	}
	if allConditional && sev > findings.Low {
		sev--
	}
	e := []findings.Evidence{ev("rights", strings.Join(rights, "; ")), ev("exploitable_when", strings.Join(when, "; ")),
		ev("path_today", "none: no administrator is in reach")}
	return []findings.Finding{finding(r, s, sev, nil, "",
		fmt.Sprintf("%s can rewrite other principals' permissions or credentials (%d right(s)); no path to administrator exists today.", id.Name, len(rights)), e...)}
}

// arnAccountResource returns the account and resource of an ARN or ARN
// pattern: its fifth field and the rest after it (strings.SplitN(arn, ":",
// 6)[4:], without the slice); ok is false when it has fewer fields.
func arnAccountResource(arn string) (account, resource string, ok bool) {
	rest := arn
	for range 4 {
		if _, rest, ok = strings.Cut(rest, ":"); !ok {
			return "", "", false
		}
	}
	return strings.Cut(rest, ":")
}

// othersScope says which principals of a kind (prefix "arn:…:user/") the
// identity may apply action to, besides itself: "every user of ACCOUNT",
// the resource patterns that cover some, or "" for none.
func othersScope(s *Subject, action, prefix string) (scope string, conditional bool) {
	acct := s.Identity.Account
	kind := prefix[strings.LastIndex(prefix, ":")+1:] // "user/"
	if ok, c := s.Perms().Allows(action, prefix+"*"); ok {
		return "every " + strings.TrimSuffix(kind, "/") + " of " + acct, c
	}
	var scoped []string
	conditional = true
	for _, pat := range s.Perms().ResourcesFor(action) {
		account, resource, ok := arnAccountResource(pat)
		if pat == s.Identity.ID || !ok || slices.Contains(scoped, pat) ||
			!awspolicy.Match(account, acct) || !awspolicy.Overlap(strings.ToLower(resource), kind+"*") {
			continue // itself, or not principals of this kind in this account
		}
		ok, c := s.Perms().Allows(action, pat)
		if !ok {
			continue
		}
		conditional = conditional && c
		scoped = append(scoped, pat)
	}
	if len(scoped) == 0 {
		return "", false
	}
	return strings.Join(scoped, ", "), conditional
}
