package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Azure rules read service principals as the Azure scanner fills them
// (one identity per service principal): Azure RBAC role assignments,
// "directoryRole:NAME" directory roles and "appRole:RESOURCE/VALUE"
// application permissions in Bindings, the owners in ResourceBindings,
// client secrets, certificates and federated credentials in Credentials,
// and the application's audience and owner tenant in Tags.

func isAzureSP(id *inventory.Identity) bool {
	switch id.Kind {
	case inventory.KindAzureApplication, inventory.KindAzureManagedIdentity, inventory.KindAzureAgentIdentity:
		return true
	}
	return false
}

// microsoftTenants are the tenants Microsoft's first-party applications
// are registered in (agents-azure.md §6.1).
var microsoftTenants = map[string]bool{
	"f8cdef31-a31e-4b4a-93e4-5f571e91255a": true, // Microsoft Services
	"72f988bf-86f1-41af-91ab-2d7cd011db47": true, // Microsoft Corp
}

func azureFirstParty(id *inventory.Identity) bool {
	return microsoftTenants[strings.ToLower(id.Tags["azure.appOwnerOrganizationId"])]
}

// azureHit is one privileged grant of a service principal.
type azureHit struct {
	sev  findings.Severity
	msg  string
	item string // for evidence: what, with the assignment and its condition
	what string // the role or permission and where
}

// azureRBACBase are the Azure RBAC roles NHI-OVB-301 reports, by severity
// at management-group or subscription scope. User Access Administrator
// and RBAC Administrator assign roles, Owner included: Owner's equals.
var azureRBACBase = map[string]findings.Severity{
	"Owner":                     findings.Critical,
	"User Access Administrator": findings.Critical,
	"Role Based Access Control Administrator": findings.Critical,
	"Contributor": findings.High,
}

var azureScopeNames = map[paths.AzureScope]string{
	paths.AzureScopeRoot: "the root", paths.AzureScopeManagementGroup: "a management group", paths.AzureScopeSubscription: "a subscription",
	paths.AzureScopeResourceGroup: "a resource group", paths.AzureScopeResource: "one resource",
}

// lowerBy returns sev n steps lower, never below Low.
func lowerBy(sev findings.Severity, n int) findings.Severity {
	for ; n > 0 && sev > findings.Low; n-- {
		sev--
	}
	return sev
}

// azureRBACHits grades the service principal's broad Azure RBAC roles:
// one step lower at resource group scope, two at one resource, one lower
// again for User Access Administrator and RBAC Administrator under a
// condition (which limits the roles they may assign).
func azureRBACHits(id *inventory.Identity) []azureHit {
	return azureRBACHitsOf(id, func(string) bool { return true })
}

// azureUAA: CIS Azure 5.3.3 is about the User Access Administrator role
// alone, so NHI-OVB-304 reports it and NHI-OVB-301 the other roles.
const azureUAA = "User Access Administrator"

func azureRBACHitsOf(id *inventory.Identity, keep func(role string) bool) []azureHit {
	var out []azureHit
	for i := range id.Bindings {
		b := &id.Bindings[i]
		name, ok := paths.AzureRBACRole(b)
		sev, broad := azureRBACBase[name]
		if !ok || !broad || !keep(name) {
			continue
		}
		level := paths.AzureScopeOf(b.Scope, id.Account)
		switch level {
		case paths.AzureScopeResourceGroup:
			sev = lowerBy(sev, 1)
		case paths.AzureScopeResource:
			sev = lowerBy(sev, 2)
		}
		what := name + " on " + b.Scope
		item := what
		if b.Name != "" {
			item += " (" + b.Name + ")"
		}
		if b.Condition != nil {
			item += " [condition " + b.Condition.Expression + "]"
			if name != "Owner" && name != "Contributor" {
				sev = lowerBy(sev, 1)
			}
		}
		out = append(out, azureHit{sev, fmt.Sprintf("%s holds %s on %s (%s).", id.Name, name, b.Scope, azureScopeNames[level]), item, what})
	}
	return out
}

// azureDirectoryRoles are the privileged Entra directory roles
// (agents-azure.md §6.4) by severity when assigned tenant-wide: those
// that reach Global Administrator or every credential of the tenant
// are critical.
var azureDirectoryRoles = map[string]findings.Severity{
	"Global Administrator":                    findings.Critical,
	"Privileged Role Administrator":           findings.Critical,
	"Privileged Authentication Administrator": findings.Critical,
	"Application Administrator":               findings.High,
	"Cloud Application Administrator":         findings.High,
	"Hybrid Identity Administrator":           findings.High,
	"User Administrator":                      findings.High,
	"Security Administrator":                  findings.High,
	"Directory Synchronization Accounts":      findings.High,
	"Agent ID Administrator":                  findings.High,
}

