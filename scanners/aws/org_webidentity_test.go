package aws

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
)

// The GitLab recipe: web identity (AWS_ROLE_ARN and
// AWS_WEB_IDENTITY_TOKEN_FILE) and no region anywhere. The SDK builds the
// STS client of the web-identity provider while it loads the
// configuration, so the default region (IAM is global) must be in place
// before that: set afterwards, the token exchange fails with "Missing
// Region". A custom STS endpoint would hide that (it needs no region), so
// the exchange goes to STS's real regional host name, through a local
// HTTPS proxy that answers as STS does with a certificate of a test CA
// (AWS_CA_BUNDLE); IAM and Organizations are the local test server. Go
// reads the proxy variables once per process: the scenario runs in a
// child process of the test binary.
func TestAccountsWithWebIdentityAndNoRegion(t *testing.T) {
	if os.Getenv("NHISCAN_WEB_IDENTITY_CHILD") == "1" {
		sts := webIdentityWithoutRegion(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		accts, err := NewLive(LiveOptions{MaxBackoff: 10 * time.Millisecond}).Accounts(ctx)
		if err != nil {
			t.Fatalf("listing accounts with web identity and no region: %v", err)
		}
		exchanged, hosts := sts.seen()
		if len(accts) != 3 || exchanged == 0 || len(hosts) == 0 || hosts[0] != "sts.us-east-1.amazonaws.com:443" {
			t.Errorf("accounts %v; %d web identity exchanges through %v", accts, exchanged, hosts)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAccountsWithWebIdentityAndNoRegion$", "-test.count=1")
	cmd.Env = append(os.Environ(), "NHISCAN_WEB_IDENTITY_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("web identity scenario: %v\n%s", err, out)
	}
}

// fakeSTS records the web identity exchanges and the hosts they went to.
type fakeSTS struct {
	mu        sync.Mutex
	hosts     []string
	exchanged int
}

func (f *fakeSTS) seen() (int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exchanged, append([]string(nil), f.hosts...)
}

// webIdentityWithoutRegion sets the environment of the GitLab recipe (web
// identity, no region, no static keys) with STS behind a local HTTPS proxy
// and IAM/Organizations on the local test server. Call it only in a child
// process (see TestAccountsWithWebIdentityAndNoRegion).
func webIdentityWithoutRegion(t *testing.T) *fakeSTS {
	awstest.New(t) // IAM and Organizations, through AWS_ENDPOINT_URL
	dir := t.TempDir()

	// A test CA and a certificate for STS's host names.
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "nhiscan test CA"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "sts"}, DNSNames: []string{"sts.us-east-1.amazonaws.com", "sts.amazonaws.com"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}

	rec := &fakeSTS{}
	sts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(body))
		if q.Get("Action") != "AssumeRoleWithWebIdentity" || strings.TrimSpace(q.Get("WebIdentityToken")) != "gitlab-oidc-token" || q.Get("RoleArn") != "arn:aws:iam::111111111111:role/NhiscanAudit" {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>unexpected request</Message></Error><RequestId>web-0</RequestId></ErrorResponse>`)
			return
		}
		rec.mu.Lock()
		rec.exchanged++
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>`+
			`<Credentials><AccessKeyId>AKIDWEBIDENTITY</AccessKeyId><SecretAccessKey>web-secret</SecretAccessKey><SessionToken>web-session</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>`+
			`<SubjectFromWebIdentityToken>project_path:acme/infra:ref_type:branch:ref:main</SubjectFromWebIdentityToken>`+
			`<AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/NhiscanAudit/gitlab</Arn><AssumedRoleId>AROAWEB:gitlab</AssumedRoleId></AssumedRoleUser>`+
			`</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>web-1</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`)
	}))
	sts.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}}}
	sts.StartTLS()
	t.Cleanup(sts.Close)

	// The HTTPS proxy: CONNECT to any host reaches the STS server above.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		rec.mu.Lock()
		rec.hosts = append(rec.hosts, r.Host)
		rec.mu.Unlock()
		upstream, err := net.Dial("tcp", sts.Listener.Addr().String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go func() { io.Copy(upstream, conn); upstream.Close() }()
		io.Copy(conn, upstream)
		conn.Close()
	}))
	t.Cleanup(proxy.Close)

	token := filepath.Join(dir, ".aws-token")
	// As the README's recipe writes it: echo adds a newline, which the SDK
	// sends along and STS accepts.
	if err := os.WriteFile(token, []byte("gitlab-oidc-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	t.Setenv("AWS_CA_BUNDLE", bundle)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/NhiscanAudit")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token)

	return rec
}
