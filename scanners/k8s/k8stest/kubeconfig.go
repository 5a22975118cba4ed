package k8stest

import (
	"fmt"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Context is one context of a kubeconfig that WriteKubeconfig writes.
type Context struct {
	// Name of the context, and Cluster the name of its cluster entry.
	Name, Cluster string
	// Server is the cluster's URL; empty: this control plane's.
	Server string
	// As, when set, impersonates this user (the admin certificate may
	// impersonate anyone), so RBAC applies to As.
	As string
}

// WriteKubeconfig writes a kubeconfig holding contexts (the first is the
// current one), all authenticated with the admin certificate, into the
// environment's directory as name, and returns its path.
func (e *Env) WriteKubeconfig(name string, contexts ...Context) (string, error) {
	cfg := clientcmdapi.NewConfig()
	for i, c := range contexts {
		server := c.Server
		if server == "" {
			server = e.Config.Host
		}
		cfg.Clusters[c.Cluster] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: e.Config.CAData}
		user := "admin"
		if c.As != "" {
			user = "admin-as-" + c.As
		}
		cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: e.Config.CertData, ClientKeyData: e.Config.KeyData, Impersonate: c.As}
		cfg.Contexts[c.Name] = &clientcmdapi.Context{Cluster: c.Cluster, AuthInfo: user}
		if i == 0 {
			cfg.CurrentContext = c.Name
		}
	}
	path := filepath.Join(e.Dir, name)
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("write kubeconfig %s: %w", name, err)
	}
	return path, nil
}