// azureDirectoryHits grades the privileged directory roles: one step
// lower when scoped to an administrative unit or one object.
func azureDirectoryHits(id *inventory.Identity) []azureHit {
	var out []azureHit
	for i := range id.Bindings {
		b := &id.Bindings[i]
		name, ok := paths.AzureDirectoryRole(b)
		sev, privileged := azureDirectoryRoles[name]
		if !ok || !privileged {
			continue
		}
		where := "the whole tenant"
		if !paths.AzureTenantWide(b) {
			sev = lowerBy(sev, 1)
			where = strings.TrimPrefix(b.Scope, "directory")
		}
		out = append(out, azureHit{sev, fmt.Sprintf("%s holds the directory role %s on %s.", id.Name, name, where), name + " on " + where, "directory role " + name + " on " + where})
	}
	return out
}

// azureGraphCritical are the tenant-control Microsoft Graph application
// permissions (paths.AzureTenantControl, the one list) that are critical:
// one step from Global Administrator or from every application's
// credentials. The others of the list reach groups and owners: high.
var azureGraphCritical = map[string]bool{
	"RoleManagement.ReadWrite.Directory":         true,
	"RoleAssignmentSchedule.ReadWrite.Directory": true,
	"AppRoleAssignment.ReadWrite.All":            true,
	"Application.ReadWrite.All":                  true,
}

func azureGraphSeverity(perm string) findings.Severity {
	if azureGraphCritical[perm] {
		return findings.Critical
	}
	return findings.High
}

func azureGraphHits(id *inventory.Identity) []azureHit {
	var out []azureHit
	for i := range id.Bindings {
		b := &id.Bindings[i]
		perm, ok := paths.AzureGraphPermission(b)
		if !ok || !paths.AzureTenantControl[perm] {
			continue
		}
		out = append(out, azureHit{azureGraphSeverity(perm), fmt.Sprintf("%s holds the Microsoft Graph application permission %s.", id.Name, perm), "Microsoft Graph " + perm, "Microsoft Graph " + perm})
	}
	return out
}

// azurePrivilegedHits are every privileged grant of the service principal
// (NHI-OVB-301, 302, 303 and 304's items).
func azurePrivilegedHits(id *inventory.Identity) []azureHit {
	return slices.Concat(azureRBACHits(id), azureDirectoryHits(id), azureGraphHits(id))
}

// azureTier0 reports whether the service principal holds a grant that
// controls the tenant or the whole of a subscription (a critical item).
func azureTier0(id *inventory.Identity) bool {
	return slices.ContainsFunc(azurePrivilegedHits(id), func(h azureHit) bool { return h.sev == findings.Critical })
}

func azureFindings(r Rule, s *Subject, noun string, hs []azureHit) []findings.Finding {
	h := hits{key: "grants", noun: noun}
	for _, x := range hs {
		h.add(x.sev, x.msg, x.item)
	}
	return h.findings(r, s)
}

// Azure returns the rules written for Azure and Entra ID service
// principals.
func Azure() []Rule {
	return []Rule{
		azureRBACRole{},
		azureDirectoryRole{},
		azureGraphPermission{},
		azureUAARole{},
		azureSecret{},
		azureFirstPartyCredential{},
		azureUnused{},
		azureFederationWildcard{},
		azureUntrustedIssuer{},
		azureMultiTenant{},
	}
}

// azureRBACRole: Owner, Contributor or RBAC Administrator (User Access
// Administrator is azureUAARole's).
type azureRBACRole struct{}

func (azureRBACRole) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-301", Title: "Service principal holds Owner, Contributor or RBAC Administrator", Category: findings.Overbroad, Severity: findings.Critical,
		Description: "An Azure RBAC role assignment gives the service principal Owner, Contributor or Role Based Access Control Administrator. RBAC Administrator assigns any role, Owner included. User Access Administrator is NHI-OVB-304's.",
		Rationale:   "Whoever runs as the service principal (a pipeline, a workload, an agent, or anyone holding its secret) changes everything under the scope; with Owner or RBAC Administrator it also grants access to anyone.",
		Remediation: "Assign a role with the actions the workload needs, at the resource group or resource it works on; when it must assign roles, use RBAC Administrator with a condition that limits the roles and principals it may assign.",
		Defaults:    "Critical for Owner and RBAC Administrator, high for Contributor, at the root, a management group or a subscription; one step lower at a resource group, two at one resource; one step lower for RBAC Administrator assignments with a condition. One finding per service principal, the assignments in evidence.grants.",
		References:  []string{"https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles/privileged", "https://learn.microsoft.com/en-us/azure/role-based-access-control/delegate-role-assignments-overview"},
		Providers:   []string{"azure"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation L4/lateral-movement", controls.CISAZ5: "5.3.4", controls.NIST: "AC-6 AC-6(5)"}.list(),
	}
}

