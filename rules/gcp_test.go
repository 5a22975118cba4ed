package rules

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func gsa(name string, mods ...func(*inventory.Identity)) inventory.Identity {
	id := inventory.Identity{ID: name + "@p.iam.gserviceaccount.com", Provider: inventory.GCP, Kind: inventory.KindGCPAccount,
		Account: "p", Name: name, Description: "owner: team", LastUsedKnown: true, LastUsed: ptr(daysAgo(1))}
	for _, m := range mods {
		m(&id)
	}
	return id
}

func project(mods ...func(*inventory.Identity)) inventory.Identity {
	id := inventory.Identity{ID: "projects/p", Provider: inventory.GCP, Kind: inventory.KindGCPProject, Account: "p", Name: "p", Owner: "-"}
	for _, m := range mods {
		m(&id)
	}
	return id
}

// bind binds role at scope to the service account; permissions are a
// custom role's.
func bind(role, scope string, cond *inventory.BindingCondition, permissions ...string) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		id.Bindings = append(id.Bindings, inventory.Binding{Role: role, Scope: scope, Members: []inventory.Principal{{Type: "serviceAccount", Value: id.ID}},
			Condition: cond, Permissions: permissions})
	}
}

func member(role, scope, typ, value string) func(*inventory.Identity) {
	return func(id *inventory.Identity) {
		id.ResourceBindings = append(id.ResourceBindings, inventory.Binding{Role: role, Scope: scope, Members: []inventory.Principal{{Type: typ, Value: value}}})
	}
}

// withCond puts a condition on the last resource binding.
func withCond(c *inventory.BindingCondition) func(*inventory.Identity) {
	return func(id *inventory.Identity) { id.ResourceBindings[len(id.ResourceBindings)-1].Condition = c }
}

func gkey(id string, status string, created int, expires *time.Time, lastUsed *time.Time, known bool) func(*inventory.Identity) {
	return func(i *inventory.Identity) {
		i.Credentials = append(i.Credentials, inventory.Credential{ID: id, Kind: inventory.CredGCPUserKey, Status: status, CreatedAt: daysAgo(created), ExpiresAt: expires, LastUsed: lastUsed, LastUsedKnown: known})
	}
}

// until is a condition the scan cannot decide; expired and current are
// decided against the as-of time (2026-06-01).
var (
	until   = &inventory.BindingCondition{Title: "buckets only", Expression: `resource.name.startsWith("projects/_/buckets/a") && request.time < timestamp("2027-01-01T00:00:00Z")`}
	expired = &inventory.BindingCondition{Title: "temporary", Expression: `request.time < timestamp("2026-01-01T00:00:00Z")`}
	current = &inventory.BindingCondition{Title: "temporary", Expression: `request.time < timestamp("2027-01-01T00:00:00Z")`}
)

func TestGCPOverbroad(t *testing.T) {
	runCases(t, basicRole{}, []ruleCase{
		{name: "owner", id: gsa("a", bind("roles/owner", "projects/p", nil)), want: []findings.Severity{C}},
		{name: "editor_on_folder", id: gsa("a", bind("roles/editor", "folders/1", nil)), want: []findings.Severity{H}},
		{name: "editor_conditional", id: gsa("a", bind("roles/editor", "projects/p", until)), want: []findings.Severity{M}},
		{name: "owner_expired_grants_nothing", id: gsa("a", bind("roles/owner", "projects/p", expired)), want: nil},
		{name: "owner_not_yet_expired_is_unconditional", id: gsa("a", bind("roles/owner", "projects/p", current)), want: []findings.Severity{C}},
		{name: "viewer", id: gsa("a", bind("roles/viewer", "projects/p", nil)), want: nil},
		{name: "default_compute_counts", id: gsa("123-compute", bind("roles/editor", "projects/p", nil), func(i *inventory.Identity) { i.ID = "123-compute@developer.gserviceaccount.com" }), want: []findings.Severity{H}},
		{name: "service_agent_excluded", id: gsa("service-1", bind("roles/editor", "projects/p", nil), func(i *inventory.Identity) { i.Excluded = "Google-managed service agent" }), want: nil},
		{name: "aws_role_ignored", id: role("r", grant(inventory.Statement{Effect: "Allow", Actions: []string{"roles/owner"}, Resources: []string{"*"}})), want: nil},
	})
	runCases(t, adminRole{}, []ruleCase{
		{name: "security_admin", id: gsa("a", bind("roles/iam.securityAdmin", "projects/p", nil)), want: []findings.Severity{H}},
		{name: "project_iam_admin_conditional", id: gsa("a", bind("roles/resourcemanager.projectIamAdmin", "projects/p", until)), want: []findings.Severity{M}},
		{name: "project_iam_admin_expired", id: gsa("a", bind("roles/resourcemanager.projectIamAdmin", "projects/p", expired)), want: nil},
		{name: "storage_admin_not_iam", id: gsa("a", bind("roles/storage.admin", "projects/p", nil)), want: nil},
	})
	runCases(t, customRoleEscalation{}, []ruleCase{
		{name: "set_iam_policy", id: gsa("a", bind("projects/p/roles/x", "projects/p", nil, "storage.buckets.get", "storage.buckets.setIamPolicy")), want: []findings.Severity{H}},
		{name: "get_access_token", id: gsa("a", bind("organizations/1/roles/x", "organizations/1", nil, "iam.serviceAccounts.getAccessToken")), want: []findings.Severity{H}},
		{name: "harmless_custom", id: gsa("a", bind("projects/p/roles/x", "projects/p", nil, "storage.objects.get")), want: nil},
		{name: "predefined_role_name_only", id: gsa("a", bind("roles/iam.serviceAccountTokenCreator", "projects/p", nil)), want: nil},
	})
}

