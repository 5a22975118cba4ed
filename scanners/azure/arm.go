package azure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"
)

// armReader reads Azure RBAC through Azure Resource Manager with the
// official SDK clients (which retry throttling on their own).
type armReader struct {
	cred azcore.TokenCredential
	opts *arm.ClientOptions
}

// subscriptions lists the enabled subscriptions of tenant the
// credential can see, sorted.
func (a *armReader) subscriptions(ctx context.Context, tenant string) ([]string, error) {
	c, err := armsubscriptions.NewClient(a.cred, a.opts)
	if err != nil {
		return nil, fmt.Errorf("subscriptions client: %w", err)
	}
	var ids []string
	pager := c.NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, armError("GET /subscriptions", err)
		}
		for _, s := range page.Value {
			if s == nil || s.SubscriptionID == nil {
				continue
			}
			if s.State != nil && *s.State != armsubscriptions.SubscriptionStateEnabled {
				continue
			}
			if s.TenantID != nil && tenant != "" && !strings.EqualFold(*s.TenantID, tenant) {
				continue
			}
			ids = append(ids, strings.ToLower(*s.SubscriptionID))
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// subscriptionRBAC is what one subscription's listing gave.
type subscriptionRBAC struct {
	assignments []roleAssignment
	roles       map[string]azureRole // by role definition GUID
}

// readSubscription lists the role assignments that apply to a
// subscription (at, above and below it: what `az role assignment list
// --all --include-inherited` prints) and the role definitions usable in
// it, for their names and, for custom roles, their actions.
func (a *armReader) readSubscription(ctx context.Context, sub string) (*subscriptionRBAC, error) {
	ra, err := armauthorization.NewRoleAssignmentsClient(sub, a.cred, a.opts)
	if err != nil {
		return nil, fmt.Errorf("role assignments client: %w", err)
	}
	out := &subscriptionRBAC{roles: map[string]azureRole{}}
	pager := ra.NewListForSubscriptionPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, armError("GET /subscriptions/"+sub+"/providers/Microsoft.Authorization/roleAssignments", err)
		}
		for _, v := range page.Value {
			if v != nil {
				out.assignments = append(out.assignments, convertAssignment(v))
			}
		}
	}
	rd, err := armauthorization.NewRoleDefinitionsClient(a.cred, a.opts)
	if err != nil {
		return nil, fmt.Errorf("role definitions client: %w", err)
	}
	dpager := rd.NewListPager("subscriptions/"+sub, nil)
	for dpager.More() {
		page, err := dpager.NextPage(ctx)
		if err != nil {
			return nil, armError("GET /subscriptions/"+sub+"/providers/Microsoft.Authorization/roleDefinitions", err)
		}
		for _, d := range page.Value {
			if d == nil || d.Name == nil {
				continue
			}
			out.roles[strings.ToLower(*d.Name)] = convertRole(d)
		}
	}
	return out, nil
}

func convertAssignment(v *armauthorization.RoleAssignment) roleAssignment {
	r := roleAssignment{ID: str(v.ID), Name: str(v.Name), Type: str(v.Type)}
	if p := v.Properties; p != nil {
		r.PrincipalID = str(p.PrincipalID)
		if p.PrincipalType != nil {
			r.PrincipalType = string(*p.PrincipalType)
		}
		r.RoleDefinitionID = str(p.RoleDefinitionID)
		r.Scope = str(p.Scope)
		r.Condition = str(p.Condition)
		r.ConditionVersion = str(p.ConditionVersion)
	}
	return r
}

func convertRole(d *armauthorization.RoleDefinition) azureRole {
	var r azureRole
	if p := d.Properties; p != nil {
		r.name = str(p.RoleName)
		r.custom = str(p.RoleType) == "CustomRole"
		for _, perm := range p.Permissions {
			if perm == nil {
				continue
			}
			for _, a := range perm.Actions {
				r.actions = append(r.actions, str(a))
			}
			for _, a := range perm.DataActions {
				r.actions = append(r.actions, str(a))
			}
		}
	}
	return r
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// armError turns an SDK error into one line: the endpoint, the HTTP
// status, ARM's error code and the first line of its message (the SDK's
// own text spans many lines and repeats the request).
func armError(endpoint string, err error) error {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return fmt.Errorf("%s: %s", endpoint, oneLine(err.Error()))
	}
	var body []byte
	if re.RawResponse != nil && re.RawResponse.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(re.RawResponse.Body, 1<<20))
	}
	he, _ := errorOf(endpoint, re.StatusCode, body).(*httpError)
	if he.Code == "" {
		he.Code = re.ErrorCode
	}
	return he
}

// userAssignedFederated lists the federated credentials of a
// user-assigned managed identity, by its ARM resource id (what `az
// identity federated-credential list` prints). The API version the SDK
// speaks (2024-11-30) has no claimsMatchingExpression: flexible
// credentials of a managed identity are not seen.
func (a *armReader) userAssignedFederated(ctx context.Context, resourceID string) ([]federatedIdentityCredential, error) {
	id, err := arm.ParseResourceID(resourceID)
	if err != nil || !strings.EqualFold(id.ResourceType.String(), "Microsoft.ManagedIdentity/userAssignedIdentities") || id.ResourceGroupName == "" {
		return nil, fmt.Errorf("%q is not the resource id of a user-assigned managed identity", resourceID)
	}
	c, err := armmsi.NewFederatedIdentityCredentialsClient(id.SubscriptionID, a.cred, a.opts)
	if err != nil {
		return nil, fmt.Errorf("federated identity credentials client: %w", err)
	}
	out := []federatedIdentityCredential{}
	pager := c.NewListPager(id.ResourceGroupName, id.Name, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, armError("GET "+resourceID+"/federatedIdentityCredentials", err)
		}
		for _, f := range page.Value {
			if f == nil {
				continue
			}
			fic := federatedIdentityCredential{ID: str(f.ID), Name: str(f.Name)}
			if p := f.Properties; p != nil {
				fic.Issuer = str(p.Issuer)
				fic.Subject = p.Subject
				for _, a := range p.Audiences {
					fic.Audiences = append(fic.Audiences, str(a))
				}
			}
			if err := checkFederated(&fic); err != nil {
				return nil, fmt.Errorf("GET %s/federatedIdentityCredentials: %q: %w", resourceID, fic.Name, err)
			}
			out = append(out, fic)
		}
	}
	return out, nil
}

// userAssignedID is the ARM resource id of a user-assigned managed
// identity's service principal, from its alternativeNames, or "".
func userAssignedID(sp *servicePrincipal) string {
	if sp.ServicePrincipalType != spTypeManagedIdentity {
		return ""
	}
	for _, n := range sp.AlternativeNames {
		if strings.HasPrefix(n, "/subscriptions/") && strings.Contains(strings.ToLower(n), "/providers/microsoft.managedidentity/userassignedidentities/") {
			return n
		}
	}
	return ""
}
