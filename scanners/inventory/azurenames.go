package inventory

// Names of well-known Azure roles and permissions by id (sources:
// shared/reference/agents-azure.md §6.4, §7 and §8). The Azure scanner
// writes the names into Binding.Role when an export does not carry the
// definitions (the Microsoft Graph service principal missing from the
// list, no role definition export); the rules and the escalation graph
// resolve with them the ids a Role may still carry. One list for all:
// the scanner and the rules cannot import each other.

// AzureDirectoryRoleTemplates are Entra built-in directory roles by
// template id (a built-in role's definition id is its template id).
var AzureDirectoryRoleTemplates = map[string]string{
	"62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
	"e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
	"7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
	"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
	"158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
	"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
	"fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
	"194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
	"d29b2b05-8046-44ba-8758-1e26182fcf32": "Directory Synchronization Accounts",
	"db506228-d27e-4b7d-95e5-295956d6615f": "Agent ID Administrator",
	"adb2368d-a9be-41b5-8667-d96778e081b0": "Agent ID Developer",
}

// AzureBuiltInRoles are Azure RBAC built-in roles by role definition GUID.
var AzureBuiltInRoles = map[string]string{
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
	"f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
	"acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
}

// MicrosoftGraphAppRoles are Microsoft Graph application permissions by
// app role id: the ones that matter for escalation.
var MicrosoftGraphAppRoles = map[string]string{
	"1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9": "Application.ReadWrite.All",
	"06b708a9-e830-4db3-a914-8e69da51d44f": "AppRoleAssignment.ReadWrite.All",
	"19dbc75e-c2e2-444c-a770-ec69d8559fc7": "Directory.ReadWrite.All",
	"62a82d76-70ea-41e2-9197-370581804d09": "Group.ReadWrite.All",
	"dbaae8cf-10b5-4b86-a4a1-f871c94c6695": "GroupMember.ReadWrite.All",
	"9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8": "RoleManagement.ReadWrite.Directory",
	"89c8469c-83ad-45f7-8ff2-6e3d4285709e": "ServicePrincipalEndpoint.ReadWrite.All",
	"dd199f4a-f148-40a4-a2ec-f0069cc799ec": "RoleAssignmentSchedule.ReadWrite.Directory",
}
