package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/rules/gcpcondition"
	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// GCP rules read the role bindings service accounts hold (Bindings) and
// the bindings on service accounts and projects (ResourceBindings): who
// may act on them. They never read AWS policy documents.

func isGCPAccount(id *inventory.Identity) bool { return id.Kind == inventory.KindGCPAccount }

// gcpBindings calls fn for each binding the service account holds whose
// condition can hold as of asOf (an expired binding grants nothing).
func gcpBindings(id *inventory.Identity, asOf time.Time, fn func(b *inventory.Binding)) {
	for i := range id.Bindings {
		if b := &id.Bindings[i]; gcpcondition.When(b.Condition, asOf) != gcpcondition.False {
			fn(b)
		}
	}
}

// eachMember calls fn for each member of each resource binding of a
// service account or project whose condition can hold as of asOf (a zero
// asOf: every binding).
func eachMember(id *inventory.Identity, asOf time.Time, fn func(b *inventory.Binding, p inventory.Principal)) {
	if !isGCPAccount(id) && id.Kind != inventory.KindGCPProject {
		return
	}
	for i := range id.ResourceBindings {
		b := &id.ResourceBindings[i]
		if b.Role == "" || gcpcondition.When(b.Condition, asOf) == gcpcondition.False {
			continue
		}
		for _, p := range b.Members {
			fn(b, p)
		}
	}
}

var basicRoles = map[string]findings.Severity{"roles/owner": findings.Critical, "roles/editor": findings.High}

// gcpAdmin reports whether a service account holds an
// administrator-equivalent role (paths.GCPAdminRoles) anywhere.
func gcpAdmin(id *inventory.Identity, asOf time.Time) bool {
	admin := false
	if isGCPAccount(id) {
		gcpBindings(id, asOf, func(b *inventory.Binding) {
			if paths.GCPAdminRoles[b.Role] {
				admin = true
			}
		})
	}
	return admin
}

func conditionNote(b *inventory.Binding) string {
	if b.Condition == nil {
		return "none"
	}
	return fmt.Sprintf("%s: %s", b.Condition.Title, b.Condition.Expression)
}

// lower returns one severity step less for grants whose condition is not
// decided as of the scan.
func lower(sev findings.Severity, s *Subject, b *inventory.Binding) findings.Severity {
	if gcpcondition.When(b.Condition, s.Config.AsOf) == gcpcondition.Unknown && sev > findings.Low {
		return sev - 1
	}
	return sev
}

// basicRole: roles/owner or roles/editor on a service account.
type basicRole struct{}

func (basicRole) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-101", Title: "Service account has a basic role (owner or editor)", Category: findings.Overbroad, Severity: findings.High,
		Description: "The service account holds roles/owner or roles/editor on a project, folder or organization. Basic roles grant thousands of permissions across nearly every service. The default Compute Engine and App Engine service accounts historically receive roles/editor.",
		Rationale:   "Anything that runs as the service account (a VM, a function, an agent, or whoever holds one of its keys) can change almost anything in the project; roles/owner can also change IAM policy.",
		Remediation: "Replace the basic role with predefined roles for the services the workload uses (IAM Recommender suggests them), and for default service accounts enforce the org policy iam.automaticIamGrantsForDefaultServiceAccounts.",
		Defaults:    "Critical for roles/owner, high for roles/editor; one step lower for conditional bindings. One finding per service account, its bindings in evidence.bindings.",
		References:  []string{"https://cloud.google.com/iam/docs/roles-overview#basic", "https://cloud.google.com/resource-manager/docs/organization-policy/restricting-service-accounts#disable_service_account_default_grants"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation L4/lateral-movement", controls.CISGCP3: "1.5", controls.NIST: "AC-6 AC-6(5)"}.list(),
	}
}

func (r basicRole) Check(s *Subject) []findings.Finding {
	if !isGCPAccount(s.Identity) {
		return nil
	}
	h := hits{key: "bindings", noun: "binding(s)"}
	gcpBindings(s.Identity, s.Config.AsOf, func(b *inventory.Binding) {
		sev, ok := basicRoles[b.Role]
		if !ok {
			return
		}
		h.add(lower(sev, s, b), fmt.Sprintf("%s holds %s on %s.", s.Identity.ID, b.Role, b.Scope), bindingItem(s, b, ""))
	})
	return h.findings(r, s)
}

