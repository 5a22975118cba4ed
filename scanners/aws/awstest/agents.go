package awstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The agent platforms' REST-JSON APIs, as the SDK's serializers send them:
// Bedrock Agents ListAgents (POST /agents/, maxResults and nextToken in
// the JSON body) and GetAgent (GET /agents/{agentId}/); AgentCore Control
// ListAgentRuntimes (POST /runtimes/, maxResults and nextToken in the
// query) and GetAgentRuntime (GET /runtimes/{agentRuntimeId}/). Errors
// carry their code in X-Amzn-ErrorType, as AWS sends them.
//
// Every account has, in us-east-1, two Bedrock agents acting as its role
// "app" (one per page), and in us-west-2 one AgentCore runtime acting as
// "app" too; other regions have none.

// isAgentAPI reports whether the request is for an agent platform.
func isAgentAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/agents/") || strings.HasPrefix(r.URL.Path, "/runtimes/")
}

// agentAction names the operation of an agent platform request.
func agentAction(r *http.Request) string {
	switch {
	case r.URL.Path == "/agents/" && r.Method == http.MethodPost:
		return "ListAgents"
	case strings.HasPrefix(r.URL.Path, "/agents/") && r.Method == http.MethodGet:
		return "GetAgent"
	case r.URL.Path == "/runtimes/" && r.Method == http.MethodPost:
		return "ListAgentRuntimes"
	case strings.HasPrefix(r.URL.Path, "/runtimes/") && r.Method == http.MethodGet:
		return "GetAgentRuntime"
	}
	return "Unknown"
}

func restError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func restReply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

type fixtureAgent struct{ id, name string }

var bedrockFixture = []fixtureAgent{{"HELPER0001", "helper"}, {"TRIAGE0002", "triage"}}

// agentsAPI answers the agent platforms in region for account acct.
func (f *Server) agentsAPI(w http.ResponseWriter, r *http.Request, acct, region, action string) {
	if f.DenyRegion[region] {
		restError(w, 403, "AccessDeniedException", fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/audit/nhiscan is not authorized to perform: bedrock:%s", acct, action))
		return
	}
	role := fmt.Sprintf("arn:aws:iam::%s:role/app", acct)
	switch action {
	case "ListAgents":
		var in struct {
			MaxResults int    `json:"maxResults"`
			NextToken  string `json:"nextToken"`
		}
		body, _ := io.ReadAll(r.Body)
		if len(body) > 0 && json.Unmarshal(body, &in) != nil {
			restError(w, 400, "ValidationException", "body is not JSON")
			return
		}
		out := map[string]any{"agentSummaries": []any{}}
		if region == "us-east-1" {
			i, _ := strconv.Atoi(in.NextToken)
			if i < len(bedrockFixture) {
				a := bedrockFixture[i]
				out["agentSummaries"] = []any{map[string]any{"agentId": a.id, "agentName": a.name, "agentStatus": "PREPARED", "updatedAt": "2024-05-01T10:00:00.123456Z", "latestAgentVersion": "1"}}
				if i+1 < len(bedrockFixture) {
					out["nextToken"] = strconv.Itoa(i + 1)
				}
			}
		}
		restReply(w, out)
	case "GetAgent":
		id := strings.Trim(strings.TrimPrefix(r.URL.Path, "/agents/"), "/")
		for _, a := range bedrockFixture {
			if a.id == id && region == "us-east-1" {
				restReply(w, map[string]any{"agent": map[string]any{
					"agentId": a.id, "agentName": a.name, "agentArn": fmt.Sprintf("arn:aws:bedrock:%s:%s:agent/%s", region, acct, a.id),
					"agentVersion": "DRAFT", "agentStatus": "PREPARED", "idleSessionTTLInSeconds": 600, "agentResourceRoleArn": role,
					"foundationModel": "anthropic.claude-3-5-sonnet-20240620-v1:0", "createdAt": "2024-03-01T09:00:00Z", "updatedAt": "2024-05-01T10:00:00.123456Z",
				}})
				return
			}
		}
		restError(w, 404, "ResourceNotFoundException", "agent "+id+" not found")
	case "ListAgentRuntimes":
		out := map[string]any{"agentRuntimes": []any{}}
		if region == "us-west-2" {
			out["agentRuntimes"] = []any{map[string]any{
				"agentRuntimeArn": fmt.Sprintf("arn:aws:bedrock-agentcore:%s:%s:runtime/coder-Xk2pQ9aB7c", region, acct), "agentRuntimeId": "coder-Xk2pQ9aB7c",
				"agentRuntimeVersion": "1", "agentRuntimeName": "coder", "description": "", "lastUpdatedAt": "2024-05-02T08:30:00Z", "status": "READY",
			}}
		}
		restReply(w, out)
	case "GetAgentRuntime":
		id := strings.Trim(strings.TrimPrefix(r.URL.Path, "/runtimes/"), "/")
		if id != "coder-Xk2pQ9aB7c" || region != "us-west-2" {
			restError(w, 404, "ResourceNotFoundException", "runtime "+id+" not found")
			return
		}
		restReply(w, map[string]any{
			"agentRuntimeArn": fmt.Sprintf("arn:aws:bedrock-agentcore:%s:%s:runtime/%s", region, acct, id), "agentRuntimeId": id,
			"agentRuntimeName": "coder", "agentRuntimeVersion": "1", "createdAt": "2024-04-01T08:00:00Z", "lastUpdatedAt": "2024-05-02T08:30:00Z",
			"roleArn": role, "status": "READY", "networkConfiguration": map[string]any{"networkMode": "PUBLIC"},
			"protocolConfiguration":   map[string]any{"serverProtocol": "HTTP"},
			"workloadIdentityDetails": map[string]any{"workloadIdentityArn": fmt.Sprintf("arn:aws:bedrock-agentcore:%s:%s:workload-identity-directory/default/workload-identity/coder-Xk2pQ9aB7c", region, acct)},
			"agentRuntimeArtifact":    map[string]any{"containerConfiguration": map[string]any{"containerUri": acct + ".dkr.ecr." + region + ".amazonaws.com/coder:latest"}},
		})
	default:
		restError(w, 400, "ValidationException", "unexpected "+r.Method+" "+r.URL.Path)
	}
}
