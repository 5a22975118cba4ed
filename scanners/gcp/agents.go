package gcp

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"google.golang.org/api/aiplatform/v1"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// reasoningEngine is a Vertex AI Agent Engine agent as
// projects.locations.reasoningEngines.list returns it and
// `gcloud ai reasoning-engines list --format=json` prints it.
type reasoningEngine struct {
	Name        string            `json:"name"` // projects/NUMBER/locations/LOC/reasoningEngines/ID
	DisplayName string            `json:"displayName"`
	Description string            `json:"description"`
	CreateTime  string            `json:"createTime"`
	UpdateTime  string            `json:"updateTime"`
	Labels      map[string]string `json:"labels"`
	Spec        *engineSpec       `json:"spec"`
}

// engineSpec is the part of a ReasoningEngineSpec that says what the
// agent runs as.
type engineSpec struct {
	ServiceAccount    string `json:"serviceAccount"`
	IdentityType      string `json:"identityType"`
	EffectiveIdentity string `json:"effectiveIdentity"`
	AgentFramework    string `json:"agentFramework"`
}

// engineName splits projects/P/locations/L/reasoningEngines/ID.
func engineName(name string) (project, location, id string, ok bool) {
	p := strings.Split(name, "/")
	if len(p) != 6 || p[0] != "projects" || p[2] != "locations" || p[4] != "reasoningEngines" || p[1] == "" || p[5] == "" {
		return "", "", "", false
	}
	return p[1], p[3], p[5], true
}

// reServiceAgent matches the AI Platform Reasoning Engine service agent,
// service-<project number>@gcp-sa-aiplatform-re.iam.gserviceaccount.com:
// the identity of every Agent Engine agent of the project that names no
// service account and no agent identity of its own.
var reServiceAgent = regexp.MustCompile(`^service-(\d+)@gcp-sa-aiplatform-re\.(iam\.gserviceaccount|googleapis)\.com$`)

// ReasoningEngineServiceAgent is the email of a project's Reasoning
// Engine service agent.
func ReasoningEngineServiceAgent(projectNumber string) string {
	return "service-" + projectNumber + "@gcp-sa-aiplatform-re.iam.gserviceaccount.com"
}

// isAgentPrincipal reports whether an IAM member value is an Agent
// Identity principal of one reasoning engine.
func isAgentPrincipal(p inventory.Principal) bool {
	return p.Type == "principal" && strings.HasPrefix(p.Value, "principal://agents.") && strings.Contains(p.Value, "/reasoningEngines/")
}

// addEngines reads a reasoning engine list; lay names the project when the
// file sits in the export layout (<project-id>/reasoning-engines.json).
func (o *Offline) addEngines(items []json.RawMessage, lay layout) error {
	engines, err := decodeAll[reasoningEngine](items, "reasoning engine")
	if err != nil {
		return err
	}
	for i, e := range engines {
		num, _, _, ok := engineName(e.Name)
		if !ok {
			return fmt.Errorf("reasoning engine %d: field name: %q is not projects/P/locations/L/reasoningEngines/ID", i+1, e.Name)
		}
		projectID := num
		if strings.HasPrefix(lay.kind, "reasoning-engines") && lay.project != "" && lay.project != "." {
			projectID = lay.project
			if num != projectID && isNumber(num) {
				o.numbers[num] = projectID
			}
		}
		p := o.project(projectID)
		if isNumber(num) {
			p.number = num
		}
		p.engines = append(p.engines, e)
		p.enginesKnown = true
	}
	return nil
}

