package rules

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/controls"
	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

const (
	azTenant = "0d3a1f6e-5b2c-4e47-9c1a-7f2b9e3d4c10"
	azSub    = "/subscriptions/1f0e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
	msTenant = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
)

// asp is an application service principal as the Azure scanner fills it,
// with a user owner and a recent sign-in.
func asp(name string, mods ...func(*inventory.Identity)) inventory.Identity {
	id := inventory.Identity{ID: "sp-" + name, Provider: inventory.Azure, Kind: inventory.KindAzureApplication, Account: azTenant, Name: name,
		CreatedAt: daysAgo(400), LastUsed: ptr(daysAgo(1)), LastUsedKnown: true, Owner: "alice@contoso.example",
		Tags: map[string]string{"azure.appId": "appid-" + name, "azure.appOwnerOrganizationId": azTenant, "azure.signInAudience": "AzureADMyOrg"},
		ResourceBindings: []inventory.Binding{{Role: "owner", Scope: "applications/app-" + name,
			Members: []inventory.Principal{{Type: "user", Value: "user-alice"}}}}}
	for _, m := range mods {
		m(&id)
	}
	return id
}

func assign(role, scope string) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		id.Bindings = append(id.Bindings, inventory.Binding{Role: role, Scope: scope, Name: scope + "/providers/Microsoft.Authorization/roleAssignments/ra-" + id.Name,
			Members: []inventory.Principal{{Type: "servicePrincipal", Value: id.ID}}})
	}
}

func azCondition(id *inventory.Identity) {
	id.Bindings[len(id.Bindings)-1].Condition = &inventory.BindingCondition{Expression: "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {ba92f5b4-2d11-453d-a403-e96b0029c9fe}))"}
}

func dirRoleOf(name string) func(*inventory.Identity) {
	return assign("directoryRole:"+name, "directory/")
}

func graphApp(value string) func(*inventory.Identity) {
	return assign("appRole:Microsoft Graph/"+value, "servicePrincipals/graph-sp")
}

func azKind(k string) func(*inventory.Identity) { return func(id *inventory.Identity) { id.Kind = k } }

func asAgent(id *inventory.Identity) {
	id.Kind, id.Agent = inventory.KindAzureAgentIdentity, true
}

func firstParty(id *inventory.Identity) { id.Tags["azure.appOwnerOrganizationId"] = msTenant }

// cred adds a secret or certificate created `created` days ago that ends
// `ends` days from now (no end when ends is nil).
func cred(kind, keyID string, created int, ends *int) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		c := inventory.Credential{ID: keyID, Kind: kind, Status: inventory.CredentialActive, CreatedAt: daysAgo(created), Slot: "application"}
		if ends != nil {
			c.ExpiresAt = ptr(daysAgo(-*ends))
			if *ends < 0 {
				c.Status = inventory.CredentialExpired
			}
		}
		id.Credentials = append(id.Credentials, c)
	}
}

func days(n int) *int { return &n }

func fic(name, issuer, subject, expr string) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		id.Credentials = append(id.Credentials, inventory.Credential{ID: name, Kind: inventory.CredAzureFederated, Status: inventory.CredentialActive,
			Federation: &inventory.Federation{Issuer: issuer, Subject: subject, ClaimsExpression: expr, Audiences: []string{"api://AzureADTokenExchange"}}})
	}
}

const ghIssuer = "https://token.actions.githubusercontent.com"

func TestAzureUAARole(t *testing.T) {
	runCases(t, azureUAARole{}, []ruleCase{
		{name: "uaa_subscription", id: asp("deploy", assign("User Access Administrator", azSub)), want: []findings.Severity{C}},
		{name: "uaa_subscription_condition_lowers", id: asp("deploy", assign("User Access Administrator", azSub), azCondition), want: []findings.Severity{H}},
		{name: "uaa_by_role_definition_id", id: asp("deploy", assign("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", azSub)), want: []findings.Severity{C}},
		{name: "owner_not_here", id: asp("deploy", assign("Owner", azSub)), want: nil},
		{name: "rbac_admin_not_here", id: asp("deploy", assign("Role Based Access Control Administrator", azSub)), want: nil},
	})
}

