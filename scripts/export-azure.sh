#!/usr/bin/env bash
# Export what nhiscan reads from a Microsoft Entra tenant and its Azure
# subscriptions, with the az CLI (2.37 or later), into the layout
# 'nhiscan scan --input OUTDIR' expects: one directory per tenant, named
# for the tenant id.
#
#   OUTDIR/<tenant-id>/service-principals.json          az ad sp list --all
#   OUTDIR/<tenant-id>/applications.json                az ad app list --all
#   OUTDIR/<tenant-id>/owners/<object-id>.json          az ad app owner list / az ad sp owner list
#   OUTDIR/<tenant-id>/sponsors/<agent-id>.json         Graph beta .../microsoft.graph.agentIdentity/sponsors
#   OUTDIR/<tenant-id>/app-role-assignments/<sp>.json   Graph .../servicePrincipals/<sp>/appRoleAssignments
#   OUTDIR/<tenant-id>/federated-credentials/<id>.json  az ad app federated-credential list (applications),
#                                                       az identity federated-credential list (user-assigned
#                                                       managed identities, named by their principal id)
#   OUTDIR/<tenant-id>/directory-role-assignments.json  Graph roleManagement/directory/roleAssignments
#   OUTDIR/<tenant-id>/directory-role-definitions.json  Graph roleManagement/directory/roleDefinitions
#   OUTDIR/<tenant-id>/role-assignments-<sub>.json      az role assignment list --all --include-inherited
#   OUTDIR/<tenant-id>/role-definitions-<sub>.json      az role definition list --custom-role-only
#   OUTDIR/<tenant-id>/sign-ins.json                    Graph beta reports/servicePrincipalSignInActivities
#   OUTDIR/<tenant-id>/credential-sign-ins.json         Graph beta reports/appCredentialSignInActivities
#
# Usage: scripts/export-azure.sh OUTDIR [SUBSCRIPTION-ID...]
# Without SUBSCRIPTION-ID, exports the role assignments of every enabled
# subscription of the signed-in tenant. Every command only reads. Needs
# (README, "Scanning Azure offline"): Graph Application.Read.All,
# Directory.Read.All, RoleManagement.Read.Directory and, for sign-in
# activity (Entra ID P1 or P2), AuditLog.Read.All; Azure Reader on the
# subscriptions. A part that cannot be read is reported on stderr and left
# out: nhiscan then reports it as not assessed.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 OUTDIR [SUBSCRIPTION-ID...]" >&2
  exit 2
fi
out=$1
shift

graph=https://graph.microsoft.com
microsoft="'f8cdef31-a31e-4b4a-93e4-5f571e91255a','72f988bf-86f1-41af-91ab-2d7cd011db47'"
tenant=$(az account show --query tenantId -o tsv)
dir=$out/$tenant
mkdir -p "$dir/owners" "$dir/sponsors" "$dir/app-role-assignments" "$dir/federated-credentials"

warn() { echo "export-azure: $*" >&2; }

# save FILE COMMAND...: the command's output into FILE, only when it succeeds.
save() {
  local f=$1
  shift
  if "$@" > "$f.tmp"; then
    mv "$f.tmp" "$f"
  else
    rm -f "$f.tmp"
    warn "could not write $f; it is left out"
  fi
}

# rest_all URL: every page of a Graph list, one JSON document per page
# (az rest does not follow @odata.nextLink; nhiscan reads concatenated pages).
rest_all() {
  local url=$1 page
  while [ -n "$url" ]; do
    page=$(az rest --method get --url "$url") || return 1
    printf '%s\n' "$page"
    url=$(printf '%s\n' "$page" | sed -n 's/^ *"@odata\.nextLink": *"\([^"]*\)".*/\1/p' | head -n 1)
  done
}

save "$dir/service-principals.json" az ad sp list --all -o json
save "$dir/applications.json" az ad app list --all -o json

# Applications: owners and federated credentials.
for id in $(az ad app list --all --query '[].id' -o tsv); do
  save "$dir/owners/$id.json" az ad app owner list --id "$id" -o json
  save "$dir/federated-credentials/$id.json" az ad app federated-credential list --id "$id" -o json
done

# Service principals whose application is not in the tenant (managed
# identities, agents, other tenants' apps), skipping Microsoft's own
# unless the tenant added a credential to one: their owners.
skip_microsoft="contains([$microsoft], appOwnerOrganizationId || '') && length(passwordCredentials) == \`0\` && length(keyCredentials) == \`0\`"
for id in $(az ad sp list --all --query "[?appOwnerOrganizationId != '$tenant' && !($skip_microsoft)].id" -o tsv); do
  save "$dir/owners/$id.json" az ad sp owner list --id "$id" -o json
done

# The application permissions granted to each service principal.
for id in $(az ad sp list --all --query "[?!($skip_microsoft)].id" -o tsv); do
  save "$dir/app-role-assignments/$id.json" rest_all "$graph/v1.0/servicePrincipals/$id/appRoleAssignments"
done

# Agent identities' sponsors.
for id in $(az ad sp list --all --query "[?servicePrincipalType == 'ServiceIdentity'].id" -o tsv); do
  save "$dir/sponsors/$id.json" rest_all "$graph/beta/servicePrincipals/$id/microsoft.graph.agentIdentity/sponsors"
done

save "$dir/directory-role-assignments.json" rest_all "$graph/v1.0/roleManagement/directory/roleAssignments"
save "$dir/directory-role-definitions.json" rest_all "$graph/v1.0/roleManagement/directory/roleDefinitions"

# Azure RBAC, per subscription.
if [ $# -eq 0 ]; then
  set -- $(az account list --query "[?tenantId == '$tenant' && state == 'Enabled'].id" -o tsv)
fi
for sub in "$@"; do
  f=$dir/role-assignments-$sub.json
  if az role assignment list --all --include-inherited --subscription "$sub" -o json > "$f.tmp" 2> "$f.err"; then
    mv "$f.tmp" "$f"
  else
    # nhiscan reports this subscription as failed (the scan is partial,
    # exit 3) and reads the others.
    msg=$(grep -v '^ *$' "$f.err" | head -n 1 | tr -d '"\\[:cntrl:]' || true)
    warn "subscription $sub: $msg"
    printf '{"error": {"code": "ExportFailed", "message": "%s"}}\n' "$msg" > "$f"
    rm -f "$f.tmp"
  fi
  rm -f "$f.err"
  save "$dir/role-definitions-$sub.json" az role definition list --custom-role-only true --subscription "$sub" -o json
  # User-assigned managed identities' federated credentials, by principal id.
  az identity list --subscription "$sub" --query '[].[principalId, name, resourceGroup]' -o tsv 2> /dev/null |
    while read -r principal name group; do
      save "$dir/federated-credentials/$principal.json" az identity federated-credential list --subscription "$sub" --identity-name "$name" --resource-group "$group" -o json
    done
done

# Sign-in activity of service principals and of their secrets and
# certificates (Entra ID P1 or P2, AuditLog.Read.All); without it nhiscan
# reports dormancy as not assessed.
save "$dir/sign-ins.json" rest_all "$graph/beta/reports/servicePrincipalSignInActivities"
save "$dir/credential-sign-ins.json" rest_all "$graph/beta/reports/appCredentialSignInActivities"

echo "$dir"
