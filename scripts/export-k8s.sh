#!/usr/bin/env bash
# Export what nhiscan reads from Kubernetes clusters, with kubectl, into the
# layout 'nhiscan scan --input OUTDIR' expects: one directory per cluster,
# whose name becomes the cluster's name in the report.
#
#   OUTDIR/<cluster>/k8s.json   kubectl get serviceaccounts,secrets,roles,... -A -o json
#   OUTDIR/<cluster>/openid-configuration.json
#                               kubectl get --raw /.well-known/openid-configuration
#                               (the service account issuer; skipped with a warning
#                               when the API server does not serve it to you)
#   OUTDIR/<cluster>/kagent-agents.json
#                               kubectl get agents.kagent.dev -A -o json (kagent's AI
#                               agents; only when the cluster serves the kagent.dev group)
#
# Usage: scripts/export-k8s.sh OUTDIR [CONTEXT...]
# Without CONTEXT, exports the current context into OUTDIR/<its cluster name>.
# Secret data is removed before the file is written (with jq when present;
# nhiscan ignores it in any case and never stores it). Needs read access to
# the listed resources in every namespace (see README, "Kubernetes
# permissions").
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 OUTDIR [CONTEXT...]" >&2
  exit 2
fi
out=$1
shift

resources=serviceaccounts,secrets,roles,rolebindings,clusterroles,clusterrolebindings,pods,deployments,statefulsets,daemonsets,replicasets,jobs,cronjobs,namespaces

export_context() { # export_context CONTEXT|"": one cluster
  local ctx=$1 args=() cluster
  if [ -n "$ctx" ]; then
    args=(--context "$ctx")
  fi
  cluster=$(kubectl "${args[@]}" config view --minify -o jsonpath='{.clusters[0].name}')
  cluster=${cluster//[^A-Za-z0-9._-]/_} # an EKS ARN or a GKE name becomes a directory name
  mkdir -p "$out/$cluster"
  if command -v jq > /dev/null; then
    kubectl "${args[@]}" get "$resources" -A -o json | jq 'del(.items[].data, .items[].stringData)' > "$out/$cluster/k8s.json.tmp"
  else
    kubectl "${args[@]}" get "$resources" -A -o json > "$out/$cluster/k8s.json.tmp"
  fi
  mv "$out/$cluster/k8s.json.tmp" "$out/$cluster/k8s.json"
  echo "$out/$cluster/k8s.json"
  if kubectl "${args[@]}" get --raw /.well-known/openid-configuration > "$out/$cluster/openid-configuration.json.tmp"; then
    mv "$out/$cluster/openid-configuration.json.tmp" "$out/$cluster/openid-configuration.json"
    echo "$out/$cluster/openid-configuration.json"
  else
    rm -f "$out/$cluster/openid-configuration.json.tmp"
    echo "warning: $cluster: no service account issuer discovery document (see README, \"Kubernetes permissions\")" >&2
  fi
  if kubectl "${args[@]}" api-resources --api-group=kagent.dev -o name 2> /dev/null | grep -qx 'agents.kagent.dev'; then
    if kubectl "${args[@]}" get agents.kagent.dev -A -o json > "$out/$cluster/kagent-agents.json.tmp"; then
      mv "$out/$cluster/kagent-agents.json.tmp" "$out/$cluster/kagent-agents.json"
      echo "$out/$cluster/kagent-agents.json"
    else
      rm -f "$out/$cluster/kagent-agents.json.tmp"
      echo "warning: $cluster: kagent agents not listed (see README, \"Kubernetes permissions\")" >&2
    fi
  fi
}

if [ $# -eq 0 ]; then
  export_context ""
else
  for ctx in "$@"; do
    export_context "$ctx"
  done
fi
