// Package k8stest starts a real Kubernetes control plane for tests: an etcd
// and a kube-apiserver built from the Go module proxy by
// scripts/k8s-test-env.sh (the tools module in ./tools), listening on
// loopback with a generated CA, serving certificate, service-account
// signing key and an admin client certificate (group system:masters).
//
// The binaries are found through NHISCAN_KUBE_BIN (a directory holding
// etcd and kube-apiserver); tests that need them are skipped when it is
// unset. There is no controller manager: namespaces get no default
// service account and token Secrets are not filled, so tests create every
// object they need themselves.
package k8stest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// BinEnv names the environment variable holding the directory with the
// etcd and kube-apiserver binaries.
const BinEnv = "NHISCAN_KUBE_BIN"

// readyTimeout bounds the wait for /readyz (about 5 s on an idle machine).
const readyTimeout = 90 * time.Second

// Env is a running etcd and kube-apiserver.
type Env struct {
	// Config authenticates as the cluster administrator (client
	// certificate, group system:masters). Copy it before changing it.
	Config *rest.Config
	// Kubeconfig is the path of a kubeconfig file with the same
	// credentials, for tools that load kubeconfig files.
	Kubeconfig string
	// Dir holds the certificates, etcd's data and the processes' logs.
	Dir string
	// Startup is how long the control plane took to become ready.
	Startup time.Duration

	procs []*proc // started order; stopped in reverse
}

type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done is closed
}

// Start starts etcd and kube-apiserver from NHISCAN_KUBE_BIN on free
// loopback ports, waits until /readyz answers ok and stops both when the
// test ends. It skips the test when NHISCAN_KUBE_BIN is unset and fails it
// when the binaries are missing or the control plane does not come up.
func Start(t testing.TB) *Env {
	t.Helper()
	bin := os.Getenv(BinEnv)
	if bin == "" {
		t.Skipf("%s is not set: build a real etcd and kube-apiserver with `scripts/k8s-test-env.sh build` and set %s to the directory it prints", BinEnv, BinEnv)
	}
	// The ports are free when chosen but another process may take one
	// before etcd or the API server binds it: then try other ports.
	for attempt := 1; ; attempt++ {
		env, err := start(bin, t.TempDir())
		if env != nil {
			t.Cleanup(env.stop)
		}
		if err == nil {
			return env
		}
		if attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("k8stest: %v", err)
		}
		env.stop()
	}
}

func start(bin, dir string) (*Env, error) {
	etcdBin := filepath.Join(bin, "etcd")
	apiBin := filepath.Join(bin, "kube-apiserver")
	for _, b := range []string{etcdBin, apiBin} {
		if _, err := os.Stat(b); err != nil {
			return nil, fmt.Errorf("%s: %w (run scripts/k8s-test-env.sh build)", BinEnv, err)
		}
	}
	began := time.Now()
	files, err := writeCredentials(dir)
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	apiPort := ports[2]

	env := &Env{Dir: dir}
	err = env.run(etcdBin, "etcd.log",
		"--name=k8stest",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=k8stest="+peerURL,
		"--unsafe-no-fsync",
		"--log-level=warn",
	)
	if err != nil {
		return env, err
	}
	err = env.run(apiBin, "kube-apiserver.log",
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(apiPort),
		"--endpoint-reconciler-type=none",
		"--tls-cert-file="+files.servingCert,
		"--tls-private-key-file="+files.servingKey,
		"--client-ca-file="+files.caCert,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+files.saPub,
		"--service-account-signing-key-file="+files.saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=RBAC",
		"--enable-priority-and-fairness=false",
	)
	if err != nil {
		return env, err
	}

	env.Config = &rest.Config{
		Host: "https://127.0.0.1:" + strconv.Itoa(apiPort),
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   files.caPEM,
			CertData: files.adminCertPEM,
			KeyData:  files.adminKeyPEM,
		},
		QPS:   -1, // no client-side throttling in tests
		Burst: -1,
	}
	env.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(env.Kubeconfig, kubeconfig(env.Config), 0o600); err != nil {
		return env, fmt.Errorf("write kubeconfig: %w", err)
	}
	if err := env.waitReady(); err != nil {
		return env, err
	}
	env.Startup = time.Since(began)
	return env, nil
}

