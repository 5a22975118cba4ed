package aws

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/nhiscan/nhiscan/scanners"
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
	// Timeout bounds the scan of one account, credentials included
	// (default 5 minutes); an account that takes longer fails.
	Timeout time.Duration
	// AgentRegions are the regions whose Bedrock agents and AgentCore
	// runtimes are listed (default DefaultAgentRegions).
	AgentRegions []string
}

// DefaultTimeout is how long one account may take by default.
const DefaultTimeout = 5 * time.Minute

// maxAttempts bounds the attempts of every API call, credential
// requests included.
const maxAttempts = 10

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
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
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
// ACTIVE account of the organization. When ctx is cancelled it returns
// an error wrapping ctx.Err() and no inventory, whatever was read.
func (l *Live) Scan(ctx context.Context) (inventory.Inventory, error) {
	inv, err := l.scan(ctx)
	if ctx.Err() != nil {
		return inventory.Inventory{}, fmt.Errorf("aws scan interrupted: %w", ctx.Err())
	}
	return inv, err
}

func (l *Live) scan(ctx context.Context) (inventory.Inventory, error) {
	cfg, err := l.loadConfig(ctx)
	if err != nil {
		return inventory.Inventory{}, err
	}
	if !l.opts.Org {
		inv, err := l.scopes().Run(ctx, []string{""}, func(ctx context.Context, _ string) (inventory.Inventory, error) {
			return l.scanAccount(ctx, cfg, "", "")
		})
		if err != nil {
			return inventory.Inventory{}, err
		}
		if len(inv.Sources) == 1 && inv.Sources[0].Status == inventory.StatusFailed && len(inv.Identities) == 0 && inv.Sources[0].Scope == "" {
			return inventory.Inventory{}, errors.New(inv.Sources[0].Error)
		}
		return inv, nil
	}
	return l.scanOrg(ctx, cfg)
}

// scopes runs the accounts of a scan.
func (l *Live) scopes() scanners.Scopes {
	return scanners.Scopes{Scanner: "aws", Kind: "account", Concurrency: l.opts.Concurrency, Timeout: l.opts.Timeout}
}

// loadConfig loads the SDK configuration of the standard credential chain
// (with nhiscan's retryer, default region and web-identity client) and
// fetches the credentials once, so that a scan without credentials fails
// before it starts.
func (l *Live) loadConfig(ctx context.Context) (sdkaws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		// The SDK's own warnings (IMDS fallbacks) would break nhiscan's
		// one-line errors; failures come back as errors instead.
		config.WithLogger(logging.Nop{}),
		config.WithRetryer(l.retryer),
		// IAM is global, but the SDK wants a region, and builds the STS
		// client of web-identity credentials (AWS_ROLE_ARN and
		// AWS_WEB_IDENTITY_TOKEN_FILE, as in GitLab CI) while loading:
		// the default must be known before, not set afterwards.
		config.WithDefaultRegion("us-east-1"),
	}
	if l.opts.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(l.opts.Profile))
	}
	if l.opts.Region != "" {
		opts = append(opts, config.WithRegion(l.opts.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err == nil && sdkaws.IsCredentialsProvider(cfg.Credentials, (*stscreds.WebIdentityRoleProvider)(nil)) {
		// The SDK builds the web-identity STS client before it resolves
		// endpoint settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, the
		// profile's endpoint_url): give it a client of the loaded
		// configuration, which has them and the region.
		stsClient := sts.NewFromConfig(cfg)
		opts = append(opts, config.WithWebIdentityRoleCredentialOptions(func(o *stscreds.WebIdentityRoleOptions) { o.Client = stsClient }))
		cfg, err = config.LoadDefaultConfig(ctx, opts...)
	}
	if err != nil {
		return sdkaws.Config{}, fmt.Errorf("loading AWS configuration: %v", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Credentials == nil {
		return sdkaws.Config{}, errNoCredentials
	}
	// Only the last resort of the SDK's chain, the instance metadata, is
	// left when no other source is configured.
	lastResort := sdkaws.IsCredentialsProvider(cfg.Credentials, (*ec2rolecreds.Provider)(nil))
	cfg.Credentials = sdkaws.NewCredentialsCache(onceCredentials{cfg.Credentials})
	cctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	_, err = cfg.Credentials.Retrieve(cctx)
	expired := scanners.TimedOut(ctx, cctx)
	cancel()
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return sdkaws.Config{}, ctx.Err()
	case lastResort:
		return sdkaws.Config{}, errNoCredentials
	case expired:
		return sdkaws.Config{}, fmt.Errorf("loading AWS credentials: timed out after %s (--timeout)", l.opts.Timeout)
	default:
		return sdkaws.Config{}, errors.New(describe("loading AWS credentials", err))
	}
	return cfg, nil
}

// errNoCredentials says where the SDK looked, and how to set credentials.
var errNoCredentials = errors.New("no AWS credentials found: tried AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE, the profile (--profile, AWS_PROFILE or default) in ~/.aws/config and ~/.aws/credentials, the ECS container endpoint and EC2 instance metadata; export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run 'aws configure' (or 'aws sso login --profile NAME' and pass --profile NAME)")

// retryer retries throttling, 5xx, dropped connections and truncated
// responses, up to maxAttempts attempts per call. A call never retries
// because its credentials could not be fetched: the credential request
// (AssumeRole, AssumeRoleWithWebIdentity) was already retried on its own,
// and retrying it again per attempt would multiply the attempts.
func (l *Live) retryer() sdkaws.Retryer {
	r := retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(retryableBody)}, so.Retryables...)
		})
	})
	return retry.AddWithMaxBackoffDelay(retry.AddWithMaxAttempts(r, maxAttempts), l.opts.MaxBackoff)
}

