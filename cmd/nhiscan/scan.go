package main

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/findings/output"
	"github.com/nhiscan/nhiscan/rules"
	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/inventory"
	"github.com/nhiscan/nhiscan/scanners/registry"
)

// demoFS is a small AWS account exported with the AWS CLI, a GCP project
// exported with gcloud and an EKS cluster exported with kubectl, with at
// least one finding in every category.
//
//go:embed demo
var demoFS embed.FS

// demoAsOf is the day the demo account was exported; the demo is scanned
// as of that day unless --as-of says otherwise, so its output is stable.
var demoAsOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// inputOptions are the flags shared by scan and inventory.
type inputOptions struct {
	inputs      []string
	demo        bool
	format      string
	output      string
	asOf        string
	config      string
	concurrency int
	// includeManaged is --include-provider-managed, over the config's
	// include_provider_managed.
	includeManaged bool
	// rules is --check/--skip-check (scan only), applied over the config.
	rules   *ruleSelection
	timeout time.Duration
	// providers and live are the clouds and their own flags, by name.
	providers []registry.Provider
	live      map[string]registry.Live
}

func (o *inputOptions) register(cmd *cobra.Command, providers []registry.Provider) {
	o.providers = providers
	f := cmd.Flags()
	f.StringArrayVar(&o.inputs, "input", nil, "scan offline exports: a file or a directory (repeatable); formats are recognised from content")
	f.BoolVar(&o.demo, "demo", false, "scan the demo embedded in the binary (AWS, GCP, Kubernetes, Azure)")
	f.StringVar(&o.format, "format", "table", "output format: table, json, sarif, csv, markdown, junit or html (scan; inventory: table or json)")
	f.StringVar(&o.output, "output", "", "write the report to this file (written atomically) instead of stdout")
	f.StringVar(&o.asOf, "as-of", "", "date (2026-11-01, midnight UTC) or RFC 3339 time used as \"now\" for every age (default: now; the demo's export day with --demo)")
	f.StringVar(&o.config, "config", "", "config file (default .nhiscan.yaml when present)")
	f.IntVar(&o.concurrency, "concurrency", 4, "live scans: scopes (accounts, projects) scanned at once")
	f.BoolVar(&o.includeManaged, "include-provider-managed", false, "also judge provider-managed identities (AWS service-linked and SSO roles, Google-managed service agents, Kubernetes system and managed add-on service accounts), as include_provider_managed: true in the config does")
	f.DurationVar(&o.timeout, "timeout", registry.DefaultTimeout, "live scans: time limit per scope (account, project), retries included; a scope that takes longer fails (exit 3) and the rest completes")
	o.live = liveFlags(cmd, providers, registry.Scan)
}

