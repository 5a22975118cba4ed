// Package azure reads Microsoft Entra ID service principals (applications,
// managed identities and agent identities), their credentials, owners and
// sponsors, the grants that reach them (Azure RBAC role assignments,
// Entra directory roles, application permissions) and their sign-in
// activity into the provider-neutral inventory. It knows nothing of rules
// or output.
//
// The types below mirror the JSON that Microsoft Graph and Azure Resource
// Manager return and that the az CLI prints. Both an offline reader (of
// az exports) and a live client fill one tenant value of them; one build
// step turns a tenant into inventory, so both paths agree by
// construction. Secret material has no field: a client secret's
// secretText and hint, and a certificate's key, are never decoded.
package azure

import (
	"encoding/json"
	"strings"
)

// Well-known values of the Graph objects.
const (
	// @odata.type of the Entra Agent ID objects and of directory objects
	// in owner and sponsor lists.
	odataAgentIdentity           = "#microsoft.graph.agentIdentity"
	odataAgentBlueprintPrincipal = "#microsoft.graph.agentIdentityBlueprintPrincipal"
	odataUser                    = "#microsoft.graph.user"
	odataAgentUser               = "#microsoft.graph.agentUser"
	odataGroup                   = "#microsoft.graph.group"
	odataServicePrincipal        = "#microsoft.graph.servicePrincipal"

	spTypeApplication     = "Application"
	spTypeManagedIdentity = "ManagedIdentity"
	spTypeServiceIdentity = "ServiceIdentity"

	// graphAppID is the Microsoft Graph application's client id.
	graphAppID = "00000003-0000-0000-c000-000000000000"
)

// microsoftTenants are the app owner tenants of Microsoft first-party
// applications ("Microsoft Services" and "Microsoft Corp").
var microsoftTenants = []string{"f8cdef31-a31e-4b4a-93e4-5f571e91255a", "72f988bf-86f1-41af-91ab-2d7cd011db47"}

// servicePrincipal is a Graph servicePrincipal, or one of its derived
// types (agentIdentity, agentIdentityBlueprintPrincipal), as
// `az ad sp list --all` prints it.
type servicePrincipal struct {
	ODataType              string               `json:"@odata.type"`
	ID                     string               `json:"id"`
	AppID                  string               `json:"appId"`
	DisplayName            string               `json:"displayName"`
	ServicePrincipalType   string               `json:"servicePrincipalType"`
	AccountEnabled         *bool                `json:"accountEnabled"`
	AppOwnerOrganizationID string               `json:"appOwnerOrganizationId"`
	AlternativeNames       []string             `json:"alternativeNames"`
	Tags                   []string             `json:"tags"`
	Notes                  string               `json:"notes"`
	Description            string               `json:"description"`
	CreatedDateTime        string               `json:"createdDateTime"`
	PasswordCredentials    []passwordCredential `json:"passwordCredentials"`
	KeyCredentials         []keyCredential      `json:"keyCredentials"`
	AppRoles               []appRole            `json:"appRoles"`
	// Agent identities: the blueprint's appId and the app that created it.
	AgentIdentityBlueprintID string `json:"agentIdentityBlueprintId"`
	CreatedByAppID           string `json:"createdByAppId"`
	// ObjectID is what az before 2.37 (Azure AD Graph) printed for id.
	ObjectID string `json:"objectId"`
}

// application is a Graph application (or agentIdentityBlueprint), as
// `az ad app list --all` prints it.
type application struct {
	ODataType           string               `json:"@odata.type"`
	ID                  string               `json:"id"`
	AppID               string               `json:"appId"`
	DisplayName         string               `json:"displayName"`
	CreatedDateTime     string               `json:"createdDateTime"`
	SignInAudience      string               `json:"signInAudience"`
	Notes               string               `json:"notes"`
	Description         string               `json:"description"`
	Tags                []string             `json:"tags"`
	PasswordCredentials []passwordCredential `json:"passwordCredentials"`
	KeyCredentials      []keyCredential      `json:"keyCredentials"`
	ObjectID            string               `json:"objectId"` // az before 2.37
}