func (r azureRBACRole) Check(s *Subject) []findings.Finding {
	if !isAzureSP(s.Identity) {
		return nil
	}
	return azureFindings(r, s, "assignment(s)", azureRBACHitsOf(s.Identity, func(role string) bool { return role != azureUAA }))
}

// azureUAARole: User Access Administrator, CIS Azure 5.3.3's subject.
type azureUAARole struct{}

func (azureUAARole) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-304", Title: "Service principal holds User Access Administrator", Category: findings.Overbroad, Severity: findings.Critical,
		Description: "An Azure RBAC role assignment gives the service principal User Access Administrator, which assigns any role, Owner included, at its scope.",
		Rationale:   "Whoever runs as the service principal grants anyone, itself included, Owner under the scope. Microsoft and CIS expect the role to be assigned only for a change (at the root scope, through elevated access) and removed right after.",
		Remediation: "Remove the assignment; when the workload must assign roles, use Role Based Access Control Administrator with a condition that limits the roles and principals it may assign.",
		Defaults:    "Critical at the root, a management group or a subscription; one step lower at a resource group, two at one resource; one step lower with a condition. One finding per service principal, the assignments in evidence.grants.",
		References:  []string{"https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles/privileged#user-access-administrator", "https://learn.microsoft.com/en-us/azure/role-based-access-control/elevate-access-global-admin"},
		Providers:   []string{"azure"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation L4/lateral-movement", controls.CISAZ5: "5.3.3 5.3.4", controls.NIST: "AC-6 AC-6(5)"}.list(),
	}
}

func (r azureUAARole) Check(s *Subject) []findings.Finding {
	if !isAzureSP(s.Identity) {
		return nil
	}
	return azureFindings(r, s, "assignment(s)", azureRBACHitsOf(s.Identity, func(role string) bool { return role == azureUAA }))
}

// azureDirectoryRole: a privileged Entra directory role.
type azureDirectoryRole struct{}

func (azureDirectoryRole) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-302", Title: "Service principal holds a privileged Entra directory role", Category: findings.Overbroad, Severity: findings.Critical,
		Description: "The service principal is assigned a privileged Entra ID directory role: Global Administrator, Privileged Role Administrator, Privileged Authentication Administrator, Application Administrator, Cloud Application Administrator, Hybrid Identity Administrator, User Administrator, Security Administrator, Directory Synchronization Accounts or Agent ID Administrator (role names or their template ids).",
		Rationale:   "These roles administer the tenant's identities: Global Administrator is the tenant, Privileged Role Administrator grants it, Application and Cloud Application Administrators add credentials to every application and become them.",
		Remediation: "Remove the role; give the workload the Microsoft Graph permissions or the scoped role (an administrative unit, one application) it needs, and keep tenant administration with people through Privileged Identity Management.",
		Defaults:    "Critical for Global Administrator, Privileged Role Administrator and Privileged Authentication Administrator, high for the others; one step lower when the assignment is scoped to an administrative unit or one object. One finding per service principal, the roles in evidence.grants.",
		References:  []string{"https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/privileged-roles-permissions", "https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/permissions-reference"},
		Providers:   []string{"azure"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation", controls.NIST: "AC-6 AC-6(5) AC-6(1)"}.list(),
	}
}

func (r azureDirectoryRole) Check(s *Subject) []findings.Finding {
	if !isAzureSP(s.Identity) {
		return nil
	}
	return azureFindings(r, s, "role(s)", azureDirectoryHits(s.Identity))
}

// azureGraphPermission: Graph application permissions that control the
// tenant.
type azureGraphPermission struct{}

