package aws

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	json "github.com/go-json-experiment/json/v1"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// The agent platforms' records as the AWS CLI prints them: the API's
// camelCase members, dates in ISO 8601. `aws bedrock-agent get-agent`
// wraps the agent in "agent"; `list-agents` prints "agentSummaries"
// (no ARN, no role); `aws bedrock-agentcore-control get-agent-runtime`
// prints the runtime's members at the top level; `list-agent-runtimes`
// prints "agentRuntimes" (ARN, no role).

type bedrockAgent struct {
	AgentArn             string  `json:"agentArn"`
	AgentID              string  `json:"agentId"`
	AgentName            string  `json:"agentName"`
	AgentStatus          string  `json:"agentStatus"`
	AgentResourceRoleArn string  `json:"agentResourceRoleArn"`
	CreatedAt            awsTime `json:"createdAt"`
	UpdatedAt            awsTime `json:"updatedAt"`
}

type bedrockAgentSummary struct {
	AgentID     string  `json:"agentId"`
	AgentName   string  `json:"agentName"`
	AgentStatus string  `json:"agentStatus"`
	UpdatedAt   awsTime `json:"updatedAt"`
}

type agentRuntime struct {
	AgentRuntimeArn         string  `json:"agentRuntimeArn"`
	AgentRuntimeID          string  `json:"agentRuntimeId"`
	AgentRuntimeName        string  `json:"agentRuntimeName"`
	Status                  string  `json:"status"`
	RoleArn                 string  `json:"roleArn"`
	CreatedAt               awsTime `json:"createdAt"`
	LastUpdatedAt           awsTime `json:"lastUpdatedAt"`
	WorkloadIdentityDetails *struct {
		WorkloadIdentityArn string `json:"workloadIdentityArn"`
	} `json:"workloadIdentityDetails"`
}

// agentFile is the union of the agent exports.
type agentFile struct {
	Agent          *bedrockAgent         `json:"agent"`
	AgentSummaries []bedrockAgentSummary `json:"agentSummaries"`
	AgentRuntimes  []agentRuntime        `json:"agentRuntimes"`
	NextToken      string                `json:"nextToken"`
	agentRuntime
}

var agentFields = []string{"agent", "agentSummaries", "agentRuntimes", "agentRuntimeArn"}

// isAgentExport reports whether raw is one of the agent exports, by a
// key only they have, spelt exactly.
func isAgentExport(raw []byte) bool {
	// Each of the keys holds "gent", spelt so in the text unless a letter
	// is escaped (\u): most files need not be read further. (Searched for
	// "gent", not "\"agent": g is rarer in JSON than the quote, and bytes.Index
	// looks for the first byte first: 0.7 ms instead of 6-8 ms on 16 MB.)
	if !bytes.Contains(raw, []byte("gent")) && !bytes.Contains(raw, []byte(`\u`)) {
		return false
	}
	return hasTopKey(raw, func(k string) bool { return slices.Contains(agentFields, k) })
}

// agents collects agents from several files and calls: details (from
// get-agent or get-agent-runtime) complete what a list gave.
type agents struct {
	byID     map[string]*inventory.Agent // by ARN, or by agent id for list-agents summaries
	detailed map[string]bool             // ids whose details were read
	warnings []string
}

func newAgents() *agents {
	return &agents{byID: map[string]*inventory.Agent{}, detailed: map[string]bool{}}
}

// arnParts splits arn:partition:service:region:account:resource.
func arnParts(arn string) (region, account string, ok bool) {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return "", "", false
	}
	return p[3], p[4], true
}

func (a *agents) put(ag inventory.Agent, detailed bool, key string) {
	if old, ok := a.byID[key]; ok {
		if a.detailed[key] && !detailed {
			return // a list does not overwrite details
		}
		if ag.CreatedAt.IsZero() {
			ag.CreatedAt = old.CreatedAt
		}
	}
	// A summary filed under its bare id joins the detailed record.
	if detailed {
		for k, old := range a.byID {
			if k != key && !a.detailed[k] && old.Platform == ag.Platform && strings.HasSuffix(key, "/"+k) {
				delete(a.byID, k)
			}
		}
	}
	a.byID[key] = &ag
	a.detailed[key] = a.detailed[key] || detailed
}

func optTime(t awsTime) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// addBedrock records one get-agent output.
func (a *agents) addBedrock(b *bedrockAgent) error {
	region, account, ok := arnParts(b.AgentArn)
	if !ok {
		return fmt.Errorf("field agent.agentArn: %q is not an ARN", b.AgentArn)
	}
	a.put(inventory.Agent{
		Provider: inventory.AWS, Platform: inventory.PlatformBedrockAgent, ID: b.AgentArn, Name: b.AgentName,
		Account: account, Location: region, Status: b.AgentStatus,
		IdentityID: b.AgentResourceRoleArn, IdentityType: actsAs(b.AgentResourceRoleArn),
		CreatedAt: optTime(b.CreatedAt), UpdatedAt: optTime(b.UpdatedAt),
	}, true, b.AgentArn)
	return nil
}

