package aws

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners/aws/awstest"
)

// TestMeasureAlwaysThrottledOrg measures an organization scan in which
// AssumeRole into one member account (or, with NHISCAN_MEASURE_ACCOUNT=all,
// every one) is always throttled, with the production retry settings
// (20s maximum backoff, 5 minute timeout per account). It takes minutes,
// so it runs only when asked:
//
//	NHISCAN_MEASURE=1 go test ./scanners/aws -run MeasureAlwaysThrottled -v
func TestMeasureAlwaysThrottledOrg(t *testing.T) {
	if os.Getenv("NHISCAN_MEASURE") == "" {
		t.Skip("set NHISCAN_MEASURE=1 to measure (takes minutes)")
	}
	f := awstest.New(t)
	acct, throttled := os.Getenv("NHISCAN_MEASURE_ACCOUNT"), 3
	if acct == "" {
		acct, throttled = "444444444444", 1
	}
	if acct == "all" {
		acct = ""
	}
	f.Faults = []awstest.Fault{{Kind: awstest.Throttle, Action: "AssumeRole", Account: acct}}
	start := time.Now()
	inv, err := NewLive(LiveOptions{Org: true, AssumeRole: "NhiscanAudit"}).Scan(context.Background())
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.Count(awstest.MgmtAccount, "AssumeRole")
	t.Logf("%d throttled account(s): %s, %d AssumeRole calls, %d GetCallerIdentity calls", throttled, took.Round(time.Second), calls, f.Count("444444444444", "GetCallerIdentity"))
	for _, s := range inv.Sources {
		t.Logf("%s %s %s", s.Scope, s.Status, s.Error)
	}
	if want := throttled*maxAttempts + 3 - throttled; calls != want {
		t.Errorf("AssumeRole calls = %d, want %d", calls, want)
	}
	if took > DefaultTimeout+time.Minute {
		t.Errorf("took %s, more than the timeout per account", took)
	}
}