func TestGCPStaticAndDormant(t *testing.T) {
	never := (*time.Time)(nil)
	soon := ptr(asOf.AddDate(0, 6, 0))
	runCases(t, userManagedKey{}, []ruleCase{
		{name: "active_key", id: gsa("a", gkey("k1", inventory.CredentialActive, 10, soon, nil, false)), want: []findings.Severity{M}},
		{name: "disabled_key", id: gsa("a", gkey("k1", inventory.CredentialInactive, 10, soon, nil, false)), want: nil},
		{name: "disabled_account", id: gsa("a", gkey("k1", inventory.CredentialActive, 10, soon, nil, false), func(i *inventory.Identity) { i.Disabled = true }), want: nil},
	})
	runCases(t, keyNeverExpires{}, []ruleCase{
		{name: "never", id: gsa("a", gkey("k1", inventory.CredentialActive, 10, never, nil, false)), want: []findings.Severity{M}},
		{name: "expires", id: gsa("a", gkey("k1", inventory.CredentialActive, 10, soon, nil, false)), want: nil},
	})
	runCases(t, keyNotRotated{}, []ruleCase{
		{name: "gcp_key_old", id: gsa("a", gkey("k1", inventory.CredentialActive, 100, soon, nil, false)), want: []findings.Severity{M}},
		{name: "gcp_disabled_account", id: gsa("a", gkey("k1", inventory.CredentialActive, 400, soon, nil, false), func(i *inventory.Identity) { i.Disabled = true }), want: nil},
	})
	runCases(t, keyUnused{}, []ruleCase{
		{name: "gcp_never_used", id: gsa("a", gkey("k1", inventory.CredentialActive, 60, soon, nil, true)), want: []findings.Severity{M}},
		{name: "gcp_usage_unknown", id: gsa("a", gkey("k1", inventory.CredentialActive, 60, soon, nil, false)), want: nil},
	})
	runCases(t, twoActiveKeys{}, []ruleCase{
		{name: "gcp_two", id: gsa("a", gkey("k1", inventory.CredentialActive, 60, soon, nil, false), gkey("k2", inventory.CredentialActive, 6, soon, nil, false)), want: []findings.Severity{M}},
	})
	runCases(t, accountUnused{}, []ruleCase{
		{name: "recent", id: gsa("a"), want: nil},
		{name: "old_activity", id: gsa("a", func(i *inventory.Identity) { i.LastUsed = ptr(daysAgo(120)) }), want: []findings.Severity{M}},
		{name: "insight", id: gsa("a", func(i *inventory.Identity) { i.DormantSignal = "insight" }), want: []findings.Severity{M}},
		{name: "absent_and_old_key", id: gsa("a", gkey("k1", inventory.CredentialActive, 200, soon, nil, true), func(i *inventory.Identity) { i.LastUsed = nil }), want: []findings.Severity{M}},
		{name: "absent_age_unknown", id: gsa("a", func(i *inventory.Identity) { i.LastUsed = nil }), want: nil},
		{name: "not_assessed", id: gsa("a", func(i *inventory.Identity) { i.LastUsed = nil; i.LastUsedKnown = false }), want: nil},
		{name: "disabled", id: gsa("a", func(i *inventory.Identity) { i.DormantSignal = "insight"; i.Disabled = true }), want: nil},
	})
}

