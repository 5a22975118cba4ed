package azure

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// benchTenant builds the files of a large tenant in the shapes az prints:
// nSP service principals (half of them Microsoft's, as in a real tenant),
// an application, owners, app role assignments and two role assignments
// for each of the others, and the sign-in report.
func benchTenant(nSP int) map[string][]byte {
	const tenant = "11111111-2222-4333-8444-555555555555"
	guid := func(kind, i int) string { return fmt.Sprintf("%08x-%04x-4000-8000-%012x", kind, i%0xffff, i) }
	var sps, apps, ras, signIns []map[string]any
	files := map[string][]byte{}
	for i := range nSP {
		own := i%2 == 0
		sp := map[string]any{"id": guid(1, i), "appId": guid(2, i), "displayName": fmt.Sprintf("sp-%d", i), "servicePrincipalType": "Application",
			"accountEnabled": true, "tags": []string{"WindowsAzureActiveDirectoryIntegratedApp"}, "alternativeNames": []string{}, "appRoles": []any{},
			"passwordCredentials": []any{}, "keyCredentials": []any{}, "servicePrincipalNames": []string{guid(2, i)}}
		if !own {
			sp["appOwnerOrganizationId"] = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
			sps = append(sps, sp)
			continue
		}
		sp["appOwnerOrganizationId"] = tenant
		sps = append(sps, sp)
		apps = append(apps, map[string]any{"id": guid(3, i), "appId": guid(2, i), "displayName": fmt.Sprintf("sp-%d", i), "createdDateTime": "2024-02-19T08:15:22Z",
			"signInAudience": "AzureADMyOrg", "passwordCredentials": []any{map[string]any{"keyId": guid(4, i), "startDateTime": "2026-01-10T09:30:00.1234567Z", "endDateTime": "2028-01-10T09:30:00.1234567Z", "hint": "abc", "secretText": nil}}})
		owners, _ := json.Marshal([]any{map[string]any{"@odata.type": "#microsoft.graph.user", "id": guid(5, i), "userPrincipalName": fmt.Sprintf("u%d@contoso.example", i)}})
		files[fmt.Sprintf("%s/owners/%s.json", tenant, guid(3, i))] = owners
		assigned, _ := json.Marshal(map[string]any{"value": []any{map[string]any{"id": fmt.Sprintf("a%d", i), "appRoleId": "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "principalId": guid(1, i), "resourceId": guid(1, 1), "resourceDisplayName": "Microsoft Graph"}}})
		files[fmt.Sprintf("%s/app-role-assignments/%s.json", tenant, guid(1, i))] = assigned
		files[fmt.Sprintf("%s/federated-credentials/%s.json", tenant, guid(3, i))] = []byte("[]")
		for j, role := range []string{"Contributor", "Reader"} {
			scope := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-%d", guid(6, i%20), i)
			ras = append(ras, map[string]any{"id": fmt.Sprintf("%s/providers/Microsoft.Authorization/roleAssignments/%s", scope, guid(7, 2*i+j)), "principalId": guid(1, i), "principalType": "ServicePrincipal",
				"roleDefinitionId": "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c", "roleDefinitionName": role, "scope": scope, "condition": nil})
		}
		signIns = append(signIns, map[string]any{"appId": guid(2, i), "lastSignInActivity": map[string]any{"lastSignInDateTime": "2026-10-28T07:12:44Z"}})
	}
	files[tenant+"/service-principals.json"], _ = json.MarshalIndent(sps, "", "  ")
	files[tenant+"/applications.json"], _ = json.MarshalIndent(apps, "", "  ")
	files[tenant+"/role-assignments.json"], _ = json.MarshalIndent(ras, "", "  ")
	files[tenant+"/sign-ins.json"], _ = json.Marshal(map[string]any{"value": signIns})
	files[tenant+"/directory-role-assignments.json"] = []byte(`{"value": []}`)
	return files
}

// BenchmarkOfflineTenant reads a tenant of 20,000 service principals
// (10,000 of the tenant's own, each with an application, owners, an
// application permission and two role assignments).
func BenchmarkOfflineTenant(b *testing.B) {
	files := benchTenant(20000)
	var size int
	for _, d := range files {
		size += len(d)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		o := NewOffline()
		o.SetNow(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
		for n, d := range files {
			if ok, err := o.Add(n, d); !ok || err != nil {
				b.Fatal(n, ok, err)
			}
		}
		inv, err := o.Inventory()
		if err != nil || len(inv.Identities) != 20000 {
			b.Fatal(err, len(inv.Identities))
		}
	}
}