// retryableBody says whether a response that started but could not be
// read whole (connection dropped mid-body, body cut short, so that the
// XML or JSON ends early) is retried: it is transient, and bounded by
// maxAttempts like the rest. Credential failures are not retried, and
// cancellation is left to the SDK's own rule (never retried).
func retryableBody(err error) sdkaws.Ternary {
	var ce credentialError
	switch {
	case errors.As(err, &ce):
		return sdkaws.FalseTernary
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return sdkaws.UnknownTernary
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return sdkaws.TrueTernary
	}
	var de *smithy.DeserializationError
	var xe *xml.SyntaxError
	var je *json.SyntaxError
	if errors.As(err, &de) || errors.As(err, &xe) || errors.As(err, &je) {
		return sdkaws.TrueTernary
	}
	return sdkaws.UnknownTernary
}

// onceCredentials marks a failure to fetch credentials so that the call
// that needed them does not retry it (see retryer).
type onceCredentials struct{ p sdkaws.CredentialsProvider }

func (o onceCredentials) Retrieve(ctx context.Context) (sdkaws.Credentials, error) {
	c, err := o.p.Retrieve(ctx)
	if err != nil {
		return c, credentialError{err}
	}
	return c, nil
}

type credentialError struct{ err error }

func (e credentialError) Error() string { return e.err.Error() }
func (e credentialError) Unwrap() error { return e.err }

func (l *Live) scanOrg(ctx context.Context, cfg sdkaws.Config) (inventory.Inventory, error) {
	l.progress("listing organization accounts")
	lctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	accounts, err := activeAccounts(lctx, cfg)
	if err != nil {
		if scanners.TimedOut(ctx, lctx) {
			return inventory.Inventory{}, fmt.Errorf("listing organization accounts: timed out after %s (--timeout)", l.opts.Timeout)
		}
		return inventory.Inventory{}, errors.New(describe("listing organization accounts: organizations:ListAccounts", err))
	}
	ids := make([]string, len(accounts))
	roles := make(map[string]string, len(accounts))
	for i, a := range accounts {
		partition := "aws"
		if a.Arn != nil {
			if parts := splitARN(*a.Arn); len(parts) > 1 {
				partition = parts[1]
			}
		}
		ids[i] = *a.Id
		roles[*a.Id] = fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, *a.Id, l.opts.AssumeRole)
	}
	ids, missing := scanners.Select(ids, l.opts.Accounts)
	l.progress("organization has %d active accounts", len(ids))
	stsClient := sts.NewFromConfig(cfg)
	inv, err := l.scopes().Run(ctx, ids, func(ctx context.Context, id string) (inventory.Inventory, error) {
		acfg := cfg.Copy()
		acfg.Credentials = sdkaws.NewCredentialsCache(onceCredentials{stscreds.NewAssumeRoleProvider(stsClient, roles[id], func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "nhiscan"
			if l.opts.ExternalID != "" {
				o.ExternalID = sdkaws.String(l.opts.ExternalID)
			}
		})})
		return l.scanAccount(ctx, acfg, id, roles[id])
	})
	if err != nil {
		return inventory.Inventory{}, err
	}
	// Each named account that is not an ACTIVE account of the
	// organization fails.
	for _, id := range missing {
		inv.Append(l.scopes().Failed(id, "not an ACTIVE account of the organization (organizations:ListAccounts)"))
	}
	return inv, nil
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

