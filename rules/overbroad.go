package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/rules/awspolicy"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func isAWSPrincipal(id *inventory.Identity) bool {
	return id.Kind == inventory.KindAWSRole || id.Kind == inventory.KindAWSUser
}

func refs(rs []awspolicy.Ref) string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		s := r.String()
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return strings.Join(out, "; ")
}

// fullAdmin: "*" on "*" after denies and boundary.
type fullAdmin struct{}

func (fullAdmin) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-001", Title: "Non-human identity is a full administrator", Category: findings.Overbroad, Severity: findings.Critical,
		Description: "The identity's effective permissions allow every action on every resource (\"*\" on \"*\"): no explicit Deny and no permissions boundary takes any part of it away.",
		Rationale:   "A workload or agent credential with administrator rights turns any compromise, prompt injection or tool misuse into a full account takeover. Administrator rights are never what a workload needs.",
		Remediation: "Replace the administrator grant with a policy scoped to the actions and resources the workload uses (IAM Access Analyzer policy generation or last-accessed data help), or add a permissions boundary.",
		Defaults:    "Critical when unconditional; high when every allowing statement carries a condition.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege", "https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation L4/lateral-movement", controls.CISAWS3: "1.16", controls.CISAWS5: "1.15", controls.NIST: "AC-6 AC-6(5) AC-6(1)"}.list(),
	}
}

func (r fullAdmin) Check(s *Subject) []findings.Finding {
	if !isAWSPrincipal(s.Identity) {
		return nil
	}
	d := s.Admin()
	if !d.Allowed {
		return nil
	}
	sev, msg := findings.Critical, fmt.Sprintf("%s can perform every action on every resource.", s.Identity.Name)
	if d.Conditional {
		sev, msg = findings.High, fmt.Sprintf("%s can perform every action on every resource when the policy's conditions hold.", s.Identity.Name)
	}
	e := []findings.Evidence{ev("allowed_by", refs(d.AllowedBy))}
	if len(d.PartlyDeniedBy) > 0 {
		e = append(e, ev("conditional_or_partial_denies", refs(d.PartlyDeniedBy)))
	}
	return []findings.Finding{finding(r, s, sev, nil, "", msg, e...)}
}

// sensitiveServices get a finding when a whole service is granted. The
// high ones control identity, keys and the organization itself.
// action is the service wildcard "<name>:*". At most 31 services (a
// wildcardSet holds them).
var sensitiveServices = []struct {
	name, action string
	sev          findings.Severity
}{
	{"iam", "iam:*", findings.High}, {"sts", "sts:*", findings.High}, {"organizations", "organizations:*", findings.High}, {"kms", "kms:*", findings.High},
	{"secretsmanager", "secretsmanager:*", findings.High}, {"ssm", "ssm:*", findings.High}, {"lambda", "lambda:*", findings.Medium}, {"ec2", "ec2:*", findings.Medium},
	{"s3", "s3:*", findings.Medium}, {"cloudformation", "cloudformation:*", findings.Medium}, {"cloudtrail", "cloudtrail:*", findings.High}, {"dynamodb", "dynamodb:*", findings.Medium},
	{"rds", "rds:*", findings.Medium}, {"ecs", "ecs:*", findings.Medium}, {"eks", "eks:*", findings.Medium}, {"glue", "glue:*", findings.Medium},
	{"sagemaker", "sagemaker:*", findings.Medium}, {"bedrock", "bedrock:*", findings.Medium}, {"codebuild", "codebuild:*", findings.Medium}, {"logs", "logs:*", findings.Low},
}

// serviceWildcard: "<service>:*" on "*" for a sensitive service.
type serviceWildcard struct{}

func (serviceWildcard) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-002", Title: "Service-wide wildcard on a sensitive service", Category: findings.Overbroad, Severity: findings.High,
		Description: "The identity may perform every action of a sensitive service (such as iam:*, kms:* or secretsmanager:*) on every resource.",
		Rationale:   "A service wildcard also grants every action the service adds later, including the destructive and privilege-changing ones. For iam, sts and organizations it is one step from administrator.",
		Remediation: "List the actions the workload needs instead of \"<service>:*\", and scope the Resource element to its own resources.",
		Defaults:    "One finding per identity, listing every such service in evidence.services; its severity is the highest of them. High for iam, sts, organizations, kms, secretsmanager, ssm and cloudtrail; medium for other data and compute services; low for logs; one step lower when conditional. Not reported for full administrators (NHI-OVB-001) nor for services reached only through NotAction (NHI-OVB-003).",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation L4/lateral-movement", controls.NIST: "AC-6 AC-6(7)"}.list(),
	}
}

