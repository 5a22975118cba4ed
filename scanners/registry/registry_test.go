package registry

import (
	"regexp"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/aws"
	"github.com/nhiscan/nhiscan/scanners/gcp"
	"github.com/nhiscan/nhiscan/scanners/k8s"
)

// recorder is a FlagSet that records the names declared on it.
type recorder struct{ names []string }

func (r *recorder) StringVar(_ *string, name, _, _ string)         { r.names = append(r.names, name) }
func (r *recorder) BoolVar(_ *bool, name string, _ bool, _ string) { r.names = append(r.names, name) }
func (r *recorder) StringArrayVar(_ *[]string, name string, _ []string, _ string) {
	r.names = append(r.names, name)
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Every provider is complete, named once, and its flags collide neither
// with another provider's nor with the flags every command has.
func TestProviders(t *testing.T) {
	shared := map[string]bool{"input": true, "demo": true, "format": true, "output": true, "as-of": true, "config": true,
		"concurrency": true, "timeout": true, "matrix": true, "per": true, "shard": true, "help": true}
	seen := map[string]bool{}
	for _, p := range All() {
		if !validName.MatchString(p.Name) || seen[p.Name] {
			t.Errorf("provider name %q invalid or repeated", p.Name)
		}
		seen[p.Name] = true
	}
	for _, c := range []Command{Scan, OrgAccounts} {
		owner := map[string]string{}
		for _, p := range All() {
			if p.NewOffline == nil || p.NewLive == nil || p.Exports == "" || !strings.HasPrefix(p.Usage, "  nhiscan scan "+p.Name) || !strings.HasSuffix(p.Usage, "\n") {
				t.Errorf("%s: incomplete descriptor", p.Name)
				continue
			}
			if got := p.NewOffline().Name(); got != p.Name {
				t.Errorf("%s: offline loader is named %q", p.Name, got)
			}
			var r recorder
			l := p.NewLive()
			l.Flags(&r, c)
			for _, n := range r.names {
				if shared[n] || owner[n] != "" {
					t.Errorf("command %d: flag --%s of %s is also declared by %q", c, n, p.Name, owner[n]+" the command")
				}
				owner[n] = p.Name
			}
			// Nothing given: no flag is stray.
			if err := l.Unused(c); err != nil {
				t.Errorf("%s: %v without any flag", p.Name, err)
			}
			for _, s := range p.SecretFlags {
				if owner[s] != p.Name && c == Scan {
					t.Errorf("%s: secret flag --%s is not one of its flags", p.Name, s)
				}
			}
		}
	}
	if aws.DefaultTimeout != DefaultTimeout || gcp.DefaultTimeout != DefaultTimeout || k8s.DefaultTimeout != DefaultTimeout {
		t.Errorf("DefaultTimeout %v differs from a scanner's (aws %v, gcp %v, k8s %v)", DefaultTimeout, aws.DefaultTimeout, gcp.DefaultTimeout, k8s.DefaultTimeout)
	}
}

// The shard flags select exactly the scopes given.
func TestShardArgs(t *testing.T) {
	g := GCP(nil).NewLive().(*gcpLive)
	g.organization = "555"
	for _, tc := range []struct {
		l    Live
		want string
	}{
		{AWS(nil).NewLive(), "--account 1 --account 2"},
		{g, "--organization 555 --project 1 --project 2"},
		{K8s().NewLive(), "--context 1 --context 2"},
	} {
		if got := tc.l.ShardArgs([]string{"1", "2"}); got != tc.want {
			t.Errorf("ShardArgs = %q, want %q", got, tc.want)
		}
	}
}

// The Azure flags apply to a live Azure scan only: given to an offline
// scan or another provider they are refused; ids that are not GUIDs are
// refused before any call; 'org accounts azure' says what to do instead.
func TestAzureFlags(t *testing.T) {
	l := Azure(nil).NewLive().(*azureLive)
	if err := l.Unused(Scan); err != nil {
		t.Errorf("no flag given: %v", err)
	}
	if err := l.Check(Scan); err != nil {
		t.Errorf("live azure without flags: %v", err)
	}
	l.subscriptions = []string{"s"}
	if err := l.Unused(Scan); err == nil || !strings.Contains(err.Error(), "--subscription") {
		t.Errorf("--subscription elsewhere: %v", err)
	}
	if err := l.Check(Scan); err == nil || !strings.Contains(err.Error(), `--subscription "s" is not a subscription id`) {
		t.Errorf("live azure: %v", err)
	}
	if err := l.Check(OrgAccounts); err == nil || !strings.Contains(err.Error(), "--subscription") {
		t.Errorf("org accounts azure: %v", err)
	}
}