// bindingItem names a binding for evidence: role on resource, what it
// holds that matters, and its condition when the scan could not decide it.
func bindingItem(s *Subject, b *inventory.Binding, holds string) string {
	item := b.Role + " on " + b.Scope
	if holds != "" {
		item += " (" + holds + ")"
	}
	if gcpcondition.When(b.Condition, s.Config.AsOf) == gcpcondition.Unknown {
		item += " [condition " + conditionNote(b) + "]"
	}
	return item
}

// iamAdminRoles are the predefined roles that administer IAM (NHI-OVB-102):
// the administrator-equivalent ones of paths.GCPAdminRoles other than the
// basic roles, and those that edit service accounts, keys, roles or
// identity pools without granting roles on the project.
func iamAdminRole(role string) bool {
	if paths.GCPAdminRoles[role] {
		_, basic := basicRoles[role]
		return !basic
	}
	switch role {
	case "roles/iam.serviceAccountAdmin", "roles/iam.serviceAccountKeyAdmin", "roles/iam.roleAdmin",
		"roles/iam.organizationRoleAdmin", "roles/iam.workloadIdentityPoolAdmin":
		return true
	}
	return false
}

// adminRole: an IAM-administering predefined role on a service account.
type adminRole struct{}

func (adminRole) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-102", Title: "Service account administers IAM", Category: findings.Overbroad, Severity: findings.High,
		Description: "The service account holds an admin-grade IAM role: securityAdmin, projectIamAdmin, folderIamAdmin, organizationAdmin, serviceAccountAdmin, serviceAccountKeyAdmin, roleAdmin, organizationRoleAdmin or workloadIdentityPoolAdmin.",
		Rationale:   "A role that edits IAM policies, roles, keys or identity pools lets its holder grant itself anything: it is administrator in all but name.",
		Remediation: "Keep IAM administration with people through a reviewed process; give workloads only the roles for the resources they use.",
		Defaults:    "High; one step lower for conditional bindings. One finding per service account, its bindings in evidence.bindings.",
		References:  []string{"https://cloud.google.com/iam/docs/understanding-roles", "https://cloud.google.com/iam/docs/best-practices-service-accounts#restrict-admin-privileges"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation", controls.CISGCP3: "1.5 1.8", controls.NIST: "AC-6 AC-6(1) AC-5"}.list(),
	}
}

func (r adminRole) Check(s *Subject) []findings.Finding {
	if !isGCPAccount(s.Identity) {
		return nil
	}
	h := hits{key: "bindings", noun: "binding(s)"}
	gcpBindings(s.Identity, s.Config.AsOf, func(b *inventory.Binding) {
		if !iamAdminRole(b.Role) {
			return
		}
		h.add(lower(findings.High, s, b), fmt.Sprintf("%s holds %s on %s.", s.Identity.ID, b.Role, b.Scope), bindingItem(s, b, ""))
	})
	return h.findings(r, s)
}

// dangerousPermission reports whether a custom role permission lets its
// holder change IAM or act as other service accounts.
func dangerousPermission(p string) bool {
	switch p {
	case "iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.signBlob", "iam.serviceAccounts.signJwt",
		"iam.serviceAccounts.actAs", "iam.serviceAccounts.implicitDelegation", "iam.serviceAccounts.getOpenIdToken",
		"iam.serviceAccountKeys.create", "iam.roles.update", "iam.roles.create":
		return true
	}
	return strings.HasSuffix(p, ".setIamPolicy")
}

// customRoleEscalation: a custom role with setIamPolicy or impersonation.
type customRoleEscalation struct{}

func (customRoleEscalation) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-103", Title: "Custom role grants IAM or impersonation permissions", Category: findings.Overbroad, Severity: findings.High,
		Description: "A custom role held by the service account includes a *.setIamPolicy permission, or one that acts as or mints credentials for service accounts (iam.serviceAccounts.getAccessToken, signBlob, signJwt, actAs, implicitDelegation, iam.serviceAccountKeys.create).",
		Rationale:   "Custom roles hide privilege: their names say little, and one permission such as setIamPolicy or getAccessToken is enough to become someone else.",
		Remediation: "Remove the listed permissions from the custom role, or grant them only on the specific resources that need them.",
		Defaults:    "Needs the custom roles' permissions (custom-roles.json offline, iam.roles.list live). One finding per service account, its bindings in evidence.bindings.",
		References:  []string{"https://cloud.google.com/iam/docs/creating-custom-roles", "https://cloud.google.com/iam/docs/service-account-permissions"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation", controls.NIST: "AC-6 AC-6(1)"}.list(),
	}
}