func (azureGraphPermission) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-303", Title: "Service principal holds Microsoft Graph permissions that control the tenant", Category: findings.Overbroad, Severity: findings.Critical,
		Description: "The service principal holds a Microsoft Graph application permission that amounts to tenant control: RoleManagement.ReadWrite.Directory or RoleAssignmentSchedule.ReadWrite.Directory (grant any directory role), AppRoleAssignment.ReadWrite.All (grant itself any application permission), Application.ReadWrite.All (add credentials to any application), Directory.ReadWrite.All, Group.ReadWrite.All, GroupMember.ReadWrite.All or ServicePrincipalEndpoint.ReadWrite.All.",
		Rationale:   "Application permissions act without a user and without Conditional Access; these let the service principal make itself Global Administrator or become other service principals, and the Azure portal does not show them as administrator roles.",
		Remediation: "Replace the permission with the narrowest one the workload needs (Application.ReadWrite.OwnedBy instead of Application.ReadWrite.All, read permissions, or resource-specific consent), and revoke the app role assignment.",
		Defaults:    "Critical for RoleManagement.ReadWrite.Directory, RoleAssignmentSchedule.ReadWrite.Directory, AppRoleAssignment.ReadWrite.All and Application.ReadWrite.All, high for the others. Permissions of Microsoft Graph only. One finding per service principal, the permissions in evidence.grants.",
		References:  []string{"https://bloodhound.specterops.io/resources/edges/az-mg-grant-role", "https://bloodhound.specterops.io/resources/edges/az-mg-grant-app-roles", "https://bloodhound.specterops.io/resources/edges/az-mg-add-secret"},
		Providers:   []string{"azure"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation", controls.NIST: "AC-6 AC-6(5) AC-6(1)"}.list(),
	}
}

func (r azureGraphPermission) Check(s *Subject) []findings.Finding {
	if !isAzureSP(s.Identity) {
		return nil
	}
	return azureFindings(r, s, "permission(s)", azureGraphHits(s.Identity))
}

// azureStatic reports whether a credential is a client secret or
// certificate that can still authenticate as of asOf.
func azureStatic(c *inventory.Credential, asOf time.Time) bool {
	if c.Kind != inventory.CredAzureSecret && c.Kind != inventory.CredAzureCert {
		return false
	}
	return c.Status != inventory.CredentialExpired && c.Status != inventory.CredentialInactive && (c.ExpiresAt == nil || c.ExpiresAt.After(asOf))
}

func azureCredentialNoun(c *inventory.Credential) string {
	if c.Kind == inventory.CredAzureCert {
		return "certificate"
	}
	return "client secret"
}

func azureCredentialEvidence(s *Subject, c *inventory.Credential) []findings.Evidence {
	e := []findings.Evidence{ev("credential", azureCredentialNoun(c))}
	if c.Slot != "" {
		e = append(e, ev("on", c.Slot))
	}
	if !c.CreatedAt.IsZero() {
		e = append(e, ev("created", date(c.CreatedAt)))
	}
	if c.ExpiresAt == nil {
		e = append(e, ev("expires", "never"))
	} else {
		e = append(e, ev("expires", date(*c.ExpiresAt)), ev("remaining_days", fmt.Sprint(-s.Days(*c.ExpiresAt))))
		if !c.CreatedAt.IsZero() {
			e = append(e, ev("validity_days", fmt.Sprint(int(c.ExpiresAt.Sub(c.CreatedAt).Hours()/24))))
		}
	}
	return e
}

// azureSecret: a client secret or certificate on a service principal.
type azureSecret struct{}

func (azureSecret) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-STA-301", Title: "Client secret or certificate on a service principal", Category: findings.Static, Severity: findings.Medium,
		Description: "The service principal (or its application) has a client secret or a certificate that can still authenticate. Managed identities never get this finding: Azure rotates their credentials.",
		Rationale:   "A secret or private key copied once works from anywhere until it expires, and Entra lets them live for years. Secrets added to the service principal object itself do not show in the portal's Certificates & secrets blade.",
		Remediation: "Replace the credential with a managed identity or a federated identity credential (GitHub Actions, Kubernetes, other clouds); if one must stay, prefer a certificate, keep its validity short, and remove the ones nothing uses.",
		Defaults:    "Medium for a client secret, low for a certificate; one step more when its total validity exceeds secret_max_validity_days (365) or it never expires, one more when more than that remains; at most high for a secret and medium for a certificate, one step more again on a service principal that holds a critical grant (NHI-OVB-301, 302, 303 or 304). One finding per credential. Microsoft first-party applications are NHI-STA-302's.",
		References:  []string{"https://learn.microsoft.com/en-us/entra/identity-platform/security-best-practices-for-app-registration#credential-configuration", "https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation"},
		Providers:   []string{"azure"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T9", controls.NHI: "NHI7", controls.MAESTRO: "L7/agent-identity-attack L4", controls.NIST: "IA-5 IA-9"}.list(),
	}
}

