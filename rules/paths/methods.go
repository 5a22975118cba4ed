// Package paths finds who can become whom: edges "A can become B" from
// the documented privilege-escalation methods of AWS IAM and GCP IAM, and
// the shortest paths from every identity to an administrator-equivalent
// one. It knows the inventory model and the policy evaluator only.
//
// graph.go is the part every cloud shares (nodes, virtual nodes, the
// search); aws.go and gcp.go each implement the cloud interface; this
// file holds the methods as data, AWS's catalogue among them; clouds.go
// lists the clouds.
package paths

// kind says what an AWS method reaches: it picks the function of
// awsMethodEdges that reads it.
type kind int

const (
	// notAWS: a method of another cloud, which the AWS table does not read.
	notAWS kind = iota
	// self: the principal rewrites its own permissions (reaches
	// administrator unless a permissions boundary holds).
	self
	// selfGroup: as self, through a group the principal is in.
	selfGroup
	// selfPolicy: creates a new version of a customer-managed policy
	// attached to the principal.
	selfPolicy
	// selfVersion: puts in force a stored version of an attached policy.
	selfVersion
	// joinGroup: adds itself to a group (reaches the group's privileges).
	joinGroup
	// otherUser: obtains credentials of another IAM user.
	otherUser
	// assume: sts:AssumeRole allowed by both sides.
	assume
	// rewriteTrust: rewrites a role's trust policy, then assumes it.
	rewriteTrust
	// passRole: passes a role to a new resource of a service that then
	// runs code as the role.
	passRole
	// existing: takes over an existing resource of a service (function,
	// stack, endpoint, project, instance) and runs code as its role.
	existing
)

// Method is one documented escalation method, as data: the actions it
// needs (all of them), and for pass-role and existing-resource methods the
// service whose roles it reaches.
type Method struct {
	ID   string
	Name string
	// kind: how the AWS part reads the method (notAWS for other clouds).
	kind    kind
	Actions []string
	// Action whose resource is the target (the rest must be allowed on "*").
	TargetAction string
	// Service principal trusted by the roles reached ("ec2-instance" for
	// roles attached to instances).
	Service string
	// Users: the target user must (true) or must not (false) have a
	// console password; nil when it does not matter.
	Password *bool
	// Sources are public catalogues that document the method.
	Sources []string
	// target and actions are TargetAction and Actions in lower case, the
	// form policy evaluation compares: lowered once (lowerMethods), not on
	// each of the graph's millions of evaluations.
	target  string
	actions []string
}

var (
	yes = true
	no  = false
)

const (
	rhino   = "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/"
	iamvuln = "https://github.com/BishopFox/iam-vulnerable"
	pathfnd = "https://pathfinding.cloud"
)

