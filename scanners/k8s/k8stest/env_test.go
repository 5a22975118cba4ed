package k8stest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// recorder keeps every response body a client received, by request path
// and query.
type recorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	bodies map[string][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies[req.URL.RequestURI()] = append(r.bodies[req.URL.RequestURI()], body...)
	return resp, nil
}

// take returns and forgets what was recorded.
func (r *recorder) take() map[string][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bodies
	r.bodies = map[string][]byte{}
	return b
}

func recording(cfg *rest.Config) (*rest.Config, *recorder) {
	rec := &recorder{bodies: map[string][]byte{}}
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		rec.next = rt
		return rec
	})
	return cfg, rec
}

// containsToken reports whether body carries the token, raw (protobuf)
// or base64-encoded (JSON).
func containsToken(body []byte, token string) bool {
	return bytes.Contains(body, []byte(token)) ||
		bytes.Contains(body, []byte(base64.StdEncoding.EncodeToString([]byte(token))))
}

// TestMetadataListCarriesNoSecretData is the pattern for the scanner:
// token Secrets are listed through the metadata-only client, filtered by
// type on the server and paged, and their data never crosses the wire,
// while the typed client's response for the same Secrets does carry it.
func TestMetadataListCarriesNoSecretData(t *testing.T) {
	env := Start(t)
	t.Logf("control plane ready in %s", env.Startup)
	ctx := context.Background()
	const ns = "nhi-proof"
	const token = "k8stest-sentinel-token-3f9c1e"

	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "builder", Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/builder"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create service account: %v", err)
	}
	// No controller manager runs, so the token Secrets carry the data
	// written here: a token the response bodies must not contain.
	for _, name := range []string{"builder-token-a", "builder-token-b"} {
		if _, err := cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{corev1.ServiceAccountNameKey: "builder"}},
			Type:       corev1.SecretTypeServiceAccountToken,
			Data:       map[string][]byte{corev1.ServiceAccountTokenKey: []byte(token)},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create token secret %s: %v", name, err)
		}
	}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "app-config"},
		Data:       map[string][]byte{"password": []byte(token)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create opaque secret: %v", err)
	}

	cfg, rec := recording(env.Config)

	// Control: the typed client transfers the data, so the recorder and
	// the check below can see it.
	typed, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := typed.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatalf("typed list: %v", err)
	}
	seen := false
	for _, body := range rec.take() {
		seen = seen || containsToken(body, token)
	}
	if !seen {
		t.Fatal("control failed: the typed Secret list did not carry the token, so the check below proves nothing")
	}

	// The pattern: metadata-only, token Secrets only, one per page.
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	secrets := meta.Resource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"})
	opts := metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("type", string(corev1.SecretTypeServiceAccountToken)).String(),
		Limit:         1,
	}
	var names []string
	pages := 0
	for {
		list, err := secrets.Namespace(ns).List(ctx, opts)
		if err != nil {
			t.Fatalf("metadata list: %v", err)
		}
		pages++
		for _, item := range list.Items {
			names = append(names, item.Name+" sa="+item.Annotations[corev1.ServiceAccountNameKey])
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	if got, want := strings.Join(names, ","), "builder-token-a sa=builder,builder-token-b sa=builder"; got != want {
		t.Errorf("metadata list = %s, want %s", got, want)
	}
	if pages < 2 {
		t.Errorf("metadata list took %d page(s), want paging with Limit 1", pages)
	}
	bodies := rec.take()
	if len(bodies) == 0 {
		t.Fatal("the recorder saw no metadata responses")
	}
	for uri, body := range bodies {
		if containsToken(body, token) {
			t.Errorf("metadata response for %s carries the token", uri)
		}
		// client-go v0.37 asks for protobuf, JSON as a fallback: the
		// kind is in the body either way.
		if !bytes.Contains(body, []byte("PartialObjectMetadataList")) {
			t.Errorf("metadata response for %s is not a PartialObjectMetadataList: %q", uri, body)
		}
		if bytes.HasPrefix(body, []byte("{")) && bytes.Contains(body, []byte(`"data"`)) {
			t.Errorf("metadata response for %s has a data field: %s", uri, body)
		}
	}

	// The kubeconfig file works as well as the rest.Config.
	fromFile, err := clientcmd.BuildConfigFromFlags("", env.Kubeconfig)
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", env.Kubeconfig, err)
	}
	cs2, err := kubernetes.NewForConfig(fromFile)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := cs2.CoreV1().ServiceAccounts(ns).Get(ctx, "builder", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get service account through the kubeconfig: %v", err)
	}
	if sa.Annotations["eks.amazonaws.com/role-arn"] != "arn:aws:iam::111122223333:role/builder" {
		t.Errorf("service account annotations = %v", sa.Annotations)
	}
}

// TestStartSkipsWithoutBinaries: without NHISCAN_KUBE_BIN the helper
// skips with a message naming the variable and the build script.
func TestStartSkipsWithoutBinaries(t *testing.T) {
	t.Setenv(BinEnv, "")
	ft := &skipRecorder{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != errSkipped {
				panic(r)
			}
		}()
		Start(ft)
	}()
	if !ft.skipped || !strings.Contains(ft.msg, BinEnv) || !strings.Contains(ft.msg, "scripts/k8s-test-env.sh build") {
		t.Errorf("Start without %s: skipped=%v message %q", BinEnv, ft.skipped, ft.msg)
	}
}

// TestStartFailsOnMissingBinaries: a directory without the binaries is an
// error naming the variable, not a skip.
func TestStartFailsOnMissingBinaries(t *testing.T) {
	_, err := start(t.TempDir(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), BinEnv) || !strings.Contains(err.Error(), "etcd") {
		t.Errorf("start with an empty bin directory: %v", err)
	}
}

var errSkipped = errors.New("skipped")

// skipRecorder records Skipf and unwinds Start with errSkipped, as the
// real Skipf ends the test's goroutine.
type skipRecorder struct {
	testing.TB
	skipped bool
	msg     string
}

func (s *skipRecorder) Helper() {}

func (s *skipRecorder) Skipf(format string, args ...any) {
	s.skipped = true
	s.msg = fmt.Sprintf(format, args...)
	panic(errSkipped)
}
