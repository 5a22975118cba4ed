package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/rules/awspolicy"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// trusts reports whether a trust statement allows anything as of the
// scan: an Allow whose date conditions can still hold.
func trusts(s *Subject, st inventory.Statement) bool {
	return strings.EqualFold(st.Effect, "Allow") && awspolicy.When(&st, s.Config.AsOf, awspolicy.AnyCaller) != awspolicy.False
}

func hasConditionKey(st inventory.Statement, keys ...string) bool {
	for _, c := range st.Conditions {
		for _, k := range keys {
			if strings.EqualFold(c.Key, k) {
				return true
			}
		}
	}
	return false
}

func principalText(st inventory.Statement) string {
	var out []string
	for _, p := range st.Principals {
		out = append(out, p.Type+":"+p.Value)
	}
	return strings.Join(out, ", ")
}

func conditionText(st inventory.Statement) string {
	if len(st.Conditions) == 0 {
		return "none"
	}
	var out []string
	for _, c := range st.Conditions {
		out = append(out, fmt.Sprintf("%s %s %s", c.Operator, c.Key, strings.Join(c.Values, "|")))
	}
	return strings.Join(out, "; ")
}

// restrictingKeys narrow a trust to known callers.
var restrictingKeys = []string{"aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn",
	"aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths", "sts:ExternalId", "aws:userid"}

// trustAnyone: the trust policy allows any AWS principal.
type trustAnyone struct{}

func (trustAnyone) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-001", Title: "Role trusts any principal", Category: findings.Delegation, Severity: findings.Critical,
		Description: "The role's trust policy allows \"*\" (every AWS principal in every account) to assume it, with no condition that restricts the caller (organization, account, ARN, external id).",
		Rationale:   "Anyone with an AWS account can assume the role and act with its permissions.",
		Remediation: "Name the trusted accounts or roles in Principal, or add a condition such as aws:PrincipalOrgID.",
		Defaults:    "One finding per role, its trust statements in evidence.statements.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI04", controls.ASITM: "T3 T9", controls.NHI: "NHI3", controls.MAESTRO: "L7/integration-risks cross-layer/lateral-movement", controls.CISAWS3: "1.20", controls.CISAWS5: "1.19", controls.NIST: "AC-3 AC-20 IA-9"}.list(),
	}
}

func (r trustAnyone) Check(s *Subject) []findings.Finding {
	h := hits{key: "statements", noun: "statement(s)"}
	for i, st := range s.Identity.Trust {
		if !trusts(s, st) || hasConditionKey(st, restrictingKeys...) {
			continue
		}
		for _, p := range st.Principals {
			if p.Value == "*" && (p.Type == "*" || p.Type == "AWS") {
				h.add(findings.Critical, fmt.Sprintf("Role %s can be assumed by any AWS principal.", s.Identity.Name),
					fmt.Sprintf("%s: principal %s, conditions %s", statementLabel(st, i), principalText(st), conditionText(st)))
				break
			}
		}
	}
	return h.findings(r, s)
}

// statementLabel names a trust statement: its Sid, or its position.
func statementLabel(st inventory.Statement, i int) string {
	if st.Sid != "" {
		return "statement " + st.Sid
	}
	return fmt.Sprint("statement ", i+1)
}

var arnAccount = regexp.MustCompile(`^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):`)

// principalAccount returns the account an AWS principal value names.
func principalAccount(v string) string {
	if len(v) == 12 && strings.Trim(v, "0123456789") == "" {
		return v
	}
	if m := arnAccount.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return ""
}

// crossAccountNoExternalID: trust to another account without sts:ExternalId.
type crossAccountNoExternalID struct{}

func (crossAccountNoExternalID) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-002", Title: "Cross-account trust without external id", Category: findings.Delegation, Severity: findings.High,
		Description: "The role trusts a principal in another AWS account and the trust statement has no sts:ExternalId condition.",
		Rationale:   "A third party that assumes roles for many customers can be tricked into using its access against you (the confused deputy); an external id only your account knows prevents that.",
		Remediation: "Add a Condition with StringEquals sts:ExternalId set to a unique value agreed with the trusted party, or aws:PrincipalOrgID when the account is your own.",
		Defaults:    "High; medium when the statement restricts the caller to an organization (aws:PrincipalOrgID). One finding per role, the trusted principals in evidence.trusted_principals.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI04", controls.ASITM: "T3 T9", controls.NHI: "NHI3", controls.MAESTRO: "L7/integration-risks", controls.CISAWS3: "1.20", controls.CISAWS5: "1.19", controls.NIST: "AC-20 SA-9"}.list(),
	}
}

