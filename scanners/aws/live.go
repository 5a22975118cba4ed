package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// LiveOptions configure a live scan.
type LiveOptions struct {
	Profile string
	Region  string
	// Org scans every ACTIVE account of the organization by assuming
	// AssumeRole (a role name) in each, Concurrency accounts at a time.
	Org         bool
	AssumeRole  string
	ExternalID  string
	Concurrency int
	// Accounts, when set, limits an Org scan to these account ids (one
	// shard of the organization); one that is not ACTIVE in it fails.
	Accounts []string
	// Progress, when set, receives one line per step.
	Progress func(string)
	// ReportWait bounds the wait for the credential report (default 2
	// minutes); ReportPoll is the first delay between polls (default 2s).
	ReportWait time.Duration
	ReportPoll time.Duration
	// MaxBackoff caps the SDK's retry backoff (default 20s).
	MaxBackoff time.Duration
}

// Live scans AWS through the IAM, STS and Organizations APIs. It only
// reads; README.md lists the exact permissions.
type Live struct {
	opts LiveOptions
}

// NewLive returns a live AWS scanner.
func NewLive(o LiveOptions) *Live {
	if o.Concurrency < 1 {
		o.Concurrency = 4
	}
	if o.ReportWait == 0 {
		o.ReportWait = 2 * time.Minute
	}
	if o.ReportPoll == 0 {
		o.ReportPoll = 2 * time.Second
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 20 * time.Second
	}
	return &Live{opts: o}
}

// Name of the scanner.
func (l *Live) Name() string { return "aws" }

func (l *Live) progress(format string, args ...any) {
	if l.opts.Progress != nil {
		l.opts.Progress(fmt.Sprintf(format, args...))
	}
}

// keyLookups bounds GetAccessKeyLastUsed calls in flight per account.
const keyLookups = 4

// Scan reads the account of the current credentials, or with Org every
// ACTIVE account of the organization.
func (l *Live) Scan(ctx context.Context) (inventory.Inventory, error) {
	opts := []func(*config.LoadOptions) error{
		// The SDK's own warnings (IMDS fallbacks) would break nhiscan's
		// one-line errors; failures come back as errors instead.
		config.WithLogger(logging.Nop{}),
		config.WithRetryer(func() sdkaws.Retryer {
			r := retry.AddWithMaxAttempts(retry.NewAdaptiveMode(), 10)
			return retry.AddWithMaxBackoffDelay(r, l.opts.MaxBackoff)
		}),
	}
	if l.opts.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(l.opts.Profile))
	}
	if l.opts.Region != "" {
		opts = append(opts, config.WithRegion(l.opts.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("loading AWS configuration: %v", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // IAM is global; the SDK still wants a region
	}
	if !l.opts.Org {
		inv := l.scanAccount(ctx, cfg, "", "")
		if len(inv.Sources) == 1 && inv.Sources[0].Status == inventory.StatusFailed && len(inv.Identities) == 0 && inv.Sources[0].Scope == "" {
			return inventory.Inventory{}, errors.New(inv.Sources[0].Error)
		}
		return inv, nil
	}
	return l.scanOrg(ctx, cfg)
}

func (l *Live) scanOrg(ctx context.Context, cfg sdkaws.Config) (inventory.Inventory, error) {
	l.progress("listing organization accounts")
	org := organizations.NewFromConfig(cfg)
	var accounts []orgtypes.Account
	p := organizations.NewListAccountsPaginator(org, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return inventory.Inventory{}, fmt.Errorf("listing organization accounts: %v", err)
		}
		for _, a := range page.Accounts {
			active := a.State == orgtypes.AccountStateActive || (a.State == "" && a.Status == orgtypes.AccountStatusActive)
			if active && a.Id != nil {
				accounts = append(accounts, a)
			}
		}
	}
	sort.Slice(accounts, func(i, j int) bool { return *accounts[i].Id < *accounts[j].Id })
	accounts, missing := l.selectAccounts(accounts)
	l.progress("organization has %d active accounts", len(accounts))
	results := make([]inventory.Inventory, len(accounts))
	sem := make(chan struct{}, l.opts.Concurrency)
	var wg sync.WaitGroup
	stsClient := sts.NewFromConfig(cfg)
	for i, a := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			partition := "aws"
			if a.Arn != nil {
				if parts := splitARN(*a.Arn); len(parts) > 1 {
					partition = parts[1]
				}
			}
			roleArn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, *a.Id, l.opts.AssumeRole)
			acfg := cfg.Copy()
			acfg.Credentials = sdkaws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, roleArn, func(o *stscreds.AssumeRoleOptions) {
				o.RoleSessionName = "nhiscan"
				if l.opts.ExternalID != "" {
					o.ExternalID = sdkaws.String(l.opts.ExternalID)
				}
			}))
			results[i] = l.scanAccount(ctx, acfg, *a.Id, roleArn)
		}()
	}
	wg.Wait()
	var inv inventory.Inventory
	inv.Append(append(results, missing)...)
	return inv, ctx.Err()
}

