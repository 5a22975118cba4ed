package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/rules/k8srbac"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Kubernetes rules read the RBAC bindings a service account holds
// (Bindings: Role "ClusterRole/NAME" or "Role/NAME", Scope "cluster" or
// "namespaces/NS", the role's rules in RBACRules, the subject that reaches
// the account in Members) and its legacy token Secrets (Credentials).

func isK8sAccount(id *inventory.Identity) bool { return id.Kind == inventory.KindK8sAccount }

// k8sDiscoveryRoles are the ClusterRoles the cluster binds to
// system:authenticated (and system:unauthenticated) itself: every
// identity holds them, and they grant nothing beyond discovery.
var k8sDiscoveryRoles = map[string]bool{
	"ClusterRole/system:discovery":          true,
	"ClusterRole/system:basic-user":         true,
	"ClusterRole/system:public-info-viewer": true,
}

// k8sAdminRoles are the default user-facing ClusterRoles that administer
// what they are bound on, by severity when bound cluster-wide.
var k8sAdminRoles = map[string]findings.Severity{
	"ClusterRole/cluster-admin": findings.Critical,
	"ClusterRole/admin":         findings.High,
	"ClusterRole/edit":          findings.High,
}

func clusterWide(b *inventory.Binding) bool { return b.Scope == "cluster" }

// via names the subject through which a binding reaches the account.
func via(b *inventory.Binding) string {
	if len(b.Members) == 0 || b.Members[0].Type == "ServiceAccount" {
		return "directly"
	}
	return "through " + strings.ToLower(b.Members[0].Type) + " " + b.Members[0].Value
}

func k8sBindingItem(b *inventory.Binding) string {
	return fmt.Sprintf("%s on %s (%s, %s)", b.Role, b.Scope, b.Name, via(b))
}

// wildcardRule reports whether an RBAC rule uses "*" for its verbs,
// resources or API groups, and which.
func wildcardRule(r inventory.RBACRule) []string {
	var w []string
	if slices.Contains(r.Verbs, "*") {
		w = append(w, "verbs")
	}
	if slices.Contains(r.Resources, "*") {
		w = append(w, "resources")
	}
	if slices.Contains(r.APIGroups, "*") {
		w = append(w, "apiGroups")
	}
	return w
}

// k8sPrivileged returns why a service account is privileged, or "": it
// holds cluster-admin, admin or edit cluster-wide, or a cluster-wide role
// whose rules use wildcards on every object (not only named ones).
func k8sPrivileged(id *inventory.Identity) string {
	for i := range id.Bindings {
		b := &id.Bindings[i]
		if !clusterWide(b) {
			continue
		}
		if _, ok := k8sAdminRoles[b.Role]; ok {
			return b.Role + " cluster-wide (" + b.Name + ")"
		}
		for _, rr := range b.RBACRules {
			if len(wildcardRule(rr)) > 0 && len(rr.ResourceNames) == 0 {
				return b.Role + " cluster-wide with * in " + strings.Join(wildcardRule(rr), ", ") + " (" + b.Name + ")"
			}
		}
	}
	return ""
}

// directBindings are the bindings that name the service account itself
// (not a group it is in), other than the discovery roles.
func directBindings(id *inventory.Identity) []*inventory.Binding {
	var out []*inventory.Binding
	for i := range id.Bindings {
		b := &id.Bindings[i]
		if k8sDiscoveryRoles[b.Role] || len(b.Members) == 0 || b.Members[0].Type == "Group" {
			continue
		}
		out = append(out, b)
	}
	return out
}

// K8s returns the rules written for Kubernetes RBAC and service account
// tokens.
func K8s() []Rule {
	return []Rule{
		k8sAdminBinding{},
		k8sWildcard{},
		k8sDefaultAccount{},
		k8sAutomount{},
		k8sAuthenticatedGroup{},
		k8sAnonymous{},
		k8sLegacyToken{},
		k8sAccountUnused{},
		k8sHolds{k8sPermissions[0]}, k8sHolds{k8sPermissions[1]}, k8sHolds{k8sPermissions[2]}, k8sHolds{k8sPermissions[3]},
		k8sHolds{k8sPermissions[4]}, k8sHolds{k8sPermissions[5]}, k8sHolds{k8sPermissions[6]}, k8sHolds{k8sPermissions[7]},
	}
}