func (r azureSecret) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !isAzureSP(id) || id.Kind == inventory.KindAzureManagedIdentity || azureFirstParty(id) || id.Disabled {
		return nil
	}
	limit := s.Config.SecretMaxValidityDays
	tier0 := -1 // unknown until a credential needs it
	var out []findings.Finding
	for i := range id.Credentials {
		c := &id.Credentials[i]
		if !azureStatic(c, s.Config.AsOf) {
			continue
		}
		sev, ceiling := findings.Medium, findings.High
		if c.Kind == inventory.CredAzureCert {
			sev, ceiling = findings.Low, findings.Medium
		}
		var why []string
		switch {
		case c.ExpiresAt == nil:
			sev = sev.Raise()
			why = append(why, "it never expires")
		case !c.CreatedAt.IsZero() && int(c.ExpiresAt.Sub(c.CreatedAt).Hours()/24) > limit:
			sev = sev.Raise()
			why = append(why, fmt.Sprintf("it is valid for %d days", int(c.ExpiresAt.Sub(c.CreatedAt).Hours()/24)))
		}
		if c.ExpiresAt != nil && -s.Days(*c.ExpiresAt) > limit {
			sev = sev.Raise()
			why = append(why, fmt.Sprintf("%d days remain", -s.Days(*c.ExpiresAt)))
		}
		sev = min(sev, ceiling)
		e := azureCredentialEvidence(s, c)
		e = append(e, ev("max_validity_days", fmt.Sprint(limit)))
		if tier0 < 0 {
			tier0 = 0
			if azureTier0(id) {
				tier0 = 1
			}
		}
		if tier0 == 1 {
			sev = sev.Raise()
			e = append(e, ev("privileged", "the service principal holds a critical grant (tenant control or Owner-equivalent)"))
		}
		msg := fmt.Sprintf("%s has a %s %s", id.Name, azureCredentialNoun(c), c.ID)
		if len(why) > 0 {
			msg += ": " + strings.Join(why, ", ")
		}
		if tier0 == 1 {
			msg += "; the service principal holds a critical grant (tenant control or Owner-equivalent), which raises the severity"
		}
		out = append(out, finding(r, s, sev, c, "", msg+".", e...))
	}
	return out
}

// azureFirstPartyCredential: a credential the tenant added to a Microsoft
// first-party application's service principal.
type azureFirstPartyCredential struct{}

func (azureFirstPartyCredential) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-STA-302", Title: "Credential added to a Microsoft first-party service principal", Category: findings.Static, Severity: findings.High,
		Description: "A client secret or certificate sits on the service principal of a Microsoft first-party application (registered in Microsoft's own tenants). Microsoft's applications need no credential from the tenant: someone added it.",
		Rationale:   "Adding a credential to a Microsoft service principal is a known persistence technique (Midnight Blizzard): the attacker signs in as a trusted Microsoft application with whatever it was granted, and the service principal is usually excluded from reviews.",
		Remediation: "Find who added the credential (audit log: Update service principal, Certificates and secrets management), remove it, and investigate the sign-ins of the service principal since it was added.",
		Defaults:    "High; one finding per credential. These service principals are otherwise excluded from every rule.",
		References:  []string{"https://www.microsoft.com/en-us/security/blog/2024/01/25/midnight-blizzard-guidance-for-responders-on-nation-state-attack/", "https://bloodhound.specterops.io/resources/edges/az-add-secret"},
		Providers:   []string{"azure"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI04", controls.ASITM: "T3 T9", controls.NHI: "NHI7 NHI3", controls.MAESTRO: "L7/agent-identity-attack cross-layer/lateral-movement", controls.NIST: "IA-5 IA-9 SA-9"}.list(),
	}
}

func (r azureFirstPartyCredential) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !isAzureSP(id) || !azureFirstParty(id) {
		return nil
	}
	var out []findings.Finding
	for i := range id.Credentials {
		c := &id.Credentials[i]
		if !azureStatic(c, s.Config.AsOf) {
			continue
		}
		e := append(azureCredentialEvidence(s, c), ev("app_owner_tenant", id.Tags["azure.appOwnerOrganizationId"]))
		out = append(out, finding(r, s, findings.High, c, "",
			fmt.Sprintf("Microsoft first-party service principal %s has a %s %s added by the tenant.", id.Name, azureCredentialNoun(c), c.ID), e...))
	}
	return out
}

// azureUnused: a service principal with no sign-in within the threshold.
type azureUnused struct{}