func splitARN(arn string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(arn) && len(parts) < 5; i++ {
		if arn[i] == ':' {
			parts = append(parts, arn[start:i])
			start = i + 1
		}
	}
	return append(parts, arn[start:])
}

// describe turns an SDK error into one line naming the API error code.
func describe(op string, err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Sprintf("%s: %s: %s", op, ae.ErrorCode(), ae.ErrorMessage())
	}
	return fmt.Sprintf("%s: %v", op, err)
}

// scanAccount reads one account, through the role roleArn when set. It
// never fails as a whole: a failure is recorded in the returned Source,
// and the parts read are kept.
func (l *Live) scanAccount(ctx context.Context, cfg sdkaws.Config, want, roleArn string) inventory.Inventory {
	failed := func(scope, msg string) inventory.Inventory {
		return inventory.Inventory{Sources: []inventory.Source{{Scanner: "aws", Scope: scope, Mode: "live", Status: inventory.StatusFailed, Error: msg}}}
	}
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if roleArn != "" {
			// The assumed role's credentials are fetched on the first call.
			return failed(want, describe("sts:AssumeRole "+roleArn, err))
		}
		return failed(want, describe("sts:GetCallerIdentity", err))
	}
	acct := sdkaws.ToString(who.Account)
	a := &account{ID: acct, maxSession: map[string]int32{}, keys: map[string][]accessKey{}, haveKeyList: true}
	client := iam.NewFromConfig(cfg)

	l.progress("account %s: reading authorization details", acct)
	details, err := l.authDetails(ctx, client)
	if err != nil {
		return failed(acct, describe("iam:GetAccountAuthorizationDetails", err))
	}
	a.details = details
	var problems []string

	l.progress("account %s: listing roles", acct)
	if err := l.listRoles(ctx, client, a); err != nil {
		problems = append(problems, describe("iam:ListRoles", err)+" (role session lengths not assessed)")
	}
	l.progress("account %s: reading the credential report", acct)
	rows, err := l.credentialReport(ctx, client)
	if err != nil {
		problems = append(problems, err.Error()+" (passwords and root keys not assessed)")
	} else {
		a.report = rows
	}
	l.progress("account %s: listing access keys of %d users", acct, len(details.UserDetailList))
	if err := l.accessKeys(ctx, client, a); err != nil {
		problems = append(problems, err.Error())
	}
	inv := a.build("live")
	inv.Sources[0].Principal = sdkaws.ToString(who.Arn)
	if len(problems) > 0 {
		src := &inv.Sources[0]
		src.Status = inventory.StatusPartial
		src.Error = problems[0]
		src.Warnings = append(src.Warnings, problems[1:]...)
	}
	return inv
}

