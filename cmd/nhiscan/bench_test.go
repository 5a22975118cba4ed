package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/output"
	"github.com/nhiscan/nhiscan/rules"
	"github.com/nhiscan/nhiscan/rules/paths"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// writeSyntheticAccount writes AWS CLI exports of a generated account:
// roles, users and customer-managed policies (two versions each, 2-8
// statements), as get-account-authorization-details prints them (indented
// four spaces, documents as objects), a credential report and list-roles.
func writeSyntheticAccount(tb testing.TB, dir string, roles, users, policies int) int64 {
	tb.Helper()
	const acct = "210987654321"
	rng := rand.New(rand.NewPCG(1, 2))
	services := []string{"s3", "ec2", "iam", "kms", "sqs", "sns", "dynamodb", "lambda", "logs", "ssm", "secretsmanager", "glue", "athena", "rds", "ecr"}
	verbs := []string{"Get*", "List*", "Describe*", "Put*", "Create*", "Delete*", "*", "Update*"}
	stmt := func() map[string]any {
		n := 1 + rng.IntN(4)
		actions := make([]string, n)
		for i := range actions {
			actions[i] = services[rng.IntN(len(services))] + ":" + verbs[rng.IntN(len(verbs))]
		}
		s := map[string]any{"Effect": "Allow", "Action": actions, "Resource": "*"}
		switch rng.IntN(10) {
		case 0:
			s["Effect"] = "Deny"
		case 1:
			s["Resource"] = fmt.Sprintf("arn:aws:s3:::bucket-%d/*", rng.IntN(1000))
		case 2:
			s["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:RequestedRegion": "eu-west-1"}}
		}
		return s
	}
	doc := func(min, max int) map[string]any {
		n := min + rng.IntN(max-min+1)
		st := make([]map[string]any, n)
		for i := range st {
			st[i] = stmt()
		}
		return map[string]any{"Version": "2012-10-17", "Statement": st}
	}
	date := func(daysAgo int) string {
		return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -daysAgo).Format("2006-01-02T15:04:05+00:00")
	}
	var pols []map[string]any
	for i := 0; i < policies; i++ {
		arn := fmt.Sprintf("arn:aws:iam::%s:policy/team-%d", acct, i)
		pols = append(pols, map[string]any{
			"PolicyName": fmt.Sprintf("team-%d", i), "PolicyId": fmt.Sprintf("ANPA%016d", i), "Arn": arn, "Path": "/",
			"DefaultVersionId": "v2", "AttachmentCount": 5, "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
			"CreateDate": date(900), "UpdateDate": date(100),
			"PolicyVersionList": []map[string]any{
				{"Document": doc(2, 8), "VersionId": "v2", "IsDefaultVersion": true, "CreateDate": date(100)},
				{"Document": doc(2, 8), "VersionId": "v1", "IsDefaultVersion": false, "CreateDate": date(900)},
			},
		})
	}
	attach := func() []map[string]any {
		n := 1 + rng.IntN(2)
		out := make([]map[string]any, n)
		for i := range out {
			p := rng.IntN(policies)
			out[i] = map[string]any{"PolicyName": fmt.Sprintf("team-%d", p), "PolicyArn": fmt.Sprintf("arn:aws:iam::%s:policy/team-%d", acct, p)}
		}
		return out
	}
	tags := func(i int) []map[string]any {
		if i%3 == 0 {
			return []map[string]any{}
		}
		return []map[string]any{{"Key": "owner", "Value": fmt.Sprintf("team-%d", i%40)}, {"Key": "env", "Value": "prod"}}
	}
	var roleList, listRoles []map[string]any
	for i := 0; i < roles; i++ {
		name := fmt.Sprintf("workload-%d", i)
		trust := map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{{"Effect": "Allow", "Principal": map[string]any{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}}
		if i%50 == 0 {
			trust["Statement"] = []map[string]any{{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}}
		}
		r := map[string]any{
			"Path": "/", "RoleName": name, "RoleId": fmt.Sprintf("AROA%016d", i), "Arn": fmt.Sprintf("arn:aws:iam::%s:role/%s", acct, name),
			"CreateDate": date(200 + i%500), "AssumeRolePolicyDocument": trust, "InstanceProfileList": []any{},
			"RolePolicyList": []map[string]any{}, "AttachedManagedPolicies": attach(), "Tags": tags(i),
			"RoleLastUsed": map[string]any{"LastUsedDate": date(i % 200), "Region": "us-east-1"},
		}
		if i%8 == 0 {
			r["RolePolicyList"] = []map[string]any{{"PolicyName": "inline", "PolicyDocument": doc(1, 4)}}
		}
		roleList = append(roleList, r)
		listRoles = append(listRoles, map[string]any{"Path": "/", "RoleName": name, "Arn": r["Arn"], "CreateDate": r["CreateDate"], "MaxSessionDuration": 3600 * (1 + i%3)})
	}
	var groups []map[string]any
	for g := 0; g < 50; g++ {
		groups = append(groups, map[string]any{"Path": "/", "GroupName": fmt.Sprintf("group-%d", g), "GroupId": fmt.Sprintf("AGPA%016d", g),
			"Arn": fmt.Sprintf("arn:aws:iam::%s:group/group-%d", acct, g), "CreateDate": date(900),
			"GroupPolicyList": []map[string]any{{"PolicyName": "g", "PolicyDocument": doc(1, 3)}}, "AttachedManagedPolicies": attach()})
	}
	var userList []map[string]any
	var report strings.Builder
	report.WriteString("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n")
	for i := 0; i < users; i++ {
		name := fmt.Sprintf("svc-%d", i)
		arn := fmt.Sprintf("arn:aws:iam::%s:user/%s", acct, name)
		userList = append(userList, map[string]any{
			"Path": "/", "UserName": name, "UserId": fmt.Sprintf("AIDA%016d", i), "Arn": arn, "CreateDate": date(300 + i%400),
			"UserPolicyList": []map[string]any{{"PolicyName": "own", "PolicyDocument": doc(1, 3)}},
			"GroupList":      []string{fmt.Sprintf("group-%d", i%50)}, "AttachedManagedPolicies": attach()[:1], "Tags": tags(i),
		})
		pw := "false,N/A,N/A"
		if i%10 == 0 {
			pw = "true," + date(i%120) + "," + date(300)
		}
		fmt.Fprintf(&report, "%s,%s,%s,%s,N/A,false,true,%s,%s,us-east-1,s3,%v,%s,N/A,N/A,N/A,false,N/A,false,N/A\n",
			name, arn, date(300+i%400), pw, date(i%300), date(i%90), i%7 == 0, date(10))
	}
	gaad := map[string]any{"UserDetailList": userList, "GroupDetailList": groups, "RoleDetailList": roleList, "Policies": pols}
	var total int64
	write := func(name string, v any) {
		var data []byte
		if s, ok := v.(string); ok {
			data = []byte(s)
		} else {
			var err error
			if data, err = json.MarshalIndent(v, "", "    "); err != nil {
				tb.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			tb.Fatal(err)
		}
		total += int64(len(data))
	}
	write("get-account-authorization-details.json", gaad)
	write("credential-report.csv", report.String())
	write("list-roles.json", map[string]any{"Roles": listRoles})
	return total
}

// BenchmarkOfflineScan measures a full offline scan through the CLI (read
// the exports, build the inventory, evaluate every rule, render JSON) at a
// quarter, half and the whole of the target account size: 20,000 roles,
// 5,000 users and 4,000 customer-managed policies. After the timed runs it
// times each phase once and reports it: load-ms (read and parse the
// exports into the inventory), graph-ms (the escalation graph,
// paths.Build), rules-ms (every rule but the two that read the graph),
// json-ms and table-ms (rendering), with table-MB the bytes the table
// renderer allocates.
func BenchmarkOfflineScan(b *testing.B) {
	for _, scale := range []int{1, 2, 4} {
		roles, users, policies := 5000*scale, 1250*scale, 1000*scale
		b.Run(fmt.Sprintf("roles=%d", roles), func(b *testing.B) {
			dir := b.TempDir()
			size := writeSyntheticAccount(b, dir, roles, users, policies)
			env := testEnv(inventory.Inventory{})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				code := run(context.Background(), []string{"scan", "--input", dir, "--format", "json", "--as-of", "2026-11-01T00:00:00Z"}, io.Discard, io.Discard, env)
				if code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(size)/1e6, "MB-input")
			for name, v := range scanPhases(b, env, dir) {
				b.ReportMetric(v, name)
			}
		})
	}
}