// scanAccount reads one account, through the role roleArn when set, within
// ctx, which carries the account's time limit. The parts read are kept,
// and what could not be read makes the account partial; an account
// without identity or authorization details fails with a *ScopeError
// naming the step, as does one whose time ran out (scanners.Scopes says
// it timed out).
func (l *Live) scanAccount(ctx context.Context, cfg sdkaws.Config, want, roleArn string) (inventory.Inventory, error) {
	fail := func(scope, step string, err error) (inventory.Inventory, error) {
		return inventory.Inventory{}, &scanners.ScopeError{Scope: scope, Step: step, Err: errors.New(describe(step, err))}
	}
	if roleArn != "" {
		// Fetch the role's credentials once, with their own bounded
		// retries, before any call needs them.
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return fail(want, "sts:AssumeRole "+roleArn, err)
		}
	}
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fail(want, "sts:GetCallerIdentity", err)
	}
	acct := sdkaws.ToString(who.Account)
	// Keys are recorded per user listed; a user whose keys could not be
	// listed falls back to the credential report's key data.
	a := &account{ID: acct, maxSession: map[string]int32{}, keys: map[string][]accessKey{}}
	client := iam.NewFromConfig(cfg)

	l.progress("account %s: reading authorization details", acct)
	details, err := l.authDetails(ctx, client)
	if err != nil {
		return fail(acct, "iam:GetAccountAuthorizationDetails", err)
	}
	a.details = details
	var problems []string

	l.progress("account %s: listing roles", acct)
	if err := l.listRoles(ctx, client, a); err != nil {
		if ctx.Err() != nil {
			return fail(acct, "iam:ListRoles", err)
		}
		problems = append(problems, describe("iam:ListRoles", err)+" (role session lengths not assessed)")
	}
	l.progress("account %s: reading the credential report", acct)
	rows, err := l.credentialReport(ctx, client)
	if err != nil {
		if ctx.Err() != nil {
			return fail(acct, "iam:GetCredentialReport", err)
		}
		problems = append(problems, err.Error()+" (console passwords and root credentials not assessed)")
	} else {
		a.report = rows
	}
	l.progress("account %s: listing access keys of %d users", acct, len(details.UserDetailList))
	keyProblems := l.accessKeys(ctx, client, a)
	if ctx.Err() != nil {
		return fail(acct, "iam:ListAccessKeys and iam:GetAccessKeyLastUsed", ctx.Err())
	}
	problems = append(problems, keyProblems...)
	agents, agentWarnings := l.listAgents(ctx, cfg, acct)
	if ctx.Err() != nil {
		return fail(acct, "bedrock:ListAgents and bedrock-agentcore:ListAgentRuntimes", ctx.Err())
	}
	inv := a.build("live")
	inv.Agents = agents
	src := &inv.Sources[0]
	src.Warnings = append(src.Warnings, agentWarnings...)
	if a.report == nil && len(a.keys) > 0 {
		// build warns that no credential report means no key ages and
		// key use: live, the keys of the users listed were assessed from
		// ListAccessKeys and GetAccessKeyLastUsed.
		src.Warnings = slices.DeleteFunc(src.Warnings, func(w string) bool { return strings.HasPrefix(w, "no credential report for this account") })
		src.NotAssessed = slices.DeleteFunc(src.NotAssessed, func(s string) bool { return s == inventory.NotAssessedUserCredentials })
		src.NotAssessed = append(src.NotAssessed, "console passwords", "root credentials")
	}
	src.Principal = sdkaws.ToString(who.Arn)
	if len(problems) > 0 {
		src.Status = inventory.StatusPartial
		src.Error = problems[0]
		src.Warnings = append(src.Warnings, problems[1:]...)
	}
	return inv, nil
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
// of calls at a time, and returns one line per kind of failure naming the
// users and keys not assessed. A user whose keys could not be listed is
// left out of a.keys, so the credential report's key data stands in; a
// key whose last use could not be read keeps its other data.
func (l *Live) accessKeys(ctx context.Context, client *iam.Client, a *account) []string {
	users := a.details.UserDetailList
	results := make([]userKeys, len(users))
	for i, err := range scanners.Each(ctx, len(users), keyLookups, func(i int) error {
		results[i] = l.userKeys(ctx, client, users[i].UserName)
		return nil
	}) {
		if err != nil {
			results[i].listErr = err // not started: the scan was interrupted
		}
	}
	var listFailed, useFailed []string
	var firstList, firstUse string
	for i, u := range users {
		r := results[i]
		if r.listErr != nil {
			listFailed = append(listFailed, u.UserName)
			if firstList == "" {
				firstList = r.listErr.Error()
			}
			continue
		}
		a.keys[u.UserName] = r.keys
		for j, err := range r.useErrs {
			if err != nil {
				useFailed = append(useFailed, u.UserName+"/"+r.keys[j].AccessKeyId)
				if firstUse == "" {
					firstUse = err.Error()
				}
			}
		}
	}
	var problems []string
	if len(listFailed) > 0 {
		fallback := "taken from the credential report"
		if a.report == nil {
			fallback = "not assessed"
		}
		problems = append(problems, fmt.Sprintf("access keys of %d user(s) not listed, their keys %s: %s (first error: %s)", len(listFailed), fallback, names(listFailed), firstList))
	}
	if len(useFailed) > 0 {
		fallback := "taken from the credential report where it has them"
		if a.report == nil {
			fallback = "not assessed"
		}
		problems = append(problems, fmt.Sprintf("last use of %d access key(s) not read, their last use %s: %s (first error: %s)", len(useFailed), fallback, names(useFailed), firstUse))
	}
	return problems
}