func (r serviceWildcard) Check(s *Subject) []findings.Finding {
	if !isAWSPrincipal(s.Identity) || s.Admin().Allowed {
		return nil // administrators are NHI-OVB-001's
	}
	candidates := wildcardCandidates(s.Identity, s.wildcards)
	if candidates == 0 {
		return nil
	}
	var names, listed []string
	var allowedBy, partly []awspolicy.Ref
	var sev findings.Severity
	allConditional := true
	for i, svc := range sensitiveServices {
		if !candidates.has(i) {
			continue
		}
		d := s.Perms().Evaluate(svc.action, "*")
		if !d.Allowed || !explicitWildcard(d.Statements) {
			continue
		}
		svcSev, name := svc.sev, svc.name
		if d.Conditional {
			svcSev = max(svcSev-1, findings.Low)
			name += " (conditional)"
		}
		allConditional = allConditional && d.Conditional
		sev = max(sev, svcSev)
		names = append(names, svc.name)
		listed = append(listed, name)
		allowedBy = append(allowedBy, d.AllowedBy...)
		partly = append(partly, d.PartlyDeniedBy...)
	}
	if len(names) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%s may perform every action of %s on every resource.", s.Identity.Name, joinAnd(names))
	if allConditional {
		msg = fmt.Sprintf("%s may perform every action of %s on every resource when the policy's conditions hold.", s.Identity.Name, joinAnd(names))
	}
	e := []findings.Evidence{ev("services", strings.Join(listed, ", ")), ev("allowed_by", refs(allowedBy))}
	if len(partly) > 0 {
		e = append(e, ev("partly_denied_by", refs(partly)))
	}
	// One finding per identity: its fingerprint does not depend on which
	// services are listed.
	return []findings.Finding{finding(r, s, sev, nil, "", msg, e...)}
}

// joinAnd writes "a", "a and b", "a, b and c".
func joinAnd(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// wildcardSet is a set of sensitiveServices by index (bit i for
// sensitiveServices[i]), with anyServiceBit when a pattern could grant any
// service whole.
type wildcardSet uint32

const anyServiceBit wildcardSet = 1 << 31

// has reports whether service i, or any service, could be granted whole.
func (w wildcardSet) has(i int) bool { return w&(1<<i|anyServiceBit) != 0 }

// sensitiveIndex is the index of each of sensitiveServices by name.
var sensitiveIndex = func() map[string]int {
	m := make(map[string]int, len(sensitiveServices))
	for i, svc := range sensitiveServices {
		m[svc.name] = i
	}
	return m
}()

// wildcardCandidates names the sensitive services some Allow statement's
// Action could grant whole (anyServiceBit when a pattern could grant any),
// so that only those are evaluated.
func wildcardCandidates(id *inventory.Identity, cache map[statementsKey]wildcardSet) wildcardSet {
	var out wildcardSet
	for gi := range id.Grants {
		g := &id.Grants[gi]
		// A managed policy's statements are one slice shared by every
		// identity holding it (group policies by every member): their
		// services are worked out once per worker of a Run.
		if shared := g.Source == inventory.SourceManaged || g.Source == inventory.SourceGroup; cache != nil && shared && len(g.Statements) > 0 {
			k := statementsKey{&g.Statements[0], len(g.Statements)}
			w, ok := cache[k]
			if !ok {
				w = grantWildcards(g.Statements)
				cache[k] = w
			}
			out |= w
		} else {
			out |= grantWildcards(g.Statements)
		}
	}
	return out
}

// statementsKey names a slice of statements by its first element and
// length.
type statementsKey struct {
	first *inventory.Statement
	n     int
}

// grantWildcards names the sensitive services the statements' Allow
// actions could grant whole (anyServiceBit when a pattern could grant any).
func grantWildcards(stmts []inventory.Statement) wildcardSet {
	var out wildcardSet
	for si := range stmts {
		st := &stmts[si]
		if len(st.NotActions) > 0 || !strings.EqualFold(st.Effect, "Allow") {
			continue
		}
		for _, a := range st.Actions {
			svc, rest, ok := strings.Cut(a, ":")
			if !ok || strings.ContainsAny(svc, "*?") {
				if strings.HasPrefix(a, "*") || strings.ContainsAny(svc, "*?") {
					out |= anyServiceBit
				}
				continue
			}
			if strings.HasPrefix(rest, "*") || strings.HasPrefix(rest, "?") {
				if i, ok := sensitiveIndex[strings.ToLower(svc)]; ok {
					out |= 1 << i
				}
			}
		}
	}
	return out
}

// explicitWildcard reports whether one of the allowing statements names a
// service wildcard in Action. Grants that reach the service only through
// NotAction are NHI-OVB-003's.
func explicitWildcard(stmts []*inventory.Statement) bool {
	for _, st := range stmts {
		if len(st.NotActions) == 0 {
			return true
		}
	}
	return false
}

// notActionAllow: Allow with NotAction grants everything not listed.
type notActionAllow struct{}

func (notActionAllow) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-003", Title: "Allow statement uses NotAction", Category: findings.Overbroad, Severity: findings.High,
		Description: "A policy statement with \"Effect\": \"Allow\" and NotAction grants every action except the ones listed, including actions AWS adds later.",
		Rationale:   "Allow with NotAction is almost always broader than intended: it reads like a restriction but grants whole services.",
		Remediation: "Rewrite the statement as an Allow with an explicit Action list; express exclusions with a separate Deny statement.",
		Defaults:    "One finding per identity, listing every such statement in evidence.statements. High when a statement applies to every resource, medium when every one's Resource is narrower or carries a condition.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation L4/lateral-movement", controls.NIST: "AC-6 AC-6(7)"}.list(),
	}
}