// k8sAdminBinding: cluster-admin, or admin/edit cluster-wide.
type k8sAdminBinding struct{}

func (k8sAdminBinding) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-201", Title: "Service account bound to cluster-admin, admin or edit", Category: findings.Overbroad, Severity: findings.Critical,
		Description: "A ClusterRoleBinding gives the service account cluster-admin, admin or edit across the cluster, or a RoleBinding gives it cluster-admin in a namespace.",
		Rationale:   "Every pod that runs as the service account (and anyone who can read its token or create pods in its namespace) then administers the cluster, or every namespace, including their Secrets.",
		Remediation: "Bind a Role with the verbs and resources the workload needs, in its own namespace; keep cluster-admin for break-glass humans.",
		Defaults:    "Critical for cluster-admin cluster-wide, high for admin or edit cluster-wide, medium for cluster-admin through a RoleBinding (confined to that namespace). One finding per service account, the bindings in evidence.bindings.",
		References:  []string{"https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles", "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"},
		Providers:   []string{"k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI5", controls.MAESTRO: "L4 cross-layer/privilege-escalation", controls.CISK8S: "5.1.1", controls.NIST: "AC-6 AC-6(5)"}.list(),
	}
}

func (r k8sAdminBinding) Check(s *Subject) []findings.Finding {
	if !isK8sAccount(s.Identity) {
		return nil
	}
	h := hits{key: "bindings", noun: "binding(s)"}
	for i := range s.Identity.Bindings {
		b := &s.Identity.Bindings[i]
		sev, ok := k8sAdminRoles[b.Role]
		switch {
		case !ok:
			continue
		case clusterWide(b):
		case b.Role == "ClusterRole/cluster-admin":
			sev = findings.Medium // a RoleBinding: administrator of its namespace only
		default:
			continue // admin or edit in one namespace is what they are for
		}
		h.add(sev, fmt.Sprintf("%s holds %s on %s %s.", s.Identity.Name, b.Role, b.Scope, via(b)), k8sBindingItem(b))
	}
	return h.findings(r, s)
}

// k8sWildcard: a bound role uses "*" for verbs, resources or API groups.
type k8sWildcard struct{}

func (k8sWildcard) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-202", Title: "RBAC role with wildcard verbs, resources or API groups", Category: findings.Overbroad, Severity: findings.High,
		Description: "A Role or ClusterRole bound to the service account has a rule with \"*\" in its verbs, resources or apiGroups.",
		Rationale:   "A wildcard grants every present and future verb, resource or API group, including ones added later by CRDs (and escalate, bind and impersonate for verbs).",
		Remediation: "List the verbs, resources and API groups the workload uses.",
		Defaults:    "High for a cluster-wide binding, medium within a namespace, low when every wildcard rule is restricted to named objects (resourceNames). Whatever the role's name: cluster-admin's rules are wildcards too, so a service account bound to it has this finding (CIS Kubernetes 5.1.3, wildcard use) and NHI-OVB-201's (5.1.1, cluster-admin use): one binding, two controls, each failed once; removing the binding clears both. One finding per service account, one item per binding in evidence.rules.",
		References:  []string{"https://kubernetes.io/docs/concepts/security/rbac-good-practices/#minimize-wildcard-use"},
		Providers:   []string{"k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI5", controls.MAESTRO: "L4", controls.CISK8S: "5.1.3", controls.NIST: "AC-6"}.list(),
	}
}