// CIS Azure 5.3.3 (User Access Administrator) fails on User Access
// Administrator findings only, never on Owner or Contributor ones.
func TestAzureCIS533(t *testing.T) {
	cfg := DefaultConfig(asOf)
	inv := inventory.Inventory{Identities: []inventory.Identity{
		asp("owner", assign("Owner", azSub)), asp("contrib", assign("Contributor", azSub)), asp("uaa", assign("User Access Administrator", azSub)),
	}}
	fs, err := Run(context.Background(), &inv, All(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cis := map[string][]string{}
	for _, f := range fs {
		for _, c := range f.Controls {
			if c.Framework == controls.CISAZ5 {
				cis[c.ID] = append(cis[c.ID], f.Identity.Name)
			}
		}
	}
	if got := strings.Join(cis["5.3.3"], " "); got != "uaa" {
		t.Errorf("CIS Azure 5.3.3 fails on %q, want uaa only", got)
	}
	if len(cis["5.3.4"]) < 3 {
		t.Errorf("CIS Azure 5.3.4 fails on %v, want every privileged assignment", cis["5.3.4"])
	}
}

func TestAzureRBACRole(t *testing.T) {
	rg := azSub + "/resourceGroups/rg-payments"
	runCases(t, azureRBACRole{}, []ruleCase{
		{name: "owner_subscription", id: asp("deploy", assign("Owner", azSub)), want: []findings.Severity{C}},
		{name: "owner_management_group", id: asp("deploy", assign("Owner", "/providers/Microsoft.Management/managementGroups/platform")), want: []findings.Severity{C}},
		{name: "contributor_subscription", id: asp("deploy", assign("Contributor", azSub)), want: []findings.Severity{H}},
		{name: "owner_resource_group_lower", id: asp("deploy", assign("Owner", rg)), want: []findings.Severity{H}},
		{name: "contributor_resource_group_lower", id: asp("deploy", assign("Contributor", rg)), want: []findings.Severity{M}},
		{name: "owner_one_resource_two_lower", id: asp("deploy", assign("Owner", rg+"/providers/Microsoft.KeyVault/vaults/kv1")), want: []findings.Severity{M}},
		// User Access Administrator is NHI-OVB-304's (CIS Azure 5.3.3).
		{name: "uaa_not_here", id: asp("deploy", assign("User Access Administrator", azSub)), want: nil},
		{name: "rbac_admin_resource_group_condition", id: asp("deploy", assign("Role Based Access Control Administrator", rg), azCondition), want: []findings.Severity{M}},
		{name: "owner_by_role_definition_id", id: asp("deploy", assign("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", azSub)), want: []findings.Severity{C}},
		{name: "reader_not_reported", id: asp("deploy", assign("Reader", "/")), want: nil},
		{name: "directory_role_not_rbac", id: asp("deploy", dirRoleOf("Global Administrator")), want: nil},
		{name: "worst_of_several", id: asp("deploy", assign("Contributor", rg), assign("Owner", azSub)), want: []findings.Severity{C}},
		{name: "managed_identity", id: asp("mi", azKind(inventory.KindAzureManagedIdentity), assign("Contributor", azSub)), want: []findings.Severity{H}},
		{name: "agent_raised", id: asp("agent", asAgent, assign("Contributor", azSub)), want: []findings.Severity{C}},
		{name: "excluded_first_party", id: asp("exo", firstParty, assign("Owner", azSub), func(i *inventory.Identity) { i.Excluded = "Microsoft first-party application" }), want: nil},
	})
	fs := runOne(t, azureRBACRole{}, asp("deploy", assign("Contributor", azSub+"/resourceGroups/rg"), assign("Owner", azSub)))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "Owner") || !strings.Contains(fs[0].Message, "1 more") {
		t.Fatalf("findings %+v; want one, Owner's message, one more assignment", fs)
	}
	if e := evidence(fs[0], "grants"); !strings.Contains(e, "Contributor on "+azSub+"/resourceGroups/rg") || !strings.Contains(e, "Owner on "+azSub+" (") {
		t.Errorf("evidence.grants = %q; want both assignments", e)
	}
}

func TestAzureDirectoryRole(t *testing.T) {
	runCases(t, azureDirectoryRole{}, []ruleCase{
		{name: "global_admin", id: asp("x", dirRoleOf("Global Administrator")), want: []findings.Severity{C}},
		{name: "global_admin_by_template", id: asp("x", dirRoleOf("62e90394-69f5-4237-9190-012177145e10")), want: []findings.Severity{C}},
		{name: "privileged_role_admin", id: asp("x", dirRoleOf("Privileged Role Administrator")), want: []findings.Severity{C}},
		{name: "application_admin", id: asp("x", dirRoleOf("Application Administrator")), want: []findings.Severity{H}},
		{name: "application_admin_on_administrative_unit", id: asp("x", assign("directoryRole:Application Administrator", "directory/administrativeUnits/au-1")), want: []findings.Severity{M}},
		{name: "directory_readers_not_privileged", id: asp("x", dirRoleOf("Directory Readers")), want: nil},
		{name: "rbac_owner_not_directory", id: asp("x", assign("Owner", azSub)), want: nil},
	})
}

func TestAzureGraphPermission(t *testing.T) {
	runCases(t, azureGraphPermission{}, []ruleCase{
		{name: "role_management", id: asp("x", graphApp("RoleManagement.ReadWrite.Directory")), want: []findings.Severity{C}},
		{name: "app_role_assignment", id: asp("x", graphApp("AppRoleAssignment.ReadWrite.All")), want: []findings.Severity{C}},
		{name: "application_readwrite_by_id", id: asp("x", graphApp("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9")), want: []findings.Severity{C}},
		{name: "directory_readwrite", id: asp("x", graphApp("Directory.ReadWrite.All")), want: []findings.Severity{H}},
		{name: "read_permission", id: asp("x", graphApp("User.Read.All")), want: nil},
		{name: "owned_by_variant", id: asp("x", graphApp("Application.ReadWrite.OwnedBy")), want: nil},
		{name: "another_api", id: asp("x", assign("appRole:Contoso API/Application.ReadWrite.All", "servicePrincipals/contoso")), want: nil},
	})
}

func TestAzureSecret(t *testing.T) {
	secret, cert := inventory.CredAzureSecret, inventory.CredAzureCert
	runCases(t, azureSecret{}, []ruleCase{
		{name: "short_secret", id: asp("x", cred(secret, "k1", 90, days(90))), want: []findings.Severity{M}},
		{name: "two_year_secret_long_remaining", id: asp("x", cred(secret, "k1", 330, days(400))), want: []findings.Severity{H}},
		{name: "two_year_secret_nearly_done", id: asp("x", cred(secret, "k1", 700, days(30))), want: []findings.Severity{H}},
		{name: "secret_never_expires", id: asp("x", cred(secret, "k1", 30, nil)), want: []findings.Severity{H}},
		{name: "long_certificate_capped", id: asp("x", cred(cert, "c1", 330, days(400))), want: []findings.Severity{M}},
		{name: "short_certificate", id: asp("x", cred(cert, "c1", 265, days(100))), want: []findings.Severity{L}},
		{name: "expired_secret", id: asp("x", cred(secret, "k1", 400, days(-10))), want: nil},
		{name: "managed_identity_never", id: asp("mi", azKind(inventory.KindAzureManagedIdentity), cred(secret, "k1", 330, days(400))), want: nil},
		{name: "first_party_is_sta_302s", id: asp("exo", firstParty, cred(secret, "k1", 90, days(90))), want: nil},
		{name: "tier0_raised", id: asp("x", graphApp("RoleManagement.ReadWrite.Directory"), cred(secret, "k1", 90, days(90))), want: []findings.Severity{H}},
		{name: "tier0_long_secret_critical", id: asp("x", dirRoleOf("Global Administrator"), cred(secret, "k1", 330, days(400))), want: []findings.Severity{C}},
		{name: "configured_validity", id: asp("x", cred(secret, "k1", 330, days(400))), cfg: func(c *Config) { c.SecretMaxValidityDays = 800 }, want: []findings.Severity{M}},
		{name: "one_finding_per_credential", id: asp("x", cred(secret, "k1", 90, days(90)), cred(cert, "c1", 90, days(90))), want: []findings.Severity{M, L}},
	})
	fs := runOne(t, azureSecret{}, asp("x", cred(secret, "k1", 330, days(400))))
	if len(fs) != 1 || evidence(fs[0], "validity_days") != "730" || evidence(fs[0], "remaining_days") != "400" || fs[0].Credential == nil || fs[0].Credential.ID != "k1" {
		t.Errorf("finding %+v; want validity 730, remaining 400, credential k1", fs)
	}
}

func TestAzureFirstPartyCredential(t *testing.T) {
	runCases(t, azureFirstPartyCredential{}, []ruleCase{
		{name: "secret_on_microsoft_sp", id: asp("exo", firstParty, cred(inventory.CredAzureSecret, "k1", 10, days(700))), want: []findings.Severity{H}},
		{name: "microsoft_sp_without_credentials", id: asp("exo", firstParty), want: nil},
		{name: "own_app", id: asp("x", cred(inventory.CredAzureSecret, "k1", 10, days(700))), want: nil},
	})
}

func TestAzureUnused(t *testing.T) {
	never := func(id *inventory.Identity) { id.LastUsed = nil }
	runCases(t, azureUnused{}, []ruleCase{
		{name: "last_sign_in_old", id: asp("x", func(id *inventory.Identity) { id.LastUsed = ptr(daysAgo(200)) }), want: []findings.Severity{M}},
		{name: "old_with_secret", id: asp("x", func(id *inventory.Identity) { id.LastUsed = ptr(daysAgo(200)) }, cred(inventory.CredAzureSecret, "k1", 90, days(90))), want: []findings.Severity{H}},
		{name: "never_signed_in", id: asp("x", never), want: []findings.Severity{M}},
		{name: "never_signed_in_with_federated_credential", id: asp("x", never, fic("gh", ghIssuer, "repo:acme/app:ref:refs/heads/main", "")), want: []findings.Severity{H}},
		{name: "recent", id: asp("x"), want: nil},
		{name: "young", id: asp("x", never, func(id *inventory.Identity) { id.CreatedAt = daysAgo(30) }), want: nil},
		{name: "no_sign_in_data", id: asp("x", never, func(id *inventory.Identity) { id.LastUsedKnown = false }), want: nil},
		{name: "not_assessed", id: asp("x", never, func(id *inventory.Identity) { id.NotAssessed = []string{inventory.NotAssessedSignIns} }), want: nil},
		{name: "managed_identity", id: asp("mi", never, azKind(inventory.KindAzureManagedIdentity)), want: nil},
		{name: "disabled", id: asp("x", never, func(id *inventory.Identity) { id.Disabled = true }), want: nil},
	})
	fs := runOne(t, azureUnused{}, asp("x", never, cred(inventory.CredAzureSecret, "k1", 90, days(90))))
	if len(fs) != 1 || !strings.Contains(evidence(fs[0], "credentials"), "k1") || !strings.Contains(fs[0].Message, "has not signed in") {
		t.Errorf("findings %+v; want the secret in evidence.credentials", fs)
	}
}

func TestAzureFederationWildcard(t *testing.T) {
	expr := func(v string) func(*inventory.Identity) { return fic("f", ghIssuer, "", v) }
	runCases(t, azureFederationWildcard{}, []ruleCase{
		{name: "pinned_subject", id: asp("x", fic("f", ghIssuer, "repo:acme/app:environment:production", "")), want: nil},
		{name: "pinned_expression", id: asp("x", expr("claims['sub'] eq 'repo:acme/app:ref:refs/heads/main'")), want: nil},
		{name: "whole_organization", id: asp("x", expr("claims['sub'] matches 'repo:cds-snc/*'")), want: []findings.Severity{H}},
		{name: "any_organization", id: asp("x", expr("claims['sub'] matches 'repo:*'")), want: []findings.Severity{C}},
		{name: "every_branch", id: asp("x", expr("claims['sub'] matches 'repo:contoso/contoso-repo:ref:refs/heads/*'")), want: []findings.Severity{M}},
		{name: "every_branch_pinned_repository_id", id: asp("x", expr("claims['sub'] matches 'repo:contoso/contoso-repo:ref:refs/heads/*' and claims['repository_id'] eq '456789'")), want: []findings.Severity{L}},
		{name: "every_repository_of_an_environment", id: asp("x", expr("claims['sub'] matches 'repo:SecurityRonin/*:environment:release'")), want: []findings.Severity{H}},
		{name: "literal_star_in_subject", id: asp("x", fic("f", ghIssuer, "repo:acme/*", "")), want: []findings.Severity{L}},
		{name: "pull_request_subject", id: asp("x", fic("f", ghIssuer, "repo:acme/app:pull_request", "")), want: []findings.Severity{M}},
		{name: "unreadable_expression", id: asp("x", expr("claims['sub'] startswith 'repo:acme/'")), want: []findings.Severity{M}},
		{name: "subject_unconstrained", id: asp("x", expr("claims['job_workflow_ref'] eq 'acme/app/.github/workflows/deploy.yml@refs/heads/main'")), want: []findings.Severity{H}},
		{name: "kubernetes_namespace", id: asp("x", fic("f", "https://eastus.oic.prod-aks.azure.com/t/c/", "", "claims['sub'] matches 'system:serviceaccount:payments:*'")), want: []findings.Severity{M}},
		{name: "other_issuer_any_subject", id: asp("x", fic("f", "https://gitlab.com", "", "claims['sub'] matches '*'")), want: []findings.Severity{C}},
		{name: "terraform_every_project", id: asp("x", fic("f", "https://app.terraform.io", "", "claims['sub'] matches 'organization:acme:project:*:workspace:prod:run_phase:apply'")), want: []findings.Severity{H}},
		{name: "one_finding_per_identity", id: asp("x", fic("a", ghIssuer, "repo:acme/app:pull_request", ""), expr("claims['sub'] matches 'repo:acme/*'")), want: []findings.Severity{H}},
		{name: "agent_raised", id: asp("x", asAgent, expr("claims['sub'] matches 'repo:acme/*'")), want: []findings.Severity{C}},
	})
	fs := runOne(t, azureFederationWildcard{}, asp("x", fic("a", ghIssuer, "repo:acme/app:pull_request", ""), fic("b", ghIssuer, "", "claims['sub'] matches 'repo:acme/*'")))
	if len(fs) != 1 || !strings.Contains(evidence(fs[0], "credentials"), "a (") || !strings.Contains(evidence(fs[0], "credentials"), "b (") {
		t.Errorf("findings %+v; want one listing credentials a and b", fs)
	}
}

func TestAzureUntrustedIssuer(t *testing.T) {
	sub := "repo:acme/app:environment:production"
	runCases(t, azureUntrustedIssuer{}, []ruleCase{
		{name: "github", id: asp("x", fic("f", ghIssuer, sub, "")), want: nil},
		{name: "github_enterprise_issuer", id: asp("x", fic("f", ghIssuer+"/acme-enterprise", sub, "")), want: nil},
		{name: "entra", id: asp("x", fic("f", "https://login.microsoftonline.com/"+azTenant+"/v2.0", "sp-other", "")), want: nil},
		{name: "aks", id: asp("x", fic("f", "https://westeurope.oic.prod-aks.azure.com/"+azTenant+"/5c1f3a9e-2b7d-4c8a-9e1f-0a2b3c4d5e6f/", "system:serviceaccount:payments:api", "")), want: nil},
		{name: "gitlab_not_trusted_by_default", id: asp("x", fic("f", "https://gitlab.com", "project_path:acme/app:ref_type:branch:ref:main", "")), want: []findings.Severity{H}},
		{name: "gitlab_trusted_by_config", id: asp("x", fic("f", "https://gitlab.com", "project_path:acme/app:ref_type:branch:ref:main", "")),
			cfg: func(c *Config) { c.TrustedIssuers = append(slices.Clone(c.TrustedIssuers), "https://gitlab.com") }, want: nil},
		{name: "pattern_cannot_stretch_over_hosts", id: asp("x", fic("f", "https://evil.example/x.oic.prod-aks.azure.com/a/b", "s", "")), want: []findings.Severity{H}},
		{name: "lookalike_host", id: asp("x", fic("f", "https://token.actions.githubusercontent.com.evil.example", sub, "")), want: []findings.Severity{H}},
		{name: "no_federated_credential", id: asp("x"), want: nil},
	})
}

func TestAzureMultiTenant(t *testing.T) {
	multi := func(id *inventory.Identity) { id.Tags["azure.signInAudience"] = "AzureADMultipleOrgs" }
	runCases(t, azureMultiTenant{}, []ruleCase{
		{name: "multi_tenant_tenant_control", id: asp("x", multi, graphApp("RoleManagement.ReadWrite.Directory")), want: []findings.Severity{C}},
		{name: "multi_tenant_contributor", id: asp("x", multi, assign("Contributor", azSub)), want: []findings.Severity{H}},
		{name: "personal_accounts_too", id: asp("x", func(id *inventory.Identity) { id.Tags["azure.signInAudience"] = "AzureADandPersonalMicrosoftAccount" }, dirRoleOf("Application Administrator")), want: []findings.Severity{H}},
		{name: "third_party_app", id: asp("x", func(id *inventory.Identity) {
			id.Tags["azure.appOwnerOrganizationId"] = "9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4"
		}, dirRoleOf("Application Administrator")), want: []findings.Severity{H}},
		{name: "single_tenant", id: asp("x", dirRoleOf("Global Administrator")), want: nil},
		{name: "multi_tenant_unprivileged", id: asp("x", multi, graphApp("User.Read.All")), want: nil},
		{name: "first_party", id: asp("x", multi, firstParty, graphApp("RoleManagement.ReadWrite.Directory")), want: nil},
	})
}

func TestAzureOwnerless(t *testing.T) {
	noOwners := func(members ...inventory.Principal) func(*inventory.Identity) {
		return func(id *inventory.Identity) {
			id.Owner = ""
			id.ResourceBindings = []inventory.Binding{{Role: "owner", Scope: "applications/app-" + id.Name, Members: members}}
		}
	}
	spOwner := inventory.Principal{Type: "servicePrincipal", Value: "sp-pipeline"}
	runCases(t, noOwner{}, []ruleCase{
		{name: "user_owner", id: asp("x"), want: nil},
		{name: "no_owners", id: asp("x", noOwners()), want: []findings.Severity{L}},
		{name: "only_service_principals", id: asp("x", noOwners(spOwner)), want: []findings.Severity{L}},
		{name: "owners_not_exported", id: asp("x", noOwners(), func(id *inventory.Identity) { id.NotAssessed = []string{inventory.NotAssessedOwners} }), want: nil},
		{name: "managed_identity", id: asp("mi", noOwners(), azKind(inventory.KindAzureManagedIdentity)), want: nil},
		{name: "tier0", id: asp("x", noOwners(), dirRoleOf("Global Administrator")), want: []findings.Severity{M}},
		{name: "agent_without_sponsor", id: asp("x", noOwners(), asAgent), want: []findings.Severity{M}},
		{name: "owner_tag", id: asp("x", noOwners(), func(id *inventory.Identity) { id.Tags["owner"] = "team-payments" }), want: nil},
		{name: "first_party", id: asp("x", noOwners(), firstParty), want: nil},
	})
	fs := runOne(t, noOwner{}, asp("x", noOwners(spOwner)))
	if len(fs) != 1 || evidence(fs[0], "owners") != "sp-pipeline" || !strings.Contains(fs[0].Message, "only by service principals") {
		t.Errorf("findings %+v; want the service principal owner named", fs)
	}
	fs = runOne(t, noOwner{}, asp("x", noOwners(), asAgent))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "no sponsor") {
		t.Errorf("findings %+v; want the missing sponsor said", fs)
	}
	// A tenant whose owners file is missing: the source says so.
	cfg := DefaultConfig(asOf)
	inv := inventory.Inventory{Identities: []inventory.Identity{asp("x", noOwners())},
		Sources: []inventory.Source{{Scanner: "azure", Scope: azTenant, Status: inventory.StatusPartial, NotAssessed: []string{inventory.NotAssessedOwners}}}}
	got, err := Run(context.Background(), &inv, []Rule{noOwner{}}, cfg)
	if err != nil || len(got) != 0 {
		t.Errorf("owners not assessed by the source: %+v, %v; want no finding", got, err)
	}
}