func (r notActionAllow) Check(s *Subject) []findings.Finding {
	if !isAWSPrincipal(s.Identity) {
		return nil
	}
	var stmts []string
	var except []string
	sev := findings.Severity(0)
	for _, g := range s.Identity.Grants {
		for _, st := range g.Statements {
			if !strings.EqualFold(st.Effect, "Allow") || len(st.NotActions) == 0 {
				continue
			}
			ref := awspolicy.Ref{Source: g.Source, Policy: g.PolicyName, Via: g.Via, Sid: st.Sid}
			stSev := findings.Medium
			if !st.Conditional() && (len(st.NotResources) > 0 || contains(st.Resources, "*")) {
				stSev = findings.High
			}
			sev = max(sev, stSev)
			resource := strings.Join(st.Resources, ", ")
			if len(st.NotResources) > 0 {
				resource = "every resource except " + strings.Join(st.NotResources, ", ")
			}
			stmts = append(stmts, fmt.Sprintf("%s: every action except %s on %s", ref, strings.Join(st.NotActions, ", "), resource))
			except = append(except, strings.Join(st.NotActions, ", "))
		}
	}
	if len(stmts) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%s is allowed every action except %s.", s.Identity.Name, except[0])
	if len(stmts) > 1 {
		msg = fmt.Sprintf("%s is allowed every action but a few by %d NotAction statements.", s.Identity.Name, len(stmts))
	}
	// One finding per identity: its fingerprint does not depend on which
	// statements are listed.
	return []findings.Finding{finding(r, s, sev, nil, "", msg, ev("statements", strings.Join(stmts, "; ")))}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// broadManagedPolicies are AWS-managed policies that grant far more than a
// workload needs, with the severity of having one attached.
var broadManagedPolicies = map[string]findings.Severity{
	"AdministratorAccess":              findings.Critical,
	"PowerUserAccess":                  findings.High,
	"IAMFullAccess":                    findings.High,
	"AWSOrganizationsFullAccess":       findings.High,
	"AmazonS3FullAccess":               findings.Medium,
	"AmazonEC2FullAccess":              findings.Medium,
	"AWSLambda_FullAccess":             findings.Medium,
	"SecretsManagerReadWrite":          findings.Medium,
	"AmazonSSMFullAccess":              findings.High,
	"AWSKeyManagementServicePowerUser": findings.High,
	"AmazonDynamoDBFullAccess":         findings.Medium,
	"AmazonRDSFullAccess":              findings.Medium,
	"AWSCloudFormationFullAccess":      findings.Medium,
	"AmazonSageMakerFullAccess":        findings.Medium,
	"AmazonBedrockFullAccess":          findings.Medium,
	"AWSCloudShellFullAccess":          findings.Medium,
}

const awsManagedPrefix = "arn:aws:iam::aws:policy/"

// broadManaged: well-known broad AWS-managed policy attached.
type broadManaged struct{}

func (broadManaged) Meta() findings.Rule {
	names := make([]string, 0, len(broadManagedPolicies))
	for n := range broadManagedPolicies {
		names = append(names, n)
	}
	sort.Strings(names)
	return findings.Rule{
		ID: "NHI-OVB-004", Title: "Broad AWS-managed policy attached", Category: findings.Overbroad, Severity: findings.High,
		Description: "A well-known broad AWS-managed policy is attached to the identity, directly or through a group: " + strings.Join(names, ", ") + ", or any other AWS-managed *FullAccess policy.",
		Rationale:   "AWS-managed policies are written for every customer at once and grant whole services; AWS also changes them over time.",
		Remediation: "Detach the managed policy and attach a customer-managed policy with only the needed actions and resources.",
		Defaults:    "AdministratorAccess critical; PowerUserAccess, IAMFullAccess and other control-plane policies high; other *FullAccess policies medium. One finding per identity, its policies in evidence.policies.",
		References:  []string{"https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation", controls.CISAWS3: "1.16 1.22", controls.CISAWS5: "1.15 1.21", controls.NIST: "AC-6 AC-6(5)"}.list(),
	}
}

func (r broadManaged) Check(s *Subject) []findings.Finding {
	if !isAWSPrincipal(s.Identity) {
		return nil
	}
	h := hits{key: "policies", noun: "policy(ies)"}
	seen := map[string]bool{}
	for _, g := range s.Identity.Grants {
		if g.Source != inventory.SourceManaged && g.Source != inventory.SourceGroup {
			continue
		}
		if !strings.HasPrefix(g.PolicyID, awsManagedPrefix) || seen[g.PolicyID] {
			continue
		}
		name := g.PolicyID[strings.LastIndex(g.PolicyID, "/")+1:]
		sev, ok := broadManagedPolicies[name]
		if !ok {
			if !strings.HasSuffix(name, "FullAccess") {
				continue
			}
			sev = findings.Medium
		}
		seen[g.PolicyID] = true
		how := "attached directly"
		if g.Via != "" {
			how = "attached to group " + g.Via
		}
		h.add(sev, fmt.Sprintf("%s has the AWS-managed policy %s (%s).", s.Identity.Name, name, how), g.PolicyID+" ("+how+")")
	}
	return h.findings(r, s)
}

// passRoleEverywhere: iam:PassRole on every role.
type passRoleEverywhere struct{}

func (passRoleEverywhere) Meta() findings.Rule {
	return findings.Rule{
		ID: "NHI-OVB-005", Title: "iam:PassRole on every role", Category: findings.Overbroad, Severity: findings.High,
		Description: "The identity may pass any role of the account (iam:PassRole on \"*\" or on every role ARN) to an AWS service. Combined with the right to create a resource of a service that runs code (an instance, a function, a job, a stack), it acts with the permissions of the most privileged role that service can assume.",
		Rationale:   "iam:PassRole is the building block of every pass-role escalation method: with it on every role, one more permission (ec2:RunInstances, lambda:CreateFunction, glue:CreateDevEndpoint…) turns the identity into whichever role is the strongest, and roles created later are included.",
		Remediation: "Scope iam:PassRole's Resource to the specific role ARNs the workload must pass, and add the iam:PassedToService condition naming the one service it passes them to.",
		Defaults:    "High; medium when the grant is conditional (such as iam:PassedToService). Not reported for full administrators (NHI-OVB-001) nor for identities granted all of iam on every resource (NHI-OVB-002, NotAction: NHI-OVB-003). The escalation paths it opens are NHI-ESC-001's.",
		References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html", "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/"},
		Providers:   []string{"aws"},
		Controls:    controlIDs{controls.ASI: "ASI03 ASI02", controls.ASITM: "T3 T2", controls.NHI: "NHI5", controls.MAESTRO: "cross-layer/privilege-escalation", controls.NIST: "AC-6 AC-6(1)"}.list(),
	}
}

func (r passRoleEverywhere) Check(s *Subject) []findings.Finding {
	id := s.Identity
	if !isAWSPrincipal(id) || s.Admin().Allowed || allows(s.Perms(), "iam:*", "*") {
		return nil
	}
	every := "arn:aws:iam::" + id.Account + ":role/*"
	d := s.Perms().Evaluate("iam:PassRole", every)
	if !d.Allowed {
		return nil
	}
	sev, msg := findings.High, fmt.Sprintf("%s may pass every role of account %s to any service.", id.Name, id.Account)
	if d.Conditional {
		sev, msg = findings.Medium, fmt.Sprintf("%s may pass every role of account %s when the policy's conditions hold.", id.Name, id.Account)
	}
	return []findings.Finding{finding(r, s, sev, nil, "", msg,
		ev("allowed_by", refs(d.AllowedBy)), ev("resource", every), ev("condition", conditionKeys(d.Statements)))}
}

// allows reports whether the set allows the action on the resource.
func allows(ps *awspolicy.Set, action, resource string) bool {
	ok, _ := ps.Allows(action, resource)
	return ok
}

// conditionKeys names the condition keys of the allowing statements, or
// "none".
func conditionKeys(stmts []*inventory.Statement) string {
	var keys []string
	seen := map[string]bool{}
	for _, st := range stmts {
		for _, c := range st.Conditions {
			k := c.Operator + " " + c.Key
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, "; ")
}
