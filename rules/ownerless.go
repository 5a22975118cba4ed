package rules

import (
	"fmt"
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
		Description: "No owner could be resolved for the identity: none of the owner tag keys is set or its value is empty (AWS); no owner in the service account's description and none in the configured owners map (GCP, where service accounts have no labels); no owner key among the service account's labels and annotations, no app.kubernetes.io/managed-by or part-of label, no Helm release, no owner key on its namespace and none in the owners map (Kubernetes).",
		Rationale:   "Nobody reviews, rotates or decommissions an identity nobody owns; ownerless identities are how access outlives the project that needed it.",
		Remediation: "AWS: tag the identity with its owning team or person (for example owner=team-payments), and make the tag mandatory with a tag policy or SCP. GCP: write \"owner: team-payments\" in the service account's description, or list it in the owners map of .nhiscan.yaml. Kubernetes: label the service account or its namespace (team=payments), and require the label with an admission policy.",
		Defaults:    "owner tag keys owner, Owner, team, owner-email, contact (owner_tags); GCP description pattern owner: <value> (owner_description_pattern). Medium for full administrators (owner or editor on GCP; on Kubernetes cluster-admin, admin or edit cluster-wide, or a cluster-wide role with wildcards); one step more again for agents.",
		References:  []string{"https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"aws", "gcp", "k8s"},
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
	sev := findings.Low
	e := []findings.Evidence{ev("owner_tags_checked", strings.Join(s.Config.OwnerTags, ", "))}
	switch id.Provider {
	case inventory.GCP:
		e = []findings.Evidence{ev("owner_looked_for", "description pattern "+s.Config.OwnerDescription.String()+" and the owners map")}
	case inventory.K8s:
		e = []findings.Evidence{ev("owner_looked_for", "labels and annotations "+strings.Join(s.Config.OwnerTags, ", ")+
			" of the service account, app.kubernetes.io/managed-by and part-of, the Helm release, the same owner keys on its namespace, and the owners map")}
	}
	if s.Admin().Allowed || gcpAdmin(id, s.Config.AsOf) {
		sev = findings.Medium
		e = append(e, ev("admin", "identity is a full administrator"))
	} else if why := k8sPrivileged(id); id.Provider == inventory.K8s && why != "" {
		sev = findings.Medium
		e = append(e, ev("privileged", why))
	}
	return []findings.Finding{finding(r, s, sev, nil, "", fmt.Sprintf("%s has no owner.", id.Name), e...)}
}