// TestAzureEscalation runs the neutral graph rules on an Azure tenant: an
// owner of an application whose service principal holds a tenant-control
// permission is administrator in two hops, and a chain through an agent
// is a delegation finding.
func TestAzureEscalation(t *testing.T) {
	owned := func(owner string) func(*inventory.Identity) {
		return func(id *inventory.Identity) {
			id.ResourceBindings[0].Members = append(id.ResourceBindings[0].Members, inventory.Principal{Type: "servicePrincipal", Value: "sp-" + owner})
		}
	}
	inv := inventory.Inventory{Identities: []inventory.Identity{
		asp("pipeline", cred(inventory.CredAzureSecret, "k1", 30, days(60))),
		asp("automation", owned("pipeline"), graphApp("RoleManagement.ReadWrite.Directory")),
		asp("tenant-admin", dirRoleOf("Global Administrator")),
		asp("builder"),
		asp("blueprint", owned("builder")),
		asp("agent", asAgent, dirRoleOf("Global Administrator"), func(id *inventory.Identity) { id.Tags["azure.blueprint"] = "appid-blueprint" }),
		asp("reader", assign("Reader", azSub)),
	}}
	cfg := DefaultConfig(asOf)
	fs, err := Run(context.Background(), &inv, []Rule{toAdmin{}, chainDelegation{}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]findings.Finding{}
	for _, f := range fs {
		byKey[f.RuleID+" "+f.Identity.Name] = f
	}
	p, ok := byKey["NHI-ESC-001 pipeline"]
	if !ok || evidence(p, "hops") != "2" || p.Severity != C ||
		!strings.Contains(evidence(p, "path"), "pipeline -[owner of the application or service principal adds a secret (owner of automation)]-> automation -[RoleManagement.ReadWrite.Directory grants itself Global Administrator") {
		t.Errorf("pipeline: %+v; want a two-hop path through automation, critical (it holds a secret)", p)
	}
	if a, ok := byKey["NHI-ESC-001 automation"]; !ok || evidence(a, "hops") != "1" || a.Severity != H {
		t.Errorf("automation: %+v; want one hop, high", a)
	}
	for _, name := range []string{"tenant-admin", "reader", "agent"} {
		if f, ok := byKey["NHI-ESC-001 "+name]; ok {
			t.Errorf("%s is administrator or has no path, yet: %+v", name, f)
		}
	}
	d, ok := byKey["NHI-DEL-006 builder"]
	if !ok || d.Severity != M || evidence(d, "agents_crossed") != "agent" {
		t.Errorf("builder: %+v; want its path through the agent reported (medium)", d)
	}
	if _, ok := byKey["NHI-DEL-006 pipeline"]; ok {
		t.Error("pipeline's path crosses no agent and no tenant, yet NHI-DEL-006 reports it")
	}
}

// Azure findings cite CIS Azure, and no other provider's finding does.
func TestAzureControls(t *testing.T) {
	cfg := DefaultConfig(asOf)
	az := asp("x")
	aws := role("r")
	cites := func(r Rule, id *inventory.Identity) bool {
		f := finding(r, &Subject{Identity: id, Config: &cfg}, findings.High, nil, "", "m")
		return slices.ContainsFunc(f.Controls, func(c findings.Control) bool { return c.Framework == controls.CISAZ5 })
	}
	if !cites(azureRBACRole{}, &az) {
		t.Error("NHI-OVB-301 on an Azure identity does not cite CIS Azure")
	}
	for _, r := range All() {
		if cites(r, &aws) {
			t.Errorf("%s on an AWS identity cites CIS Azure", r.Meta().ID)
		}
		f := finding(r, &Subject{Identity: &az, Config: &cfg}, findings.High, nil, "", "m")
		for _, c := range f.Controls {
			if c.Framework == controls.CISAWS3 || c.Framework == controls.CISAWS5 || c.Framework == controls.CISGCP3 || c.Framework == controls.CISK8S {
				t.Errorf("%s on an Azure identity cites %s %s", r.Meta().ID, c.Framework, c.ID)
			}
		}
	}
}

func TestParseClaims(t *testing.T) {
	cs, ok := parseClaims("claims['sub'] matches 'repo:contoso/contoso-repo:ref:refs/heads/*' and claims['job_workflow_ref'] matches 'contoso/contoso-prod/.github/workflows/*.yml@refs/heads/main'")
	if !ok || len(cs) != 2 || cs[0] != (paths.AzureClaim{Claim: "sub", Op: "matches", Value: "repo:contoso/contoso-repo:ref:refs/heads/*"}) || cs[1].Claim != "job_workflow_ref" {
		t.Errorf("parseClaims = %+v, %v", cs, ok)
	}
	for _, bad := range []string{"", "claims['sub'] or claims['x']", "claims['sub'] matches 'a' or claims['sub'] matches 'b'"} {
		if _, ok := parseClaims(bad); ok {
			t.Errorf("parseClaims(%q) accepted", bad)
		}
	}
}

func runOne(t *testing.T, r Rule, id inventory.Identity) []findings.Finding {
	t.Helper()
	inv := inventory.Inventory{Identities: []inventory.Identity{id}}
	fs, err := Run(context.Background(), &inv, []Rule{r}, DefaultConfig(asOf))
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// A federated credential records no creation: it counts as a credential
// without an age.
func TestAzureListingFederatedCredentialHasNoAge(t *testing.T) {
	inv := inventory.Inventory{Identities: []inventory.Identity{asp("x", fic("f", ghIssuer, "repo:acme/app:environment:production", ""))}}
	rows := List(&inv, DefaultConfig(asOf))
	if len(rows) != 1 || rows[0].Credentials != 1 || rows[0].OldestCredentialDays != -1 {
		t.Errorf("rows = %+v; want one credential without an age", rows)
	}
}

// The tenant-control permissions are one list (paths.AzureTenantControl):
// the rules grade it and add none of their own.
func TestAzureGraphCriticalInTenantControl(t *testing.T) {
	for perm := range azureGraphCritical {
		if !paths.AzureTenantControl[perm] {
			t.Errorf("%s is graded critical but is not in paths.AzureTenantControl", perm)
		}
	}
}

// The well-known ids resolve the same in the rules and the graph as in
// the scanner, from the one list in inventory: Reader and Agent ID
// Developer, once missing from the graph's copy, included.
func TestAzureWellKnownIDs(t *testing.T) {
	for id, name := range inventory.AzureBuiltInRoles {
		if got, _ := paths.AzureRBACRole(&inventory.Binding{Role: id, Scope: azSub}); got != name {
			t.Errorf("role definition %s resolves to %q, want %q", id, got, name)
		}
	}
	for id, name := range inventory.AzureDirectoryRoleTemplates {
		if got, _ := paths.AzureDirectoryRole(&inventory.Binding{Role: "directoryRole:" + id, Scope: "directory/"}); got != name {
			t.Errorf("directory role template %s resolves to %q, want %q", id, got, name)
		}
	}
	for id, name := range inventory.MicrosoftGraphAppRoles {
		if got, _ := paths.AzureGraphPermission(&inventory.Binding{Role: "appRole:Microsoft Graph/" + id}); got != name {
			t.Errorf("Graph app role %s resolves to %q, want %q", id, got, name)
		}
	}
}

// The NHI-DEL-301 and NHI-STA-301 messages say exactly what the
// credential admits and why the severity was raised.
func TestAzureMessagesExact(t *testing.T) {
	for _, c := range []struct {
		name string
		id   inventory.Identity
		want string
	}{
		{"pull_request", asp("x", fic("f", ghIssuer, "repo:acme/app:pull_request", "")),
			"Federated credential f of x admits the workflow of any pull request of the repository (subject repo:acme/app:pull_request)."},
		{"environment_prefix", asp("x", fic("f", ghIssuer, "", "claims['sub'] matches 'repo:contoso/deploy:environment:prod*'")),
			"Federated credential f of x admits every environment of contoso/deploy whose name matches prod* (claims['sub'] matches 'repo:contoso/deploy:environment:prod*')."},
		{"every_branch", asp("x", fic("f", ghIssuer, "", "claims['sub'] matches 'repo:contoso/app:ref:refs/heads/*'")),
			"Federated credential f of x admits every branch of contoso/app (claims['sub'] matches 'repo:contoso/app:ref:refs/heads/*')."},
		{"whole_repository", asp("x", fic("f", ghIssuer, "", "claims['sub'] matches 'repo:contoso/app:*'")),
			"Federated credential f of x admits any branch, tag, environment or pull request of contoso/app (claims['sub'] matches 'repo:contoso/app:*')."},
		{"literal_star", asp("x", fic("f", ghIssuer, "repo:acme/*", "")),
			"Federated credential f of x admits no workload as written: subject repo:acme/* has a *, which Entra compares literally (no wildcard outside a claims-matching expression)."},
	} {
		fs := runOne(t, azureFederationWildcard{}, c.id)
		if len(fs) != 1 || fs[0].Message != c.want {
			t.Errorf("%s: got %+v\nwant %q", c.name, fs, c.want)
		}
		if len(fs) == 1 && strings.Count(fs[0].Message, "admits") != 1 {
			t.Errorf("%s: %q says admits more than once", c.name, fs[0].Message)
		}
	}
	fs := runOne(t, azureSecret{}, asp("x", graphApp("RoleManagement.ReadWrite.Directory"), cred(inventory.CredAzureSecret, "k1", 90, days(90))))
	if want := "x has a client secret k1; the service principal holds a critical grant (tenant control or Owner-equivalent), which raises the severity."; len(fs) != 1 || fs[0].Message != want {
		t.Errorf("tier-0 secret: got %+v\nwant %q", fs, want)
	}
}