func newScanCmd(env *environment) *cobra.Command {
	var o inputOptions
	var g gateOptions
	var sel ruleSelection
	cmd := &cobra.Command{
		Use:   "scan [" + strings.Join(providerNames(env.providers), "|") + "]",
		Short: "Scan non-human identities and report findings",
		Long: "Scan non-human identities and report findings.\n\n" + providerUsage(env.providers) +
			`  nhiscan scan --input DIR|FILE    scan offline exports (aws CLI, gcloud, Cloud Asset, kubectl, az)
  nhiscan scan --demo              scan the embedded demo (AWS, GCP, Kubernetes, Azure)

Exit codes: 0 complete and no new, unsuppressed finding at or above
--fail-on; 1 such a finding; 2 usage, config or input error; 3 partial scan;
130 (SIGINT) or 143 (SIGTERM) interrupted, nothing written.`,
		Args:      providerArg(env.providers, false),
		ValidArgs: providerNames(env.providers),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.validate(); err != nil {
				return err
			}
			if err := sel.validate(); err != nil {
				return err
			}
			o.rules = &sel
			return runScan(cmd.Context(), env, &o, &g, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.register(cmd, env.providers)
	g.register(cmd)
	sel.register(cmd)
	return cmd
}

func newInventoryCmd(env *environment) *cobra.Command {
	var o inputOptions
	cmd := &cobra.Command{
		Use:       "inventory [" + strings.Join(providerNames(env.providers), "|") + "]",
		Short:     "List the non-human identities a scan sees",
		Args:      providerArg(env.providers, false),
		ValidArgs: providerNames(env.providers),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInventory(cmd.Context(), env, &o, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.register(cmd, env.providers)
	return cmd
}

// providerUsage is the providers' lines of 'scan --help'.
func providerUsage(ps []registry.Provider) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Usage)
	}
	return b.String()
}

// prepared is what both commands need before they differ.
type prepared struct {
	inv    inventory.Inventory
	cfg    rules.Config
	format output.Format
}

func prepare(ctx context.Context, env *environment, o *inputOptions, args []string, stderr io.Writer) (*prepared, error) {
	return prepareWith(ctx, env, o, args, stderr, output.ParseFormat)
}

// prepareWith is prepare with the command's own list of formats.
func prepareWith(ctx context.Context, env *environment, o *inputOptions, args []string, stderr io.Writer, parseFormat func(string) (output.Format, error)) (*prepared, error) {
	format, err := parseFormat(o.format)
	if err != nil {
		return nil, inputError{fmt.Errorf("--format: %w", err)}
	}
	modes := 0
	for _, on := range []bool{o.demo, len(o.inputs) > 0, len(args) > 0} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return nil, inputError{fmt.Errorf("say what to scan: exactly one of %s, --input PATH or --demo", quotedNames(o.providers))}
	}
	provider := ""
	if len(args) > 0 {
		provider = args[0]
	}
	if err := checkLive(o.providers, o.live, provider, registry.Scan); err != nil {
		return nil, err
	}
	if o.timeout <= 0 {
		return nil, inputError{errors.New("--timeout must be positive, such as 5m or 90s")}
	}
	if o.concurrency < 1 {
		return nil, inputError{errors.New("--concurrency must be at least 1")}
	}
	asOf := env.now().UTC()
	if o.demo {
		asOf = demoAsOf
	}
	if o.asOf != "" {
		t, err := parseAsOf(o.asOf)
		if err != nil {
			return nil, err
		}
		asOf = t
	}
	p := &prepared{cfg: rules.DefaultConfig(asOf), format: format}
	if err := loadConfig(o.config, &p.cfg); err != nil {
		return nil, err
	}
	if o.includeManaged {
		p.cfg.IncludeProviderManaged = true
	}
	if o.rules != nil {
		if err := o.rules.apply(&p.cfg); err != nil {
			return nil, err
		}
	}
	switch {
	case o.demo:
		var files []inputFile
		if files, err = demoFiles(); err == nil {
			p.inv, err = readOffline(env, files, asOf, progressTo(env, stderr))
		}
	case len(o.inputs) > 0:
		var files []inputFile
		if files, err = pathFiles(o.inputs); err == nil {
			p.inv, err = readOffline(env, files, asOf, progressTo(env, stderr))
		}
	default:
		p.inv, err = scanLive(ctx, env, o, args[0], asOf, stderr)
	}
	if ierr := interruption(ctx); ierr != nil {
		return nil, ierr
	}
	if err != nil {
		return nil, err
	}
	for _, s := range p.inv.Sources {
		for _, w := range s.Warnings {
			fmt.Fprintf(stderr, "warning: %s %s: %s\n", s.Scanner, s.Scope, w)
		}
		if s.Error != "" {
			fmt.Fprintf(stderr, "error: %s %s: %s\n", s.Scanner, s.Scope, s.Error)
		}
		if len(s.NotAssessed) > 0 {
			fmt.Fprintf(stderr, "note: %s %s: not assessed: %s\n", s.Scanner, s.Scope, strings.Join(s.NotAssessed, ", "))
		}
	}
	return p, nil
}

// inputFile is one file to feed the offline loaders.
type inputFile struct {
	name string
	read func() ([]byte, error)
}

func demoFiles() ([]inputFile, error) {
	var out []inputFile
	err := fs.WalkDir(demoFS, "demo", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		out = append(out, inputFile{name: name, read: func() ([]byte, error) { return demoFS.ReadFile(name) }})
		return nil
	})
	return out, err
}

