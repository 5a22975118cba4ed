package k8s

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// TestLiveRefusalsNameServer: a server that refuses the credentials,
// answers with a proxy's HTML page or serves no Kubernetes API fails its
// cluster with one line naming the context, the server and what was
// refused, and never the credentials.
func TestLiveRefusalsNameServer(t *testing.T) {
	const token = "TOKEN-CANARY-41f7"
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"unauthorized", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`))
		}, "listing serviceaccounts: Unauthorized (HTTP 401: the server refused the credentials of the context's user)"},
		{"html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>Sign in</body></html>"))
		}, "listing serviceaccounts: the server answered with text/html, not the Kubernetes API (a proxy or a login page?): serializer for text/html doesn't exist"},
		{"notfound", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}`))
		}, "listing serviceaccounts: the server could not find the requested resource (HTTP 404: not a Kubernetes API server, or the server URL lacks its path prefix?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(tc.handler)
			defer srv.Close()
			kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
			cfg := "apiVersion: v1\nkind: Config\ncurrent-context: prod-ctx\nclusters:\n- name: prod\n  cluster:\n    server: " + srv.URL + "\n    insecure-skip-tls-verify: true\ncontexts:\n- name: prod-ctx\n  context:\n    cluster: prod\n    user: u\nusers:\n- name: u\n  user:\n    token: " + token + "\n"
			if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			inv, err := NewLive(LiveOptions{Kubeconfig: kubeconfig}).Scan(context.Background())
			if err != nil || len(inv.Sources) != 1 {
				t.Fatalf("%+v, %v", inv.Sources, err)
			}
			s := inv.Sources[0]
			want := "context prod-ctx, server " + srv.URL + ": " + tc.want
			if s.Status != inventory.StatusFailed || s.Error != want {
				t.Errorf("source %s: %s\n error %q\n want  %q", s.Scope, s.Status, s.Error, want)
			}
			if strings.Contains(s.Error, token) || strings.Contains(s.Error, "\n") {
				t.Errorf("error %q carries the token or spans lines", s.Error)
			}
		})
	}
}