func (r k8sWildcard) Check(s *Subject) []findings.Finding {
	if !isK8sAccount(s.Identity) {
		return nil
	}
	h := hits{key: "rules", noun: "binding(s)"}
	for i := range s.Identity.Bindings {
		b := &s.Identity.Bindings[i]
		// One item per binding: cluster-admin's two rules (* on * and
		// * on every non-resource URL) are one grant.
		var w, named []string
		unnamed := false
		for _, rr := range b.RBACRules {
			ws := wildcardRule(rr)
			if len(ws) == 0 {
				continue
			}
			for _, x := range ws {
				if !slices.Contains(w, x) {
					w = append(w, x)
				}
			}
			if len(rr.ResourceNames) == 0 {
				unnamed = true
			} else {
				named = append(named, rr.ResourceNames...)
			}
		}
		if len(w) == 0 {
			continue
		}
		sev := findings.Medium
		if clusterWide(b) {
			sev = findings.High
		}
		item := fmt.Sprintf("%s on %s: * in %s", b.Role, b.Scope, strings.Join(w, ", "))
		if !unnamed {
			sev = findings.Low
			item += " (only " + strings.Join(named, ", ") + ")"
		}
		h.add(sev, fmt.Sprintf("%s holds %s on %s, whose rules use * in %s.", s.Identity.Name, b.Role, b.Scope, strings.Join(w, ", ")), item)
	}
	return h.findings(r, s)
}

// k8sDefaultAccount: a namespace's default service account holds a
// binding (every pod that names no service account runs as it).
type k8sDefaultAccount struct{}

func (k8sDefaultAccount) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-203", Title: "Default service account holds RBAC permissions", Category: findings.Overbroad, Severity: findings.Medium,
		Description: "The namespace's default service account is bound to a role, directly or through a group (system:serviceaccounts, system:serviceaccounts:NS, system:authenticated).",
		Rationale:   "Every pod in the namespace that names no service account runs as default, so every such workload gets the permissions, whether it needs them or not.",
		Remediation: "Remove the bindings from default (and set automountServiceAccountToken: false on it); give each workload its own service account with the roles it needs.",
		Defaults:    "Medium; high when the role is cluster-admin, admin or edit or uses wildcards. The discovery roles every identity holds are ignored. One finding per service account, the bindings in evidence.bindings.",
		References:  []string{"https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts"},
		Providers:   []string{"k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI5 NHI9", controls.MAESTRO: "L4", controls.CISK8S: "5.1.5", controls.NIST: "AC-6 IA-4"}.list(),
	}
}

func (r k8sDefaultAccount) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !isK8sAccount(id) || !strings.HasSuffix(id.Name, "/default") {
		return nil
	}
	h := hits{key: "bindings", noun: "binding(s)"}
	for i := range id.Bindings {
		b := &id.Bindings[i]
		if k8sDiscoveryRoles[b.Role] {
			continue
		}
		sev := findings.Medium
		if _, admin := k8sAdminRoles[b.Role]; admin || slices.ContainsFunc(b.RBACRules, func(rr inventory.RBACRule) bool { return len(wildcardRule(rr)) > 0 }) {
			sev = findings.High
		}
		h.add(sev, fmt.Sprintf("The default service account of namespace %s holds %s on %s %s.", id.Path, b.Role, b.Scope, via(b)), k8sBindingItem(b))
	}
	return h.findings(r, s)
}

// k8sAuthenticatedGroup: a role bound to system:authenticated reaches
// every service account (and every user) of the cluster. The loader puts
// such bindings on the cluster's own identity, so each is reported once,
// not once per service account.
type k8sAuthenticatedGroup struct{}

var authenticatedGroup = inventory.Principal{Type: "Group", Value: "system:authenticated"}

func (k8sAuthenticatedGroup) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-201", Title: "Role bound to every authenticated identity", Category: findings.Delegation, Severity: findings.High,
		Description: "A RoleBinding or ClusterRoleBinding grants a role to the group system:authenticated, so every service account (like every other identity of the cluster) holds it.",
		Rationale:   "Any workload or person who can authenticate to the cluster, including a compromised pod of any namespace, gets the role.",
		Remediation: "Bind the role to the service accounts or groups that need it, not to system:authenticated.",
		Defaults:    "High; critical when the role is cluster-admin, admin or edit or uses wildcards. The discovery roles the cluster itself binds to system:authenticated are ignored. One finding per binding, reported on the cluster (kind k8s.cluster), the binding in evidence.binding.",
		References:  []string{"https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles"},
		Providers:   []string{"k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T9", controls.NHI: "NHI5", controls.MAESTRO: "L7/integration-risks cross-layer/lateral-movement", controls.NIST: "AC-3 AC-6"}.list(),
	}
}