func (l *Live) authDetails(ctx context.Context, client *iam.Client) (*authDetails, error) {
	d := &authDetails{}
	p := iam.NewGetAccountAuthorizationDetailsPaginator(client, &iam.GetAccountAuthorizationDetailsInput{MaxItems: sdkaws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range page.UserDetailList {
			d.UserDetailList = append(d.UserDetailList, convertUser(u))
		}
		for _, g := range page.GroupDetailList {
			d.GroupDetailList = append(d.GroupDetailList, groupDetail{
				Path: sdkaws.ToString(g.Path), CreateDate: sdkaws.ToTime(g.CreateDate),
				GroupName: sdkaws.ToString(g.GroupName), Arn: sdkaws.ToString(g.Arn),
				GroupPolicyList: convertInline(g.GroupPolicyList), AttachedManagedPolicies: convertAttached(g.AttachedManagedPolicies),
			})
		}
		for _, r := range page.RoleDetailList {
			d.RoleDetailList = append(d.RoleDetailList, convertRole(r))
		}
		for _, mp := range page.Policies {
			d.Policies = append(d.Policies, convertPolicy(mp))
		}
	}
	return d, nil
}

func convertInline(ps []iamtypes.PolicyDetail) []inlinePolicy {
	out := make([]inlinePolicy, 0, len(ps))
	for _, p := range ps {
		out = append(out, inlinePolicy{PolicyName: sdkaws.ToString(p.PolicyName), PolicyDocument: documentFromAPI(p.PolicyDocument)})
	}
	return out
}

func convertAttached(ps []iamtypes.AttachedPolicy) []attachedPolicy {
	out := make([]attachedPolicy, 0, len(ps))
	for _, p := range ps {
		out = append(out, attachedPolicy{PolicyName: sdkaws.ToString(p.PolicyName), PolicyArn: sdkaws.ToString(p.PolicyArn)})
	}
	return out
}

func convertBoundary(b *iamtypes.AttachedPermissionsBoundary) *boundaryRef {
	if b == nil || b.PermissionsBoundaryArn == nil {
		return nil
	}
	return &boundaryRef{PermissionsBoundaryArn: *b.PermissionsBoundaryArn}
}

func convertTags(ts []iamtypes.Tag) []tag {
	out := make([]tag, 0, len(ts))
	for _, t := range ts {
		out = append(out, tag{Key: sdkaws.ToString(t.Key), Value: sdkaws.ToString(t.Value)})
	}
	return out
}

func convertUser(u iamtypes.UserDetail) userDetail {
	return userDetail{
		Path: sdkaws.ToString(u.Path), UserName: sdkaws.ToString(u.UserName), Arn: sdkaws.ToString(u.Arn),
		CreateDate: sdkaws.ToTime(u.CreateDate), UserPolicyList: convertInline(u.UserPolicyList), GroupList: u.GroupList,
		AttachedManagedPolicies: convertAttached(u.AttachedManagedPolicies), PermissionsBoundary: convertBoundary(u.PermissionsBoundary),
		Tags: convertTags(u.Tags),
	}
}

func convertRole(r iamtypes.RoleDetail) roleDetail {
	rd := roleDetail{
		Path: sdkaws.ToString(r.Path), RoleName: sdkaws.ToString(r.RoleName), Arn: sdkaws.ToString(r.Arn),
		CreateDate: sdkaws.ToTime(r.CreateDate), AssumeRolePolicyDocument: documentFromAPI(r.AssumeRolePolicyDocument),
		RolePolicyList: convertInline(r.RolePolicyList), AttachedManagedPolicies: convertAttached(r.AttachedManagedPolicies),
		PermissionsBoundary: convertBoundary(r.PermissionsBoundary), Tags: convertTags(r.Tags),
	}
	if r.RoleLastUsed != nil {
		rd.RoleLastUsed = &roleLastUsed{LastUsedDate: r.RoleLastUsed.LastUsedDate, Region: sdkaws.ToString(r.RoleLastUsed.Region)}
	}
	for _, ip := range r.InstanceProfileList {
		rd.InstanceProfileList = append(rd.InstanceProfileList, struct {
			Arn string `json:"Arn"`
		}{Arn: sdkaws.ToString(ip.Arn)})
	}
	return rd
}

func convertPolicy(p iamtypes.ManagedPolicyDetail) managedPolicy {
	mp := managedPolicy{PolicyName: sdkaws.ToString(p.PolicyName), Arn: sdkaws.ToString(p.Arn), DefaultVersionId: sdkaws.ToString(p.DefaultVersionId)}
	for _, v := range p.PolicyVersionList {
		mp.PolicyVersionList = append(mp.PolicyVersionList, policyVersion{Document: documentFromAPI(v.Document), VersionId: sdkaws.ToString(v.VersionId), IsDefaultVersion: v.IsDefaultVersion})
	}
	return mp
}

func (l *Live) listRoles(ctx context.Context, client *iam.Client, a *account) error {
	p := iam.NewListRolesPaginator(client, &iam.ListRolesInput{MaxItems: sdkaws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, r := range page.Roles {
			if r.MaxSessionDuration != nil {
				a.maxSession[sdkaws.ToString(r.Arn)] = *r.MaxSessionDuration
			}
		}
	}
	return nil
}

// credentialReport asks IAM to generate the report and polls, with
// growing delays, until it is ready or ReportWait has passed.
func (l *Live) credentialReport(ctx context.Context, client *iam.Client) ([]reportRow, error) {
	deadline := time.Now().Add(l.opts.ReportWait)
	delay := l.opts.ReportPoll
	for {
		gen, err := client.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			return nil, errors.New(describe("iam:GenerateCredentialReport", err))
		}
		if gen.State == iamtypes.ReportStateTypeComplete {
			rep, err := client.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
			if err == nil {
				rows, perr := parseReport(rep.Content)
				if perr != nil {
					return nil, fmt.Errorf("iam:GetCredentialReport: %v", perr)
				}
				return rows, nil
			}
			var notReady *iamtypes.CredentialReportNotReadyException
			if !errors.As(err, &notReady) {
				return nil, errors.New(describe("iam:GetCredentialReport", err))
			}
		}
		if time.Now().Add(delay).After(deadline) {
			return nil, fmt.Errorf("iam:GetCredentialReport: the credential report was not ready within %s (state %s); try again in a minute", l.opts.ReportWait, gen.State)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 15*time.Second)
	}
}

// accessKeys lists every user's keys and their last use, a bounded number
// of calls at a time.
func (l *Live) accessKeys(ctx context.Context, client *iam.Client, a *account) error {
	users := a.details.UserDetailList
	results := make([][]accessKey, len(users))
	errs := make([]error, len(users))
	sem := make(chan struct{}, keyLookups)
	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], errs[i] = l.userKeys(ctx, client, users[i].UserName)
		}()
	}
	wg.Wait()
	var failed []string
	var first error
	for i, u := range users {
		if errs[i] != nil {
			failed = append(failed, u.UserName)
			if first == nil {
				first = errs[i]
			}
			continue
		}
		a.keys[u.UserName] = results[i]
	}
	if first != nil {
		return fmt.Errorf("access keys of %d user(s) not read (first: %s)", len(failed), first.Error())
	}
	return nil
}

func (l *Live) userKeys(ctx context.Context, client *iam.Client, user string) ([]accessKey, error) {
	var keys []accessKey
	p := iam.NewListAccessKeysPaginator(client, &iam.ListAccessKeysInput{UserName: sdkaws.String(user)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, errors.New(describe("iam:ListAccessKeys "+user, err))
		}
		for _, k := range page.AccessKeyMetadata {
			keys = append(keys, accessKey{UserName: user, AccessKeyId: sdkaws.ToString(k.AccessKeyId), Status: string(k.Status), CreateDate: sdkaws.ToTime(k.CreateDate)})
		}
	}
	for i := range keys {
		out, err := client.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: sdkaws.String(keys[i].AccessKeyId)})
		if err != nil {
			return nil, errors.New(describe("iam:GetAccessKeyLastUsed "+keys[i].AccessKeyId, err))
		}
		keys[i].LastUsedKnown = true
		if out.AccessKeyLastUsed != nil && out.AccessKeyLastUsed.LastUsedDate != nil {
			t := out.AccessKeyLastUsed.LastUsedDate.UTC()
			keys[i].LastUsed = &t
		}
	}
	return keys, nil
}