// run starts one process with its output in dir/log.
func (e *Env) run(bin, log string, args ...string) error {
	out, err := os.Create(filepath.Join(e.Dir, log))
	if err != nil {
		return fmt.Errorf("%s log: %w", filepath.Base(bin), err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.Dir = e.Dir
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start %s: %w", filepath.Base(bin), err)
	}
	p := &proc{name: filepath.Base(bin), cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	e.procs = append(e.procs, p)
	return nil
}

// waitReady polls /readyz until it answers ok, a process exits, or
// readyTimeout passes; the error carries the end of the logs.
func (e *Env) waitReady() error {
	cfg := rest.CopyConfig(e.Config)
	cfg.Timeout = 5 * time.Second
	clients, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("readyz client: %w", err)
	}
	client := clients.Discovery().RESTClient()
	deadline := time.Now().Add(readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		for _, p := range e.procs {
			select {
			case <-p.done:
				return fmt.Errorf("%s exited (%v) before the API server was ready%s", p.name, p.err, e.logTails())
			default:
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		body, err := client.Get().AbsPath("/readyz").DoRaw(ctx)
		cancel()
		if err == nil && string(body) == "ok" {
			return nil
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("kube-apiserver not ready after %s: %v%s", readyTimeout, last, e.logTails())
}

// logTails returns the last lines of every log, for failure messages.
func (e *Env) logTails() string {
	var b strings.Builder
	for _, name := range []string{"etcd.log", "kube-apiserver.log"} {
		data, err := os.ReadFile(filepath.Join(e.Dir, name))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 15 {
			lines = lines[len(lines)-15:]
		}
		fmt.Fprintf(&b, "\n--- %s (last lines)\n%s", name, strings.Join(lines, "\n"))
	}
	return b.String()
}

// stop terminates the processes, the API server first, and waits for
// them (SIGKILL after 10 s).
func (e *Env) stop() {
	for i := len(e.procs) - 1; i >= 0; i-- {
		p := e.procs[i]
		select {
		case <-p.done:
			continue
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

type credentialFiles struct {
	caCert, servingCert, servingKey, saKey, saPub string
	caPEM, adminCertPEM, adminKeyPEM              []byte
}

// writeCredentials generates a CA, the API server's serving certificate
// for 127.0.0.1 and localhost, the admin client certificate and the
// service-account signing key pair.
func writeCredentials(dir string) (credentialFiles, error) {
	var f credentialFiles
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, fmt.Errorf("CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "nhiscan-k8stest-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return f, fmt.Errorf("CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return f, fmt.Errorf("CA certificate: %w", err)
	}
	f.caPEM = pemBlock("CERTIFICATE", caDER)

	leaf := func(serial int64, subject pkix.Name, usage x509.ExtKeyUsage, ips []net.IP, dns []string) (certPEM, keyPEM []byte, err error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      subject,
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
			DNSNames:     dns,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
		if err != nil {
			return nil, nil, err
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		return pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", keyDER), nil
	}
	servingCert, servingKey, err := leaf(2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth,
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, []string{"localhost"})
	if err != nil {
		return f, fmt.Errorf("serving certificate: %w", err)
	}
	f.adminCertPEM, f.adminKeyPEM, err = leaf(3, pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil)
	if err != nil {
		return f, fmt.Errorf("admin certificate: %w", err)
	}

	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return f, fmt.Errorf("service-account key: %w", err)
	}
	saKeyDER, err := x509.MarshalPKCS8PrivateKey(saKey)
	if err != nil {
		return f, fmt.Errorf("service-account key: %w", err)
	}
	saPubDER, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return f, fmt.Errorf("service-account key: %w", err)
	}

	f.caCert = filepath.Join(dir, "ca.crt")
	f.servingCert = filepath.Join(dir, "apiserver.crt")
	f.servingKey = filepath.Join(dir, "apiserver.key")
	f.saKey = filepath.Join(dir, "sa.key")
	f.saPub = filepath.Join(dir, "sa.pub")
	for name, data := range map[string][]byte{
		f.caCert:      f.caPEM,
		f.servingCert: servingCert,
		f.servingKey:  servingKey,
		f.saKey:       pemBlock("PRIVATE KEY", saKeyDER),
		f.saPub:       pemBlock("PUBLIC KEY", saPubDER),
	} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			return f, fmt.Errorf("write %s: %w", filepath.Base(name), err)
		}
	}
	return f, nil
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// kubeconfig renders cfg as a kubeconfig with one context, "k8stest".
func kubeconfig(cfg *rest.Config) []byte {
	var b bytes.Buffer
	b64 := base64.StdEncoding.EncodeToString
	fmt.Fprintf(&b, `apiVersion: v1
kind: Config
clusters:
- name: k8stest
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: k8stest
  context:
    cluster: k8stest
    user: admin
current-context: k8stest
`, cfg.Host, b64(cfg.CAData), b64(cfg.CertData), b64(cfg.KeyData))
	return b.Bytes()
}