func (r k8sAuthenticatedGroup) Check(s *Subject) []findings.Finding {
	if s.Identity.Kind != inventory.KindK8sCluster {
		return nil
	}
	var out []findings.Finding
	for i := range s.Identity.ResourceBindings {
		b := &s.Identity.ResourceBindings[i]
		if k8sDiscoveryRoles[b.Role] || !slices.Contains(b.Members, authenticatedGroup) {
			continue
		}
		sev := findings.High
		if _, admin := k8sAdminRoles[b.Role]; admin || slices.ContainsFunc(b.RBACRules, func(rr inventory.RBACRule) bool { return len(wildcardRule(rr)) > 0 }) {
			sev = findings.Critical
		}
		// The binding's name keys the fingerprint: it stays while the
		// binding does, whatever its role's rules become.
		out = append(out, finding(r, s, sev, nil, b.Name,
			fmt.Sprintf("%s is granted to every authenticated identity on %s (%s).", b.Role, b.Scope, b.Name),
			ev("binding", fmt.Sprintf("%s on %s (%s, group system:authenticated)", b.Role, b.Scope, b.Name))))
	}
	return out
}

// k8sLegacyToken: every legacy service account token Secret.
type k8sLegacyToken struct{}

func (k8sLegacyToken) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-STA-201", Title: "Legacy service account token Secret", Category: findings.Static, Severity: findings.Medium,
		Description: "A Secret of type kubernetes.io/service-account-token holds a token for the service account that never expires.",
		Rationale:   "Anyone who can read Secrets in the namespace, or a copy of the token anywhere, acts as the service account until the Secret is deleted. Pods get short-lived projected tokens since Kubernetes 1.22; these Secrets are leftovers or hand-made.",
		Remediation: "Delete the Secret; use projected service account tokens (TokenRequest, kubectl create token) for anything outside a pod.",
		Defaults:    "Medium; high when older than the key rotation threshold (90 days, key_rotation_days) or the service account is privileged (cluster-admin, admin or edit cluster-wide, or a cluster-wide role with wildcards); low when the cluster marked it invalid (kubernetes.io/legacy-token-invalid-since). One finding per Secret.",
		References:  []string{"https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets", "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#auto-generated-legacy-serviceaccount-token-clean-up"},
		Providers:   []string{"k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T9", controls.NHI: "NHI7", controls.MAESTRO: "L7/agent-identity-attack L4", controls.NIST: "IA-5 IA-9"}.list(),
	}
}

func (r k8sLegacyToken) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !isK8sAccount(id) {
		return nil
	}
	privileged := k8sPrivileged(id)
	var out []findings.Finding
	for i := range id.Credentials {
		c := &id.Credentials[i]
		if c.Kind != inventory.CredK8sLegacyToken {
			continue
		}
		age := int(s.Config.AsOf.Sub(c.CreatedAt).Hours() / 24)
		sev := findings.Medium
		switch {
		case !c.Active():
			sev = findings.Low
		case privileged != "" || !c.CreatedAt.IsZero() && age > s.Config.KeyRotationDays:
			sev = findings.High
		}
		used := "never since tracking began"
		switch {
		case c.LastUsed != nil:
			used = date(*c.LastUsed)
		case !c.LastUsedKnown:
			used = "unknown (the cluster does not track legacy token use)"
		}
		e := []findings.Evidence{ev("secret", c.ID), ev("status", c.Status), ev("last_used", used)}
		if !c.CreatedAt.IsZero() {
			e = append(e, ev("created", date(c.CreatedAt)), ev("age_days", fmt.Sprint(age)), ev("rotation_threshold_days", fmt.Sprint(s.Config.KeyRotationDays)))
		}
		if privileged != "" {
			e = append(e, ev("privileged", privileged))
		}
		out = append(out, finding(r, s, sev, c, "",
			fmt.Sprintf("%s has a legacy token Secret %s, a token that never expires.", id.Name, c.ID), e...))
	}
	return out
}

// k8sAnonymous: a role bound to unauthenticated requests. The loader puts
// these bindings on the cluster's own identity (kind k8s.cluster): no
// service account holds them.
type k8sAnonymous struct{}