func (r crossAccountNoExternalID) Check(s *Subject) []findings.Finding {
	h := hits{key: "trusted_principals", noun: "principal(s)"}
	seen := map[string]bool{}
	for _, st := range s.Identity.Trust {
		if !trusts(s, st) || hasConditionKey(st, "sts:ExternalId") {
			continue
		}
		for _, p := range st.Principals {
			if p.Type != "AWS" {
				continue
			}
			acct := principalAccount(p.Value)
			if acct == "" || acct == s.Identity.Account || seen[p.Value] {
				continue
			}
			seen[p.Value] = true
			sev := findings.High
			if hasConditionKey(st, "aws:PrincipalOrgID", "aws:PrincipalOrgPaths") {
				sev = findings.Medium
			}
			h.add(sev, fmt.Sprintf("Role %s trusts %s in account %s without an external id.", s.Identity.Name, p.Value, acct),
				fmt.Sprintf("%s (account %s, conditions %s)", p.Value, acct, conditionText(st)))
		}
	}
	return h.findings(r, s)
}

const githubOIDC = "token.actions.githubusercontent.com"

// oidcSubject: federated OIDC trust without a pinned subject.
type oidcSubject struct{}

func (oidcSubject) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-003", Title: "OIDC trust without a pinned subject", Category: findings.Delegation, Severity: findings.Critical,
		Description: "The role trusts an OIDC identity provider (such as GitHub Actions) and the trust has no condition on the token's sub claim, or one with a wildcard broad enough to admit other repositories, branches or workloads.",
		Rationale:   "Every GitHub repository in the world can obtain a token from GitHub's OIDC provider; without a sub condition, any of them can assume the role.",
		Remediation: "Add a condition on token.actions.githubusercontent.com:sub pinned to the repository and branch or environment, for example StringEquals repo:ORG/REPO:ref:refs/heads/main, plus aud = sts.amazonaws.com.",
		Defaults:    "GitHub: critical with no sub condition or sub * / repo:*; high for repo:ORG/* or a wildcard inside the organization name; medium for repo:ORG/REPO:* (any branch or pull request). Other OIDC providers: high with no sub condition. One finding per role, every unpinned provider trust in evidence.providers.",
		References:  []string{"https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services", "https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T9 T3", controls.NHI: "NHI6", controls.MAESTRO: "L7/agent-identity-attack cross-layer/lateral-movement", controls.NIST: "IA-9 AC-3"}.list(),
	}
}

// githubSubjectSeverity grades one sub pattern; 0 means it is pinned.
func githubSubjectSeverity(v string, wildcardsCount bool) (findings.Severity, string) {
	if !wildcardsCount || !strings.ContainsAny(v, "*?") {
		return 0, ""
	}
	rest, ok := strings.CutPrefix(v, "repo:")
	if !ok {
		return findings.Critical, "subject pattern does not start with repo:"
	}
	org, repoAndRef, hasSlash := strings.Cut(rest, "/")
	switch {
	case org == "" || strings.ContainsAny(org, "*?") && !hasSlash:
		return findings.Critical, "any repository of any organization"
	case strings.ContainsAny(org, "*?"):
		return findings.High, "wildcard in the organization name"
	}
	repo, _, _ := strings.Cut(repoAndRef, ":")
	if strings.ContainsAny(repo, "*?") {
		return findings.High, "every repository of organization " + org
	}
	_, ref, _ := strings.Cut(repoAndRef, ":")
	return findings.Medium, githubRefPattern(org+"/"+repo, ref)
}

// githubRefPattern says exactly what the wildcard part of a GitHub subject
// after repo:ORG/REPO: admits: branches, tags or environments whose names
// match, or, for a pattern over the whole part, any of them.
func githubRefPattern(repo, ref string) string {
	for _, k := range []struct{ prefix, noun string }{
		{"ref:refs/heads/", "branch"}, {"ref:refs/tags/", "tag"}, {"environment:", "environment"},
	} {
		if v, ok := strings.CutPrefix(ref, k.prefix); ok {
			if v == "*" {
				return "every " + k.noun + " of " + repo
			}
			return "every " + k.noun + " of " + repo + " whose name matches " + v
		}
	}
	if ref == "" || ref == "*" {
		return "any branch, tag, environment or pull request of " + repo
	}
	return "every subject of " + repo + " matching " + ref
}

