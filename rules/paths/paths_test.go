package paths

import (
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

const acct = "111111111111"

var asOf = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func arn(kind, name string) string { return "arn:aws:iam::" + acct + ":" + kind + "/" + name }

type opt func(*inventory.Identity)

func ident(kind, name string, opts ...opt) inventory.Identity {
	k := map[string]string{"user": inventory.KindAWSUser, "role": inventory.KindAWSRole, "group": inventory.KindAWSGroup}[kind]
	id := inventory.Identity{ID: arn(kind, name), Provider: inventory.AWS, Kind: k, Account: acct, Name: name}
	for _, o := range opts {
		o(&id)
	}
	return id
}

func st(effect string, actions []string, resources ...string) inventory.Statement {
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	return inventory.Statement{Effect: effect, Actions: actions, Resources: resources}
}

func allow(actions ...string) inventory.Statement { return st("Allow", actions) }

func on(resource string, actions ...string) inventory.Statement {
	return st("Allow", actions, resource)
}

func inline(stmts ...inventory.Statement) opt {
	return func(id *inventory.Identity) {
		id.Grants = append(id.Grants, inventory.Grant{Source: inventory.SourceInline, PolicyName: "p" + string(rune('a'+len(id.Grants))), Statements: stmts})
	}
}

func managed(policyArn string, stmts ...inventory.Statement) opt {
	return func(id *inventory.Identity) {
		id.Grants = append(id.Grants, inventory.Grant{Source: inventory.SourceManaged, PolicyName: policyArn[strings.LastIndex(policyArn, "/")+1:], PolicyID: policyArn, Statements: stmts})
	}
}

func trusts(ptype, value string, conds ...inventory.Condition) opt {
	return func(id *inventory.Identity) {
		id.Trust = append(id.Trust, inventory.Statement{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Principals: []inventory.Principal{{Type: ptype, Value: value}}, Conditions: conds})
	}
}

func boundary(stmts ...inventory.Statement) opt {
	return func(id *inventory.Identity) {
		id.Boundary = &inventory.Grant{Source: inventory.SourceBoundary, PolicyName: "boundary", Statements: stmts}
	}
}

func attached(id *inventory.Identity) {
	id.AttachedTo = []string{"arn:aws:iam::" + acct + ":instance-profile/x"}
}

func withPassword(id *inventory.Identity) {
	id.Credentials = append(id.Credentials, inventory.Credential{Kind: inventory.CredAWSPassword, Status: inventory.CredentialActive})
}

var admin = allow("*")

// pathOf builds the graph and returns the method ids of start's path.
func pathOf(t *testing.T, start string, ids ...inventory.Identity) []string {
	t.Helper()
	inv := inventory.Inventory{Identities: ids}
	g := Build(&inv, asOf)
	p, ok := g.ToAdmin(start)
	if !ok {
		return nil
	}
	var out []string
	for _, s := range p.Steps {
		if s.Method != "" {
			out = append(out, s.Method)
		}
	}
	return out
}

func TestMethods(t *testing.T) {
	adminUser := ident("user", "admin", inline(admin))
	adminRoleFor := func(svc string, opts ...opt) inventory.Identity {
		return ident("role", "admin-"+strings.Split(svc, ".")[0], append([]opt{inline(admin), trusts("Service", svc)}, opts...)...)
	}
	team := arn("policy", "team-x")
	expired := inventory.Condition{Operator: "DateLessThan", Key: "aws:CurrentTime", Values: []string{"2020-01-01T00:00:00Z"}}
	tests := []struct {
		name string
		ids  []inventory.Identity
		want string // method ids joined by space; "" = no path
	}{
		// Rewriting its own permissions.
		{"create_policy_version", []inventory.Identity{ident("user", "a", managed(team, on(team, "iam:CreatePolicyVersion")))}, "aws-iam-create-policy-version"},
		{"create_policy_version_glob", []inventory.Identity{ident("user", "a", managed(team, on("arn:aws:iam::*:policy/team-*", "iam:CreatePolicyVersion")))}, "aws-iam-create-policy-version"},
		{"trap_create_policy_version_aws_namespace", []inventory.Identity{ident("user", "a", managed(team, on("arn:aws:iam::aws:policy/*", "iam:CreatePolicyVersion")))}, ""},
		{"trap_create_policy_version_no_customer_policy", []inventory.Identity{ident("user", "a", inline(allow("iam:CreatePolicyVersion")))}, ""},
		{"set_default_policy_version", []inventory.Identity{ident("user", "a", managed(team, allow("iam:SetDefaultPolicyVersion")), func(i *inventory.Identity) {
			i.Grants[0].OtherVersions = []inventory.PolicyVersion{{ID: "v1", Statements: []inventory.Statement{admin}}}
		})}, "aws-iam-set-default-policy-version"},
		{"trap_set_default_no_admin_version", []inventory.Identity{ident("user", "a", managed(team, allow("iam:SetDefaultPolicyVersion")), func(i *inventory.Identity) {
			i.Grants[0].OtherVersions = []inventory.PolicyVersion{{ID: "v1", Statements: []inventory.Statement{allow("s3:GetObject")}}}
		})}, ""},
		{"attach_user_policy", []inventory.Identity{ident("user", "a", inline(on(arn("user", "a"), "iam:AttachUserPolicy")))}, "aws-iam-attach-user-policy"},
		{"trap_attach_user_policy_other_user", []inventory.Identity{ident("user", "a", inline(on(arn("user", "b"), "iam:AttachUserPolicy")))}, ""},
		{"put_user_policy", []inventory.Identity{ident("user", "a", inline(allow("iam:PutUserPolicy")))}, "aws-iam-put-user-policy"},
		{"attach_role_policy", []inventory.Identity{ident("role", "a", inline(allow("iam:AttachRolePolicy")))}, "aws-iam-attach-role-policy"},
		{"put_role_policy", []inventory.Identity{ident("role", "a", inline(allow("iam:PutRolePolicy")))}, "aws-iam-put-role-policy"},
		{"trap_role_action_on_user", []inventory.Identity{ident("user", "a", inline(allow("iam:PutRolePolicy")))}, ""},
		{"attach_group_policy", []inventory.Identity{ident("user", "a", inline(allow("iam:AttachGroupPolicy")), func(i *inventory.Identity) { i.Groups = []string{arn("group", "g")} })}, "aws-iam-attach-group-policy"},
		{"put_group_policy", []inventory.Identity{ident("user", "a", inline(on(arn("group", "g"), "iam:PutGroupPolicy")), func(i *inventory.Identity) { i.Groups = []string{arn("group", "g")} })}, "aws-iam-put-group-policy"},
		{"trap_group_policy_not_member", []inventory.Identity{ident("user", "a", inline(allow("iam:PutGroupPolicy")))}, ""},
		{"trap_boundary_blocks", []inventory.Identity{ident("user", "a", inline(allow("iam:PutUserPolicy")), boundary(allow("iam:PutUserPolicy", "s3:*")))}, ""},
		{"boundary_removable", []inventory.Identity{ident("user", "a", inline(allow("iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary")), boundary(allow("iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary")))}, "aws-iam-put-user-policy"},
		{"add_user_to_group", []inventory.Identity{ident("user", "a", inline(on(arn("group", "admins"), "iam:AddUserToGroup"))), ident("group", "admins", inline(admin))}, "aws-iam-add-user-to-group"},
		{"trap_add_user_to_weak_group", []inventory.Identity{ident("user", "a", inline(allow("iam:AddUserToGroup"))), ident("group", "readers", inline(allow("s3:Get*")))}, ""},
		// Another user's credentials.
		{"create_access_key", []inventory.Identity{ident("user", "a", inline(allow("iam:CreateAccessKey"))), adminUser}, "aws-iam-create-access-key"},
		{"create_access_key_scoped", []inventory.Identity{ident("user", "a", inline(on(arn("user", "admin"), "iam:CreateAccessKey"))), adminUser}, "aws-iam-create-access-key"},
		{"trap_create_access_key_denied_elsewhere", []inventory.Identity{ident("user", "a", inline(allow("iam:CreateAccessKey")), inline(st("Deny", []string{"iam:CreateAccessKey"}))), adminUser}, ""},
		{"trap_create_access_key_weak_users", []inventory.Identity{ident("user", "a", inline(allow("iam:CreateAccessKey"))), ident("user", "b", inline(allow("s3:GetObject")))}, ""},
		{"create_login_profile", []inventory.Identity{ident("user", "a", inline(allow("iam:CreateLoginProfile"))), adminUser}, "aws-iam-create-login-profile"},
		{"trap_create_login_profile_has_password", []inventory.Identity{ident("user", "a", inline(allow("iam:CreateLoginProfile"))), ident("user", "admin", inline(admin), withPassword)}, ""},
		{"update_login_profile", []inventory.Identity{ident("user", "a", inline(allow("iam:UpdateLoginProfile"))), ident("user", "admin", inline(admin), withPassword)}, "aws-iam-update-login-profile"},
		// Roles.
		{"assume_role_account_trust", []inventory.Identity{ident("user", "a", inline(on(arn("role", "boss"), "sts:AssumeRole"))), ident("role", "boss", inline(admin), trusts("AWS", "arn:aws:iam::"+acct+":root"))}, "aws-sts-assume-role"},
		{"trap_assume_role_account_trust_no_permission", []inventory.Identity{ident("user", "a", inline(allow("s3:*"))), ident("role", "boss", inline(admin), trusts("AWS", acct))}, ""},
		{"assume_role_named_trust_needs_no_permission", []inventory.Identity{ident("user", "a", inline(allow("s3:GetObject"))), ident("role", "boss", inline(admin), trusts("AWS", arn("user", "a")))}, "aws-sts-assume-role"},
		{"trap_assume_role_named_but_denied", []inventory.Identity{ident("user", "a", inline(st("Deny", []string{"sts:AssumeRole"}))), ident("role", "boss", inline(admin), trusts("AWS", arn("user", "a")))}, ""},
		{"update_assume_role_policy", []inventory.Identity{ident("user", "a", inline(allow("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"))), adminRoleFor("lambda.amazonaws.com")}, "aws-iam-update-assume-role-policy"},
		{"edit_assumable_role", []inventory.Identity{ident("user", "a", inline(on(arn("role", "worker"), "sts:AssumeRole", "iam:AttachRolePolicy"))), ident("role", "worker", inline(allow("s3:GetObject")), trusts("AWS", acct))}, "aws-iam-edit-assumable-role"},
		// Passing a role to a service.
		{"ec2_run_instances", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "ec2:RunInstances"))), adminRoleFor("ec2.amazonaws.com", attached)}, "aws-ec2-run-instances"},
		{"trap_ec2_no_instance_profile", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "ec2:RunInstances"))), adminRoleFor("ec2.amazonaws.com")}, ""},
		{"ec2_makes_instance_profile", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "ec2:RunInstances", "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"))), adminRoleFor("ec2.amazonaws.com")}, "aws-ec2-run-instances"},
		{"lambda_create_invoke", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"))), adminRoleFor("lambda.amazonaws.com")}, "aws-lambda-create-invoke"},
		{"lambda_event_source", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"))), adminRoleFor("lambda.amazonaws.com")}, "aws-lambda-create-event-source"},
		{"trap_lambda_create_only", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "lambda:CreateFunction"))), adminRoleFor("lambda.amazonaws.com")}, ""},
		{"trap_lambda_wrong_service_trust", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"))), adminRoleFor("ecs-tasks.amazonaws.com")}, ""},
		{"trap_passrole_resource_cannot_match", []inventory.Identity{ident("user", "a", inline(on(arn("role", "app-*"), "iam:PassRole"), allow("lambda:CreateFunction", "lambda:InvokeFunction"))), adminRoleFor("lambda.amazonaws.com")}, ""},
		{"split_across_policies", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole")), managed(arn("policy", "fn"), allow("lambda:CreateFunction")), inline(allow("lambda:InvokeFunction"))), adminRoleFor("lambda.amazonaws.com")}, "aws-lambda-create-invoke"},
		{"notaction_leaves_escalation", []inventory.Identity{ident("user", "a", inline(inventory.Statement{Effect: "Allow", NotActions: []string{"s3:*", "iam:Create*", "iam:Put*", "iam:Attach*", "iam:Update*", "iam:Add*", "sts:*"}, Resources: []string{"*"}})), adminRoleFor("glue.amazonaws.com")}, "aws-glue-create-dev-endpoint"},
		{"glue", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "glue:CreateDevEndpoint"))), adminRoleFor("glue.amazonaws.com")}, "aws-glue-create-dev-endpoint"},
		{"cloudformation", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "cloudformation:CreateStack"))), adminRoleFor("cloudformation.amazonaws.com")}, "aws-cloudformation-create-stack"},
		{"datapipeline", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"))), adminRoleFor("datapipeline.amazonaws.com")}, "aws-datapipeline-create"},
		{"codebuild", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"))), adminRoleFor("codebuild.amazonaws.com")}, "aws-codebuild-create-project"},
		{"sagemaker_notebook", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"))), adminRoleFor("sagemaker.amazonaws.com")}, "aws-sagemaker-notebook"},
		{"sagemaker_training", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "sagemaker:CreateTrainingJob"))), adminRoleFor("sagemaker.amazonaws.com")}, "aws-sagemaker-training-job"},
		{"sagemaker_processing", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "sagemaker:CreateProcessingJob"))), adminRoleFor("sagemaker.amazonaws.com")}, "aws-sagemaker-processing-job"},
		{"ecs", []inventory.Identity{ident("user", "a", inline(allow("iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"))), adminRoleFor("ecs-tasks.amazonaws.com")}, "aws-ecs-run-task"},
		// Existing resources.
		{"lambda_update_code", []inventory.Identity{ident("user", "a", inline(allow("lambda:UpdateFunctionCode"))), adminRoleFor("lambda.amazonaws.com")}, "aws-lambda-update-function-code"},
		{"glue_update_endpoint", []inventory.Identity{ident("user", "a", inline(allow("glue:UpdateDevEndpoint"))), adminRoleFor("glue.amazonaws.com")}, "aws-glue-update-dev-endpoint"},
		{"cloudformation_update_stack", []inventory.Identity{ident("user", "a", inline(allow("cloudformation:UpdateStack"))), adminRoleFor("cloudformation.amazonaws.com")}, "aws-cloudformation-update-stack"},
		{"cloudformation_change_set", []inventory.Identity{ident("user", "a", inline(allow("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"))), adminRoleFor("cloudformation.amazonaws.com")}, "aws-cloudformation-change-set"},
		{"codebuild_start_build", []inventory.Identity{ident("user", "a", inline(allow("codebuild:StartBuild"))), adminRoleFor("codebuild.amazonaws.com")}, "aws-codebuild-start-build"},
		{"sagemaker_presigned", []inventory.Identity{ident("user", "a", inline(allow("sagemaker:CreatePresignedNotebookInstanceUrl"))), adminRoleFor("sagemaker.amazonaws.com")}, "aws-sagemaker-presigned-url"},
		{"ssm_send_command", []inventory.Identity{ident("user", "a", inline(allow("ssm:SendCommand"))), adminRoleFor("ec2.amazonaws.com", attached)}, "aws-ssm-send-command"},
		{"ssm_start_session", []inventory.Identity{ident("user", "a", inline(allow("ssm:StartSession"))), adminRoleFor("ec2.amazonaws.com", attached)}, "aws-ssm-start-session"},
		{"ec2_instance_connect", []inventory.Identity{ident("user", "a", inline(allow("ec2-instance-connect:SendSSHPublicKey"))), adminRoleFor("ec2.amazonaws.com", attached)}, "aws-ec2-instance-connect"},
		{"trap_ssm_no_instance_role", []inventory.Identity{ident("user", "a", inline(allow("ssm:SendCommand"))), adminRoleFor("ec2.amazonaws.com")}, ""},
		// Traps of evaluation.
		{"trap_deny_only", []inventory.Identity{ident("user", "a", inline(st("Deny", []string{"*"}))), adminUser}, ""},
		{"trap_allow_and_deny_same_policy", []inventory.Identity{ident("user", "a", inline(allow("iam:PutUserPolicy"), st("Deny", []string{"iam:Put*"}))), adminUser}, ""},
		{"trap_condition_never_holds", []inventory.Identity{ident("user", "a", inline(inventory.Statement{Effect: "Allow", Actions: []string{"iam:PutUserPolicy"}, Resources: []string{"*"}, Conditions: []inventory.Condition{expired}}))}, ""},
		{"multi_hop_assume_chain", []inventory.Identity{
			ident("user", "a", inline(on(arn("role", "hop1"), "sts:AssumeRole"))),
			ident("role", "hop1", trusts("AWS", acct), inline(on(arn("role", "hop2"), "sts:AssumeRole"))),
			ident("role", "hop2", trusts("AWS", arn("role", "hop1")), inline(admin)),
		}, "aws-sts-assume-role aws-sts-assume-role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(pathOf(t, arn(strings.SplitN(tt.ids[0].Kind, ".", 3)[2], tt.ids[0].Name), tt.ids...), " ")
			if got != tt.want {
				t.Errorf("path = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEveryMethodIsTested(t *testing.T) {
	src := strings.Join(testedMethods(), " ")
	for _, m := range Catalogue {
		if !strings.Contains(src, m.ID) {
			t.Errorf("method %s has no positive case", m.ID)
		}
	}
}

// testedMethods lists the methods the positive cases above exercise (the
// GCP one is exercised in TestGCP, the Azure ones in TestAzure).
func testedMethods() []string {
	return []string{"aws-iam-create-policy-version", "aws-iam-set-default-policy-version", "aws-iam-attach-user-policy", "aws-iam-put-user-policy",
		"aws-iam-attach-role-policy", "aws-iam-put-role-policy", "aws-iam-attach-group-policy", "aws-iam-put-group-policy", "aws-iam-add-user-to-group",
		"aws-iam-create-access-key", "aws-iam-create-login-profile", "aws-iam-update-login-profile", "aws-sts-assume-role", "aws-iam-update-assume-role-policy",
		"aws-ec2-run-instances", "aws-lambda-create-invoke", "aws-lambda-create-event-source", "aws-glue-create-dev-endpoint", "aws-cloudformation-create-stack",
		"aws-datapipeline-create", "aws-codebuild-create-project", "aws-sagemaker-notebook", "aws-sagemaker-training-job", "aws-sagemaker-processing-job",
		"aws-ecs-run-task", "aws-lambda-update-function-code", "aws-glue-update-dev-endpoint", "aws-cloudformation-update-stack", "aws-cloudformation-change-set",
		"aws-codebuild-start-build", "aws-sagemaker-presigned-url", "aws-ssm-send-command", "aws-ssm-start-session", "aws-ec2-instance-connect", "gcp-impersonate",
		// Kubernetes: TestK8sMethods, TestK8sPatchWorkloads, TestK8sIRSA, TestK8sGKEWorkloadIdentity, TestK8sAzureWorkloadIdentity (k8s_test.go)
		"k8s-read-token-secrets", "k8s-create-workload", "k8s-patch-workload", "k8s-create-token", "k8s-impersonate", "k8s-escalate-bind", "k8s-nodes-proxy",
		"k8s-csr-approve", "k8s-admission-webhook", "k8s-eks-irsa", "k8s-gke-workload-identity", "k8s-azure-workload-identity",
		"azure-owner-add-secret", "azure-app-admin-add-secret", "azure-graph-add-secret", "azure-graph-grant-app-role",
		"azure-graph-grant-directory-role", "azure-privileged-role-admin", "azure-rbac-assign-owner", "azure-blueprint-agent",
		"azure-resource-managed-identity"}
}

func TestPathDetails(t *testing.T) {
	other := "222222222222"
	ids := []inventory.Identity{
		ident("user", "a", inline(allow("sts:AssumeRole"))),
		{ID: "arn:aws:iam::" + other + ":role/remote-admin", Provider: inventory.AWS, Kind: inventory.KindAWSRole, Account: other, Name: "remote-admin",
			Trust:  []inventory.Statement{{Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Principals: []inventory.Principal{{Type: "AWS", Value: "arn:aws:iam::" + acct + ":root"}}, Conditions: []inventory.Condition{{Operator: "Bool", Key: "aws:MultiFactorAuthPresent", Values: []string{"true"}}}}},
			Grants: []inventory.Grant{{Source: inventory.SourceInline, PolicyName: "admin", Statements: []inventory.Statement{admin}}}},
	}
	inv := inventory.Inventory{Identities: ids}
	g := Build(&inv, asOf)
	p, ok := g.ToAdmin(arn("user", "a"))
	if !ok || len(p.Steps) != 2 {
		t.Fatalf("path = %+v", p)
	}
	if p.Steps[0].To != ids[1].ID || !p.Steps[0].Conditional || p.Steps[1].To != Administrator || p.Hops() != 1 || !p.Conditional() {
		t.Errorf("steps = %+v", p.Steps)
	}
	if !g.IsAdmin(ids[1].ID) || g.IsAdmin(ids[0].ID) {
		t.Error("IsAdmin wrong")
	}
	who := g.Towards(ids[1].ID)
	if _, ok := who[arn("user", "a")]; !ok || len(who) != 1 {
		t.Errorf("Towards = %v", who)
	}
	if len(g.Edges()) != 2 {
		t.Errorf("edges = %+v", g.Edges())
	}
}

func TestGCP(t *testing.T) {
	sa := func(name string, opts ...opt) inventory.Identity {
		id := inventory.Identity{ID: name + "@p.iam.gserviceaccount.com", Provider: inventory.GCP, Kind: inventory.KindGCPAccount, Account: "p", Name: name}
		for _, o := range opts {
			o(&id)
		}
		return id
	}
	expired := &inventory.BindingCondition{Title: "temporary", Expression: `request.time < timestamp("2026-01-01T00:00:00Z")`}
	bindIf := func(role, scope string, cond *inventory.BindingCondition) opt {
		return func(id *inventory.Identity) {
			id.Bindings = append(id.Bindings, inventory.Binding{Role: role, Scope: scope, Members: []inventory.Principal{{Type: "serviceAccount", Value: id.ID}}, Condition: cond})
		}
	}
	bind := func(role, via string) opt { return bindIf(role, via, nil) }
	letsAs := func(role, typ, member string, cond *inventory.BindingCondition) opt {
		return func(id *inventory.Identity) {
			id.ResourceBindings = append(id.ResourceBindings, inventory.Binding{Role: role, Scope: "sa", Members: []inventory.Principal{{Type: typ, Value: member}}, Condition: cond})
		}
	}
	lets := func(role, member string) opt { return letsAs(role, "serviceAccount", member, nil) }
	for _, tt := range []struct {
		name string
		ids  []inventory.Identity
		want string
	}{
		{"sa_level_token_creator", []inventory.Identity{sa("a"), sa("boss", bind("roles/owner", "projects/p"), lets("roles/iam.serviceAccountTokenCreator", "a@p.iam.gserviceaccount.com"))}, "gcp-impersonate"},
		{"project_level_user", []inventory.Identity{sa("a", bind("roles/iam.serviceAccountUser", "projects/p")), sa("boss", bind("roles/owner", "projects/p"))}, "gcp-impersonate"},
		{"project_level_account_admin", []inventory.Identity{sa("a", bind("roles/iam.serviceAccountAdmin", "projects/p")), sa("boss", bind("roles/owner", "projects/p"))}, "gcp-impersonate"},
		{"trap_viewer_role", []inventory.Identity{sa("a", bind("roles/iam.serviceAccountViewer", "projects/p")), sa("boss", bind("roles/owner", "projects/p"))}, ""},
		{"trap_other_member", []inventory.Identity{sa("a"), sa("boss", bind("roles/owner", "projects/p"), lets("roles/iam.serviceAccountTokenCreator", "c@p.iam.gserviceaccount.com"))}, ""},
		{"trap_deleted_member", []inventory.Identity{sa("a"), sa("boss", bind("roles/owner", "projects/p"), letsAs("roles/iam.serviceAccountTokenCreator", "deleted:serviceAccount", "a@p.iam.gserviceaccount.com?uid=1", nil))}, ""},
		{"trap_expired_sa_binding", []inventory.Identity{sa("a"), sa("boss", bind("roles/owner", "projects/p"), letsAs("roles/iam.serviceAccountTokenCreator", "serviceAccount", "a@p.iam.gserviceaccount.com", expired))}, ""},
		{"trap_expired_project_binding", []inventory.Identity{sa("a", bindIf("roles/iam.serviceAccountUser", "projects/p", expired)), sa("boss", bind("roles/owner", "projects/p"))}, ""},
		{"trap_expired_owner", []inventory.Identity{sa("a", bind("roles/iam.serviceAccountUser", "projects/p")), sa("boss", bindIf("roles/owner", "projects/p", expired))}, ""},
		{"folder_admin_is_administrator", []inventory.Identity{sa("a", bind("roles/iam.serviceAccountUser", "projects/p")), sa("boss", bind("roles/resourcemanager.folderAdmin", "folders/1"))}, "gcp-impersonate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(pathOf(t, "a@p.iam.gserviceaccount.com", tt.ids...), " "); got != tt.want {
				t.Errorf("path = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestJoinGroupThatEscalates(t *testing.T) {
	member := func(i *inventory.Identity) { i.Groups = []string{arn("group", "devs")} }
	for _, tt := range []struct {
		name string
		ids  []inventory.Identity
		want string
	}{
		{"iam_star_group", []inventory.Identity{ident("user", "a", inline(allow("iam:AddUserToGroup"))), ident("group", "devs", inline(allow("iam:*")))}, "aws-iam-add-user-to-group aws-iam-attach-user-policy"},
		{"scoped_join", []inventory.Identity{ident("user", "a", inline(on(arn("group", "devs"), "iam:AddUserToGroup"))), ident("group", "devs", inline(allow("iam:*")))}, "aws-iam-add-user-to-group aws-iam-attach-user-policy"},
		{"group_rewrites_itself", []inventory.Identity{ident("user", "a", inline(allow("iam:AddUserToGroup"))), ident("group", "devs", inline(on(arn("group", "devs"), "iam:PutGroupPolicy")))}, "aws-iam-add-user-to-group aws-iam-put-group-policy"},
		{"group_passes_roles", []inventory.Identity{ident("user", "a", inline(allow("iam:AddUserToGroup"))), ident("group", "devs", inline(allow("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"))),
			ident("role", "admin-fn", inline(admin), trusts("Service", "lambda.amazonaws.com"))}, "aws-iam-add-user-to-group aws-lambda-create-invoke"},
		{"trap_group_rewrites_one_named_user", []inventory.Identity{ident("user", "a", inline(allow("iam:AddUserToGroup"))), ident("group", "devs", inline(on(arn("user", "bob"), "iam:PutUserPolicy")))}, ""},
		{"trap_join_other_group_only", []inventory.Identity{ident("user", "a", inline(on(arn("group", "readers"), "iam:AddUserToGroup"))), ident("group", "devs", inline(allow("iam:*"))), ident("group", "readers", inline(allow("s3:Get*")))}, ""},
		{"trap_already_member", []inventory.Identity{ident("user", "a", member, inline(on(arn("group", "devs"), "iam:AddUserToGroup"))), ident("group", "devs", inline(on(arn("user", "bob"), "iam:PutUserPolicy")))}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(pathOf(t, arn("user", "a"), tt.ids...), " "); got != tt.want {
				t.Errorf("path = %q, want %q", got, tt.want)
			}
		})
	}
	// The path names the group and what a member does there.
	inv0 := inventory.Inventory{Identities: []inventory.Identity{ident("user", "a", inline(allow("iam:AddUserToGroup"))), ident("group", "devs", inline(allow("iam:*")))}}
	p, _ := Build(&inv0, asOf).ToAdmin(arn("user", "a"))
	if len(p.Steps) != 2 || p.Steps[0].ToName != "devs" || p.Steps[1].Via != "a member's own policies" {
		t.Errorf("steps %+v", p.Steps)
	}
	// A group is no start of a path: it does not act.
	inv := inventory.Inventory{Identities: []inventory.Identity{ident("group", "devs", inline(allow("iam:*")))}}
	if _, ok := Build(&inv, asOf).ToAdmin(arn("group", "devs")); ok {
		t.Errorf("a group has a path of its own")
	}
}

func TestPasswordStateUnknownWithoutCredentialReport(t *testing.T) {
	withReport := inventory.Source{Scanner: "aws", Scope: acct, Status: inventory.StatusOK}
	without := inventory.Source{Scanner: "aws", Scope: acct, Status: inventory.StatusOK, NotAssessed: []string{inventory.NotAssessedUserCredentials}}
	for _, tt := range []struct {
		name        string
		src         inventory.Source
		method      string
		target      inventory.Identity
		want        bool
		conditional bool
	}{
		{"report_create_on_passwordless", withReport, "iam:CreateLoginProfile", ident("user", "admin", inline(admin)), true, false},
		{"report_create_on_password_user", withReport, "iam:CreateLoginProfile", ident("user", "admin", inline(admin), withPassword), false, false},
		{"report_update_on_passwordless", withReport, "iam:UpdateLoginProfile", ident("user", "admin", inline(admin)), false, false},
		{"no_report_create", without, "iam:CreateLoginProfile", ident("user", "admin", inline(admin)), true, true},
		{"no_report_update", without, "iam:UpdateLoginProfile", ident("user", "admin", inline(admin)), true, true},
		{"no_report_update_scoped", without, "iam:UpdateLoginProfile", ident("user", "admin", inline(admin)), true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := "*"
			if strings.HasSuffix(tt.name, "_scoped") {
				res = arn("user", "admin")
			}
			inv := inventory.Inventory{Sources: []inventory.Source{tt.src}, Identities: []inventory.Identity{ident("user", "a", inline(on(res, tt.method))), tt.target}}
			p, ok := Build(&inv, asOf).ToAdmin(arn("user", "a"))
			if ok != tt.want {
				t.Fatalf("path %v, want %v", ok, tt.want)
			}
			if ok && p.Conditional() != tt.conditional {
				t.Errorf("conditional %v, want %v: %+v", p.Conditional(), tt.conditional, p.Steps)
			}
		})
	}
}

func TestEdgesOncePerTarget(t *testing.T) {
	// Two resource patterns of one principal cover the same role.
	inv := inventory.Inventory{Identities: []inventory.Identity{
		ident("user", "a", inline(on(arn("role", "*"), "iam:PassRole"), on(arn("role", "admin-*"), "iam:PassRole"), allow("lambda:CreateFunction", "lambda:InvokeFunction"))),
		ident("role", "admin-fn", inline(admin), trusts("Service", "lambda.amazonaws.com")),
	}}
	var n int
	for _, e := range Build(&inv, asOf).Edges() {
		if e.From == arn("user", "a") && e.To == arn("role", "admin-fn") {
			n++
		}
	}
	if n != 1 { // create-invoke (event-source needs CreateEventSourceMapping)
		t.Errorf("%d edges from a to admin-fn, want 1", n)
	}
}
