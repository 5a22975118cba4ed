package aws

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
)

// The GitLab recipe for sharding: `org accounts aws` with web identity
// (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE) and no region anywhere.
// It loads its configuration like the scan (TestLiveWebIdentityWithoutRegion
// and TestLiveWebIdentityRegionBeforeLoad cover the region before load):
// the token is exchanged once, and every call is signed for us-east-1.
func TestAccountsWithWebIdentityAndNoRegion(t *testing.T) {
	f := awstest.New(t)
	clearCredentials(t)
	f.WebIdentityToken = "eyJhbGciOiJSUzI1NiJ9.gitlab.sig"
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte(f.WebIdentityToken), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::"+awstest.MgmtAccount+":role/gitlab-nhiscan")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token)
	accts, err := testLive(LiveOptions{}).Accounts(context.Background())
	if err != nil {
		t.Fatalf("listing accounts with web identity and no region: %v", err)
	}
	if len(accts) != 3 {
		t.Errorf("accounts = %v, want the 3 ACTIVE ones", accts)
	}
	if n := f.Count(awstest.MgmtAccount, "AssumeRoleWithWebIdentity"); n != 1 {
		t.Errorf("AssumeRoleWithWebIdentity called %d times", n)
	}
	if r := f.Regions(); len(r) != 1 || r["us-east-1"] == 0 {
		t.Errorf("signing regions = %v, want us-east-1 only", r)
	}
}
