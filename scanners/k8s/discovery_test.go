package k8s

import (
	"strings"
	"testing"
)

// The issuer discovery document that `kubectl get --raw
// /.well-known/openid-configuration` prints (the shape kube-apiserver
// serves; GKE's issuer is the container API's URL) gives the issuer of
// the cluster of its directory; a full OpenID provider's document is not
// taken for it.
func TestOfflineDiscoveryDocument(t *testing.T) {
	const eks = `{"issuer":"https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF","jwks_uri":"https://ip-10-0-1-10.eu-west-1.compute.internal:443/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}`
	const gke = `{"issuer":"https://container.googleapis.com/v1/projects/acme/locations/europe-west1/clusters/dev","jwks_uri":"https://10.100.0.68:443/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}`
	o := NewOffline()
	if ok, err := o.Add("x/prod-eks/openid-configuration.json", []byte(eks)); !ok || err != nil {
		t.Fatalf("EKS document: ok=%v err=%v", ok, err)
	}
	if ok, err := o.Add("x/dev-gke/oidc.json", []byte(gke)); !ok || err != nil {
		t.Fatalf("GKE document: ok=%v err=%v", ok, err)
	}
	if got := o.clusters["prod-eks"].issuer; got != "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF" {
		t.Errorf("prod-eks issuer = %q", got)
	}
	if got := o.clusters["dev-gke"].issuer; !strings.HasPrefix(got, "https://container.googleapis.com/") {
		t.Errorf("dev-gke issuer = %q", got)
	}
	// The same document again is fine; another issuer for the same
	// cluster is an error naming both.
	if ok, err := o.Add("x/prod-eks/again.json", []byte(eks)); !ok || err != nil {
		t.Errorf("same document twice: ok=%v err=%v", ok, err)
	}
	if _, err := o.Add("x/prod-eks/other.json", []byte(gke)); err == nil || !strings.Contains(err.Error(), "differs from the issuer") {
		t.Errorf("two issuers for one cluster: %v", err)
	}
	// --cluster-name puts the document with every other file.
	named := NewOffline()
	named.ClusterName = "prod"
	if _, err := named.Add("anywhere/openid-configuration.json", []byte(eks)); err != nil || named.clusters["prod"] == nil || named.clusters["prod"].issuer == "" {
		t.Errorf("--cluster-name: %v", err)
	}

	for _, tc := range []struct {
		name, data string
		ok         bool
		err        string
	}{
		{"empty issuer", `{"issuer":"","jwks_uri":"https://x/openid/v1/jwks"}`, true, "OpenID discovery document: issuer is empty"},
		{"full OpenID provider", `{"issuer":"https://accounts.google.com","authorization_endpoint":"https://accounts.google.com/o/oauth2/v2/auth","jwks_uri":"https://www.googleapis.com/oauth2/v3/certs"}`, false, ""},
		{"no jwks_uri", `{"issuer":"https://kubernetes.default.svc"}`, false, ""},
		{"other JSON", `{"kind":"x"}`, false, ""},
	} {
		ok, err := NewOffline().Add("c/doc.json", []byte(tc.data))
		if ok != tc.ok || (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
			t.Errorf("%s: ok=%v err=%v", tc.name, ok, err)
		}
	}
}