// names lists up to ten names, then how many more.
func names(all []string) string {
	if len(all) <= 10 {
		return strings.Join(all, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(all[:10], ", "), len(all)-10)
}

// userKeys is one user's keys: listErr when they could not be listed,
// useErrs[i] when the last use of keys[i] could not be read.
type userKeys struct {
	keys    []accessKey
	listErr error
	useErrs []error
}

func (l *Live) userKeys(ctx context.Context, client *iam.Client, user string) userKeys {
	var r userKeys
	p := iam.NewListAccessKeysPaginator(client, &iam.ListAccessKeysInput{UserName: sdkaws.String(user)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return userKeys{listErr: errors.New(describe("iam:ListAccessKeys "+user, err))}
		}
		for _, k := range page.AccessKeyMetadata {
			r.keys = append(r.keys, accessKey{UserName: user, AccessKeyId: sdkaws.ToString(k.AccessKeyId), Status: string(k.Status), CreateDate: sdkaws.ToTime(k.CreateDate)})
		}
	}
	if r.keys == nil {
		r.keys = []accessKey{} // listed: the user has no keys
	}
	r.useErrs = make([]error, len(r.keys))
	for i := range r.keys {
		out, err := client.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: sdkaws.String(r.keys[i].AccessKeyId)})
		if err != nil {
			r.useErrs[i] = errors.New(describe("iam:GetAccessKeyLastUsed "+r.keys[i].AccessKeyId, err))
			continue
		}
		r.keys[i].LastUsedKnown = true
		if out.AccessKeyLastUsed != nil && out.AccessKeyLastUsed.LastUsedDate != nil {
			t := out.AccessKeyLastUsed.LastUsedDate.UTC()
			r.keys[i].LastUsed = &t
		}
	}
	return r
}
