package azure

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/nhiscan/nhiscan/scanners/azure/aztest"
)

// BenchmarkLiveTenant scans a tenant of 4,000 service principals (2,000
// of the tenant's own, each with an application, owners, an application
// permission and two role assignments in 20 subscriptions) through the
// Graph client and the ARM SDK clients against the local TLS server:
// about 6,100 requests per scan, pages of 999.
func BenchmarkLiveTenant(b *testing.B) {
	dir := b.TempDir()
	var tenant string
	for name, data := range benchTenant(4000) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
		tenant = filepath.Dir(name)
		if d := filepath.Dir(tenant); d != "." {
			tenant = d
		}
	}
	srv := aztest.New(b, filepath.Join(dir, tenant), aztest.Options{PageSize: 999})
	b.ReportAllocs()
	for b.Loop() {
		l := NewLive(LiveOptions{Tenant: filepath.Base(tenant), Credential: &aztest.Credential{Secret: "bench"},
			ClientOptions: policy.ClientOptions{Transport: srv.Client, Cloud: srv.Cloud()}, GraphEndpoint: srv.URL,
			Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }})
		inv, err := l.Scan(context.Background())
		if err != nil || len(inv.Identities) != 4000 || inv.Sources[0].Status != "ok" {
			b.Fatal(err, len(inv.Identities), inv.Sources)
		}
	}
}
