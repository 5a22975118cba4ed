package registry

import (
	"regexp"
	"strings"
	"testing"

	"github.com/nhiscan/nhiscan/scanners"
)

// offline returns a fresh offline loader of every provider.
func offline() []scanners.Offline {
	var out []scanners.Offline
	for _, p := range All() {
		out = append(out, p.NewOffline())
	}
	return out
}

func TestOfflineNamesUniqueAndValid(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	seen := map[string]bool{}
	for _, l := range offline() {
		n := l.Name()
		if !valid.MatchString(n) {
			t.Errorf("loader name %q is not a lower-case word", n)
		}
		if seen[n] {
			t.Errorf("loader name %q appears twice", n)
		}
		seen[n] = true
		if ok, err := l.Add("empty.json", []byte(`{"unrelated": true}`)); ok || err != nil {
			t.Errorf("loader %s claimed an unrelated file: ok=%v err=%v", n, ok, err)
		}
	}
	if len(seen) == 0 {
		t.Fatal("no offline loaders registered")
	}
}

// FuzzOfflineAdd feeds arbitrary files to every offline loader: none may
// panic, and an error must be one line.
func FuzzOfflineAdd(f *testing.F) {
	for _, seed := range []string{
		`{"UserDetailList": [{"UserName": "a", "Arn": "arn:aws:iam::123456789012:user/a", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": "%7B%7D"}]}]}`,
		"user,arn,user_creation_time\na,arn:aws:iam::123456789012:user/a,2024-01-01T00:00:00Z\n",
		`[{"email": "a@p.iam.gserviceaccount.com", "uniqueId": "1", "projectId": "p"}]`,
		`[{"name": "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/k", "keyType": "USER_MANAGED", "validAfterTime": "2024-01-01T00:00:00Z"}]`,
		`{"bindings": [{"role": "roles/owner", "members": ["deleted:serviceAccount:x?uid=1"]}]}`,
		`[{"activityType": "serviceAccountLastAuthentication", "fullResourceName": "//iam.googleapis.com/projects/p/serviceAccounts/1", "activity": {"lastAuthenticatedTime": "2024-01-01T00:00:00Z"}}]`,
		`{"assetType": "iam.googleapis.com/ServiceAccount", "resource": {"data": {"email": "a@p.iam.gserviceaccount.com"}}}` + "\n" + `{"assetType": "x", "resource": {}}`,
		`[{"resource": "//cloudresourcemanager.googleapis.com/folders/1", "policy": {"bindings": []}}]`,
	} {
		f.Add("p/iam-policy.json", []byte(seed))
	}
	f.Add("11111111-2222-4333-8444-555555555555/service-principals.json", []byte(`{"value": [{"id": "0b8c1c43-1a57-4d7e-9c0e-3f5e2a1b7c01", "appId": "a", "passwordCredentials": [{"keyId": "k", "endDateTime": "2026-01-01T00:00:00.1234567Z"}]}]}`+"\n"+`[{"id": "x"}]`))
	f.Add("t/role-assignments-s.json", []byte(`[{"principalId": "p", "properties": {"scope": "/subscriptions/s", "roleDefinitionId": "/r"}}]`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		for _, l := range offline() {
			_, err := l.Add(name, data)
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("%s: error spans lines: %q", l.Name(), err)
			}
			if _, err := l.Inventory(); err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("%s: inventory error spans lines: %q", l.Name(), err)
			}
		}
	})
}