// awsMethods are the AWS methods the graph checks.
var awsMethods = []Method{
	{ID: "aws-iam-create-policy-version", Name: "iam:CreatePolicyVersion on an attached policy", kind: selfPolicy, Actions: []string{"iam:CreatePolicyVersion"}, TargetAction: "iam:CreatePolicyVersion", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-set-default-policy-version", Name: "iam:SetDefaultPolicyVersion to a stored administrator version", kind: selfVersion, Actions: []string{"iam:SetDefaultPolicyVersion"}, TargetAction: "iam:SetDefaultPolicyVersion", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-attach-user-policy", Name: "iam:AttachUserPolicy on itself", kind: self, Actions: []string{"iam:AttachUserPolicy"}, TargetAction: "iam:AttachUserPolicy", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-put-user-policy", Name: "iam:PutUserPolicy on itself", kind: self, Actions: []string{"iam:PutUserPolicy"}, TargetAction: "iam:PutUserPolicy", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-attach-role-policy", Name: "iam:AttachRolePolicy on itself", kind: self, Actions: []string{"iam:AttachRolePolicy"}, TargetAction: "iam:AttachRolePolicy", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-put-role-policy", Name: "iam:PutRolePolicy on itself", kind: self, Actions: []string{"iam:PutRolePolicy"}, TargetAction: "iam:PutRolePolicy", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-attach-group-policy", Name: "iam:AttachGroupPolicy on its own group", kind: selfGroup, Actions: []string{"iam:AttachGroupPolicy"}, TargetAction: "iam:AttachGroupPolicy", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-put-group-policy", Name: "iam:PutGroupPolicy on its own group", kind: selfGroup, Actions: []string{"iam:PutGroupPolicy"}, TargetAction: "iam:PutGroupPolicy", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-add-user-to-group", Name: "iam:AddUserToGroup into a group that is or leads to administrator", kind: joinGroup, Actions: []string{"iam:AddUserToGroup"}, TargetAction: "iam:AddUserToGroup", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-create-access-key", Name: "iam:CreateAccessKey for another user", kind: otherUser, Actions: []string{"iam:CreateAccessKey"}, TargetAction: "iam:CreateAccessKey", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-create-login-profile", Name: "iam:CreateLoginProfile for a user without a password", kind: otherUser, Actions: []string{"iam:CreateLoginProfile"}, TargetAction: "iam:CreateLoginProfile", Password: &no, Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-iam-update-login-profile", Name: "iam:UpdateLoginProfile for a user with a password", kind: otherUser, Actions: []string{"iam:UpdateLoginProfile"}, TargetAction: "iam:UpdateLoginProfile", Password: &yes, Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-sts-assume-role", Name: "sts:AssumeRole", kind: assume, Actions: []string{"sts:AssumeRole"}, TargetAction: "sts:AssumeRole", Sources: []string{pathfnd}},
	{ID: "aws-iam-update-assume-role-policy", Name: "iam:UpdateAssumeRolePolicy, then sts:AssumeRole", kind: rewriteTrust, Actions: []string{"iam:UpdateAssumeRolePolicy", "sts:AssumeRole"}, TargetAction: "iam:UpdateAssumeRolePolicy", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-ec2-run-instances", Name: "iam:PassRole with ec2:RunInstances", kind: passRole, Actions: []string{"iam:PassRole", "ec2:RunInstances"}, TargetAction: "iam:PassRole", Service: "ec2.amazonaws.com", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-lambda-create-invoke", Name: "iam:PassRole with lambda:CreateFunction and lambda:InvokeFunction", kind: passRole, Actions: []string{"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"}, TargetAction: "iam:PassRole", Service: "lambda.amazonaws.com", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-lambda-create-event-source", Name: "iam:PassRole with lambda:CreateFunction and lambda:CreateEventSourceMapping", kind: passRole, Actions: []string{"iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"}, TargetAction: "iam:PassRole", Service: "lambda.amazonaws.com", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-glue-create-dev-endpoint", Name: "iam:PassRole with glue:CreateDevEndpoint", kind: passRole, Actions: []string{"iam:PassRole", "glue:CreateDevEndpoint"}, TargetAction: "iam:PassRole", Service: "glue.amazonaws.com", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-cloudformation-create-stack", Name: "iam:PassRole with cloudformation:CreateStack", kind: passRole, Actions: []string{"iam:PassRole", "cloudformation:CreateStack"}, TargetAction: "iam:PassRole", Service: "cloudformation.amazonaws.com", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-datapipeline-create", Name: "iam:PassRole with datapipeline:CreatePipeline and PutPipelineDefinition", kind: passRole, Actions: []string{"iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"}, TargetAction: "iam:PassRole", Service: "datapipeline.amazonaws.com", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-codebuild-create-project", Name: "iam:PassRole with codebuild:CreateProject and StartBuild", kind: passRole, Actions: []string{"iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"}, TargetAction: "iam:PassRole", Service: "codebuild.amazonaws.com", Sources: []string{iamvuln, pathfnd}},
	{ID: "aws-sagemaker-notebook", Name: "iam:PassRole with sagemaker:CreateNotebookInstance and CreatePresignedNotebookInstanceUrl", kind: passRole, Actions: []string{"iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"}, TargetAction: "iam:PassRole", Service: "sagemaker.amazonaws.com", Sources: []string{iamvuln, pathfnd}},
	{ID: "aws-sagemaker-training-job", Name: "iam:PassRole with sagemaker:CreateTrainingJob", kind: passRole, Actions: []string{"iam:PassRole", "sagemaker:CreateTrainingJob"}, TargetAction: "iam:PassRole", Service: "sagemaker.amazonaws.com", Sources: []string{iamvuln, pathfnd}},
	{ID: "aws-sagemaker-processing-job", Name: "iam:PassRole with sagemaker:CreateProcessingJob", kind: passRole, Actions: []string{"iam:PassRole", "sagemaker:CreateProcessingJob"}, TargetAction: "iam:PassRole", Service: "sagemaker.amazonaws.com", Sources: []string{iamvuln, pathfnd}},
	{ID: "aws-ecs-run-task", Name: "iam:PassRole with ecs:RegisterTaskDefinition and ecs:RunTask", kind: passRole, Actions: []string{"iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"}, TargetAction: "iam:PassRole", Service: "ecs-tasks.amazonaws.com", Sources: []string{iamvuln, pathfnd}},
	{ID: "aws-lambda-update-function-code", Name: "lambda:UpdateFunctionCode of an existing function", kind: existing, Actions: []string{"lambda:UpdateFunctionCode"}, TargetAction: "lambda:UpdateFunctionCode", Service: "lambda.amazonaws.com", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-glue-update-dev-endpoint", Name: "glue:UpdateDevEndpoint of an existing endpoint", kind: existing, Actions: []string{"glue:UpdateDevEndpoint"}, TargetAction: "glue:UpdateDevEndpoint", Service: "glue.amazonaws.com", Sources: []string{rhino, iamvuln, pathfnd}},
	{ID: "aws-cloudformation-update-stack", Name: "cloudformation:UpdateStack of an existing stack with a service role", kind: existing, Actions: []string{"cloudformation:UpdateStack"}, TargetAction: "cloudformation:UpdateStack", Service: "cloudformation.amazonaws.com", Sources: []string{pathfnd}},
	{ID: "aws-cloudformation-change-set", Name: "cloudformation:CreateChangeSet and ExecuteChangeSet on an existing stack", kind: existing, Actions: []string{"cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"}, TargetAction: "cloudformation:CreateChangeSet", Service: "cloudformation.amazonaws.com", Sources: []string{pathfnd}},
	{ID: "aws-codebuild-start-build", Name: "codebuild:StartBuild with a buildspec override on an existing project", kind: existing, Actions: []string{"codebuild:StartBuild"}, TargetAction: "codebuild:StartBuild", Service: "codebuild.amazonaws.com", Sources: []string{pathfnd}},
	{ID: "aws-sagemaker-presigned-url", Name: "sagemaker:CreatePresignedNotebookInstanceUrl of an existing notebook", kind: existing, Actions: []string{"sagemaker:CreatePresignedNotebookInstanceUrl"}, TargetAction: "sagemaker:CreatePresignedNotebookInstanceUrl", Service: "sagemaker.amazonaws.com", Sources: []string{pathfnd}},
	{ID: "aws-ssm-send-command", Name: "ssm:SendCommand on a running instance", kind: existing, Actions: []string{"ssm:SendCommand"}, TargetAction: "ssm:SendCommand", Service: "ec2-instance", Sources: []string{iamvuln, pathfnd}},
	{ID: "aws-ssm-start-session", Name: "ssm:StartSession on a running instance", kind: existing, Actions: []string{"ssm:StartSession"}, TargetAction: "ssm:StartSession", Service: "ec2-instance", Sources: []string{iamvuln, pathfnd}},
	{ID: "aws-ec2-instance-connect", Name: "ec2-instance-connect:SendSSHPublicKey to a running instance", kind: existing, Actions: []string{"ec2-instance-connect:SendSSHPublicKey"}, TargetAction: "ec2-instance-connect:SendSSHPublicKey", Service: "ec2-instance", Sources: []string{pathfnd}},
}

// editAssumable is no method of the catalogue: the AWS part names it on
// the hop of a principal that edits a role it can assume.
var editAssumable = &Method{ID: "aws-iam-edit-assumable-role", Name: "iam:AttachRolePolicy or PutRolePolicy on a role it can assume", kind: self,
	Actions: []string{"iam:AttachRolePolicy"}, TargetAction: "iam:AttachRolePolicy", Sources: []string{rhino, pathfnd}}
