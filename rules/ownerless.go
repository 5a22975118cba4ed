package rules

import (
	"fmt"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// noOwner: no owner could be resolved.
type noOwner struct{}

func (noOwner) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OWN-001", Title: "Identity has no owner", Category: findings.Ownerless, Severity: findings.Low,
		Description: "No owner could be resolved for the identity: none of the owner tag keys is set, or its value is empty.",
		Rationale:   "Nobody reviews, rotates or decommissions an identity nobody owns; ownerless identities are how access outlives the project that needed it.",
		Remediation: "Tag the identity with its owning team or person (for example owner=team-payments), and make the tag mandatory with a tag policy or SCP.",
		Defaults:    "owner tag keys owner, Owner, team, owner-email, contact (owner_tags). Medium for full administrators; one step more again for agents.",
		References:  []string{"https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"aws"},
	}
}

func (r noOwner) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if id.Kind == inventory.KindAWSRoot || id.Owner != "" {
		return nil
	}
	sev := findings.Low
	e := []findings.Evidence{ev("owner_tags_checked", strings.Join(s.Config.OwnerTags, ", "))}
	if s.Admin().Allowed {
		sev = findings.Medium
		e = append(e, ev("admin", "identity is a full administrator"))
	}
	return []findings.Finding{finding(r.Meta(), s, sev, nil, "", fmt.Sprintf("%s has no owner.", id.Name), e...)}
}
