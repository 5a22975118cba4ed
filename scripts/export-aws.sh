#!/usr/bin/env bash
# Export what nhiscan reads from an AWS account, with the AWS CLI, into
# OUTDIR for 'nhiscan scan --input OUTDIR':
#
#   OUTDIR/get-account-authorization-details.json   aws iam get-account-authorization-details
#   OUTDIR/credential-report.csv                    aws iam generate-credential-report, get-credential-report
#   OUTDIR/list-roles.json                          aws iam list-roles (session lengths)
#   OUTDIR/agents/<region>/list-agents.json         aws bedrock-agent list-agents
#   OUTDIR/agents/<region>/get-agent-<id>.json      aws bedrock-agent get-agent, for each agent
#   OUTDIR/agents/<region>/list-agent-runtimes.json aws bedrock-agentcore-control list-agent-runtimes
#   OUTDIR/agents/<region>/get-agent-runtime-<id>.json
#                                                   aws bedrock-agentcore-control get-agent-runtime, for each runtime
#
# Usage: scripts/export-aws.sh OUTDIR [REGION...]
# The regions default to those where Bedrock Agents or AgentCore are
# offered (README, "Permissions"). The credentials are the AWS CLI's usual
# ones (AWS_PROFILE, ...). The agent exports are optional per region: when
# a call fails (access denied, the service not offered there), that
# region's files are left out with a warning.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 OUTDIR [REGION...]" >&2
  exit 2
fi
out=$1
shift
regions=("$@")
if [ ${#regions[@]} -eq 0 ]; then
  regions=(us-east-1 us-east-2 us-west-2 ca-central-1 sa-east-1 eu-west-1 eu-west-2 eu-west-3 eu-central-1
    ap-south-1 ap-northeast-1 ap-northeast-2 ap-southeast-1 ap-southeast-2)
fi
mkdir -p "$out"

echo "exporting IAM" >&2
aws iam get-account-authorization-details --output json > "$out/get-account-authorization-details.json"
until [ "$(aws iam generate-credential-report --query State --output text)" = "COMPLETE" ]; do sleep 2; done
aws iam get-credential-report --query Content --output text | base64 -d > "$out/credential-report.csv"
aws iam list-roles --output json > "$out/list-roles.json"

try() { # try FILE COMMAND...: write FILE only when COMMAND works
  local file=$1
  shift
  if "$@" > "$file.tmp" 2> "$file.err"; then
    mv "$file.tmp" "$file"
    return 0
  fi
  echo "warning: $(basename "$file") not exported: $(head -n 1 "$file.err")" >&2
  rm -f "$file.tmp" "$file.err"
  return 1
}

for region in "${regions[@]}"; do
  dir="$out/agents/$region"
  mkdir -p "$dir"
  echo "exporting agents in $region" >&2
  # The CLI follows nextToken itself: each list is whole.
  if try "$dir/list-agents.json" aws bedrock-agent list-agents --region "$region" --output json; then
    for id in $(aws bedrock-agent list-agents --region "$region" --query 'agentSummaries[].agentId' --output text); do
      try "$dir/get-agent-$id.json" aws bedrock-agent get-agent --agent-id "$id" --region "$region" --output json || true
    done
  fi
  if try "$dir/list-agent-runtimes.json" aws bedrock-agentcore-control list-agent-runtimes --region "$region" --output json; then
    for id in $(aws bedrock-agentcore-control list-agent-runtimes --region "$region" --query 'agentRuntimes[].agentRuntimeId' --output text); do
      try "$dir/get-agent-runtime-$id.json" aws bedrock-agentcore-control get-agent-runtime --agent-runtime-id "$id" --region "$region" --output json || true
    done
  fi
  rm -f "$dir"/*.err
  rmdir "$dir" 2> /dev/null || true
done
echo "done: nhiscan scan --input $out" >&2
