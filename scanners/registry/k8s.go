package registry

import (
	"context"
	"errors"
	"strings"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/k8s"
)

// K8s describes Kubernetes: live through the kubeconfig's contexts, or
// offline from kubectl exports (scripts/export-k8s.sh).
func K8s() Provider {
	o := &k8sLive{}
	return Provider{
		Name: "k8s",
		Usage: `  nhiscan scan k8s                 the current context of your kubeconfig (in a pod: its own service account)
  nhiscan scan k8s --context A [--context B] | --all-contexts [--kubeconfig FILE]
  nhiscan scan --input DIR [--cluster-name NAME]
                                   a kubectl export (scripts/export-k8s.sh); default name: each file's directory
`,
		Exports: "kubectl get --raw /.well-known/openid-configuration, a kubectl get ... -o json|yaml export (List)",
		NewOffline: func() scanners.Offline {
			l := k8s.NewOffline()
			l.ClusterName = o.clusterName
			return l
		},
		NewLive: func() Live { return o },
	}
}

// k8sLive holds the Kubernetes flags; the offline loaders the provider
// returns read the cluster name from it.
type k8sLive struct {
	clusterName string
	kubeconfig  string
	contexts    []string
	allContexts bool
}

func (k *k8sLive) Flags(fs FlagSet, c Command) {
	if c != Scan {
		return
	}
	fs.StringVar(&k.clusterName, "cluster-name", "", "k8s: the cluster's name: of the one context scanned live, or of an offline Kubernetes export (default: the context's cluster, each file's directory name)")
	fs.StringVar(&k.kubeconfig, "kubeconfig", "", "k8s: kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
	fs.StringArrayVar(&k.contexts, "context", nil, "k8s: kubeconfig context to scan (repeatable; default: the current context)")
	fs.BoolVar(&k.allContexts, "all-contexts", false, "k8s: scan every context of the kubeconfig")
}

// Unused accepts --cluster-name: it applies to offline scans too, which
// choose no provider.
func (k *k8sLive) Unused(c Command) error {
	if c == Scan && (k.kubeconfig != "" || len(k.contexts) > 0 || k.allContexts) {
		return errors.New("--kubeconfig, --context and --all-contexts apply to a live 'k8s' scan")
	}
	return nil
}

func (k *k8sLive) Check(c Command) error {
	switch {
	case c == OrgAccounts:
		return errNoOrg
	case len(k.contexts) > 0 && k.allContexts:
		return errors.New("give --context (repeatable) or --all-contexts, not both")
	case k.clusterName != "" && (len(k.contexts) > 1 || k.allContexts):
		return errors.New("--cluster-name names one cluster: scan one --context with it")
	}
	return nil
}

func (k *k8sLive) Scanner(c Common) scanners.Live {
	return k8s.NewLive(k8s.LiveOptions{
		Kubeconfig: k.kubeconfig, Contexts: k.contexts, AllContexts: k.allContexts, ClusterName: k.clusterName,
		Concurrency: c.Concurrency, Progress: c.Progress, Timeout: c.Timeout,
	})
}

// errNoOrg answers 'org accounts k8s': the clusters are the kubeconfig's
// contexts.
var errNoOrg = errors.New("k8s has no organization to list: 'kubectl config get-contexts' lists the clusters; scan several with --context (repeatable) or --all-contexts")

func (k *k8sLive) Scopes(context.Context, scanners.Live) ([]Scope, error) { return nil, errNoOrg }

func (k *k8sLive) ShardArgs(ids []string) string {
	return "--context " + strings.Join(ids, " --context ")
}