func (k8sAnonymous) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-202", Title: "Role bound to anonymous requests", Category: findings.Delegation, Severity: findings.Critical,
		Description: "A RoleBinding or ClusterRoleBinding grants a role to the group system:unauthenticated or the user system:anonymous: anyone who reaches the API server, without credentials, holds it.",
		Rationale:   "Every request without a token gets the role; with anonymous authentication on (the default), that is anyone with network access to the API server.",
		Remediation: "Delete the binding; bind the role to the service accounts or groups that need it.",
		Defaults:    "Critical; high when the role only reads. The discovery roles the cluster binds itself (system:public-info-viewer, system:discovery, system:basic-user) are ignored. One finding per cluster, the bindings in evidence.bindings.",
		References:  []string{"https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests"},
		Providers:   []string{"k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T9", controls.NHI: "NHI5 NHI4", controls.MAESTRO: "L4 L7/integration-risks", controls.NIST: "AC-3 AC-6 IA-2"}.list(),
	}
}

func (r k8sAnonymous) Check(s *Subject) []findings.Finding {
	if s.Identity.Kind != inventory.KindK8sCluster {
		return nil
	}
	h := hits{key: "bindings", noun: "binding(s)"}
	for i := range s.Identity.ResourceBindings {
		b := &s.Identity.ResourceBindings[i]
		var who []string
		for _, m := range b.Members {
			if m != authenticatedGroup { // NHI-DEL-201's
				who = append(who, m.Value)
			}
		}
		if k8sDiscoveryRoles[b.Role] || len(who) == 0 {
			continue
		}
		sev := findings.Critical
		if readOnly(b.RBACRules) {
			sev = findings.High
		}
		h.add(sev, fmt.Sprintf("%s is granted to unauthenticated requests (%s) on %s (%s).", b.Role, strings.Join(who, ", "), b.Scope, b.Name),
			fmt.Sprintf("%s on %s (%s, %s)", b.Role, b.Scope, b.Name, strings.Join(who, ", ")))
	}
	return h.findings(r, s)
}

// readOnly reports whether rules only get, list or watch (a role the
// export lacks, with no rules, is not known to be read-only).
func readOnly(rules []inventory.RBACRule) bool {
	if len(rules) == 0 {
		return false
	}
	for _, rr := range rules {
		for _, v := range rr.Verbs {
			if v != "get" && v != "list" && v != "watch" {
				return false
			}
		}
	}
	return true
}

// k8sAutomount: a privileged service account's token is mounted into the
// pods that run as it.
type k8sAutomount struct{}

func (k8sAutomount) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-204", Title: "Privileged service account token mounted into pods", Category: findings.Overbroad, Severity: findings.High,
		Description: "Pods or workload templates run as a privileged service account (cluster-admin, admin or edit cluster-wide, or a cluster-wide role with wildcards) and mount its token: automountServiceAccountToken is not false on the pod spec, nor, when the pod spec leaves it unset, on the service account.",
		Rationale:   "Every process in those pods, and anyone who gets a shell in one, can read the token from /var/run/secrets/kubernetes.io/serviceaccount and administer the cluster with it. Most workloads never call the API server.",
		Remediation: "Set automountServiceAccountToken: false on the pod template (or on the service account) of workloads that do not call the API server; give the ones that do a service account with only the permissions they use.",
		Defaults:    "High. Needs the export's pods or workloads. One finding per service account, the workloads in evidence.workloads (each with the pods of the export that run from it).",
		References:  []string{"https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting", "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"},
		Providers:   []string{"k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "L4 cross-layer/privilege-escalation", controls.CISK8S: "5.1.6", controls.NIST: "AC-6 IA-5"}.list(),
	}
}

func (r k8sAutomount) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !isK8sAccount(id) {
		return nil
	}
	why := k8sPrivileged(id)
	if why == "" {
		return nil
	}
	h := hits{key: "workloads", noun: "workload(s)"}
	for _, w := range id.Workloads {
		if !w.Automount {
			continue
		}
		item := w.Kind + " " + w.Namespace + "/" + w.Name
		if w.Pods > 0 {
			item += fmt.Sprintf(" (%d pod(s))", w.Pods)
		}
		h.add(findings.High, fmt.Sprintf("%s %s/%s mounts the token of %s, which holds %s.", w.Kind, w.Namespace, w.Name, id.Name, why), item, ev("privileged", why))
	}
	return h.findings(r, s)
}

