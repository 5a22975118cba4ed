package aws

import (
	"context"
	"errors"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// DefaultAgentRegions are the regions a live scan lists Bedrock agents and
// AgentCore runtimes in unless --regions says otherwise: the commercial
// regions where Amazon Bedrock Agents or AgentCore are offered.
var DefaultAgentRegions = []string{
	"us-east-1", "us-east-2", "us-west-2", "ca-central-1", "sa-east-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
	"ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2",
}

// listAgents lists the account's Bedrock agents (ListAgents, then
// GetAgent for the role) and AgentCore runtimes (ListAgentRuntimes, then
// GetAgentRuntime) in each region. A call that fails in a region (access
// denied, the service not offered there) is a warning: the other regions
// and the account's IAM data are complete without it.
func (l *Live) listAgents(ctx context.Context, cfg sdkaws.Config, acct string) ([]inventory.Agent, []string) {
	regions := l.opts.AgentRegions
	if len(regions) == 0 {
		regions = DefaultAgentRegions
	}
	found := newAgents()
	var warnings []string
	for _, region := range regions {
		if ctx.Err() != nil {
			break
		}
		l.progress("account %s: listing agents in %s", acct, region)
		if err := bedrockAgents(ctx, bedrockagent.NewFromConfig(cfg, func(o *bedrockagent.Options) { o.Region = region }), found); err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: Bedrock agents not listed: %s", region, err))
		}
		if err := agentRuntimes(ctx, bedrockagentcorecontrol.NewFromConfig(cfg, func(o *bedrockagentcorecontrol.Options) { o.Region = region }), found); err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: AgentCore runtimes not listed: %s", region, err))
		}
	}
	agents, more := found.list()
	return agents, append(warnings, more...)
}

func bedrockAgents(ctx context.Context, c *bedrockagent.Client, found *agents) error {
	p := bedrockagent.NewListAgentsPaginator(c, &bedrockagent.ListAgentsInput{MaxResults: sdkaws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return errors.New(describe("bedrock:ListAgents", err))
		}
		for _, s := range page.AgentSummaries {
			out, err := c.GetAgent(ctx, &bedrockagent.GetAgentInput{AgentId: s.AgentId})
			if err != nil {
				return errors.New(describe("bedrock:GetAgent "+sdkaws.ToString(s.AgentId), err))
			}
			a := out.Agent
			if a == nil {
				continue
			}
			b := bedrockAgent{AgentArn: sdkaws.ToString(a.AgentArn), AgentID: sdkaws.ToString(a.AgentId), AgentName: sdkaws.ToString(a.AgentName),
				AgentStatus: string(a.AgentStatus), AgentResourceRoleArn: sdkaws.ToString(a.AgentResourceRoleArn)}
			if a.CreatedAt != nil {
				b.CreatedAt = awsTime{*a.CreatedAt}
			}
			if a.UpdatedAt != nil {
				b.UpdatedAt = awsTime{*a.UpdatedAt}
			}
			if err := found.addBedrock(&b); err != nil {
				return err
			}
		}
	}
	return nil
}

func agentRuntimes(ctx context.Context, c *bedrockagentcorecontrol.Client, found *agents) error {
	p := bedrockagentcorecontrol.NewListAgentRuntimesPaginator(c, &bedrockagentcorecontrol.ListAgentRuntimesInput{MaxResults: sdkaws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return errors.New(describe("bedrock-agentcore:ListAgentRuntimes", err))
		}
		for _, s := range page.AgentRuntimes {
			out, err := c.GetAgentRuntime(ctx, &bedrockagentcorecontrol.GetAgentRuntimeInput{AgentRuntimeId: s.AgentRuntimeId})
			if err != nil {
				return errors.New(describe("bedrock-agentcore:GetAgentRuntime "+sdkaws.ToString(s.AgentRuntimeId), err))
			}
			r := agentRuntime{AgentRuntimeArn: sdkaws.ToString(out.AgentRuntimeArn), AgentRuntimeID: sdkaws.ToString(out.AgentRuntimeId),
				AgentRuntimeName: sdkaws.ToString(out.AgentRuntimeName), Status: string(out.Status), RoleArn: sdkaws.ToString(out.RoleArn)}
			if out.CreatedAt != nil {
				r.CreatedAt = awsTime{*out.CreatedAt}
			}
			if out.LastUpdatedAt != nil {
				r.LastUpdatedAt = awsTime{*out.LastUpdatedAt}
			}
			if w := out.WorkloadIdentityDetails; w != nil {
				r.WorkloadIdentityDetails = &struct {
					WorkloadIdentityArn string `json:"workloadIdentityArn"`
				}{sdkaws.ToString(w.WorkloadIdentityArn)}
			}
			if err := found.addRuntime(&r, true); err != nil {
				return err
			}
		}
	}
	return nil
}