// passwordCredential is a client secret's metadata. secretText and hint
// are deliberately absent.
type passwordCredential struct {
	KeyID         string `json:"keyId"`
	DisplayName   string `json:"displayName"`
	StartDateTime string `json:"startDateTime"`
	EndDateTime   string `json:"endDateTime"`
}

// keyCredential is a certificate's metadata. The key itself is
// deliberately absent.
type keyCredential struct {
	KeyID         string `json:"keyId"`
	DisplayName   string `json:"displayName"`
	Type          string `json:"type"`
	Usage         string `json:"usage"`
	StartDateTime string `json:"startDateTime"`
	EndDateTime   string `json:"endDateTime"`
}

// appRole is one role a resource service principal offers (Microsoft
// Graph's application permissions are its appRoles).
type appRole struct {
	ID          string `json:"id"`
	Value       string `json:"value"`
	DisplayName string `json:"displayName"`
}

// directoryObject is an owner or a sponsor: a user, group or service
// principal, told apart by @odata.type.
type directoryObject struct {
	ODataType         string `json:"@odata.type"`
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
	Mail              string `json:"mail"`
	AppID             string `json:"appId"`
}

// appRoleAssignment is an application permission granted to a service
// principal (GET /servicePrincipals/{id}/appRoleAssignments).
type appRoleAssignment struct {
	ID                  string `json:"id"`
	AppRoleID           string `json:"appRoleId"`
	PrincipalID         string `json:"principalId"`
	PrincipalType       string `json:"principalType"`
	ResourceID          string `json:"resourceId"`
	ResourceDisplayName string `json:"resourceDisplayName"`
	CreatedDateTime     string `json:"createdDateTime"`
}

// federatedIdentityCredential is what `az ad app federated-credential
// list` prints (Graph's federatedIdentityCredential); flexible
// credentials carry claimsMatchingExpression instead of a subject.
// `az identity federated-credential list` prints the same fields for a
// user-assigned managed identity, with an ARM resource id as id.
type federatedIdentityCredential struct {
	ID                       string                     `json:"id"`
	Name                     string                     `json:"name"`
	Issuer                   string                     `json:"issuer"`
	Subject                  *string                    `json:"subject"`
	Audiences                []string                   `json:"audiences"`
	ClaimsMatchingExpression *federatedIdentityExpr     `json:"claimsMatchingExpression"`
	Properties               *federatedCredentialFields `json:"properties"` // ARM REST nests them
}

type federatedIdentityExpr struct {
	Value           string `json:"value"`
	LanguageVersion int    `json:"languageVersion"`
}

type federatedCredentialFields struct {
	Issuer                   string                 `json:"issuer"`
	Subject                  *string                `json:"subject"`
	Audiences                []string               `json:"audiences"`
	ClaimsMatchingExpression *federatedIdentityExpr `json:"claimsMatchingExpression"`
}

// unifiedRoleAssignment is an Entra directory role assignment
// (GET /roleManagement/directory/roleAssignments); with
// $expand=roleDefinition it carries the role's definition.
type unifiedRoleAssignment struct {
	ID               string                 `json:"id"`
	PrincipalID      string                 `json:"principalId"`
	RoleDefinitionID string                 `json:"roleDefinitionId"`
	DirectoryScopeID string                 `json:"directoryScopeId"`
	AppScopeID       string                 `json:"appScopeId"`
	RoleDefinition   *unifiedRoleDefinition `json:"roleDefinition"`
}

// unifiedRoleDefinition names a directory role
// (GET /roleManagement/directory/roleDefinitions).
type unifiedRoleDefinition struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	TemplateID  string `json:"templateId"`
	IsBuiltIn   bool   `json:"isBuiltIn"`
}