func TestGCPOwnerAndAgents(t *testing.T) {
	runCases(t, noOwner{}, []ruleCase{
		{name: "owner_in_description", id: gsa("a"), want: nil},
		{name: "no_owner", id: gsa("a", func(i *inventory.Identity) { i.Description = "runs things" }), want: []findings.Severity{L}},
		{name: "owner_equals_form", id: gsa("a", func(i *inventory.Identity) { i.Description = "Owner=team-x; nightly" }), want: nil},
		{name: "owners_map", id: gsa("batch-7", func(i *inventory.Identity) { i.Description = "" }), cfg: func(c *Config) { c.Owners = map[string]string{"batch-*": "team-batch"} }, want: nil},
		{name: "basic_role_raises", id: gsa("a", bind("roles/owner", "projects/p", nil), func(i *inventory.Identity) { i.Description = "" }), want: []findings.Severity{M}},
		{name: "project_iam_admin_is_administrator", id: gsa("a", bind("roles/resourcemanager.projectIamAdmin", "projects/p", nil), func(i *inventory.Identity) { i.Description = "" }), want: []findings.Severity{M}},
		{name: "editor_is_not_administrator", id: gsa("a", bind("roles/editor", "projects/p", nil), func(i *inventory.Identity) { i.Description = "" }), want: []findings.Severity{L}},
		{name: "expired_owner_is_not_administrator", id: gsa("a", bind("roles/owner", "projects/p", expired), func(i *inventory.Identity) { i.Description = "" }), want: []findings.Severity{L}},
		{name: "agent_glob_raises", id: gsa("support-agent", func(i *inventory.Identity) { i.Description = "" }), cfg: func(c *Config) { c.Agents = []string{"*agent*"} }, want: []findings.Severity{M}},
		{name: "project_not_judged", id: project(), want: nil},
	})
}

func TestGCPDelegation(t *testing.T) {
	runCases(t, projectImpersonation{}, []ruleCase{
		{name: "user_token_creator", id: project(member("roles/iam.serviceAccountTokenCreator", "projects/p", "user", "alice@x")), want: []findings.Severity{H}},
		{name: "public_sa_user_on_folder", id: project(member("roles/iam.serviceAccountUser", "folders/1", "allUsers", "*")), want: []findings.Severity{C}},
		{name: "service_account_left_to_esc", id: project(member("roles/iam.serviceAccountTokenCreator", "projects/p", "serviceAccount", "a@p.iam.gserviceaccount.com")), want: nil},
		{name: "other_role", id: project(member("roles/viewer", "projects/p", "user", "alice@x")), want: nil},
		{name: "deleted_member_cannot_act", id: project(member("roles/iam.serviceAccountTokenCreator", "projects/p", "deleted:serviceAccount", "gone@p.iam.gserviceaccount.com?uid=1")), want: nil},
		{name: "deleted_user_cannot_act", id: project(member("roles/iam.serviceAccountUser", "projects/p", "deleted:user", "bob@x?uid=2")), want: nil},
		{name: "expired_binding_grants_nothing", id: project(member("roles/iam.serviceAccountTokenCreator", "projects/p", "user", "alice@x"), withCond(expired)), want: nil},
		{name: "undecided_binding_lower", id: project(member("roles/iam.serviceAccountTokenCreator", "projects/p", "user", "alice@x"), withCond(until)), want: []findings.Severity{M}},
	})
	runCases(t, canImpersonateAll{}, []ruleCase{
		{name: "sa_token_creator_on_project", id: gsa("a", bind("roles/iam.serviceAccountTokenCreator", "projects/p", nil)), want: []findings.Severity{H}},
		{name: "expired_token_creator", id: gsa("a", bind("roles/iam.serviceAccountTokenCreator", "projects/p", expired)), want: nil},
		{name: "workload_identity_user", id: gsa("a", bind("roles/iam.workloadIdentityUser", "organizations/1", nil)), want: []findings.Severity{H}},
		{name: "unrelated", id: gsa("a", bind("roles/pubsub.publisher", "projects/p", nil)), want: nil},
	})
	runCases(t, publicBinding{}, []ruleCase{
		{name: "sa_all_users", id: gsa("a", member("roles/iam.serviceAccountTokenCreator", "projects/p/serviceAccounts/a", "allUsers", "*")), want: []findings.Severity{C}},
		{name: "project_domain", id: project(member("roles/viewer", "projects/p", "domain", "example.com")), want: []findings.Severity{H}},
		{name: "named_user", id: project(member("roles/viewer", "projects/p", "user", "bob@x")), want: nil},
	})
	pool := "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh"
	runCases(t, wifWildcard{}, []ruleCase{
		{name: "whole_pool", id: gsa("a", member("roles/iam.workloadIdentityUser", "sa", "principalSet", pool+"/*")), want: []findings.Severity{H}},
		{name: "repository_owner", id: gsa("a", member("roles/iam.workloadIdentityUser", "sa", "principalSet", pool+"/attribute.repository_owner/acme")), want: []findings.Severity{M}},
		{name: "pinned_repository", id: gsa("a", member("roles/iam.workloadIdentityUser", "sa", "principalSet", pool+"/attribute.repository/acme/app")), want: nil},
	})
	runCases(t, staleBinding{}, []ruleCase{
		{name: "deleted_sa", id: project(member("roles/viewer", "projects/p", "deleted:serviceAccount", "gone@p.iam.gserviceaccount.com?uid=1")), want: []findings.Severity{L}},
		{name: "live_member", id: project(member("roles/viewer", "projects/p", "serviceAccount", "a@p.iam.gserviceaccount.com")), want: nil},
		{name: "deleted_on_expired_binding_still_stale", id: project(member("roles/viewer", "projects/p", "deleted:user", "bob@x?uid=2"), withCond(expired)), want: []findings.Severity{L}},
	})
}