func isNumber(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// engineAgent turns a reasoning engine into the agent it is, and the id
// of the identity it acts as.
func (p *project) engineAgent(e reasoningEngine) inventory.Agent {
	num, loc, engineID, _ := engineName(e.Name)
	ag := inventory.Agent{
		Provider: inventory.GCP, Platform: inventory.PlatformAgentEngine, ID: e.Name, Name: e.DisplayName,
		Account: p.ID, Location: loc, Tags: e.Labels,
	}
	if ag.Name == "" {
		ag.Name = engineID
	}
	if t, err := parseTime(e.CreateTime); err == nil {
		ag.CreatedAt = t.UTC()
	} else if e.CreateTime != "" {
		p.warn("reasoning engine %s has a bad createTime %q", e.Name, e.CreateTime)
	}
	if t, err := parseTime(e.UpdateTime); err == nil {
		ag.UpdatedAt = t.UTC()
	}
	var sa, idType, effective string
	if e.Spec != nil {
		sa, idType, effective = e.Spec.ServiceAccount, e.Spec.IdentityType, e.Spec.EffectiveIdentity
	}
	switch {
	case idType == "AGENT_IDENTITY":
		ag.IdentityType = inventory.ActsAsAgentPrincipal
		if effective != "" {
			ag.IdentityID = "principal://" + strings.TrimPrefix(effective, "principal://")
		} else {
			ag.IdentityID = p.principalFor("/projects/" + num + "/locations/" + loc + "/reasoningEngines/" + engineID)
		}
	case sa != "":
		ag.IdentityType, ag.IdentityID = inventory.ActsAsServiceAccount, sa
	default:
		ag.IdentityType = inventory.ActsAsServiceAgent
		if m := reServiceAgent.FindStringSubmatch(effective); m != nil {
			ag.IdentityID = ReasoningEngineServiceAgent(m[1])
		} else if isNumber(num) {
			ag.IdentityID = ReasoningEngineServiceAgent(num)
		} else if p.number != "" {
			ag.IdentityID = ReasoningEngineServiceAgent(p.number)
		}
	}
	if ag.IdentityID == "" {
		p.warn("reasoning engine %s: the identity it acts as is unknown (its name carries no project number and it has no spec.effectiveIdentity)", e.Name)
	}
	return ag
}

// principalFor finds the agent principal ending in suffix among the
// members of the project's bindings.
func (p *project) principalFor(suffix string) string {
	for _, rp := range p.policies() {
		for _, b := range rp.policy.Bindings {
			for _, m := range b.Members {
				if strings.HasPrefix(m, "principal://") && strings.HasSuffix(m, suffix) {
					return m
				}
			}
		}
	}
	return ""
}

// agentDescription describes the identities the scanner adds for agents.
const (
	serviceAgentDescription = "AI Platform Reasoning Engine service agent: the identity of every Agent Engine agent of the project that names no identity of its own"
	principalDescription    = "Agent Identity principal of one Agent Engine agent"
)

// DefaultAgentLocations are the locations a live scan lists Agent Engine
// agents in unless told otherwise: the regions where Vertex AI Agent
// Engine is offered.
var DefaultAgentLocations = []string{
	"us-central1", "us-east1", "us-east4", "us-west1", "northamerica-northeast1", "southamerica-east1",
	"europe-west1", "europe-west2", "europe-west3", "europe-west4", "europe-southwest1",
	"asia-east1", "asia-northeast1", "asia-northeast3", "asia-south1", "asia-southeast1", "australia-southeast1",
}

// agentLocations are the locations whose agents a scan lists.
func (l *Live) agentLocations() []string {
	if len(l.opts.AgentLocations) > 0 {
		return l.opts.AgentLocations
	}
	return DefaultAgentLocations
}

// listEngines lists a project's reasoning engines in each location
// through the Vertex AI REST API (regional endpoints). A location that
// fails is a warning: the other locations and the rest of the project
// complete.
func (l *Live) listEngines(ctx context.Context, c *clients, p *liveProject, id string) {
	locations := l.agentLocations()
	var failed []string
	for _, loc := range locations {
		svc := c.engines[loc]
		err := svc.Projects.Locations.ReasoningEngines.List("projects/"+id+"/locations/"+loc).PageSize(100).Pages(ctx,
			func(resp *aiplatform.GoogleCloudAiplatformV1ListReasoningEnginesResponse) error {
				for _, e := range resp.ReasoningEngines {
					re := reasoningEngine{Name: e.Name, DisplayName: e.DisplayName, Description: e.Description,
						CreateTime: e.CreateTime, UpdateTime: e.UpdateTime, Labels: e.Labels}
					if s := e.Spec; s != nil {
						re.Spec = &engineSpec{ServiceAccount: s.ServiceAccount, IdentityType: s.IdentityType, EffectiveIdentity: s.EffectiveIdentity, AgentFramework: s.AgentFramework}
					}
					if num, _, _, ok := engineName(e.Name); ok && isNumber(num) {
						p.number = num
					}
					p.engines = append(p.engines, re)
				}
				return nil
			})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failed = append(failed, loc+": "+describe(err))
		}
	}
	p.enginesKnown = len(failed) < len(locations)
	if len(failed) > 0 {
		p.warn("aiplatform.reasoningEngines.list failed in %d location(s), whose Agent Engine agents were not listed: %s", len(failed), strings.Join(failed, "; "))
	}
}
