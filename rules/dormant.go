package rules

import (
	"fmt"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// unused decides dormancy. It returns false for things still inside their
// grace period (younger than the threshold) and when usage is unknown.
// A thing never used and older than the threshold is unused.
func unused(s *Subject, created time.Time, lastUsed *time.Time, known bool, limit int) (bool, []findings.Evidence) {
	if !known || s.Days(created) <= limit {
		return false, nil
	}
	if lastUsed == nil {
		return true, []findings.Evidence{ev("created", date(created)), ev("last_used", "never"), ev("threshold_days", fmt.Sprint(limit))}
	}
	days := s.Days(*lastUsed)
	if days <= limit {
		return false, nil
	}
	return true, []findings.Evidence{ev("created", date(created)), ev("last_used", date(*lastUsed)), ev("days_unused", fmt.Sprint(days)), ev("threshold_days", fmt.Sprint(limit))}
}

func lastUseText(e []findings.Evidence) string {
	for _, x := range e {
		if x.Key == "last_used" && x.Value == "never" {
			return "has never been used"
		}
		if x.Key == "days_unused" {
			return "was last used " + x.Value + " days ago"
		}
	}
	return "is unused"
}

// roleUnused: a role with no use in the threshold.
type roleUnused struct{}

func (roleUnused) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DOR-001", Title: "Role unused", Category: findings.Dormant, Severity: findings.Medium,
		Description: "The role was not assumed within the threshold, or was never assumed and is older than the threshold.",
		Rationale:   "Unused roles keep their permissions and trust: a dormant foothold nobody watches. Nobody notices when it starts being used again.",
		Remediation: "Confirm with the owner that the role is not needed, remove its trust or attach a deny-all policy for a cooling-off period, then delete it.",
		Defaults:    "threshold 90 days (role_unused_days); roles younger than the threshold are not judged (grace period). AWS tracks role use for the trailing 400 days.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI1", controls.MAESTRO: "L4/lateral-movement L6", controls.NIST: "AC-2(3) AC-2"}.list(),
	}
}

func (r roleUnused) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if id.Kind != inventory.KindAWSRole || id.Disabled {
		return nil
	}
	ok, e := unused(s, id.CreatedAt, id.LastUsed, id.LastUsedKnown, s.Config.RoleUnusedDays)
	if !ok {
		return nil
	}
	return []findings.Finding{finding(r, s, findings.Medium, nil, "", fmt.Sprintf("Role %s %s.", id.Name, lastUseText(e)), e...)}
}

// keyUnused: an active access key not used within the threshold.
type keyUnused struct{}

func (keyUnused) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DOR-002", Title: "Key unused", Category: findings.Dormant, Severity: findings.Medium,
		Description: "An active access key (AWS), user-managed service account key (GCP) or legacy service account token Secret (Kubernetes) was not used within the threshold, or was never used and is older than the threshold.",
		Rationale:   "An unused key is pure risk: nothing depends on it, yet anyone holding a copy can use it. Keys that were created and never used are the ones most scanners miss.",
		Remediation: "Deactivate the key, wait for anything that breaks, then delete it.",
		Defaults:    "threshold 45 days (key_unused_days); keys younger than the threshold are not judged, nor keys whose use the source does not record (GCP without key activity data; Kubernetes clusters where no token carries the kubernetes.io/legacy-token-last-used label, so token use tracking is not known to be on). A Kubernetes token without that label on a cluster that tracks use was not used since tracking began: it is judged from the earliest last-used date of the cluster's tokens, a date by which tracking had begun.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html", "https://cloud.google.com/iam/docs/service-account-recent-usage", "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#legacy-serviceaccount-token-tracking-controller"},
		Providers:   []string{"aws", "gcp", "k8s"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI1 NHI7", controls.MAESTRO: "L4", controls.CISAWS3: "1.12", controls.CISAWS5: "1.11", controls.NIST: "AC-2(3) IA-5"}.list(),
	}
}