// scanPhases runs the phases of runScan one by one on the exports in dir
// and returns their durations in milliseconds (and the table renderer's
// allocations in MB).
func scanPhases(tb testing.TB, env *environment, dir string) map[string]float64 {
	tb.Helper()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	out := map[string]float64{}
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

	t0 := time.Now()
	files, err := pathFiles([]string{dir})
	if err != nil {
		tb.Fatal(err)
	}
	inv, err := readOffline(env, files, env.now(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	out["load-ms"] = ms(time.Since(t0))

	cfg := rules.DefaultConfig(asOf)
	rules.Classify(&inv, &cfg)
	t0 = time.Now()
	paths.Build(&inv, asOf)
	out["graph-ms"] = ms(time.Since(t0))

	// rules-ms: every rule but the two that read the graph, so that the
	// graph is not built again; then every rule for the findings.
	catalogue := rules.All()
	other := cfg
	other.Disabled = map[string]bool{"NHI-ESC-001": true, "NHI-DEL-006": true}
	t0 = time.Now()
	if _, err := rules.Run(context.Background(), &inv, catalogue, other); err != nil {
		tb.Fatal(err)
	}
	out["rules-ms"] = ms(time.Since(t0))
	fs, err := rules.Run(context.Background(), &inv, catalogue, cfg)
	if err != nil {
		tb.Fatal(err)
	}

	r := &findings.Report{SchemaVersion: findings.SchemaVersion, Tool: findings.Tool{Name: "nhiscan", Version: "bench"}, AsOf: asOf,
		Sources: toSources(inv.Sources), Findings: fs, Summary: findings.Summarize(fs, len(inv.Identities))}
	for _, rule := range catalogue {
		r.Rules = append(r.Rules, rules.Describe(rule))
	}
	t0 = time.Now()
	if err := output.Write(io.Discard, output.JSON, r, output.SARIFOptions{}); err != nil {
		tb.Fatal(err)
	}
	out["json-ms"] = ms(time.Since(t0))

	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	t0 = time.Now()
	if err := output.Write(io.Discard, output.Table, r, output.SARIFOptions{}); err != nil {
		tb.Fatal(err)
	}
	out["table-ms"] = ms(time.Since(t0))
	goruntime.ReadMemStats(&after)
	out["table-MB"] = float64(after.TotalAlloc-before.TotalAlloc) / 1e6
	out["findings"] = float64(len(fs))
	return out
}

// TestWriteSyntheticAccount writes the benchmark's generated account into
// $NHISCAN_SYNTH_DIR (5,000 roles times $NHISCAN_SYNTH_SCALE) for
// scripts/bench-vs-python.sh; without the variable it checks that a small
// generated account scans cleanly.
func TestWriteSyntheticAccount(t *testing.T) {
	dir, scale := os.Getenv("NHISCAN_SYNTH_DIR"), 1
	if s := os.Getenv("NHISCAN_SYNTH_SCALE"); s != "" {
		if _, err := fmt.Sscan(s, &scale); err != nil || scale < 1 {
			t.Fatalf("NHISCAN_SYNTH_SCALE=%q: want a positive integer", s)
		}
	}
	roles, users, policies := 5000*scale, 1250*scale, 1000*scale
	if dir == "" {
		dir, roles, users, policies = t.TempDir(), 200, 50, 40
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSyntheticAccount(t, dir, roles, users, policies)
	phases := scanPhases(t, testEnv(inventory.Inventory{}), dir)
	if phases["findings"] < float64(roles) {
		t.Errorf("%d findings on %d roles: the generated account should have broad grants everywhere", int(phases["findings"]), roles)
	}
}