// pathFiles lists the files under the given paths. A file named on the
// command line must be a known export; in a directory, files other than
// .json, .csv and .ndjson (or those gzip-compressed, .json.gz) are skipped.
func pathFiles(paths []string) ([]inputFile, error) {
	var out []inputFile
	add := func(p string) {
		out = append(out, inputFile{name: p, read: func() ([]byte, error) { return os.ReadFile(p) }})
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, inputError{fmt.Errorf("%s: %w", p, unwrapPathError(err))}
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && (isExportName(path) || isKubernetesYAML(path)) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, inputError{fmt.Errorf("%s: %w", p, unwrapPathError(err))}
		}
		if len(found) == 0 {
			return nil, inputError{fmt.Errorf("%s: no .json, .ndjson, .csv or Kubernetes .yaml export (or .gz of one) in this directory", p)}
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return out, nil
}

// readOffline feeds every file to the offline loaders, then collects
// their inventories. progress, when set, hears of each file.
func readOffline(env *environment, files []inputFile, asOf time.Time, progress func(string)) (inventory.Inventory, error) {
	loaders := make([]scanners.Offline, 0, len(env.providers))
	for _, p := range env.providers {
		l := p.NewOffline()
		if c, ok := l.(scanners.Clocked); ok {
			c.SetNow(asOf)
		}
		loaders = append(loaders, l)
	}
	var total int64
	for n, f := range files {
		data, err := f.read()
		if err != nil {
			return inventory.Inventory{}, inputError{fmt.Errorf("%s: %w", f.name, unwrapPathError(err))}
		}
		if data, err = decodeInput(data); err != nil {
			return inventory.Inventory{}, inputError{fmt.Errorf("%s: %w", f.name, err)}
		}
		// Large files one by one; small ones (a gcloud export has one per
		// service account) every hundred.
		if len(data) >= 1<<20 || (n+1)%100 == 0 {
			say(progress, "reading %s (%s, file %d of %d)", f.name, megabytes(int64(len(data))), n+1, len(files))
		}
		if err := feed(loaders, exports(env.providers), f.name, data); err != nil {
			return inventory.Inventory{}, inputError{err}
		}
		total += int64(len(data))
	}
	var inv inventory.Inventory
	for _, l := range loaders {
		part, err := l.Inventory()
		if err != nil {
			return inventory.Inventory{}, inputError{err}
		}
		inv.Append(part)
	}
	say(progress, "read %d files (%s): %d identities in %d scopes", len(files), megabytes(total), len(inv.Identities), len(inv.Sources))
	return inv, nil
}

func isExportName(p string) bool {
	if strings.HasSuffix(strings.ToLower(p), ".gz") {
		p = p[:len(p)-3] // a compressed export: the name inside tells
	}
	switch strings.ToLower(filepath.Ext(p)) {
	case ".json", ".csv", ".ndjson":
		return !strings.HasPrefix(filepath.Base(p), ".")
	}
	return false
}

// isKubernetesYAML reports whether a .yaml or .yml file found in a
// directory is a kubectl -o yaml export (its first key, in kubectl's
// sorted order, is apiVersion), so that a directory holding configuration
// files still scans.
func isKubernetesYAML(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".yaml", ".yml":
	default:
		return false
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	return !strings.HasPrefix(filepath.Base(p), ".") && bytes.HasPrefix(head[:n], []byte("apiVersion:"))
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// exports names the files the providers' offline loaders read.
func exports(ps []registry.Provider) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Exports
	}
	return strings.Join(names, ", ")
}

func feed(loaders []scanners.Offline, want, name string, data []byte) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return fmt.Errorf("%s: file is empty", name)
	}
	for _, l := range loaders {
		ok, err := l.Add(name, data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if ok {
			return nil
		}
	}
	if (trimmed[0] == '{' || trimmed[0] == '[') && !json.Valid(trimmed) {
		var v any
		err := json.Unmarshal(trimmed, &v)
		return fmt.Errorf("%s: not valid JSON (truncated or corrupt?): %w", name, err)
	}
	return fmt.Errorf("%s: not a recognised export (want %s)", name, want)
}

func scanLive(ctx context.Context, env *environment, o *inputOptions, provider string, asOf time.Time, stderr io.Writer) (inventory.Inventory, error) {
	live := o.live[provider].Scanner(registry.Common{Concurrency: o.concurrency, Timeout: o.timeout, Progress: progressTo(env, stderr)})
	if c, ok := live.(scanners.Clocked); ok {
		c.SetNow(asOf) // a live scanner that judges expiry does so as of --as-of too
	}
	inv, err := live.Scan(ctx)
	if ierr := interruption(ctx); ierr != nil {
		return inventory.Inventory{}, ierr
	}
	if err != nil {
		// Nothing could be scanned (no credentials, no access at all).
		return inventory.Inventory{}, inputError{fmt.Errorf("%s: %w", provider, err)}
	}
	return inv, nil
}