// actsAs is the identity type of an agent acting as the given ARN: a
// role, or "" when not known.
func actsAs(roleArn string) string {
	if roleArn == "" {
		return ""
	}
	return inventory.ActsAsRole
}

// addSummary records one list-agents entry: no ARN, no role.
func (a *agents) addSummary(s bedrockAgentSummary) {
	for k, ag := range a.byID {
		if a.detailed[k] && ag.Platform == inventory.PlatformBedrockAgent && strings.HasSuffix(k, "/"+s.AgentID) {
			return // its get-agent output was read
		}
	}
	a.put(inventory.Agent{
		Provider: inventory.AWS, Platform: inventory.PlatformBedrockAgent, ID: s.AgentID, Name: s.AgentName,
		Status: s.AgentStatus, UpdatedAt: optTime(s.UpdatedAt),
	}, false, s.AgentID)
}

// addRuntime records one runtime, from get-agent-runtime (detailed) or a
// list-agent-runtimes entry.
func (a *agents) addRuntime(r *agentRuntime, detailed bool) error {
	region, account, ok := arnParts(r.AgentRuntimeArn)
	if !ok {
		return fmt.Errorf("field agentRuntimeArn: %q is not an ARN", r.AgentRuntimeArn)
	}
	ag := inventory.Agent{
		Provider: inventory.AWS, Platform: inventory.PlatformAgentCoreRuntime, ID: r.AgentRuntimeArn, Name: r.AgentRuntimeName,
		Account: account, Location: region, Status: r.Status,
		IdentityID: r.RoleArn, IdentityType: actsAs(r.RoleArn),
		CreatedAt: optTime(r.CreatedAt), UpdatedAt: optTime(r.LastUpdatedAt),
	}
	if r.WorkloadIdentityDetails != nil {
		ag.WorkloadIdentity = r.WorkloadIdentityDetails.WorkloadIdentityArn
	}
	a.put(ag, detailed, r.AgentRuntimeArn)
	return nil
}

// addAgents reads one agent export; a field of the wrong type or a
// date that is not one is an error naming the field.
func (o *Offline) addAgents(name string, raw []byte) error {
	var f agentFile
	if err := json.Unmarshal(raw, &f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			if te.Type == awsTimeType {
				return fmt.Errorf("field %s: %s is not a date (want ISO 8601 such as 2025-06-05T14:23:51+00:00)", te.Field, te.Value)
			}
			return fmt.Errorf("field %s: %v", te.Field, err)
		}
		return fmt.Errorf("not a readable agent export: %v", err)
	}
	return o.agents.addFile(name, &f)
}

// addFile reads one agent export.
func (a *agents) addFile(name string, f *agentFile) error {
	if f.NextToken != "" {
		a.warnings = append(a.warnings, fmt.Sprintf("%s is one page of a list (nextToken set); agents of later pages are missing", name))
	}
	switch {
	case f.Agent != nil:
		return a.addBedrock(f.Agent)
	case f.AgentSummaries != nil:
		for _, s := range f.AgentSummaries {
			a.addSummary(s)
		}
	case f.AgentRuntimes != nil:
		for i := range f.AgentRuntimes {
			if err := a.addRuntime(&f.AgentRuntimes[i], false); err != nil {
				return fmt.Errorf("agentRuntimes[%d]: %w", i, err)
			}
		}
	case f.AgentRuntimeArn != "":
		return a.addRuntime(&f.agentRuntime, true)
	}
	return nil
}

// list returns the agents in id order, with a warning for each whose
// identity is unknown.
func (a *agents) list() ([]inventory.Agent, []string) {
	keys := make([]string, 0, len(a.byID))
	for k := range a.byID {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]inventory.Agent, 0, len(keys))
	warnings := a.warnings
	for _, k := range keys {
		ag := *a.byID[k]
		if ag.IdentityID == "" {
			how := "aws bedrock-agent get-agent --agent-id " + lastSegment(ag.ID)
			if ag.Platform == inventory.PlatformAgentCoreRuntime {
				how = "aws bedrock-agentcore-control get-agent-runtime --agent-runtime-id " + lastSegment(ag.ID)
			}
			warnings = append(warnings, fmt.Sprintf("agent %s (%s) was listed without its details: the identity it acts as is unknown (add the output of %s)", ag.Name, ag.ID, how))
		}
		out = append(out, ag)
	}
	return out, warnings
}

func lastSegment(s string) string { return s[strings.LastIndex(s, "/")+1:] }