// k8sAccountUnused: a service account holds permissions of its own but
// nothing runs as it.
type k8sAccountUnused struct{}

func (k8sAccountUnused) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DOR-201", Title: "Service account with permissions that nothing runs as", Category: findings.Dormant, Severity: findings.Medium,
		Description: "The service account is bound to roles (directly, not only through a group) but no pod and no workload template of the export (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) runs as it, and no legacy token of it was used within the threshold.",
		Rationale:   "An account nothing runs as keeps its permissions for whoever can mint a token for it (serviceaccounts/token) or create a pod with it: a dormant foothold, often left behind by a removed application.",
		Remediation: "Confirm with the owner that nothing outside the cluster uses it (kubectl create token, CI systems), then delete its bindings and the account.",
		Defaults:    "Medium; high when the account is privileged (cluster-admin, admin or edit cluster-wide, or a cluster-wide role with wildcards). Accounts younger than role_unused_days (90) are not judged; nor any account when the export holds no pods or workloads (the cluster's source says workload usage was not assessed), nor accounts with an active legacy token whose use is unknown. Tokens minted with the TokenRequest API leave no trace in an export.",
		References:  []string{"https://kubernetes.io/docs/concepts/security/service-accounts/", "https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI1", controls.MAESTRO: "L4/lateral-movement L6", controls.NIST: "AC-2(3) AC-2"}.list(),
	}
}

func (r k8sAccountUnused) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !isK8sAccount(id) || len(id.Workloads) > 0 || !s.Assessed(inventory.NotAssessedUsage) {
		return nil
	}
	limit := s.Config.RoleUnusedDays
	if !id.CreatedAt.IsZero() && s.Days(id.CreatedAt) <= limit {
		return nil
	}
	bs := directBindings(id)
	if len(bs) == 0 {
		return nil
	}
	for i := range id.Credentials {
		c := &id.Credentials[i]
		if c.Kind != inventory.CredK8sLegacyToken || !c.Active() {
			continue
		}
		if !c.LastUsedKnown || c.LastUsed != nil && s.Days(*c.LastUsed) <= limit {
			return nil // used outside pods through its token, or maybe
		}
	}
	items := make([]string, len(bs))
	for i, b := range bs {
		items[i] = k8sBindingItem(b)
	}
	sev := findings.Medium
	e := []findings.Evidence{ev("bindings", strings.Join(items, "; ")), ev("workloads", "none in the export"), ev("threshold_days", fmt.Sprint(limit))}
	if !id.CreatedAt.IsZero() {
		e = append(e, ev("created", date(id.CreatedAt)))
	}
	if why := k8sPrivileged(id); why != "" {
		sev = findings.High
		e = append(e, ev("privileged", why))
	}
	return []findings.Finding{finding(r, s, sev, nil, "",
		fmt.Sprintf("%s holds %d binding(s) but no pod or workload runs as it.", id.Name, len(bs)), e...)}
}

// k8sRequest is one API request a CIS Kubernetes 5.1 control is about.
type k8sRequest struct {
	verb, group, resource string
	namespaced            bool // false: a cluster-scoped resource, granted by ClusterRoleBindings only
}

// k8sPermission is one CIS Kubernetes 5.1 control about who holds a risky
// permission, whether or not a path to an administrator exists (that is
// NHI-ESC-001's): the requests it is about and the rule that reports it.
type k8sPermission struct {
	id, cis, title, what, rationale, remediation, reference string
	requests                                                []k8sRequest
}

func k8sRequests(verbs []string, group string, resources []string, namespaced bool) []k8sRequest {
	var out []k8sRequest
	for _, r := range resources {
		for _, v := range verbs {
			out = append(out, k8sRequest{verb: v, group: group, resource: r, namespaced: namespaced})
		}
	}
	return out
}

