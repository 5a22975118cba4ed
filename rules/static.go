package rules

import (
	"fmt"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// staticKeys are the credential kinds that are long-lived keys.
var staticKeys = map[string]bool{inventory.CredAWSAccessKey: true, inventory.CredGCPUserKey: true}

func activeKeys(id *inventory.Identity) []*inventory.Credential {
	var out []*inventory.Credential
	for i := range id.Credentials {
		c := &id.Credentials[i]
		if staticKeys[c.Kind] && c.Active() {
			out = append(out, c)
		}
	}
	return out
}

// keyHolder reports whether the identity is of a kind that holds static
// keys of its own: an IAM user or a service account.
func keyHolder(id *inventory.Identity) bool {
	return id.Kind == inventory.KindAWSUser || id.Kind == inventory.KindGCPAccount
}

// keyAge returns when the key was created or last rotated.
func keyAge(c *inventory.Credential) (t string, days func(*Subject) int) {
	at := c.CreatedAt
	if c.LastRotated != nil && c.LastRotated.After(at) {
		at = *c.LastRotated
	}
	return date(at), func(s *Subject) int { return s.Days(at) }
}

// longLivedKey: every active IAM user access key is a static credential.
type longLivedKey struct{}

func (longLivedKey) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-STA-001", Title: "Long-lived access key", Category: findings.Static, Severity: findings.Medium,
		Description: "The IAM user has an active access key. Access keys do not expire: whoever holds a copy can use it until someone deactivates it.",
		Rationale:   "Static keys leak through source code, CI logs, laptops and agent context windows, and a leaked key works from anywhere. Workloads can get short-lived credentials instead.",
		Remediation: "Move the workload to an IAM role: an instance profile, ECS task role, Lambda execution role, EKS Pod Identity, GitHub Actions OIDC or IAM Roles Anywhere for workloads outside AWS. Then deactivate and delete the key.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles", "https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T9", controls.NHI: "NHI7", controls.MAESTRO: "L7/agent-identity-attack L4", controls.CISAWS3: "1.18", controls.CISAWS5: "1.17", controls.NIST: "IA-5 IA-9"}.list(),
	}
}

func (r longLivedKey) Check(s *Subject) []findings.Finding {
	if s.Identity.Kind != inventory.KindAWSUser {
		return nil
	}
	var out []findings.Finding
	for _, c := range activeKeys(s.Identity) {
		created, age := keyAge(c)
		out = append(out, finding(r, s, findings.Medium, c, "",
			fmt.Sprintf("%s has an active access key %s, a credential that never expires.", s.Identity.Name, credentialLabel(s.Identity, c)),
			ev("key_created_or_rotated", created), ev("key_age_days", fmt.Sprint(age(s)))))
	}
	return out
}

// keyNotRotated: active key older than the rotation threshold.
type keyNotRotated struct{}

func (keyNotRotated) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-STA-002", Title: "Access key not rotated", Category: findings.Static, Severity: findings.Medium,
		Description: "An active access key (AWS) or user-managed service account key (GCP) was created or last rotated longer ago than the rotation threshold.",
		Rationale:   "The longer a key lives, the more copies of it exist and the longer a leaked copy stays useful.",
		Remediation: "Create a new key, move the workload to it, then deactivate and delete the old one. Better, replace the key with a role.",
		Defaults:    "rotation threshold 90 days (key_rotation_days); high past twice the threshold.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console", "https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys"},
		Providers:   []string{"aws", "gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3 T9", controls.NHI: "NHI7", controls.MAESTRO: "L4", controls.CISAWS3: "1.14", controls.CISAWS5: "1.13", controls.CISGCP3: "1.7", controls.NIST: "IA-5"}.list(),
	}
}

func (r keyNotRotated) Check(s *Subject) []findings.Finding {
	if s.Identity.Disabled {
		return nil // its keys cannot authenticate while it is disabled
	}
	var out []findings.Finding
	limit := s.Config.KeyRotationDays
	for _, c := range activeKeys(s.Identity) {
		created, age := keyAge(c)
		days := age(s)
		if days <= limit {
			continue
		}
		sev := findings.Medium
		if days > 2*limit {
			sev = findings.High
		}
		out = append(out, finding(r, s, sev, c, "",
			fmt.Sprintf("%s's key %s was created or last rotated %d days ago (limit %d).", s.Identity.Name, credentialLabel(s.Identity, c), days, limit),
			ev("key_created_or_rotated", created), ev("key_age_days", fmt.Sprint(days)), ev("threshold_days", fmt.Sprint(limit))))
	}
	return out
}

// twoActiveKeys: more than one active key on a user.
type twoActiveKeys struct{}

func (twoActiveKeys) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-STA-003", Title: "More than one active key", Category: findings.Static, Severity: findings.Medium,
		Description: "The IAM user has two active access keys at once, or the service account has several active user-managed keys.",
		Rationale:   "Two active keys are normal for minutes during a rotation; left in place, the old key is a forgotten copy that still works.",
		Remediation: "Find which key is in use (last-used date), deactivate the other, and delete it once nothing breaks.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html", "https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys"},
		Providers:   []string{"aws", "gcp"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI7 NHI1", controls.MAESTRO: "L4", controls.CISAWS3: "1.13", controls.CISAWS5: "1.12", controls.CISGCP3: "1.4", controls.NIST: "IA-5 AC-2(3)"}.list(),
	}
}

func (r twoActiveKeys) Check(s *Subject) []findings.Finding {
	if !keyHolder(s.Identity) || s.Identity.Disabled {
		return nil
	}
	keys := activeKeys(s.Identity)
	if len(keys) < 2 {
		return nil
	}
	var labels []string
	for _, c := range keys {
		labels = append(labels, credentialLabel(s.Identity, c))
	}
	return []findings.Finding{finding(r, s, findings.Medium, nil, "",
		fmt.Sprintf("%s has %d active keys.", s.Identity.Name, len(keys)),
		ev("active_keys", strings.Join(labels, ", ")))}
}

// rootAccessKey: an access key on the account root user.
type rootAccessKey struct{}

func (rootAccessKey) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-STA-004", Title: "Root user access key", Category: findings.Static, Severity: findings.Critical,
		Description: "The account's root user has an active access key.",
		Rationale:   "The root user cannot be restricted by IAM policies or boundaries; a root key is unrestricted, permanent access to the whole account.",
		Remediation: "Delete the root user's access keys and use IAM roles for every workload.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI5 NHI7", controls.MAESTRO: "cross-layer/privilege-escalation", controls.CISAWS3: "1.4", controls.CISAWS5: "1.3", controls.NIST: "AC-6(5) IA-5"}.list(),
	}
}

func (r rootAccessKey) Check(s *Subject) []findings.Finding {
	if s.Identity.Kind != inventory.KindAWSRoot {
		return nil
	}
	var out []findings.Finding
	for _, c := range activeKeys(s.Identity) {
		created, _ := keyAge(c)
		out = append(out, finding(r, s, findings.Critical, c, "",
			fmt.Sprintf("The root user of account %s has an active access key.", s.Identity.Account),
			ev("key_created_or_rotated", created)))
	}
	return out
}