func toSources(in []inventory.Source) []findings.Source {
	out := make([]findings.Source, 0, len(in))
	for _, s := range in {
		out = append(out, findings.Source{Scanner: s.Scanner, Scope: s.Scope, Mode: s.Mode, Status: s.Status, Error: s.Error, Warnings: s.Warnings, Principal: s.Principal, NotAssessed: s.NotAssessed})
	}
	return out
}

func partial(srcs []inventory.Source) bool {
	for _, s := range srcs {
		if s.Status != inventory.StatusOK {
			return true
		}
	}
	return false
}

func runScan(ctx context.Context, env *environment, o *inputOptions, g *gateOptions, args []string, stdout, stderr io.Writer) error {
	start := env.now()
	p, err := prepare(ctx, env, o, args, stderr)
	if err != nil {
		return err
	}
	catalogue := rules.All()
	progress := progressTo(env, stderr)
	say(progress, "evaluating %d rules on %d identities", len(catalogue), len(p.inv.Identities))
	found, err := rules.Run(ctx, &p.inv, catalogue, p.cfg)
	if ierr := interruption(ctx); ierr != nil {
		return ierr
	}
	if err != nil {
		return err
	}
	info := scanInfo(&p.cfg, catalogue, env.commandLine, g.threshold, start)
	say(progress, "%d findings; writing the %s report", len(found), p.format)
	inScope := 0
	for i := range p.inv.Identities {
		if rules.InScope(&p.inv.Identities[i], &p.cfg) {
			inScope++
		}
	}
	report := &findings.Report{
		SchemaVersion: findings.SchemaVersion,
		Tool:          findings.Tool{Name: "nhiscan", Version: version},
		AsOf:          p.cfg.AsOf,
		Sources:       toSources(p.inv.Sources),
		Findings:      found,
		Summary:       findings.Summary{Identities: inScope},
		Scan:          info,
		Invocation:    findings.Invocation{CommandLine: env.commandLine, Start: start},
	}
	for _, r := range catalogue {
		report.Rules = append(report.Rules, rules.Describe(r))
	}
	if err := interruption(ctx); err != nil {
		return err // nothing written
	}
	return finish(env, report, p.format, o.output, g, partial(p.inv.Sources), stdout, stderr)
}

func runInventory(ctx context.Context, env *environment, o *inputOptions, args []string, stdout, stderr io.Writer) error {
	p, err := prepareWith(ctx, env, o, args, stderr, parseListingFormat)
	if err != nil {
		return err
	}
	l := &findings.Listing{
		SchemaVersion: findings.ListingSchemaVersion,
		Tool:          findings.Tool{Name: "nhiscan", Version: version},
		AsOf:          p.cfg.AsOf,
		Sources:       toSources(p.inv.Sources),
		Identities:    rules.List(&p.inv, p.cfg),
	}
	if err := interruption(ctx); err != nil {
		return err // nothing written
	}
	if err := emit(o.output, stdout, func(w io.Writer) error { return output.WriteListing(w, p.format, l) }); err != nil {
		return err
	}
	if partial(p.inv.Sources) {
		return exitError{exitPartial}
	}
	return nil
}

// emit renders the report to stdout, or atomically to a file: rendered
// into a temporary file beside it and renamed, so a failure leaves no
// partial file.
func emit(path string, stdout io.Writer, render func(io.Writer) error) error {
	if path == "" {
		bw := bufio.NewWriterSize(stdout, 64<<10)
		if err := render(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	return writeFile("--output", path, render)
}

// carryOver keeps, in the baseline about to be written, the entries of
// the scopes this run could not read completely, from the --baseline
// given or else from the file --write-baseline replaces. If that file
// cannot be read as a baseline while a scope failed, nothing is written.
func carryOver(nb, base *findings.Baseline, path string, sources []findings.Source, stderr io.Writer) error {
	incomplete := false
	for _, s := range sources {
		incomplete = incomplete || s.Status != inventory.StatusOK
	}
	if !incomplete {
		return nil
	}
	prev := base
	if prev == nil {
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err == nil {
			prev, err = findings.ParseBaseline(data)
		}
		if err != nil {
			return inputError{fmt.Errorf("--write-baseline %s: not replaced: the scan is partial and the existing file cannot be read to carry its entries over: %w", path, unwrapPathError(err))}
		}
	}
	if n := nb.CarryOver(prev, sources); n > 0 {
		fmt.Fprintf(stderr, "nhiscan: baseline %s: %d entry(ies) of scopes not read completely carried over unchanged (marked carried_over)\n", path, n)
	}
	return nil
}