func (r customRoleEscalation) Check(s *Subject) []findings.Finding {
	if !isGCPAccount(s.Identity) {
		return nil
	}
	h := hits{key: "bindings", noun: "binding(s)"}
	gcpBindings(s.Identity, s.Config.AsOf, func(b *inventory.Binding) {
		if !strings.Contains(b.Role, "/roles/") {
			return // a predefined role: permissions not listed
		}
		var bad []string
		for _, p := range b.Permissions {
			if dangerousPermission(p) {
				bad = append(bad, p)
			}
		}
		if len(bad) == 0 {
			return
		}
		h.add(lower(findings.High, s, b), fmt.Sprintf("%s holds custom role %s on %s, which includes %s.", s.Identity.ID, b.Role, b.Scope, strings.Join(bad, ", ")),
			bindingItem(s, b, strings.Join(bad, ", ")))
	})
	return h.findings(r, s)
}

// userManagedKey: any user-managed key on a service account.
type userManagedKey struct{}

func (userManagedKey) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-STA-101", Title: "Service account has a user-managed key", Category: findings.Static, Severity: findings.Medium,
		Description: "The service account has an active user-managed key: a private key file that can authenticate as the service account from anywhere until it expires or is deleted. Google-managed (system) keys are rotated by Google and not reported.",
		Rationale:   "Key files leak through repositories, CI variables and laptops; they are the most common way service accounts are stolen.",
		Remediation: "Use attached service accounts on Google Cloud, Workload Identity Federation for workloads elsewhere (GitHub Actions, AWS, Kubernetes), or service account impersonation; then delete the key and enforce iam.disableServiceAccountKeyCreation.",
		References:  []string{"https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys", "https://cloud.google.com/iam/docs/workload-identity-federation"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T9", controls.NHI: "NHI7", controls.MAESTRO: "L7/agent-identity-attack L4", controls.CISGCP3: "1.4", controls.NIST: "IA-5 IA-9"}.list(),
	}
}

func (r userManagedKey) Check(s *Subject) []findings.Finding {
	if !isGCPAccount(s.Identity) || s.Identity.Disabled {
		return nil
	}
	var out []findings.Finding
	for _, c := range activeKeys(s.Identity) {
		out = append(out, finding(r, s, findings.Medium, c, "",
			fmt.Sprintf("%s has an active user-managed key %s.", s.Identity.ID, c.ID),
			ev("key_created", date(c.CreatedAt)), ev("key_age_days", fmt.Sprint(s.Days(c.CreatedAt)))))
	}
	return out
}

// keyNeverExpires: a user-managed key without an expiry.
type keyNeverExpires struct{}

func (keyNeverExpires) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-STA-102", Title: "Service account key never expires", Category: findings.Static, Severity: findings.Medium,
		Description: "An active user-managed key has no expiry (validBeforeTime 9999-12-31).",
		Rationale:   "A key without expiry stays valid for as long as nobody remembers to delete it.",
		Remediation: "Set the organization policy iam.serviceAccountKeyExpiryHours so new keys expire, and replace keys that never do.",
		References:  []string{"https://cloud.google.com/resource-manager/docs/organization-policy/restricting-service-accounts#limit_key_expiry"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T9", controls.NHI: "NHI7", controls.MAESTRO: "L4", controls.CISGCP3: "1.7", controls.NIST: "IA-5"}.list(),
	}
}

func (r keyNeverExpires) Check(s *Subject) []findings.Finding {
	if !isGCPAccount(s.Identity) || s.Identity.Disabled {
		return nil
	}
	var out []findings.Finding
	for _, c := range activeKeys(s.Identity) {
		if c.ExpiresAt == nil {
			out = append(out, finding(r, s, findings.Medium, c, "",
				fmt.Sprintf("User-managed key %s of %s never expires.", c.ID, s.Identity.ID), ev("key_created", date(c.CreatedAt)), ev("expires", "never")))
		}
	}
	return out
}

// accountUnused: a service account with no authentication in the window.
type accountUnused struct{}