func (azureUnused) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DOR-301", Title: "Service principal without sign-ins", Category: findings.Dormant, Severity: findings.Medium,
		Description: "The service principal's last sign-in (any of Entra's sign-in activity kinds) is older than the threshold, or it never signed in within the retention and is older than the threshold.",
		Rationale:   "An unused service principal keeps its roles, permissions and credentials; a secret on a service principal nobody uses is pure risk, and its use by someone else would go unnoticed.",
		Remediation: "Confirm with the owner, disable the service principal (accountEnabled false) for a cooling-off period, remove its credentials, then delete it.",
		Defaults:    "threshold 90 days (role_unused_days); high when it holds a client secret, certificate or federated credential. Service principals younger than the threshold, disabled ones, managed identities (whose sign-ins Entra logs apart and whose lifecycle is their resource's) and Microsoft first-party applications are not judged. Without a sign-in activity export dormancy is not assessed (the source says so) rather than guessed.",
		References:  []string{"https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipalsigninactivity?view=graph-rest-beta", "https://learn.microsoft.com/en-us/entra/identity/monitoring-health/recommendation-remove-unused-apps"},
		Providers:   []string{"azure"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI1", controls.MAESTRO: "L4/lateral-movement L6", controls.NIST: "AC-2(3) AC-2"}.list(),
	}
}

func (r azureUnused) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !isAzureSP(id) || id.Kind == inventory.KindAzureManagedIdentity || azureFirstParty(id) || id.Disabled ||
		id.CreatedAt.IsZero() || !s.Assessed(inventory.NotAssessedSignIns) {
		return nil
	}
	ok, e := unused(s, id.CreatedAt, id.LastUsed, id.LastUsedKnown, s.Config.RoleUnusedDays)
	if !ok {
		return nil
	}
	sev := findings.Medium
	var creds []string
	for i := range id.Credentials {
		c := &id.Credentials[i]
		if azureStatic(c, s.Config.AsOf) || c.Kind == inventory.CredAzureFederated {
			creds = append(creds, c.Kind+" "+c.ID)
		}
	}
	msg := fmt.Sprintf("Service principal %s has not signed in within the sign-in retention and is older than %d days", id.Name, s.Config.RoleUnusedDays)
	if id.LastUsed != nil {
		msg = fmt.Sprintf("Service principal %s last signed in %d days ago", id.Name, s.Days(*id.LastUsed))
	}
	if len(creds) > 0 {
		sev = findings.High
		e = append(e, ev("credentials", strings.Join(creds, "; ")))
		msg += fmt.Sprintf(", yet holds %d credential(s)", len(creds))
	}
	return []findings.Finding{finding(r, s, sev, nil, "", msg+".", e...)}
}

// parseClaims reads a claims-matching expression as the graph does
// (paths.ParseAzureClaims), so a rule and an edge never read one
// differently.
func parseClaims(expr string) ([]paths.AzureClaim, bool) { return paths.ParseAzureClaims(expr) }

// federationBreadth grades what one federated credential admits: 0 when
// it admits one workload.
func federationBreadth(f *inventory.Federation) (findings.Severity, string) {
	github := strings.Contains(strings.ToLower(f.Issuer), githubOIDC)
	if f.ClaimsExpression == "" {
		switch {
		case strings.Contains(f.Subject, "*"):
			return findings.Low, "no workload as written: subject " + f.Subject + " has a *, which Entra compares literally (no wildcard outside a claims-matching expression)"
		case github && strings.HasSuffix(f.Subject, ":pull_request"):
			return findings.Medium, "the workflow of any pull request of the repository (subject " + f.Subject + ")"
		}
		return 0, ""
	}
	clauses, ok := parseClaims(f.ClaimsExpression)
	if !ok {
		return findings.Medium, "an unknown set of workloads: its claims-matching expression is not understood: " + f.ClaimsExpression
	}
	var sev findings.Severity
	why := ""
	var pins []string
	sub := false
	for _, c := range clauses {
		wild := c.Op == "matches" && strings.Contains(c.Value, "*")
		if c.Claim != "sub" {
			if !wild {
				pins = append(pins, fmt.Sprintf("claims['%s'] %s '%s'", c.Claim, c.Op, c.Value))
			}
			continue
		}
		sub = true
		if !wild {
			continue
		}
		var s findings.Severity
		var w string
		if github {
			s, w = githubSubjectSeverity(c.Value, true)
		} else {
			s, w = genericSubjectSeverity(c.Value)
		}
		if s > sev {
			sev, why = s, w+" (claims['sub'] matches '"+c.Value+"')"
		}
	}
	if !sub {
		return findings.High, "any subject: its claims-matching expression does not constrain claims['sub']: " + f.ClaimsExpression
	}
	if sev > 0 && len(pins) > 0 {
		sev = lowerBy(sev, 1)
		why += ", narrowed by " + strings.Join(pins, " and ")
	}
	return sev, why
}

// genericSubjectSeverity grades a subject pattern of an issuer other than
// GitHub: a leading wildcard admits any subject, one in the last
// colon-separated segment the variants of one workload (run phases,
// branches), one earlier whole groups of workloads.
func genericSubjectSeverity(v string) (findings.Severity, string) {
	switch i := strings.Index(v, "*"); {
	case i == 0:
		return findings.Critical, "any subject of the issuer"
	case i > strings.LastIndex(v, ":"):
		return findings.Medium, "every variant of one workload"
	}
	return findings.High, "several workloads"
}