func (r oidcSubject) Check(s *Subject) []findings.Finding {
	h := hits{key: "providers", noun: "trust(s)"}
	for i, st := range s.Identity.Trust {
		if !trusts(s, st) {
			continue
		}
		for _, p := range st.Principals {
			if p.Type != "Federated" || strings.Contains(p.Value, ":saml-provider/") || strings.HasPrefix(p.Value, "cognito-identity") {
				continue
			}
			host := p.Value
			if j := strings.Index(host, ":oidc-provider/"); j >= 0 {
				host = host[j+len(":oidc-provider/"):]
			}
			subKey := host + ":sub"
			var worst findings.Severity
			why := ""
			found := false
			for _, c := range st.Conditions {
				if !strings.EqualFold(c.Key, subKey) {
					continue
				}
				found = true
				op := strings.ToLower(c.Operator)
				wild := strings.Contains(op, "like")
				for _, v := range c.Values {
					if strings.HasPrefix(host, githubOIDC) {
						if sev, w := githubSubjectSeverity(v, wild); sev > worst {
							worst, why = sev, w+" ("+v+")"
						}
					} else if wild && (v == "*" || strings.HasPrefix(v, "*")) && findings.High > worst {
						worst, why = findings.High, "subject pattern "+v+" admits any workload"
					}
				}
			}
			if !found {
				worst, why = findings.High, "no condition on "+subKey
				if strings.HasPrefix(host, githubOIDC) {
					worst = findings.Critical
				}
			}
			if worst == 0 {
				continue
			}
			h.add(worst, fmt.Sprintf("Role %s trusts OIDC provider %s with an unpinned subject: %s.", s.Identity.Name, host, why),
				fmt.Sprintf("%s in %s: %s (conditions %s)", p.Value, statementLabel(st, i), why, conditionText(st)))
		}
	}
	return h.findings(r, s)
}

// longSession: a role whose sessions may last more than the threshold.
type longSession struct{}

func (longSession) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-004", Title: "Role allows long sessions", Category: findings.Delegation, Severity: findings.Low,
		Description: "The role's MaxSessionDuration is longer than the threshold, so credentials obtained by assuming it stay valid longer.",
		Rationale:   "Stolen session credentials stay useful for as long as the session lasts; an agent's task rarely needs more than an hour.",
		Remediation: "Lower MaxSessionDuration to 3600 seconds (the default) unless a workload needs longer sessions.",
		Defaults:    "threshold 1 hour (max_session_hours).",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html#id_roles_update-session-duration"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T3", controls.NHI: "NHI7", controls.MAESTRO: "L4", controls.NIST: "AC-12 IA-5"}.list(),
	}
}

func (r longSession) Check(s *Subject) []findings.Finding {
	id := s.Identity
	limit := s.Config.MaxSessionHours
	if id.Kind != inventory.KindAWSRole || id.MaxSession == 0 || id.MaxSession.Hours() <= float64(limit) {
		return nil
	}
	return []findings.Finding{finding(r, s, findings.Low, nil, "",
		fmt.Sprintf("Role %s allows sessions of %s hours (limit %d).", id.Name, strconv.FormatFloat(id.MaxSession.Hours(), 'f', -1, 64), limit),
		ev("max_session_seconds", fmt.Sprint(int(id.MaxSession.Seconds()))), ev("threshold_hours", fmt.Sprint(limit)))}
}

// humanUse: a user with a console password and access keys.
type humanUse struct{}

func (humanUse) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-DEL-005", Title: "Human use of a non-human identity", Category: findings.Delegation, Severity: findings.Medium,
		Description: "The IAM user has both a console password and an active access key: a person signs in as the identity that a workload uses, or a person's account carries a workload's static key.",
		Rationale:   "When people and programs share one identity, the audit trail cannot tell them apart and the workload's permissions become a person's (and the other way round).",
		Remediation: "Give people their own federated access (IAM Identity Center), and keep the workload's identity for the workload alone: remove the console password or the access key.",
		References:  []string{"https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03", controls.ASITM: "T8", controls.NHI: "NHI10", controls.MAESTRO: "L7/repudiation", controls.CISAWS3: "1.11", controls.CISAWS5: "1.10", controls.NIST: "IA-2 AU-10 AC-2"}.list(),
	}
}

func (r humanUse) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if id.Kind != inventory.KindAWSUser {
		return nil
	}
	var password *inventory.Credential
	for i := range id.Credentials {
		if c := &id.Credentials[i]; c.Kind == inventory.CredAWSPassword && c.Active() {
			password = c
		}
	}
	keys := activeKeys(id)
	if password == nil || len(keys) == 0 {
		return nil
	}
	pw := "never"
	switch {
	case password.LastUsed != nil:
		pw = date(*password.LastUsed)
	case !password.LastUsedKnown:
		pw = "unknown"
	}
	return []findings.Finding{finding(r, s, findings.Medium, nil, "",
		fmt.Sprintf("User %s has a console password and %d active access key(s).", id.Name, len(keys)),
		ev("password_last_used", pw), ev("active_keys", fmt.Sprint(len(keys))))}
}
