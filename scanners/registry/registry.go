// Package registry is the explicit list of providers: adding a cloud means
// adding it here (a file describing it and one entry in All), not an init
// function somewhere and not a switch in the command.
//
// A provider's descriptor holds its name, its offline loader, its live
// scanner and the command-line flags that configure the live scanner. The
// flags are declared on a small FlagSet interface, so neither this package
// nor the scanners depend on a command-line library.
package registry

import (
	"context"
	"time"

	"github.com/nhiscan/nhiscan/scanners"
)

// All returns every provider, in the order they are asked to recognise an
// offline file and listed in help texts.
func All() []Provider {
	return []Provider{
		AWS(nil),
		GCP(nil),
		K8s(),
		Azure(nil),
	}
}

// DefaultTimeout is the default time limit per scope (account, project)
// of every live scanner.
const DefaultTimeout = 5 * time.Minute

// Provider describes one cloud.
type Provider struct {
	// Name is the provider's argument: 'scan NAME', 'org accounts NAME'.
	Name string
	// Usage is the provider's lines in 'scan --help', each starting with
	// two spaces and ending with a newline.
	Usage string
	// Exports names the files the offline loader reads, for the message
	// about a file no loader knows.
	Exports string
	// SecretFlags are flags whose values are secrets (a shared external
	// id): they are redacted from the command line that reports record.
	SecretFlags []string
	// NewOffline returns a fresh offline loader.
	NewOffline func() scanners.Offline
	// NewLive returns the live options of one command, empty, ready for
	// Flags.
	NewLive func() Live
}

// Command names the commands a provider declares flags on.
type Command int

const (
	// Scan is 'scan', 'inventory' and 'paths': a live scan.
	Scan Command = iota
	// OrgAccounts is 'org accounts': listing an organization's scopes.
	OrgAccounts
)

// FlagSet is what a provider needs of a command's flag set to declare its
// flags; *pflag.FlagSet has it.
type FlagSet interface {
	StringVar(p *string, name, value, usage string)
	BoolVar(p *bool, name string, value bool, usage string)
	StringArrayVar(p *[]string, name string, value []string, usage string)
}

// Common is what the command gives every live scanner, from the flags all
// providers share (--concurrency, --timeout) and its progress display.
type Common struct {
	Concurrency int
	Timeout     time.Duration
	Progress    func(string)
}

// Scope is one account or project of an organization.
type Scope struct {
	ID   string
	Name string
}

// Live is a provider's live options for one command, read from the flags
// it declared.
type Live interface {
	// Flags declares the provider's flags for command c.
	Flags(fs FlagSet, c Command)
	// Unused is called when another provider, or an offline scan, was
	// chosen: it returns an error naming the provider's flags that were
	// given, since they apply only to it.
	Unused(c Command) error
	// Check validates the flags once the provider is chosen for c.
	Check(c Command) error
	// Scanner returns the live scanner the flags describe.
	Scanner(c Common) scanners.Live
	// Scopes lists the organization's scopes through the live scanner l
	// (which Scanner returned), for 'org accounts'.
	Scopes(ctx context.Context, l scanners.Live) ([]Scope, error)
	// ShardArgs returns the scan flags that select the scopes ids of the
	// organization, for 'org accounts --matrix' and '--shard'.
	ShardArgs(ids []string) string
}
