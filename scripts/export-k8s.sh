#!/usr/bin/env bash
# Export what nhiscan reads from Kubernetes clusters, with kubectl, into the
# layout 'nhiscan scan --input OUTDIR' expects: one directory per cluster.
#
#   OUTDIR/<cluster>/k8s.json   kubectl get serviceaccounts,roles,... -A -o json, and
#                               kubectl get secrets -A --field-selector
#                               type=kubernetes.io/service-account-token -o json,
#                               as one List whose metadata names the cluster
#   OUTDIR/<cluster>/openid-configuration.json
#                               kubectl get --raw /.well-known/openid-configuration
#                               (the service account issuer; skipped with a warning
#                               when the API server does not serve it to you)
#   OUTDIR/<cluster>/kagent-agents.json
#                               kubectl get agents.kagent.dev -A -o json (kagent's AI
#                               agents; only when the cluster serves the kagent.dev group)
#
# Usage: scripts/export-k8s.sh OUTDIR [CONTEXT...]
# Without CONTEXT, exports the current context. <cluster> is the context's
# cluster name made a directory name (an EKS ARN's ':' and '/' become '_');
# the real name is kept in the List (metadata "nhiscan.io/cluster-name"), and
# nhiscan reports that name, as a live scan of the context does.
#
# Only service account token Secrets are fetched, and jq removes data,
# stringData and kubectl's last-applied-configuration annotation (which
# copies a Secret's data) from every object before anything is written:
# unstripped output never reaches the disk. jq is required. Needs read access
# to the listed resources in every namespace (see README, "Kubernetes
# permissions").
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 OUTDIR [CONTEXT...]" >&2
  exit 2
fi
if ! command -v jq > /dev/null; then
  echo "$0: jq is required (it removes Secret data before anything is written); install jq and run again" >&2
  exit 2
fi
out=$1
shift

resources=serviceaccounts,roles,rolebindings,clusterroles,clusterrolebindings,pods,deployments,statefulsets,daemonsets,replicasets,jobs,cronjobs,namespaces

# strip merges the Lists on stdin into one List naming the cluster ($name),
# without data, stringData or last-applied-configuration on any object.
strip='{apiVersion: "v1", kind: "List", metadata: {resourceVersion: "", "nhiscan.io/cluster-name": $name},
  items: [.[].items[]? | del(.data, .stringData, .metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"])]}'

export_context() { # export_context CONTEXT|"": one cluster
  local ctx=$1 args=() cluster dir
  if [ -n "$ctx" ]; then
    args=(--context "$ctx")
  fi
  cluster=$(kubectl "${args[@]}" config view --minify -o jsonpath='{.clusters[0].name}')
  dir=${cluster//[^A-Za-z0-9._-]/_} # an EKS ARN or a GKE name becomes a directory name
  mkdir -p "$out/$dir"
  if ! {
    kubectl "${args[@]}" get "$resources" -A -o json
    kubectl "${args[@]}" get secrets -A --field-selector type=kubernetes.io/service-account-token -o json
  } | jq -s --arg name "$cluster" "$strip" > "$out/$dir/k8s.json.tmp"; then
    rm -f "$out/$dir/k8s.json.tmp"
    echo "$0: $cluster: export failed" >&2
    return 1
  fi
  mv "$out/$dir/k8s.json.tmp" "$out/$dir/k8s.json"
  echo "$out/$dir/k8s.json"
  if kubectl "${args[@]}" get --raw /.well-known/openid-configuration > "$out/$dir/openid-configuration.json.tmp"; then
    mv "$out/$dir/openid-configuration.json.tmp" "$out/$dir/openid-configuration.json"
    echo "$out/$dir/openid-configuration.json"
  else
    rm -f "$out/$dir/openid-configuration.json.tmp"
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
