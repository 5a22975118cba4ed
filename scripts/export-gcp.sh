#!/usr/bin/env bash
# Export what nhiscan reads from GCP projects, with gcloud, into the layout
# 'nhiscan scan --input OUTDIR' expects:
#
#   OUTDIR/<project-id>/service-accounts.json          gcloud iam service-accounts list
#   OUTDIR/<project-id>/keys/<sa-email>.json           gcloud iam service-accounts keys list
#   OUTDIR/<project-id>/iam-policy.json                gcloud projects get-iam-policy
#   OUTDIR/<project-id>/sa-policies/<sa-email>.json    gcloud iam service-accounts get-iam-policy
#   OUTDIR/<project-id>/custom-roles.json              gcloud iam roles describe, for each custom role
#   OUTDIR/<project-id>/activity-service-accounts.json gcloud policy-intelligence query-activity
#   OUTDIR/<project-id>/activity-keys.json             gcloud policy-intelligence query-activity
#   OUTDIR/<project-id>/insights.json                  gcloud recommender insights list
#   OUTDIR/<project-id>/reasoning-engines-<loc>.json   Vertex AI reasoningEngines.list (REST, with curl)
#
# Usage: scripts/export-gcp.sh OUTDIR PROJECT_ID [PROJECT_ID...]
# Needs read-only roles (see README, "Scanning GCP"). The activity and
# insight exports are optional: when one fails, its file is left out and
# nhiscan reports dormancy as not assessed. Agent Engine agents are listed
# in the locations of NHISCAN_AGENT_LOCATIONS (space-separated; default:
# where Agent Engine is offered), each one optional.
set -euo pipefail

agent_locations=${NHISCAN_AGENT_LOCATIONS:-"us-central1 us-east1 us-east4 us-west1 northamerica-northeast1 southamerica-east1 europe-west1 europe-west2 europe-west3 europe-west4 europe-southwest1 asia-east1 asia-northeast1 asia-northeast3 asia-south1 asia-southeast1 australia-southeast1"}

if [ $# -lt 2 ]; then
  echo "usage: $0 OUTDIR PROJECT_ID [PROJECT_ID...]" >&2
  exit 2
fi
out=$1
shift

optional() { # optional FILE COMMAND...: write FILE only when COMMAND works
  local file=$1
  shift
  if "$@" > "$file.tmp" 2> "$file.err"; then
    mv "$file.tmp" "$file"
  else
    echo "warning: $(basename "$file") not exported: $(head -n 1 "$file.err")" >&2
    rm -f "$file.tmp"
  fi
  rm -f "$file.err"
}

for project in "$@"; do
  dir="$out/$project"
  mkdir -p "$dir/keys" "$dir/sa-policies"
  echo "exporting $project" >&2
  gcloud iam service-accounts list --project "$project" --format=json > "$dir/service-accounts.json"
  gcloud projects get-iam-policy "$project" --format=json > "$dir/iam-policy.json"
  for email in $(gcloud iam service-accounts list --project "$project" --format='value(email)'); do
    gcloud iam service-accounts keys list --iam-account "$email" --project "$project" --format=json > "$dir/keys/$email.json"
    gcloud iam service-accounts get-iam-policy "$email" --project "$project" --format=json > "$dir/sa-policies/$email.json"
  done
  {
    echo "["
    sep=""
    for role in $(gcloud iam roles list --project "$project" --format='value(name.basename())'); do
      printf '%s' "$sep"
      gcloud iam roles describe "$role" --project "$project" --format=json
      sep=","
    done
    echo "]"
  } > "$dir/custom-roles.json"
  optional "$dir/activity-service-accounts.json" gcloud policy-intelligence query-activity \
    --activity-type=serviceAccountLastAuthentication --project "$project" --limit=unlimited --format=json
  optional "$dir/activity-keys.json" gcloud policy-intelligence query-activity \
    --activity-type=serviceAccountKeyLastAuthentication --project "$project" --limit=unlimited --format=json
  optional "$dir/insights.json" gcloud recommender insights list \
    --insight-type=google.iam.serviceAccount.Insight --project "$project" --location=global --format=json
  token=$(gcloud auth print-access-token)
  for loc in $agent_locations; do
    optional "$dir/reasoning-engines-$loc.json" curl -sSf -H "Authorization: Bearer $token" \
      "https://$loc-aiplatform.googleapis.com/v1/projects/$project/locations/$loc/reasoningEngines?pageSize=1000"
  done
done
echo "done: nhiscan scan --input $out" >&2