func federated(id *inventory.Identity, fn func(c *inventory.Credential)) {
	for i := range id.Credentials {
		if c := &id.Credentials[i]; c.Kind == inventory.CredAzureFederated && c.Federation != nil {
			fn(c)
		}
	}
}

// azureFederationWildcard: a federated credential that admits more than
// one workload.
type azureFederationWildcard struct{}

func (azureFederationWildcard) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-301", Title: "Federated credential admits more than one workload", Category: findings.Delegation, Severity: findings.High,
		Description: "A federated identity credential of the application (or agent blueprint, or user-assigned managed identity) uses a claims-matching expression whose subject pattern has wildcards, admitting several repositories, branches, environments or workloads; or a GitHub subject that admits any pull request.",
		Rationale:   "Every workflow or workload the pattern admits signs in as the service principal with all its grants: with repo:ORG/*, any repository of the organization, including one anybody in it can create.",
		Remediation: "Pin the subject to one repository and branch or environment (repo:ORG/REPO:environment:production), one credential per workload; if a pattern must stay, add a clause that pins another claim (claims['repository_id'] eq '…').",
		Defaults:    "GitHub Actions: critical for any repository of any organization, high for every repository of one organization, medium for a pattern over one repository's branches, tags, environments or pull requests. Other issuers: critical for a leading wildcard, high for one inside the subject, medium for one in its last segment. One step lower when another clause pins a claim; medium for an expression nhiscan cannot read; low for a * in a plain subject (Entra compares subjects literally). One finding per service principal, the credentials in evidence.credentials.",
		References:  []string{"https://learn.microsoft.com/en-us/entra/workload-id/workload-identities-flexible-federated-identity-credentials", "https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims"},
		Providers:   []string{"azure"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T9 T3", controls.NHI: "NHI6", controls.MAESTRO: "L7/agent-identity-attack cross-layer/lateral-movement", controls.NIST: "IA-9 AC-3"}.list(),
	}
}

func (r azureFederationWildcard) Check(s *Subject) []findings.Finding {
	if !isAzureSP(s.Identity) {
		return nil
	}
	h := hits{key: "credentials", noun: "credential(s)"}
	federated(s.Identity, func(c *inventory.Credential) {
		sev, why := federationBreadth(c.Federation)
		if sev == 0 {
			return
		}
		h.add(sev, fmt.Sprintf("Federated credential %s of %s admits %s.", c.ID, s.Identity.Name, why), c.ID+" ("+c.Federation.Issuer+"): "+why)
	})
	return h.findings(r, s)
}

// DefaultTrustedIssuers are the token issuers a federated credential may
// name without NHI-DEL-302: GitHub Actions (and its enterprise issuers),
// Entra ID itself (v2.0 and v1 tokens) and AKS clusters' OIDC issuers. A *
// stands for one or more letters, digits, dots, dashes or underscores,
// never a /.
var DefaultTrustedIssuers = []string{
	"https://token.actions.githubusercontent.com",
	"https://token.actions.githubusercontent.com/*",
	"https://login.microsoftonline.com/*/v2.0",
	"https://sts.windows.net/*",
	"https://*.oic.prod-aks.azure.com/*/*",
}

// issuerPattern compiles a trusted issuer pattern: * matches within one
// path segment or host label run, so a pattern's host cannot be stretched
// over another host; a trailing / is ignored on both sides.
func issuerPattern(p string) *regexp.Regexp {
	q := regexp.QuoteMeta(strings.TrimSuffix(p, "/"))
	return regexp.MustCompile(`(?i)^` + strings.ReplaceAll(q, `\*`, `[A-Za-z0-9._-]+`) + `/?$`)
}

// trustedIssuer reports whether an issuer matches one of the patterns.
func trustedIssuer(issuer string, patterns []string) bool {
	for _, p := range patterns {
		if issuerPattern(p).MatchString(issuer) {
			return true
		}
	}
	return false
}

// azureUntrustedIssuer: a federated credential naming an issuer the
// configuration does not trust.
type azureUntrustedIssuer struct{}