// GCP rules that used to fire once per binding fire once per service
// account, listing the bindings, with a fingerprint independent of them.
func TestGCPOneFindingPerServiceAccount(t *testing.T) {
	run := func(r Rule, id inventory.Identity) findings.Finding {
		t.Helper()
		inv := inventory.Inventory{Identities: []inventory.Identity{id}}
		fs, err := Run(context.Background(), &inv, []Rule{r}, DefaultConfig(asOf))
		if err != nil || len(fs) != 1 {
			t.Fatalf("findings %+v, err %v; want one", fs, err)
		}
		return fs[0]
	}
	two := run(basicRole{}, gsa("a", bind("roles/editor", "projects/p", nil), bind("roles/owner", "folders/1", until)))
	one := run(basicRole{}, gsa("a", bind("roles/editor", "projects/p", nil)))
	if two.Severity != H || two.Evidence[0].Key != "bindings" ||
		two.Evidence[0].Value != `roles/editor on projects/p; roles/owner on folders/1 [condition buckets only: resource.name.startsWith("projects/_/buckets/a") && request.time < timestamp("2027-01-01T00:00:00Z")]` {
		t.Errorf("finding %v %+v", two.Severity, two.Evidence)
	}
	if two.Fingerprint != one.Fingerprint {
		t.Errorf("fingerprint depends on the bindings listed")
	}
	esc := run(canImpersonateAll{}, gsa("a", bind("roles/iam.serviceAccountUser", "projects/p", until), bind("roles/iam.serviceAccountTokenCreator", "projects/q", nil)))
	if esc.Severity != H || !strings.Contains(esc.Message, "projects/q") || !strings.Contains(esc.Message, "1 more binding") {
		t.Errorf("ESC-101 %v %q", esc.Severity, esc.Message)
	}
	custom := run(customRoleEscalation{}, gsa("a", bind("projects/p/roles/x", "projects/p", nil, "iam.serviceAccounts.actAs"), bind("projects/p/roles/y", "projects/p", nil, "storage.buckets.setIamPolicy")))
	if !strings.Contains(custom.Evidence[0].Value, "projects/p/roles/y on projects/p (storage.buckets.setIamPolicy)") {
		t.Errorf("custom role evidence %q", custom.Evidence[0].Value)
	}
}