func (accountUnused) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DOR-101", Title: "Service account unused", Category: findings.Dormant, Severity: findings.Medium,
		Description: "The service account did not authenticate within the threshold: Policy Analyzer's last authentication is older, or it is absent from the activity of a window it existed for, or a Recommender service account insight says it is unused.",
		Rationale:   "An unused service account keeps its roles and keys; nobody would notice it being used again by someone else.",
		Remediation: "Confirm with the owner, disable the service account for a cooling-off period, then delete it.",
		Defaults:    "threshold 90 days (role_unused_days). Disabled accounts are not judged. Without activity data or insights for the project, dormancy is not assessed (the source says so) rather than guessed; an account absent from the activity is judged only when it is known to be older than the threshold (from its oldest key).",
		References:  []string{"https://cloud.google.com/iam/docs/service-account-recent-usage", "https://cloud.google.com/iam/docs/manage-service-account-insights"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI1", controls.MAESTRO: "L4/lateral-movement L6", controls.NIST: "AC-2(3) AC-2"}.list(),
	}
}

func (r accountUnused) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !isGCPAccount(id) || id.Disabled || id.Excluded != "" {
		return nil
	}
	limit := s.Config.RoleUnusedDays
	switch {
	case id.DormantSignal != "":
		return []findings.Finding{finding(r, s, findings.Medium, nil, "",
			fmt.Sprintf("Service account %s is unused according to Google's service account insight.", id.ID), ev("signal", id.DormantSignal))}
	case !id.LastUsedKnown:
		return nil
	case id.LastUsed != nil:
		if d := s.Days(*id.LastUsed); d > limit {
			return []findings.Finding{finding(r, s, findings.Medium, nil, "",
				fmt.Sprintf("Service account %s last authenticated %d days ago.", id.ID, d),
				ev("last_authenticated", date(*id.LastUsed)), ev("days_unused", fmt.Sprint(d)), ev("threshold_days", fmt.Sprint(limit)))}
		}
		return nil
	}
	// Absent from the activity: unused in the window, if it existed then.
	oldest := id.CreatedAt
	for _, c := range id.Credentials {
		if !c.CreatedAt.IsZero() && (oldest.IsZero() || c.CreatedAt.Before(oldest)) {
			oldest = c.CreatedAt
		}
	}
	if oldest.IsZero() || s.Days(oldest) <= limit {
		return nil
	}
	return []findings.Finding{finding(r, s, findings.Medium, nil, "",
		fmt.Sprintf("Service account %s has no authentication on record and has existed for more than %d days.", id.ID, limit),
		ev("last_authenticated", "none in the activity window"), ev("exists_since_at_least", date(oldest)), ev("threshold_days", fmt.Sprint(limit)))}
}

// projectImpersonation: impersonation roles granted at project level or above.
type projectImpersonation struct{}

func (projectImpersonation) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-101", Title: "Impersonation role granted on a whole project", Category: findings.Delegation, Severity: findings.High,
		Description: "roles/iam.serviceAccountTokenCreator, serviceAccountUser, workloadIdentityUser (or key or account admin) is granted at project, folder or organization level to a person, group, domain or the public: the member can act as every service account in the project, including ones created later. Service accounts holding such a grant are reported by NHI-ESC-101.",
		Rationale:   "Project-wide impersonation blurs accountability and makes the most privileged service account in the project the member's real privilege (CIS GCP 1.6).",
		Remediation: "Grant impersonation roles on the individual service accounts that need them, not on the project.",
		Defaults:    "High; critical when the member is allUsers or allAuthenticatedUsers; one step lower for conditional bindings. One finding per project, its members in evidence.members.",
		References:  []string{"https://cloud.google.com/iam/docs/service-account-permissions", "https://cloud.google.com/iam/docs/best-practices-service-accounts#project-folder-grants"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T9", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation cross-layer/lateral-movement", controls.CISGCP3: "1.6", controls.NIST: "AC-6 AC-5"}.list(),
	}
}