// roleAssignment is an Azure RBAC role assignment as `az role assignment
// list` prints it: properties flattened onto the object. Older az
// versions and ARM's REST responses nest them under "properties"; the
// reader moves them up (see flatten).
type roleAssignment struct {
	ID                 string                    `json:"id"`
	Name               string                    `json:"name"`
	Type               string                    `json:"type"`
	PrincipalID        string                    `json:"principalId"`
	PrincipalType      string                    `json:"principalType"`
	PrincipalName      string                    `json:"principalName"`
	RoleDefinitionID   string                    `json:"roleDefinitionId"`
	RoleDefinitionName string                    `json:"roleDefinitionName"`
	Scope              string                    `json:"scope"`
	Condition          string                    `json:"condition"`
	ConditionVersion   string                    `json:"conditionVersion"`
	Properties         *roleAssignmentProperties `json:"properties"`
}

type roleAssignmentProperties struct {
	PrincipalID        string `json:"principalId"`
	PrincipalType      string `json:"principalType"`
	PrincipalName      string `json:"principalName"`
	RoleDefinitionID   string `json:"roleDefinitionId"`
	RoleDefinitionName string `json:"roleDefinitionName"`
	Scope              string `json:"scope"`
	Condition          string `json:"condition"`
	ConditionVersion   string `json:"conditionVersion"`
}

// flatten moves nested properties up where the flat field is empty.
func (r *roleAssignment) flatten() {
	p := r.Properties
	if p == nil {
		return
	}
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&r.PrincipalID, p.PrincipalID}, {&r.PrincipalType, p.PrincipalType}, {&r.PrincipalName, p.PrincipalName},
		{&r.RoleDefinitionID, p.RoleDefinitionID}, {&r.RoleDefinitionName, p.RoleDefinitionName}, {&r.Scope, p.Scope},
		{&r.Condition, p.Condition}, {&r.ConditionVersion, p.ConditionVersion},
	} {
		if *f.dst == "" {
			*f.dst = f.src
		}
	}
	r.Properties = nil
}

// roleDefinition is an Azure RBAC role definition as `az role definition
// list` prints it (name is the GUID, roleName the display name).
type roleDefinition struct {
	ID          string                `json:"id"`
	Name        string                `json:"name"`
	RoleName    string                `json:"roleName"`
	RoleType    string                `json:"roleType"`
	Permissions []rolePermission      `json:"permissions"`
	Properties  *roleDefinitionFields `json:"properties"` // ARM REST nests them
}

type roleDefinitionFields struct {
	RoleName    string           `json:"roleName"`
	Type        string           `json:"type"`
	Permissions []rolePermission `json:"permissions"`
}

type rolePermission struct {
	Actions     []string `json:"actions"`
	DataActions []string `json:"dataActions"`
}

// signInActivity is one of the activity fields of a
// servicePrincipalSignInActivity.
type signInActivity struct {
	LastSignInDateTime  string `json:"lastSignInDateTime"`
	LastSignInRequestID string `json:"lastSignInRequestId"`
}

// servicePrincipalSignInActivity is one entry of
// GET /beta/reports/servicePrincipalSignInActivities.
type servicePrincipalSignInActivity struct {
	ID                                              string          `json:"id"`
	AppID                                           string          `json:"appId"`
	LastSignInActivity                              *signInActivity `json:"lastSignInActivity"`
	DelegatedClientSignInActivity                   *signInActivity `json:"delegatedClientSignInActivity"`
	DelegatedResourceSignInActivity                 *signInActivity `json:"delegatedResourceSignInActivity"`
	ApplicationAuthenticationClientSignInActivity   *signInActivity `json:"applicationAuthenticationClientSignInActivity"`
	ApplicationAuthenticationResourceSignInActivity *signInActivity `json:"applicationAuthenticationResourceSignInActivity"`
}