func (r keyUnused) Check(s *Subject) []findings.Finding {
	if s.Identity.Disabled {
		return nil
	}
	var out []findings.Finding
	for _, c := range dormancyKeys(s.Identity) {
		// A key whose use was recorded only from some date on is judged
		// from that date: never used since then, not since its creation.
		from := c.CreatedAt
		if c.UsageTrackedSince != nil && c.UsageTrackedSince.After(from) {
			from = *c.UsageTrackedSince
		}
		ok, e := unused(s, from, c.LastUsed, c.LastUsedKnown, s.Config.KeyUnusedDays)
		if !ok {
			continue
		}
		text := lastUseText(e)
		if !from.Equal(c.CreatedAt) {
			e[0] = ev("usage_tracked_since", date(from))
			e = append([]findings.Evidence{ev("created", date(c.CreatedAt))}, e...)
			if c.LastUsed == nil {
				text = "was not used since the cluster began tracking token use (by " + date(from) + ")"
			}
		}
		noun := "Key"
		if c.Kind == inventory.CredK8sLegacyToken {
			noun = "Legacy token"
		}
		out = append(out, finding(r, s, findings.Medium, c, "",
			fmt.Sprintf("%s %s of %s %s.", noun, credentialLabel(s.Identity, c), s.Identity.Name, text), e...))
	}
	return out
}

// dormancyKeys are the active keys and legacy Kubernetes tokens of an
// identity: long-lived secrets whose use is judged for dormancy.
func dormancyKeys(id *inventory.Identity) []*inventory.Credential {
	out := activeKeys(id)
	for i := range id.Credentials {
		if c := &id.Credentials[i]; c.Kind == inventory.CredK8sLegacyToken && c.Active() {
			out = append(out, c)
		}
	}
	return out
}

// userUnused: a user with active credentials none of which was used.
type userUnused struct{}

func (userUnused) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DOR-003", Title: "User with no credential use", Category: findings.Dormant, Severity: findings.Medium,
		Description: "The IAM user has active credentials (a console password or access keys) and none of them was used within the threshold.",
		Rationale:   "A user nobody uses is an orphan whose credentials still work; users of decommissioned workloads are the classic improper offboarding.",
		Remediation: "Find the owner; if the user is not needed, deactivate its credentials, then delete the user.",
		Defaults:    "threshold 90 days (user_unused_days); users younger than the threshold and users with no active credential are not judged.",
		References:  []string{"https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI1", controls.MAESTRO: "L4/lateral-movement L6", controls.CISAWS3: "1.12", controls.CISAWS5: "1.11", controls.NIST: "AC-2(3) AC-2"}.list(),
	}
}

func (r userUnused) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if id.Kind != inventory.KindAWSUser || id.Disabled || s.Days(id.CreatedAt) <= s.Config.UserUnusedDays {
		return nil
	}
	var latest *time.Time
	active := 0
	for i := range id.Credentials {
		c := &id.Credentials[i]
		if !c.Active() {
			continue
		}
		if !c.LastUsedKnown {
			return nil
		}
		active++
		if c.LastUsed != nil && (latest == nil || c.LastUsed.After(*latest)) {
			latest = c.LastUsed
		}
	}
	if active == 0 {
		return nil
	}
	ok, e := unused(s, id.CreatedAt, latest, true, s.Config.UserUnusedDays)
	if !ok {
		return nil
	}
	e = append(e, ev("active_credentials", fmt.Sprint(active)))
	return []findings.Finding{finding(r, s, findings.Medium, nil, "",
		fmt.Sprintf("User %s has %d active credential(s) and %s.", id.Name, active, lastUseText(e)), e...)}
}

// inactiveKey: a deactivated key left in place.
type inactiveKey struct{}

func (inactiveKey) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DOR-004", Title: "Inactive key left in place", Category: findings.Dormant, Severity: findings.Low,
		Description: "An access key (AWS) or user-managed service account key (GCP) is deactivated but not deleted.",
		Rationale:   "An inactive key can be reactivated by anyone allowed to (iam:UpdateAccessKey, iam.serviceAccountKeys.enable); deleting it closes that path and keeps the inventory honest.",
		Remediation: "Delete the inactive key once you are sure nothing needs it.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html", "https://cloud.google.com/iam/docs/keys-disable-enable"},
		Providers:   []string{"aws", "gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI1", controls.MAESTRO: "L4", controls.NIST: "IA-5 AC-2"}.list(),
	}
}

func (r inactiveKey) Check(s *Subject) []findings.Finding {
	var out []findings.Finding
	for i := range s.Identity.Credentials {
		c := &s.Identity.Credentials[i]
		if !staticKeys[c.Kind] || c.Status != inventory.CredentialInactive {
			continue
		}
		out = append(out, finding(r, s, findings.Low, c, "",
			fmt.Sprintf("%s keeps an inactive key %s.", s.Identity.Name, credentialLabel(s.Identity, c)), ev("key_created_or_rotated", date(c.CreatedAt))))
	}
	return out
}