func (r projectImpersonation) Check(s *Subject) []findings.Finding {
	if s.Identity.Kind != inventory.KindGCPProject {
		return nil
	}
	h := hits{key: "members", noun: "member(s)"}
	for i := range s.Identity.ResourceBindings {
		b := &s.Identity.ResourceBindings[i]
		if !paths.GCPImpersonationRoles[b.Role] || gcpcondition.When(b.Condition, s.Config.AsOf) == gcpcondition.False {
			continue
		}
		for _, p := range b.Members {
			if p.Type == "serviceAccount" {
				continue // NHI-ESC-101 reports it on the service account
			}
			if strings.HasPrefix(p.Type, "deleted:") {
				continue // a stale binding (NHI-DEL-104): nobody can use it
			}
			sev := findings.High
			if p.Type == "allUsers" || p.Type == "allAuthenticatedUsers" {
				sev = findings.Critical
			}
			who := p.Type + ":" + p.Value
			h.add(lower(sev, s, b), fmt.Sprintf("%s holds %s on %s and can act as every service account in project %s.", who, b.Role, b.Scope, s.Identity.Account),
				memberItem(s, b, who))
		}
	}
	return h.findings(r, s)
}

// memberItem names a member's binding for evidence: member, role,
// resource, and the condition when the scan could not decide it.
func memberItem(s *Subject, b *inventory.Binding, who string) string {
	item := who + " holds " + b.Role + " on " + b.Scope
	if gcpcondition.When(b.Condition, s.Config.AsOf) == gcpcondition.Unknown {
		item += " [condition " + conditionNote(b) + "]"
	}
	return item
}

// canImpersonateAll: a service account that holds project-wide
// impersonation is an escalation path to every service account there.
type canImpersonateAll struct{}

func (canImpersonateAll) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-ESC-101", Title: "Service account can impersonate every service account in a project", Category: findings.Escalation, Severity: findings.High,
		Description: "The service account holds an impersonation role (serviceAccountTokenCreator, serviceAccountUser, workloadIdentityUser, serviceAccountKeyAdmin or serviceAccountAdmin) at project level or above, so it can obtain the credentials or act as any service account in the project.",
		Rationale:   "One compromised workload then becomes the most privileged service account of the project: tool chaining in its purest form.",
		Remediation: "Grant the role on the specific service accounts the workload must act as, or remove it.",
		Defaults:    "High; one step lower for conditional bindings. One finding per service account, its bindings in evidence.bindings.",
		References:  []string{"https://cloud.google.com/iam/docs/service-account-permissions"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T14", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation", controls.CISGCP3: "1.6", controls.NIST: "AC-6 AC-5 AC-3"}.list(),
	}
}

func (r canImpersonateAll) Check(s *Subject) []findings.Finding {
	if !isGCPAccount(s.Identity) {
		return nil
	}
	h := hits{key: "bindings", noun: "binding(s)"}
	gcpBindings(s.Identity, s.Config.AsOf, func(b *inventory.Binding) {
		if !paths.GCPImpersonationRoles[b.Role] {
			return
		}
		h.add(lower(findings.High, s, b), fmt.Sprintf("%s holds %s on %s: it can act as every service account there.", s.Identity.ID, b.Role, b.Scope),
			bindingItem(s, b, ""), ev("path", s.Identity.ID+" -["+b.Role+" on "+b.Scope+"]-> any service account in "+b.Scope))
	})
	return h.findings(r, s)
}

// publicBinding: a binding to allUsers, allAuthenticatedUsers or a domain.
type publicBinding struct{}

func (publicBinding) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-102", Title: "Binding to the public or a whole domain", Category: findings.Delegation, Severity: findings.Critical,
		Description: "A service account's IAM policy, or the project's, grants a role to allUsers, allAuthenticatedUsers (anyone with a Google account) or a whole domain.",
		Rationale:   "Anyone on the internet (or in the domain) can then use the role: on a service account, that usually means acting as it.",
		Remediation: "Remove the binding; grant the role to named principals or groups.",
		Defaults:    "Critical for allUsers and allAuthenticatedUsers, high for a domain. One finding per identity, the members in evidence.members.",
		References:  []string{"https://cloud.google.com/iam/docs/principals-overview#all-users"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI04", controls.ASITM: "T3 T9", controls.NHI: "NHI5 NHI3", controls.MAESTRO: "L7/integration-risks", controls.NIST: "AC-3 AC-6"}.list(),
	}
}

