package rules

import (
	"strings"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/rules/awspolicy"
	"github.com/nhiscan/nhiscan/rules/k8srbac"
	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Privilege names an identity's broadest privilege: "admin" (every action
// on every resource), for AWS and GCP "wildcard" (a whole sensitive
// service, or an Allow with NotAction) or "scoped" (some grant), for
// Kubernetes and Azure "privileged" (what the overbroad rules call
// privileged) or "limited" (some grant), "none", or "unknown" when the
// source did not carry the identity's permissions (no grant can be judged
// absent, or nhiscan reads no grants of the identity's provider).
func Privilege(s *Subject) string {
	switch s.Identity.Provider {
	case inventory.AWS:
		return awsPrivilege(s)
	case inventory.GCP:
		return gcpPrivilege(s.Identity, s.Config.AsOf)
	case inventory.Azure:
		return azurePrivilege(s)
	case inventory.K8s:
		return k8sPrivilege(s)
	}
	return "unknown"
}

// k8sPrivilege grades a service account's RBAC: cluster-admin-equivalent
// (the graph's administrator) is admin, the rules' privileged accounts
// (admin or edit cluster-wide, a cluster-wide role with wildcards) are
// privileged, any other binding beyond the discovery roles limited;
// unknown when a role or binding the account may hold was not exported.
func k8sPrivilege(s *Subject) string {
	id := s.Identity
	if _, ok := k8srbac.Admin(id); ok {
		return "admin"
	}
	if k8sPrivileged(id) != "" {
		return "privileged"
	}
	if !s.Assessed(inventory.NotAssessedPermissions) {
		return "unknown"
	}
	for i := range id.Bindings {
		if !k8sDiscoveryRoles[id.Bindings[i].Role] {
			return "limited"
		}
	}
	return "none"
}

// awsPrivilege grades an AWS identity's policies with the AWS evaluator.
func awsPrivilege(s *Subject) string {
	if s.Identity.Kind == inventory.KindAWSRoot || s.Admin().Allowed {
		return "admin"
	}
	if !s.Assessed(inventory.NotAssessedPermissions) {
		return "unknown"
	}
	for _, svc := range sensitiveServices {
		if allows(s.Perms(), svc.action, "*") {
			return "wildcard"
		}
	}
	any := false
	for _, g := range s.Identity.Grants {
		for _, st := range g.Statements {
			if strings.EqualFold(st.Effect, "Allow") {
				any = true
				if len(st.NotActions) > 0 {
					return "wildcard"
				}
			}
		}
	}
	if any {
		return "scoped"
	}
	return "none"
}

// List classifies the inventory and returns one row per identity that the
// config keeps (provider-managed identities are listed, marked excluded,
// unless the config drops them by pattern).
func List(inv *inventory.Inventory, cfg Config) []findings.IdentityRow {
	Classify(inv, &cfg)
	keep := cfg
	keep.IncludeProviderManaged = true
	var rows []findings.IdentityRow
	compiler := awspolicy.NewCompiler(cfg.AsOf) // shared managed policies compile once
	notAssessed := notAssessedBySource(inv)
	for i := range inv.Identities {
		id := &inv.Identities[i]
		if !InScope(id, &keep) {
			continue
		}
		s := &Subject{Identity: id, Config: &cfg, sourceNotAssessed: notAssessed[string(id.Provider)+"/"+id.Account]}
		if id.Provider == inventory.AWS {
			s.perms = compiler.Compile(id)
		}
		row := findings.IdentityRow{
			Provider: string(id.Provider), Account: id.Account, Kind: id.Kind, Name: id.Name, ID: id.ID,
			Owner: id.Owner, OwnerSource: id.OwnerSource, Agent: id.Agent, LastUsed: id.LastUsed, LastUsedKnown: id.LastUsedKnown,
			OldestCredentialDays: -1, Privilege: Privilege(s), Excluded: id.Excluded,
		}
		if !id.CreatedAt.IsZero() {
			created := id.CreatedAt
			row.Created = &created
		}
		for _, c := range id.Credentials {
			if !c.Active() {
				continue
			}
			row.Credentials++
			// A credential without a creation date (an Entra federated
			// credential) has no age.
			if d := s.Days(c.CreatedAt); !c.CreatedAt.IsZero() && d > row.OldestCredentialDays {
				row.OldestCredentialDays = d
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// gcpPrivilege grades a service account's roles in force as of asOf: an
// administrator-equivalent role (the graph's and the rules' one list) is
// admin, editor or another IAM-administering role is wildcard, any other
// role scoped.
func gcpPrivilege(id *inventory.Identity, asOf time.Time) string {
	best := "none"
	gcpBindings(id, asOf, func(b *inventory.Binding) {
		switch {
		case paths.GCPAdminRoles[b.Role]:
			best = "admin"
		case (b.Role == "roles/editor" || iamAdminRole(b.Role)) && best != "admin":
			best = "wildcard"
		case best == "none":
			best = "scoped"
		}
	})
	return best
}

// azurePrivilege grades a service principal's grants as the Azure rules
// and graph do: administrator of the tenant (paths.AzureAdminVia) is
// admin, any grant the overbroad rules report (NHI-OVB-301, 302, 303, 304) is
// privileged, any other grant limited: role grants, like Kubernetes RBAC,
// have no wildcard policies to speak of.
func azurePrivilege(s *Subject) string {
	id := s.Identity
	if _, _, ok := paths.AzureAdminVia(id); ok {
		return "admin"
	}
	if !s.Assessed(inventory.NotAssessedPermissions) {
		return "unknown"
	}
	switch {
	case len(azurePrivilegedHits(id)) > 0:
		return "privileged"
	case len(id.Bindings) > 0:
		return "limited"
	}
	return "none"
}