func k8sWorkloadRequests() []k8sRequest {
	var out []k8sRequest
	for _, w := range k8srbac.WorkloadResources {
		out = append(out, k8sRequest{verb: "create", group: w.Group, resource: w.Resource, namespaced: true})
	}
	return out
}

// k8sPermissions: CIS Kubernetes Benchmark v1.10.0 5.1.2, 5.1.4, 5.1.8 to
// 5.1.13 (5.1.7, system:masters, is about users' certificates, which no
// RBAC export shows).
var k8sPermissions = []*k8sPermission{
	{id: "NHI-OVB-205", cis: "5.1.2", title: "Service account can read Secrets",
		what:        "get, list or watch on secrets",
		rationale:   "Secrets hold other workloads' credentials, legacy service account tokens among them: reading them is acting as whoever they belong to.",
		remediation: "Remove get, list and watch on secrets; where a workload needs one Secret, grant get on it by name (resourceNames) in its namespace.",
		reference:   "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets",
		requests:    k8sRequests([]string{"get", "list", "watch"}, "", []string{"secrets"}, true)},
	{id: "NHI-OVB-206", cis: "5.1.4", title: "Service account can create pods or workload controllers",
		what:        "create on pods or workload controllers (deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs, replicationcontrollers)",
		rationale:   "A pod runs as any service account of its namespace and mounts any Secret there: creating pods, directly or through a controller, holds every permission and credential of the namespace.",
		remediation: "Remove create on pods and workload controllers from service accounts that do not deploy; confine deployers to their own namespace.",
		reference:   "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation",
		requests:    k8sWorkloadRequests()},
	{id: "NHI-OVB-207", cis: "5.1.8", title: "Service account can bind, escalate or impersonate",
		what:        "bind or escalate on roles or clusterroles, or impersonate users, groups or service accounts",
		rationale:   "bind and escalate step around RBAC's own escalation check (grant a role one does not hold); impersonate acts as another identity, system:masters included.",
		remediation: "Remove bind, escalate and impersonate; where a controller must bind, restrict it to the named roles it hands out (resourceNames).",
		reference:   "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping",
		requests: append(append(k8sRequests([]string{"bind", "escalate"}, "rbac.authorization.k8s.io", []string{"roles", "clusterroles"}, true),
			k8sRequests([]string{"impersonate"}, "", []string{"users", "groups"}, false)...),
			k8sRequests([]string{"impersonate"}, "", []string{"serviceaccounts"}, true)...)},
	{id: "NHI-OVB-208", cis: "5.1.9", title: "Service account can create PersistentVolumes",
		what:        "create on persistentvolumes",
		rationale:   "A hostPath PersistentVolume mounts any directory of a node into a pod: the node's kubelet credentials and every pod's data.",
		remediation: "Remove create on persistentvolumes; let a StorageClass provision volumes from PersistentVolumeClaims.",
		reference:   "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#persistent-volume-creation",
		requests:    k8sRequests([]string{"create"}, "", []string{"persistentvolumes"}, false)},
	{id: "NHI-OVB-209", cis: "5.1.10", title: "Service account can use the nodes/proxy subresource",
		what:        "get or create on nodes/proxy (the kubelet API)",
		rationale:   "The kubelet API runs commands in every pod of the node, bypassing the API server's audit and admission.",
		remediation: "Remove nodes/proxy; monitoring agents need nodes/metrics or nodes/stats, not proxy.",
		reference:   "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#access-to-proxy-subresource-of-nodes",
		requests:    k8sRequests([]string{"get", "create"}, "", []string{"nodes/proxy"}, false)},
	{id: "NHI-OVB-210", cis: "5.1.11", title: "Service account can approve certificate signing requests",
		what:        "update or patch on certificatesigningrequests/approval",
		rationale:   "Approving a CSR for the API server client signer issues a client certificate for any user or group, system:masters included, valid until it expires.",
		remediation: "Remove access to certificatesigningrequests/approval; restrict approvers to named signers they own.",
		reference:   "https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/#authorization",
		requests:    k8sRequests([]string{"update", "patch"}, "certificates.k8s.io", []string{"certificatesigningrequests/approval"}, false)},
	{id: "NHI-OVB-211", cis: "5.1.12", title: "Service account can write admission webhook configurations",
		what:        "create, update, patch or delete on mutatingwebhookconfigurations or validatingwebhookconfigurations",
		rationale:   "An admission webhook sees, and a mutating one rewrites, every object sent to the API server, Secrets included; deleting one switches a policy off.",
		remediation: "Remove write access to webhook configurations from service accounts other than the webhook's own installer.",
		reference:   "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#control-admission-webhooks",
		requests:    k8sRequests([]string{"create", "update", "patch", "delete"}, "admissionregistration.k8s.io", []string{"mutatingwebhookconfigurations", "validatingwebhookconfigurations"}, false)},
	{id: "NHI-OVB-212", cis: "5.1.13", title: "Service account can create service account tokens",
		what:        "create on serviceaccounts/token (TokenRequest)",
		rationale:   "A TokenRequest mints a token for another service account of the namespace, and acts as it, without running anything.",
		remediation: "Remove create on serviceaccounts/token; where needed, restrict it to the named service accounts (resourceNames).",
		reference:   "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#token-request",
		requests:    k8sRequests([]string{"create"}, "", []string{"serviceaccounts/token"}, true)},
}