func (r publicBinding) Check(s *Subject) []findings.Finding {
	h := hits{key: "members", noun: "member(s)"}
	eachMember(s.Identity, s.Config.AsOf, func(b *inventory.Binding, p inventory.Principal) {
		sev, who := findings.Critical, p.Type
		switch p.Type {
		case "allUsers", "allAuthenticatedUsers":
		case "domain":
			sev, who = findings.High, "domain:"+p.Value
		default:
			return
		}
		h.add(lower(sev, s, b), fmt.Sprintf("%s is granted %s on %s.", who, b.Role, b.Scope), memberItem(s, b, who))
	})
	return h.findings(r, s)
}

// wifWildcard: workload identity federation principal set too broad.
type wifWildcard struct{}

func (wifWildcard) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-103", Title: "Workload identity federation trusts a broad principal set", Category: findings.Delegation, Severity: findings.High,
		Description: "A service account lets a workload identity pool act as it through a principal set that is the whole pool (.../workloadIdentityPools/POOL/*) or a broad attribute such as every repository of an owner (attribute.repository_owner/ORG).",
		Rationale:   "Every identity the pool accepts (every repository, branch and workflow of a GitHub organization) can then act as the service account.",
		Remediation: "Grant roles/iam.workloadIdentityUser to a principal set pinned to the repository (attribute.repository/ORG/REPO) or a narrower custom attribute, and set an attribute condition on the pool provider.",
		Defaults:    "High for the whole pool, medium for an owner-wide attribute. One finding per service account, the principal sets in evidence.principal_sets.",
		References:  []string{"https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines", "https://cloud.google.com/iam/docs/best-practices-for-using-workload-identity-federation"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T9 T3", controls.NHI: "NHI6", controls.MAESTRO: "L7/agent-identity-attack cross-layer/lateral-movement", controls.NIST: "IA-9 AC-3"}.list(),
	}
}

func (r wifWildcard) Check(s *Subject) []findings.Finding {
	if !isGCPAccount(s.Identity) {
		return nil
	}
	h := hits{key: "principal_sets", noun: "principal set(s)"}
	for i := range s.Identity.ResourceBindings {
		b := &s.Identity.ResourceBindings[i]
		if gcpcondition.When(b.Condition, s.Config.AsOf) == gcpcondition.False {
			continue
		}
		for _, p := range b.Members {
			if p.Type != "principalSet" {
				continue
			}
			sev, why := findings.Severity(0), ""
			switch {
			case strings.HasSuffix(p.Value, "/*"):
				sev, why = findings.High, "every identity of the pool"
			case strings.Contains(p.Value, "/attribute.repository_owner/"):
				sev, why = findings.Medium, "every repository of owner "+p.Value[strings.LastIndex(p.Value, "/")+1:]
			case strings.Contains(p.Value, "*"):
				sev, why = findings.High, "a wildcard in the principal set"
			}
			if sev == 0 {
				continue
			}
			h.add(lower(sev, s, b), fmt.Sprintf("%s can be used by %s through %s.", s.Identity.ID, why, b.Role),
				p.Value+" through "+b.Role+" ("+why+")")
		}
	}
	return h.findings(r, s)
}

// staleBinding: a binding to a deleted principal.
type staleBinding struct{}

func (staleBinding) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-104", Title: "Binding to a deleted principal", Category: findings.Delegation, Severity: findings.Low,
		Description: "A binding still names a deleted service account, user or group (deleted:serviceAccount:..., deleted:user:...).",
		Rationale:   "Stale bindings are offboarding left half done; if a principal with the same name is created again it does not inherit them, but they hide real grants among dead ones and mark a process gap.",
		Remediation: "Remove the deleted member from the binding.",
		Defaults:    "One finding per identity, the deleted members in evidence.members.",
		References:  []string{"https://cloud.google.com/iam/docs/principals-overview#deleted-principals"},
		Providers:   []string{"gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI1", controls.MAESTRO: "L6", controls.NIST: "AC-2"}.list(),
	}
}

func (r staleBinding) Check(s *Subject) []findings.Finding {
	h := hits{key: "members", noun: "member(s)"}
	eachMember(s.Identity, time.Time{}, func(b *inventory.Binding, p inventory.Principal) {
		if !strings.HasPrefix(p.Type, "deleted:") {
			return
		}
		who := p.Type + ":" + p.Value
		h.add(findings.Low, fmt.Sprintf("%s still holds %s on %s.", who, b.Role, b.Scope), who+" holds "+b.Role+" on "+b.Scope)
	})
	return h.findings(r, s)
}
