package k8s

import (
	"slices"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func TestCloudLinksFromAnnotations(t *testing.T) {
	inv := load(t, NewOffline(), "prod-eks/k8s.json", "dev-gke/serviceaccounts.yaml")
	api := byID(inv, "system:serviceaccount:payments:payments-api")
	want := []inventory.CloudLink{{Provider: inventory.AWS, Target: "arn:aws:iam::111122223333:role/payments-api", Subject: "system:serviceaccount:payments:payments-api"}}
	if api == nil || !slices.Equal(api.CloudLinks, want) {
		t.Errorf("payments-api links %+v, want %+v", api.CloudLinks, want)
	}
	rep := byID(inv, "system:serviceaccount:reports:reporter")
	want = []inventory.CloudLink{{Provider: inventory.GCP, Target: "reporter@dev-project.iam.gserviceaccount.com", Subject: "reports/reporter"}}
	if rep == nil || !slices.Equal(rep.CloudLinks, want) {
		t.Errorf("reporter links %+v, want %+v", rep.CloudLinks, want)
	}
	if def := byID(inv, "system:serviceaccount:payments:default"); def == nil || def.CloudLinks != nil {
		t.Errorf("an account without annotations has links: %+v", def)
	}
}

func TestCloudLinksCarryTheIssuer(t *testing.T) {
	got := cloudLinks(map[string]string{
		"azure.workload.identity/client-id": "7f1c2a3b-0000-4000-8000-000000000001",
		"eks.amazonaws.com/role-arn":        "arn:aws:iam::111122223333:role/app",
		"iam.gke.io/gcp-service-account":    "",
	}, "apps", "web", "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC")
	want := []inventory.CloudLink{
		{Provider: inventory.AWS, Target: "arn:aws:iam::111122223333:role/app", Issuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", Subject: "system:serviceaccount:apps:web"},
		{Provider: inventory.Azure, Target: "7f1c2a3b-0000-4000-8000-000000000001", Issuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", Subject: "system:serviceaccount:apps:web"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("links %+v\nwant %+v", got, want)
	}
}