// activities returns every activity field that is set.
func (s *servicePrincipalSignInActivity) activities() []*signInActivity {
	var out []*signInActivity
	for _, a := range []*signInActivity{s.LastSignInActivity, s.DelegatedClientSignInActivity, s.DelegatedResourceSignInActivity,
		s.ApplicationAuthenticationClientSignInActivity, s.ApplicationAuthenticationResourceSignInActivity} {
		if a != nil && a.LastSignInDateTime != "" {
			out = append(out, a)
		}
	}
	return out
}

// appCredentialSignInActivity is one entry of
// GET /beta/reports/appCredentialSignInActivities: the last sign-in with
// one client secret or certificate.
type appCredentialSignInActivity struct {
	KeyID                    string          `json:"keyId"`
	AppID                    string          `json:"appId"`
	CredentialOrigin         string          `json:"credentialOrigin"` // application or servicePrincipal
	ServicePrincipalObjectID string          `json:"servicePrincipalObjectId"`
	SignInActivity           *signInActivity `json:"signInActivity"`
}

// tenant is everything read about one Entra tenant and the Azure
// subscriptions whose role assignments were read, before it becomes
// inventory. The offline reader fills it from az exports, a live client
// from Graph and ARM; build (build.go) turns it into identities.
//
// A map keyed by object id holds what was read per object: a key present
// with an empty list means "read, none", a missing key "not read". The
// *Read flags say whether a tenant-wide list was read at all.
type tenant struct {
	ID string

	servicePrincipals []servicePrincipal
	applications      []application
	// servicePrincipalsRead says whether the service principal list was
	// read at all (an empty list is a tenant without any).
	servicePrincipalsRead bool

	// owners by application object id or service principal id; sponsors
	// by agent identity id.
	owners   map[string][]directoryObject
	sponsors map[string][]directoryObject
	// appRoleAssignments by the id of the service principal they are
	// granted to.
	appRoleAssignments map[string][]appRoleAssignment
	// federated by application object id (or the service principal id of
	// a user-assigned managed identity).
	federated map[string][]federatedIdentityCredential

	directoryRoles     []unifiedRoleAssignment
	directoryRolesRead bool
	// directoryRoleNames maps a directory role definition's id and
	// template id to its display name.
	directoryRoleNames map[string]string

	roleAssignments     []roleAssignment
	roleAssignmentsRead bool
	// roleDefinitions maps an Azure role definition's GUID to its name and,
	// for custom roles, its actions.
	roleDefinitions map[string]azureRole

	// signIns by appId; signInsRead says whether the report was read.
	signIns     map[string]servicePrincipalSignInActivity
	signInsRead bool
	// credentialSignIns by key id; credentialSignInsRead says whether the
	// report was read.
	credentialSignIns     map[string]appCredentialSignInActivity
	credentialSignInsRead bool

	// failed lists the scopes (subscriptions) that could not be read,
	// each with the reason; warnings are about the tenant.
	failed   []scopeFailure
	warnings []string
}

// azureRole is what is known of an Azure RBAC role definition.
type azureRole struct {
	name    string
	custom  bool
	actions []string
}

// scopeFailure is a scope whose data could not be read.
type scopeFailure struct {
	scope string
	err   string
}

func newTenant(id string) *tenant {
	return &tenant{
		ID:                 strings.ToLower(id),
		owners:             map[string][]directoryObject{},
		sponsors:           map[string][]directoryObject{},
		appRoleAssignments: map[string][]appRoleAssignment{},
		federated:          map[string][]federatedIdentityCredential{},
		directoryRoleNames: map[string]string{},
		roleDefinitions:    map[string]azureRole{},
		signIns:            map[string]servicePrincipalSignInActivity{},
		credentialSignIns:  map[string]appCredentialSignInActivity{},
	}
}

// graphPage is the envelope of a Graph (or ARM REST) list response.
type graphPage struct {
	Value        []json.RawMessage `json:"value"`
	NextLink     string            `json:"@odata.nextLink"`
	ARMNextLink  string            `json:"nextLink"`
	ODataContext string            `json:"@odata.context"`
}