// k8sHolds reports a service account holding one permission of
// k8sPermissions, through any binding (cluster-admin and wildcard roles
// included: they hold it too).
type k8sHolds struct{ p *k8sPermission }

func (r k8sHolds) Meta() findings.Rule {
	p := r.p
	return findings.Rule{
		ID: p.id, Title: p.title, Category: findings.Overbroad, Severity: findings.High,
		Description: "A Role or ClusterRole bound to the service account, directly or through a group, grants " + p.what + ".",
		Rationale:   p.rationale + " CIS Kubernetes " + p.cis + " is about who holds the permission, whether or not a path to an administrator exists today (NHI-ESC-001 follows the paths).",
		Remediation: p.remediation,
		Defaults: "High through a ClusterRoleBinding (every namespace), medium through a RoleBinding (its namespace only), low when the rule names the objects (resourceNames; a create of a new object cannot be restricted by name, so such a rule grants none). " +
			"Accounts bound to cluster-admin or wildcard roles hold it too and are reported (NHI-OVB-201 and 202 report the binding itself). Provider-managed accounts are skipped unless include_provider_managed. One finding per service account, the bindings in evidence.bindings.",
		References: []string{p.reference},
		Providers:  []string{"k8s"},
		Controls:   controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI5", controls.MAESTRO: "L4 cross-layer/privilege-escalation", controls.CISK8S: p.cis, controls.NIST: "AC-6"}.list(),
	}
}

func (r k8sHolds) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !isK8sAccount(id) {
		return nil
	}
	type held struct {
		sev  findings.Severity
		what []string
	}
	var order []*inventory.Binding
	by := map[*inventory.Binding]*held{}
	for _, rq := range r.p.requests {
		for _, g := range k8srbac.Grants(id, rq.verb, rq.group, rq.resource, rq.namespaced) {
			if k8sDiscoveryRoles[g.Binding.Role] {
				continue
			}
			sev, what := findings.Medium, rq.verb+" "+rq.resource
			if g.All {
				sev = findings.High
			}
			if len(g.Names) > 0 {
				if rq.verb == "create" && !strings.Contains(rq.resource, "/") {
					continue // the object has no name yet: the rule grants no create
				}
				sev, what = findings.Low, what+" (only "+strings.Join(g.Names, ", ")+")"
			}
			h := by[g.Binding]
			if h == nil {
				h = &held{sev: sev}
				by[g.Binding] = h
				order = append(order, g.Binding)
			}
			h.sev = max(h.sev, sev)
			if !slices.Contains(h.what, what) {
				h.what = append(h.what, what)
			}
		}
	}
	hs := hits{key: "bindings", noun: "binding(s)"}
	for _, b := range order {
		h := by[b]
		what := strings.Join(h.what, ", ")
		hs.add(h.sev, fmt.Sprintf("%s can %s through %s on %s %s.", id.Name, what, b.Role, b.Scope, via(b)), k8sBindingItem(b)+": "+what)
	}
	return hs.findings(r, s)
}