func (azureUntrustedIssuer) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-302", Title: "Federated credential trusts an issuer outside the trusted list", Category: findings.Delegation, Severity: findings.High,
		Description: "A federated identity credential names a token issuer that is not in the configured trusted issuers (trusted_issuers; by default GitHub Actions, Entra ID and AKS OIDC issuers).",
		Rationale:   "Whoever controls the issuer (its signing keys, or the domain that serves them) mints tokens that sign in as the service principal: an issuer nobody reviewed is a way in nobody watches.",
		Remediation: "Remove the credential if the issuer is not yours; if it is (GitLab, Terraform Cloud, another cluster), add its exact URL to trusted_issuers in .nhiscan.yaml.",
		Defaults:    "High; one finding per service principal, the credentials in evidence.credentials.",
		References:  []string{"https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation-considerations"},
		Providers:   []string{"azure"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI04", controls.ASITM: "T9 T3", controls.NHI: "NHI6 NHI3", controls.MAESTRO: "L7/integration-risks cross-layer/lateral-movement", controls.NIST: "IA-9 AC-20 SA-9"}.list(),
	}
}

func (r azureUntrustedIssuer) Check(s *Subject) []findings.Finding {
	if !isAzureSP(s.Identity) {
		return nil
	}
	h := hits{key: "credentials", noun: "credential(s)"}
	federated(s.Identity, func(c *inventory.Credential) {
		if trustedIssuer(c.Federation.Issuer, s.Config.TrustedIssuers) {
			return
		}
		what := c.Federation.Subject
		if what == "" {
			what = c.Federation.ClaimsExpression
		}
		h.add(findings.High, fmt.Sprintf("Federated credential %s of %s trusts issuer %s, which is not in the trusted issuers.", c.ID, s.Identity.Name, c.Federation.Issuer),
			c.ID+": issuer "+c.Federation.Issuer+", "+what)
	})
	return h.findings(r, s)
}

// multiTenantAudiences are the signInAudience values of applications
// other tenants can sign in to and consent.
var multiTenantAudiences = map[string]bool{"azureadmultipleorgs": true, "azureadandpersonalmicrosoftaccount": true}

// azureMultiTenant: a multi-tenant application holding privileged grants.
type azureMultiTenant struct{}

func (azureMultiTenant) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-303", Title: "Multi-tenant application holds privileged grants", Category: findings.Delegation, Severity: findings.High,
		Description: "The service principal belongs to a multi-tenant application (signInAudience AzureADMultipleOrgs or AzureADandPersonalMicrosoftAccount, or an application registered in another tenant) and holds a privileged grant here: a broad Azure RBAC role, a privileged directory role or a tenant-control Microsoft Graph permission.",
		Rationale:   "A multi-tenant application's credentials live with its publisher and sign in to every tenant that consented: whoever compromises the application, in its home tenant, inherits its privileges here (the path of Midnight Blizzard's legacy OAuth application).",
		Remediation: "Make your own application single-tenant (AzureADMyOrg) unless other tenants must use it; for a third-party application, remove the privileged grants or replace them with the least the integration needs, and review the publisher.",
		Defaults:    "High; critical when a grant is critical (NHI-OVB-301, 302, 303, 304). Microsoft first-party applications are not judged. One finding per service principal, the grants in evidence.grants.",
		References:  []string{"https://learn.microsoft.com/en-us/entra/identity-platform/howto-convert-app-to-be-multi-tenant", "https://www.microsoft.com/en-us/security/blog/2024/01/25/midnight-blizzard-guidance-for-responders-on-nation-state-attack/"},
		Providers:   []string{"azure"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI04", controls.ASITM: "T3 T9", controls.NHI: "NHI3 NHI5", controls.MAESTRO: "L7/integration-risks cross-layer/lateral-movement", controls.NIST: "AC-20 SA-9 AC-6"}.list(),
	}
}

func (r azureMultiTenant) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if id.Kind != inventory.KindAzureApplication && id.Kind != inventory.KindAzureAgentIdentity || azureFirstParty(id) {
		return nil
	}
	audience := id.Tags["azure.signInAudience"]
	home := strings.ToLower(id.Tags["azure.appOwnerOrganizationId"])
	var why string
	switch {
	case multiTenantAudiences[strings.ToLower(audience)]:
		why = "signInAudience " + audience
	case home != "" && id.Account != "" && home != strings.ToLower(id.Account):
		why = "registered in tenant " + home
	default:
		return nil
	}
	h := hits{key: "grants", noun: "grant(s)"}
	for _, x := range azurePrivilegedHits(id) {
		sev := findings.High
		if x.sev == findings.Critical {
			sev = findings.Critical
		}
		h.add(sev, fmt.Sprintf("Multi-tenant application %s (%s) holds %s.", id.Name, why, x.what), x.item)
	}
	fs := h.findings(r, s)
	for i := range fs {
		fs[i].Evidence = append(fs[i].Evidence, ev("multi_tenant", why))
	}
	return fs
}
