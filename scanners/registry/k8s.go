package registry

import (
	"context"
	"errors"

	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/k8s"
)

// K8s describes Kubernetes. It reads kubectl exports offline
// (scripts/export-k8s.sh); the live scanner is not written yet, so
// 'scan k8s' says how to export instead.
func K8s() Provider {
	o := &k8sLive{}
	return Provider{
		Name: "k8s",
		Usage: `  nhiscan scan k8s                   not yet: export with scripts/export-k8s.sh, then scan --input DIR
                                   [--cluster-name NAME] (default: each file's directory name)
`,
		Exports: "a kubectl get ... -o json|yaml export (List)",
		NewOffline: func() scanners.Offline {
			l := k8s.NewOffline()
			l.ClusterName = o.clusterName
			return l
		},
		NewLive: func() Live { return o },
	}
}

// errNoLive is the answer to a live Kubernetes scan.
var errNoLive = errors.New("k8s: there is no live Kubernetes scanner yet: export the cluster with scripts/export-k8s.sh and run 'nhiscan scan --input DIR'")

// k8sLive holds the Kubernetes flags; the offline loaders the provider
// returns read the cluster name from it.
type k8sLive struct {
	clusterName string
}

func (k *k8sLive) Flags(fs FlagSet, c Command) {
	if c == Scan {
		fs.StringVar(&k.clusterName, "cluster-name", "", "k8s: the cluster's name for an offline Kubernetes export (default: the directory name of each file)")
	}
}

// Unused accepts --cluster-name: it applies to offline scans, which
// choose no provider.
func (k *k8sLive) Unused(Command) error { return nil }

func (k *k8sLive) Check(Command) error { return errNoLive }

func (k *k8sLive) Scanner(Common) scanners.Live { return nil }

func (k *k8sLive) Scopes(context.Context, scanners.Live) ([]Scope, error) { return nil, errNoLive }

func (k *k8sLive) ShardArgs([]string) string { return "" }
