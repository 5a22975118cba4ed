// Package controls is the catalogue of security frameworks and the
// controls that nhiscan's rules map to. It is data: every framework id,
// control id, title and address lives here and nowhere else. Ids and
// titles follow the frameworks' own publications (see README, "Control
// mappings"); CSA MAESTRO defines layers and named threats but no control
// ids, so its entries are a layer, optionally with one of its named
// threats, never an invented id.
package controls

import "sort"

// Framework is one published framework at one version.
type Framework struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	Organization string `json:"organization"`
	URL          string `json:"url"`
	// TagPrefix, when set, makes the framework's ids into SARIF tags
	// (GitHub shows tags, not taxonomies).
	TagPrefix string `json:"-"`
	// Provider, when set, is the only cloud the framework's controls are
	// about (a CIS benchmark): a scan of another provider tests none of
	// them, and only that provider's findings can fail them.
	Provider string `json:"-"`
}

// Control is one control, risk or threat of a framework.
type Control struct {
	Framework string `json:"framework"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	URL       string `json:"url"`
}

// Framework ids.
const (
	ASI     = "owasp-asi-2026"
	ASITM   = "owasp-asi-tm-1.0"
	NHI     = "owasp-nhi-2025"
	MAESTRO = "csa-maestro-1"
	CISAWS3 = "cis-aws-3.0.0"
	CISAWS5 = "cis-aws-5.0.0"
	CISGCP3 = "cis-gcp-3.0.0"
	CISK8S  = "cis-kubernetes-1.10.0"
	CISAZ5  = "cis-azure-5.0.0"
	NIST    = "nist-sp800-53-r5"
)

const (
	asiURL     = "https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/"
	asiTMURL   = "https://genai.owasp.org/resource/agentic-ai-threats-and-mitigations/"
	nhiURL     = "https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025"
	maestroURL = "https://cloudsecurityalliance.org/blog/2025/02/06/agentic-ai-threat-modeling-framework-maestro"
	cisAWSURL  = "https://www.cisecurity.org/benchmark/amazon_web_services"
	cisGCPURL  = "https://www.cisecurity.org/benchmark/google_cloud_computing_platform"
	cisK8sURL  = "https://www.cisecurity.org/benchmark/kubernetes"
	cisAzURL   = "https://www.cisecurity.org/benchmark/azure"
	nistURL    = "https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final"
)

var frameworks = []Framework{
	{ID: ASI, Name: "OWASP Top 10 for Agentic Applications", Version: "2026", Organization: "OWASP GenAI Security Project", URL: asiURL, TagPrefix: "owasp-"},
	{ID: ASITM, Name: "OWASP Agentic AI - Threats and Mitigations", Version: "1.0", Organization: "OWASP GenAI Security Project", URL: asiTMURL},
	{ID: NHI, Name: "OWASP Non-Human Identities Top 10", Version: "2025", Organization: "OWASP", URL: nhiURL, TagPrefix: "owasp-"},
	{ID: MAESTRO, Name: "CSA MAESTRO agentic AI threat modeling framework", Version: "1 (2025-02-06)", Organization: "Cloud Security Alliance", URL: maestroURL},
	{ID: CISAWS3, Name: "CIS Amazon Web Services Foundations Benchmark", Version: "3.0.0", Organization: "Center for Internet Security", URL: cisAWSURL, Provider: "aws"},
	{ID: CISAWS5, Name: "CIS Amazon Web Services Foundations Benchmark", Version: "5.0.0", Organization: "Center for Internet Security", URL: cisAWSURL, Provider: "aws"},
	{ID: CISGCP3, Name: "CIS Google Cloud Platform Foundation Benchmark", Version: "3.0.0", Organization: "Center for Internet Security", URL: cisGCPURL, Provider: "gcp"},
	{ID: CISK8S, Name: "CIS Kubernetes Benchmark", Version: "1.10.0", Organization: "Center for Internet Security", URL: cisK8sURL, Provider: "k8s"},
	{ID: CISAZ5, Name: "CIS Microsoft Azure Foundations Benchmark", Version: "5.0.0", Organization: "Center for Internet Security", URL: cisAzURL, Provider: "azure"},
	{ID: NIST, Name: "NIST SP 800-53 Security and Privacy Controls", Version: "Revision 5", Organization: "NIST", URL: nistURL},
}

func list(framework, url string, pairs ...string) []Control {
	out := make([]Control, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Control{Framework: framework, ID: pairs[i], Title: pairs[i+1], URL: url})
	}
	return out
}

var catalogue = concat(
	list(ASI, asiURL,
		"ASI01", "Agent Goal Hijack",
		"ASI02", "Tool Misuse and Exploitation",
		"ASI03", "Identity and Privilege Abuse",
		"ASI04", "Agentic Supply Chain Vulnerabilities",
		"ASI05", "Unexpected Code Execution (RCE)",
		"ASI06", "Memory & Context Poisoning",
		"ASI07", "Insecure Inter-Agent Communication",
		"ASI08", "Cascading Failures",
		"ASI09", "Human-Agent Trust Exploitation",
		"ASI10", "Rogue Agents",
	),
	list(ASITM, asiTMURL,
		"T1", "Memory Poisoning",
		"T2", "Tool Misuse",
		"T3", "Privilege Compromise",
		"T4", "Resource Overload",
		"T5", "Cascading Hallucination Attacks",
		"T6", "Intent Breaking & Goal Manipulation",
		"T7", "Misaligned & Deceptive Behaviors",
		"T8", "Repudiation & Untraceability",
		"T9", "Identity Spoofing & Impersonation",
		"T10", "Overwhelming Human in the Loop",
		"T11", "Unexpected RCE and Code Attacks",
		"T12", "Agent Communication Poisoning",
		"T13", "Rogue Agents in Multi-Agent Systems",
		"T14", "Human Attacks on Multi-Agent Systems",
		"T15", "Human Manipulation",
	),
	list(NHI, nhiURL,
		"NHI1", "Improper Offboarding",
		"NHI2", "Secret Leakage",
		"NHI3", "Vulnerable Third-Party NHI",
		"NHI4", "Insecure Authentication",
		"NHI5", "Overprivileged NHI",
		"NHI6", "Insecure Cloud Deployment Configurations",
		"NHI7", "Long-Lived Secrets",
		"NHI8", "Environment Isolation",
		"NHI9", "NHI Reuse",
		"NHI10", "Human Use of NHI",
	),
	list(MAESTRO, maestroURL,
		"L4", "Layer 4 Deployment and Infrastructure",
		"L4/lateral-movement", "Layer 4 Deployment and Infrastructure - Lateral Movement",
		"L5", "Layer 5 Evaluation and Observability",
		"L6", "Layer 6 Security and Compliance",
		"L7/agent-identity-attack", "Layer 7 Agent Ecosystem - Agent Identity Attack",
		"L7/integration-risks", "Layer 7 Agent Ecosystem - Integration Risks",
		"L7/repudiation", "Layer 7 Agent Ecosystem - Repudiation",
		"cross-layer/lateral-movement", "Cross-Layer - Lateral Movement",
		"cross-layer/privilege-escalation", "Cross-Layer - Privilege Escalation",
	),
	list(CISAWS3, cisAWSURL,
		"1.4", "Ensure no 'root' user account access key exists",
		"1.11", "Do not setup access keys during initial user setup for all IAM users that have a console password",
		"1.12", "Ensure credentials unused for 45 days or greater are disabled",
		"1.13", "Ensure there is only one active access key available for any single IAM user",
		"1.14", "Ensure access keys are rotated every 90 days or less",
		"1.16", "Ensure IAM policies that allow full \"*:*\" administrative privileges are not attached",
		"1.18", "Ensure IAM instance roles are used for AWS resource access from instances",
		"1.20", "Ensure that IAM Access analyzer is enabled for all regions",
		"1.22", "Ensure access to AWSCloudShellFullAccess is restricted",
	),
	list(CISAWS5, cisAWSURL,
		"1.3", "Ensure no 'root' user account access key exists",
		"1.10", "Do not create access keys during initial setup for IAM users with a console password",
		"1.11", "Ensure credentials unused for 45 days or more are disabled",
		"1.12", "Ensure there is only one active access key for any single IAM user",
		"1.13", "Ensure access keys are rotated every 90 days or less",
		"1.15", "Ensure IAM policies that allow full \"*:*\" administrative privileges are not attached",
		"1.17", "Ensure IAM instance roles are used for AWS resource access from instances",
		"1.19", "Ensure that IAM External Access Analyzer is enabled for all regions",
		"1.21", "Ensure access to AWSCloudShellFullAccess is restricted",
	),
	list(CISGCP3, cisGCPURL,
		"1.4", "Ensure That There Are Only GCP-Managed Service Account Keys for Each Service Account",
		"1.5", "Ensure That Service Account Has No Admin Privileges",
		"1.6", "Ensure That IAM Users Are Not Assigned the Service Account User or Service Account Token Creator Roles at Project Level",
		"1.7", "Ensure User-Managed/External Keys for Service Accounts Are Rotated Every 90 Days or Fewer",
		"1.8", "Ensure That Separation of Duties Is Enforced While Assigning Service Account Related Roles to Users",
	),
	list(CISK8S, cisK8sURL,
		"5.1.1", "Ensure that the cluster-admin role is only used where required",
		"5.1.2", "Minimize access to secrets",
		"5.1.3", "Minimize wildcard use in Roles and ClusterRoles",
		"5.1.4", "Minimize access to create pods",
		"5.1.5", "Ensure that default service accounts are not actively used",
		"5.1.6", "Ensure that Service Account Tokens are only mounted where necessary",
		"5.1.8", "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster",
		"5.1.9", "Minimize access to create persistent volumes",
		"5.1.10", "Minimize access to the proxy sub-resource of nodes",
		"5.1.11", "Minimize access to the approval sub-resource of certificatesigningrequests objects",
		"5.1.12", "Minimize access to webhook configuration objects",
		"5.1.13", "Minimize access to the service account token creation",
	),
	list(CISAZ5, cisAzURL,
		"5.3.3", "Ensure that use of the 'User Access Administrator' role is restricted",
		"5.3.4", "Ensure that all 'privileged' role assignments are periodically reviewed",
		"5.23", "Ensure that no custom subscription administrator roles exist",
		"5.27", "Ensure there are between 2 and 3 subscription owners",
	),
	list(NIST, nistURL,
		"AC-2", "Account Management",
		"AC-2(3)", "Disable Accounts",
		"AC-2(9)", "Restrictions on Use of Shared and Group Accounts",
		"AC-3", "Access Enforcement",
		"AC-5", "Separation of Duties",
		"AC-6", "Least Privilege",
		"AC-6(1)", "Authorize Access to Security Functions",
		"AC-6(5)", "Privileged Accounts",
		"AC-6(7)", "Review of User Privileges",
		"AC-12", "Session Termination",
		"AC-20", "Use of External Systems",
		"AU-10", "Non-repudiation",
		"CM-8(4)", "Accountability Information",
		"IA-2", "Identification and Authentication (Organizational Users)",
		"IA-4", "Identifier Management",
		"IA-5", "Authenticator Management",
		"IA-9", "Service Identification and Authentication",
		"SA-9", "External System Services",
	),
)

func concat(lists ...[]Control) []Control {
	var out []Control
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Frameworks returns every framework, in catalogue order.
func Frameworks() []Framework { return append([]Framework(nil), frameworks...) }

// All returns every control, in catalogue order.
func All() []Control { return append([]Control(nil), catalogue...) }

// FrameworkByID finds a framework.
func FrameworkByID(id string) (Framework, bool) {
	for _, f := range frameworks {
		if f.ID == id {
			return f, true
		}
	}
	return Framework{}, false
}

var index = func() map[[2]string]Control {
	m := make(map[[2]string]Control, len(catalogue))
	for _, c := range catalogue {
		m[[2]string{c.Framework, c.ID}] = c
	}
	return m
}()

// Lookup finds a control.
func Lookup(framework, id string) (Control, bool) {
	c, ok := index[[2]string{framework, id}]
	return c, ok
}

// Order sorts controls by framework (catalogue order) and then by their
// position in the catalogue.
func Order(cs []Control) {
	pos := make(map[[2]string]int, len(catalogue))
	for i, c := range catalogue {
		pos[[2]string{c.Framework, c.ID}] = i
	}
	sort.SliceStable(cs, func(i, j int) bool {
		return pos[[2]string{cs[i].Framework, cs[i].ID}] < pos[[2]string{cs[j].Framework, cs[j].ID}]
	})
}
