package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// noOwner: no owner could be resolved.
type noOwner struct{}

func (noOwner) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OWN-001", Title: "Identity has no owner", Category: findings.Ownerless, Severity: findings.Low,
		Description: "No owner could be resolved for the identity: none of the owner tag keys is set or its value is empty (AWS); no owner in the service account's description and none in the configured owners map (GCP, where service accounts have no labels); no user among the Entra owners of the service principal or its application, nor a sponsor for an agent identity, nor an owner tag (Azure: owned by nobody, or only by other service principals); no owner key among the service account's labels and annotations, no app.kubernetes.io/managed-by or part-of label, no Helm release, no owner key on its namespace and none in the owners map (Kubernetes).",
		Rationale:   "Nobody reviews, rotates or decommissions an identity nobody owns; ownerless identities are how access outlives the project that needed it.",
		Remediation: "AWS: tag the identity with its owning team or person (for example owner=team-payments), and make the tag mandatory with a tag policy or SCP. GCP: write \"owner: team-payments\" in the service account's description, or list it in the owners map of .nhiscan.yaml. Azure: add a person (or, for an agent identity, a sponsor) as owner of the application or service principal. Kubernetes: label the service account or its namespace (team=payments), and require the label with an admission policy.",
		Defaults:    "owner tag keys owner, Owner, team, owner-email, contact (owner_tags); GCP description pattern owner: <value> (owner_description_pattern). Medium for full administrators (owner or editor on GCP; a critical grant on Azure, see NHI-OVB-301, 302, 303, 304; on Kubernetes cluster-admin, admin or edit cluster-wide, or a cluster-wide role with wildcards); one step more again for agents. Azure managed identities (owned by their resource) and Microsoft first-party applications are not judged, nor service principals whose owners the export did not carry.",
		References:  []string{"https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"aws", "gcp", "k8s", "azure"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T8", controls.NHI: "NHI1", controls.MAESTRO: "L6", controls.NIST: "AC-2 CM-8(4) IA-4"}.list(),
	}
}

func (r noOwner) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if id.Kind == inventory.KindAWSRoot || id.Kind == inventory.KindGCPProject || id.Kind == inventory.KindK8sCluster || id.Owner != "" {
		return nil
	}
	// Tags the export did not carry are unknown, not missing: the source
	// says they were not assessed.
	if id.Provider == inventory.AWS && !s.Assessed(inventory.NotAssessedTags) {
		return nil
	}
	msg := fmt.Sprintf("%s has no owner.", id.Name)
	sev := findings.Low
	e := []findings.Evidence{ev("owner_tags_checked", strings.Join(s.Config.OwnerTags, ", "))}
	switch id.Provider {
	case inventory.GCP:
		e = []findings.Evidence{ev("owner_looked_for", "description pattern "+s.Config.OwnerDescription.String()+" and the owners map")}
	case inventory.Azure:
		if id.Kind == inventory.KindAzureManagedIdentity || azureFirstParty(id) || !s.Assessed(inventory.NotAssessedOwners) {
			return nil
		}
		looked := "user owners of the service principal and its application, owner tags " + strings.Join(s.Config.OwnerTags, ", ") + ", the owners map"
		if id.Kind == inventory.KindAzureAgentIdentity {
			looked = "sponsors, " + looked
		}
		e = []findings.Evidence{ev("owner_looked_for", looked)}
		if sps := azureSPOwners(id); len(sps) > 0 {
			msg = fmt.Sprintf("%s is owned only by service principals.", id.Name)
			e = append(e, ev("owners", strings.Join(sps, ", ")))
		}
		if id.Kind == inventory.KindAzureAgentIdentity {
			msg = fmt.Sprintf("Agent identity %s has no sponsor and no user owner.", id.Name)
		}
	case inventory.K8s:
		e = []findings.Evidence{ev("owner_looked_for", "labels and annotations "+strings.Join(s.Config.OwnerTags, ", ")+
			" of the service account, app.kubernetes.io/managed-by and part-of, the Helm release, the same owner keys on its namespace, and the owners map")}
	}
	switch {
	case s.Admin().Allowed || gcpAdmin(id, s.Config.AsOf):
		sev = findings.Medium
		e = append(e, ev("admin", "identity is a full administrator"))
	case id.Provider == inventory.Azure && azureTier0(id):
		sev = findings.Medium
		e = append(e, ev("admin", "identity holds a critical grant (tenant control, or Owner-equivalent on a subscription or above)"))
	case id.Provider == inventory.K8s && k8sPrivileged(id) != "":
		sev = findings.Medium
		e = append(e, ev("privileged", k8sPrivileged(id)))
	}
	return []findings.Finding{finding(r, s, sev, nil, "", msg, e...)}
}

// azureSPOwners lists the service principals among the owners of an Azure
// service principal or its application.
func azureSPOwners(id *inventory.Identity) []string {
	var out []string
	for _, b := range id.ResourceBindings {
		if b.Role != "owner" {
			continue
		}
		for _, m := range b.Members {
			if m.Type == "servicePrincipal" && !slices.Contains(out, m.Value) {
				out = append(out, m.Value)
			}
		}
	}
	return out
}
