package k8s

import "github.com/nhiscan/nhiscan/scanners/inventory"

// cloudLinks reads the workload identity annotations of the service
// account ns/name into the links to the cloud identities its pods are set
// up to become: an IAM role (EKS IRSA), a GCP service account (GKE
// Workload Identity) or an Entra application (Azure Workload Identity).
// Each carries the subject the cluster's tokens give the account, in the
// form the other side matches it: "system:serviceaccount:ns:name" in the
// token's sub claim (AWS, Azure), "ns/name" in the workload pool member
// PROJECT.svc.id.goog[ns/name] (GCP). issuer is the cluster's service
// account issuer, "" when unknown.
func cloudLinks(annotations map[string]string, ns, name, issuer string) []inventory.CloudLink {
	sub := "system:serviceaccount:" + ns + ":" + name
	var out []inventory.CloudLink
	for _, l := range []struct {
		key      string
		provider inventory.Provider
		subject  string
	}{
		{"eks.amazonaws.com/role-arn", inventory.AWS, sub},
		{"iam.gke.io/gcp-service-account", inventory.GCP, ns + "/" + name},
		{"azure.workload.identity/client-id", inventory.Azure, sub},
	} {
		if v := annotations[l.key]; v != "" {
			out = append(out, inventory.CloudLink{Provider: l.provider, Target: v, Issuer: issuer, Subject: l.subject})
		}
	}
	return out
}
