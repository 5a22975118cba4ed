// Package k8srbac matches the RBAC rules a Kubernetes service account
// holds against a request, as the API server's RBAC authorizer does. The
// escalation graph (rules/paths) and the CIS Kubernetes rules (rules)
// share it, so both agree on who holds what.
package k8srbac

import (
	"slices"
	"strings"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Grant is one rule of the identity's that covers a request but for its
// resourceNames: where it holds (every namespace, or one) and which
// objects (Names; nil for every one).
type Grant struct {
	All     bool   // a ClusterRoleBinding: every namespace and the cluster's own resources
	NS      string // a RoleBinding's namespace
	Names   []string
	Via     string             // "VERB RESOURCE through ROLE on SCOPE"
	Binding *inventory.Binding // the binding the rule reaches the identity through
}

// Grants lists the identity's rules covering verb on group/resource
// ("pods", "serviceaccounts/token"). A RoleBinding's rules hold in its
// namespace only, and for namespaced resources only: a cluster-scoped
// resource (namespaced false) is granted by ClusterRoleBindings only.
func Grants(id *inventory.Identity, verb, group, resource string, namespaced bool) []Grant {
	var out []Grant
	for i := range id.Bindings {
		b := &id.Bindings[i]
		ns, isNS := strings.CutPrefix(b.Scope, "namespaces/")
		if isNS && !namespaced {
			continue
		}
		for _, r := range b.RBACRules {
			if !Covers(r, verb, group, resource) {
				continue
			}
			out = append(out, Grant{All: !isNS, NS: ns, Names: r.ResourceNames, Via: verb + " " + resource + " through " + b.Role + " on " + b.Scope, Binding: b})
		}
	}
	return out
}

// Covers reports whether an RBAC rule grants the verb on the resource of
// the API group, leaving resourceNames aside: "*" in verbs, apiGroups and
// resources counts, and "*/sub" covers a subresource of any resource
// (the apiserver's own matching).
func Covers(r inventory.RBACRule, verb, group, resource string) bool {
	if !slices.Contains(r.Verbs, "*") && !slices.Contains(r.Verbs, verb) {
		return false
	}
	if !slices.Contains(r.APIGroups, "*") && !slices.Contains(r.APIGroups, group) {
		return false
	}
	_, sub, hasSub := strings.Cut(resource, "/")
	for _, res := range r.Resources {
		if res == "*" || res == resource || hasSub && res == "*/"+sub {
			return true
		}
	}
	return false
}

// WorkloadResources are what runs pods: a pod names its service account,
// a controller's template does. Creating any of them in a namespace runs
// code as any service account of that namespace.
var WorkloadResources = []struct{ Group, Resource string }{
	{"", "pods"}, {"apps", "deployments"}, {"apps", "statefulsets"}, {"apps", "daemonsets"}, {"apps", "replicasets"},
	{"batch", "jobs"}, {"batch", "cronjobs"}, {"", "replicationcontrollers"},
}

// TemplateControllers are the workload controllers whose pod template an
// update or patch may rewrite, spec.serviceAccountName included: the
// controller then runs pods as any service account of its namespace.
// Pods and Jobs are not among them: a pod's serviceAccountName and a
// Job's template are immutable (but for a suspended Job's scheduling
// directives and resources). Kind is the object's kind, as
// inventory.Workload names it.
var TemplateControllers = []struct{ Group, Resource, Kind string }{
	{"apps", "deployments", "Deployment"}, {"apps", "statefulsets", "StatefulSet"}, {"apps", "daemonsets", "DaemonSet"},
	{"apps", "replicasets", "ReplicaSet"}, {"batch", "cronjobs", "CronJob"}, {"", "replicationcontrollers", "ReplicationController"},
}

// Admin returns how the identity is cluster-admin-equivalent, if it is:
// bound cluster-wide to cluster-admin, or to any rule granting every verb
// on every resource of every API group.
func Admin(id *inventory.Identity) (string, bool) {
	for _, b := range id.Bindings {
		if b.Scope != "cluster" {
			continue
		}
		if b.Role == "ClusterRole/cluster-admin" {
			return b.Role + " (" + b.Name + ")", true
		}
		for _, r := range b.RBACRules {
			if len(r.ResourceNames) == 0 && slices.Contains(r.Verbs, "*") && slices.Contains(r.Resources, "*") && slices.Contains(r.APIGroups, "*") {
				return "* on * cluster-wide through " + b.Role + " (" + b.Name + ")", true
			}
		}
	}
	return "", false
}
