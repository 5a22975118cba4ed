package findings

import "time"

// AgentRow is one AI agent as the agents command lists it: the agent, the
// identity it acts as, who answers for it, who else acts as that
// identity, how far it reaches, and the findings on that identity.
type AgentRow struct {
	Provider string `json:"provider"`
	// Platform is the agent platform (aws.bedrock.agent,
	// aws.bedrock-agentcore.runtime, gcp.vertex-ai.reasoning-engine), or
	// "identity" for an identity marked as an agent's whose agent no
	// platform listed.
	Platform string     `json:"platform"`
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Account  string     `json:"account"`
	Location string     `json:"location,omitempty"`
	Status   string     `json:"status,omitempty"`
	Created  *time.Time `json:"created,omitempty"`
	Updated  *time.Time `json:"updated,omitempty"`
	// Identity is the id of the identity the agent acts as ("" when the
	// source did not say); IdentityKnown is false when that identity is
	// not in the scan.
	Identity      string `json:"identity"`
	IdentityName  string `json:"identity_name,omitempty"`
	IdentityType  string `json:"identity_type,omitempty"`
	IdentityKnown bool   `json:"identity_in_scan"`
	// Credential says how the identity authenticates: short-lived or
	// static, with the reason.
	Credential string `json:"credential"`
	// Owner is the agent's owner or sponsor, else its identity's.
	Owner string `json:"owner"`
	// OwnerNotAssessed is true when no owner is known because the
	// identity's owners or sponsors were not exported (not "none").
	OwnerNotAssessed bool `json:"owner_not_assessed,omitempty"`
	// Who else acts as the identity.
	SharedWithAgents    []string `json:"shared_with_agents"`
	SharedWithPeople    []string `json:"shared_with_people"`
	SharedWithWorkloads []string `json:"shared_with_workloads"`
	// Reach: whether the identity is administrator-equivalent, its
	// shortest path to administrator, and the services it may write in
	// ("*" for every service).
	Admin            bool           `json:"admin"`
	PathToAdmin      string         `json:"path_to_admin,omitempty"`
	PathHops         int            `json:"path_hops,omitempty"`
	WritableServices []string       `json:"writable_services"`
	Findings         []AgentFinding `json:"findings"`
}

// AgentFinding is one finding on an agent's identity.
type AgentFinding struct {
	RuleID      string   `json:"rule_id"`
	Severity    Severity `json:"severity"`
	Title       string   `json:"title"`
	Fingerprint string   `json:"fingerprint"`
}

// AgentReport is the agents command's report.
type AgentReport struct {
	SchemaVersion string     `json:"schema_version"`
	Tool          Tool       `json:"tool"`
	AsOf          time.Time  `json:"as_of"`
	Sources       []Source   `json:"sources"`
	Agents        []AgentRow `json:"agents"`
}