// Every rule that fired once per policy, member, principal or trust
// statement fires once per identity: severity of the most severe item,
// every item in evidence, fingerprint independent of the items.
func TestOneFindingPerIdentityEveryRule(t *testing.T) {
	run := func(r Rule, id inventory.Identity) findings.Finding {
		t.Helper()
		inv := inventory.Inventory{Identities: []inventory.Identity{id}}
		fs, err := Run(context.Background(), &inv, []Rule{r}, DefaultConfig(asOf))
		if err != nil || len(fs) != 1 {
			t.Fatalf("%s: findings %+v, err %v; want one", r.Meta().ID, fs, err)
		}
		return fs[0]
	}
	gh := "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
	eks := "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
	pool := "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh"
	group := func(name, arn string) func(*inventory.Identity) {
		return func(i *inventory.Identity) {
			i.Grants = append(i.Grants, inventory.Grant{Source: inventory.SourceGroup, Via: name, PolicyName: arn[strings.LastIndex(arn, "/")+1:], PolicyID: arn})
		}
	}
	for _, tc := range []struct {
		r         Rule
		many, one inventory.Identity
		sev       findings.Severity
		key       string
		items     []string
	}{
		{broadManaged{}, user("u", managedGrant("arn:aws:iam::aws:policy/AmazonSQSFullAccess"), group("devs", "arn:aws:iam::aws:policy/AdministratorAccess")),
			user("u", managedGrant("arn:aws:iam::aws:policy/AmazonSQSFullAccess")), C, "policies",
			[]string{"arn:aws:iam::aws:policy/AmazonSQSFullAccess (attached directly)", "arn:aws:iam::aws:policy/AdministratorAccess (attached to group devs)"}},
		{trustAnyone{}, role("r", trust(trustStmt("AWS", "*", nil), trustStmt("*", "*", nil))), role("r", trust(trustStmt("AWS", "*", nil))), C, "statements",
			[]string{"statement 1: principal AWS:*", "statement 2: principal *:*"}},
		{crossAccountNoExternalID{}, role("r", trust(trustStmt("AWS", "arn:aws:iam::999988887777:role/x", cond("StringEquals", "aws:PrincipalOrgID", "o-1")), trustStmt("AWS", "444455556666", nil))),
			role("r", trust(trustStmt("AWS", "444455556666", nil))), H, "trusted_principals",
			[]string{"arn:aws:iam::999988887777:role/x (account 999988887777", "444455556666 (account 444455556666"}},
		{oidcSubject{}, role("r", trust(trustStmt("Federated", eks, nil), trustStmt("Federated", gh, cond("StringLike", "token.actions.githubusercontent.com:sub", "repo:acme/*")))),
			role("r", trust(trustStmt("Federated", eks, nil))), H, "providers",
			[]string{eks + " in statement 1: no condition on", gh + " in statement 2: every repository of organization acme"}},
		{projectImpersonation{}, project(member("roles/iam.serviceAccountTokenCreator", "projects/p", "user", "alice@x"), member("roles/iam.serviceAccountUser", "folders/1", "allUsers", "*")),
			project(member("roles/iam.serviceAccountTokenCreator", "projects/p", "user", "alice@x")), C, "members",
			[]string{"user:alice@x holds roles/iam.serviceAccountTokenCreator on projects/p", "allUsers:* holds roles/iam.serviceAccountUser on folders/1"}},
		{publicBinding{}, project(member("roles/viewer", "projects/p", "domain", "example.com"), member("roles/editor", "projects/p", "allAuthenticatedUsers", "")),
			project(member("roles/viewer", "projects/p", "domain", "example.com")), C, "members",
			[]string{"domain:example.com holds roles/viewer on projects/p", "allAuthenticatedUsers holds roles/editor on projects/p"}},
		{wifWildcard{}, gsa("a", member("roles/iam.workloadIdentityUser", "sa", "principalSet", pool+"/attribute.repository_owner/acme"), member("roles/iam.workloadIdentityUser", "sa", "principalSet", pool+"/*")),
			gsa("a", member("roles/iam.workloadIdentityUser", "sa", "principalSet", pool+"/*")), H, "principal_sets",
			[]string{pool + "/attribute.repository_owner/acme through roles/iam.workloadIdentityUser (every repository of owner acme)", pool + "/* through"}},
		{staleBinding{}, project(member("roles/viewer", "projects/p", "deleted:user", "bob@x?uid=2"), member("roles/editor", "projects/p", "deleted:serviceAccount", "gone@p.iam.gserviceaccount.com?uid=1")),
			project(member("roles/editor", "projects/p", "deleted:serviceAccount", "gone@p.iam.gserviceaccount.com?uid=1")), L, "members",
			[]string{"deleted:user:bob@x?uid=2 holds roles/viewer on projects/p", "deleted:serviceAccount:gone@p.iam.gserviceaccount.com?uid=1 holds roles/editor"}},
	} {
		many, one := run(tc.r, tc.many), run(tc.r, tc.one)
		id := tc.r.Meta().ID
		if many.Severity != tc.sev || many.Evidence[0].Key != tc.key {
			t.Errorf("%s: severity %v, evidence %+v; want %v and %s", id, many.Severity, many.Evidence, tc.sev, tc.key)
		}
		items := strings.Split(many.Evidence[0].Value, "; ")
		if len(items) != len(tc.items) {
			t.Errorf("%s: items %q, want %d", id, items, len(tc.items))
			continue
		}
		for i, want := range tc.items {
			if !strings.HasPrefix(items[i], want) {
				t.Errorf("%s: item %d = %q, want prefix %q", id, i, items[i], want)
			}
		}
		if !strings.Contains(many.Message, "1 more") {
			t.Errorf("%s: message %q does not say there is more", id, many.Message)
		}
		if many.Fingerprint != one.Fingerprint {
			t.Errorf("%s: fingerprint depends on the items listed", id)
		}
	}
}
