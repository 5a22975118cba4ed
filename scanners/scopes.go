package scanners

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Scopes runs the scopes of a live scan (AWS accounts, GCP projects,
// Kubernetes contexts, Azure subscriptions) a bounded number at a time,
// each within its own time limit. A scope that fails or times out is
// recorded as a failed Source of one line and the others complete.
type Scopes struct {
	// Scanner is the Source.Scanner of a failed scope ("aws").
	Scanner string
	// Kind names one scope in messages ("account", "project").
	Kind string
	// Concurrency is how many scopes are read at a time (at least one).
	Concurrency int
	// Timeout bounds each scope; a scope that takes longer fails.
	Timeout time.Duration
}

// ScopeFunc reads one scope within ctx, which carries the scope's time
// limit. It returns the scope's inventory, or an error when the scope
// could not be assessed: the error's text is recorded as the scope's
// one-line Error (a *ScopeError can name the scope and the step).
type ScopeFunc func(ctx context.Context, id string) (inventory.Inventory, error)

// ScopeError is a scope that failed at one step. Its text is Err's: the
// step is named there already (the call that failed); Step is for the
// message of a scope that timed out. Scope, when set, is the scope's id as
// the scan learned it (the account of the credentials, asked for as "").
type ScopeError struct {
	Scope string
	Step  string
	Err   error
}

func (e *ScopeError) Error() string { return e.Err.Error() }
func (e *ScopeError) Unwrap() error { return e.Err }

// Run reads the scopes ids, Concurrency at a time, and returns their
// inventories in the order of ids, whichever finished first. A scope that
// returns an error, or outlives Timeout, is a failed Source (see Failed).
// When ctx is cancelled no further scope starts, and Run returns an empty
// inventory and an error wrapping ctx.Err(): an interrupted scan is never
// taken for a complete or partial one, even if some scopes were read.
func (s Scopes) Run(ctx context.Context, ids []string, scan ScopeFunc) (inventory.Inventory, error) {
	results := make([]inventory.Inventory, len(ids))
	Each(ctx, len(ids), s.Concurrency, func(i int) error {
		results[i] = s.one(ctx, ids[i], scan)
		return nil
	})
	if ctx.Err() != nil {
		return inventory.Inventory{}, fmt.Errorf("%s scan interrupted: nothing was scanned: %w", s.Scanner, ctx.Err())
	}
	var inv inventory.Inventory
	inv.Append(results...)
	return inv, nil
}

// Each calls do(i) for every i below n, at most concurrency calls at a
// time (at least one), and waits for them; it returns each call's error
// by index. Once ctx is done no further call starts: the calls not
// started get ctx.Err().
func Each(ctx context.Context, n, concurrency int, do func(i int) error) []error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(max(concurrency, 1), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = do(i)
			}
		}()
	}
	i := 0
feed:
	for ; i < n; i++ {
		select {
		case <-ctx.Done():
			break feed
		case next <- i:
		}
	}
	close(next)
	wg.Wait()
	for ; i < n; i++ {
		errs[i] = ctx.Err()
	}
	return errs
}

// one reads one scope within Timeout.
func (s Scopes) one(parent context.Context, id string, scan ScopeFunc) inventory.Inventory {
	if parent.Err() != nil {
		return inventory.Inventory{}
	}
	ctx, cancel := context.WithTimeout(parent, s.Timeout)
	defer cancel()
	inv, err := scan(ctx, id)
	var se *ScopeError
	if errors.As(err, &se) && se.Scope != "" {
		id = se.Scope
	}
	if TimedOut(parent, ctx) {
		during := ""
		if se != nil && se.Step != "" {
			during = " during " + se.Step
		}
		return s.Failed(id, fmt.Sprintf("timed out after %s (--timeout)%s; the %s was not assessed", s.Timeout, during, s.Kind))
	}
	if err != nil {
		return s.Failed(id, err.Error())
	}
	return inv
}

// Failed is the inventory of a scope that could not be assessed: one
// failed Source saying why in one line, and no identities.
func (s Scopes) Failed(scope, msg string) inventory.Inventory {
	return inventory.Inventory{Sources: []inventory.Source{{Scanner: s.Scanner, Scope: scope, Mode: "live", Status: inventory.StatusFailed, Error: msg}}}
}

// Select keeps the scopes of all that named names, in the order of all
// (every scope of all when names is empty), and returns, in the order of
// names and once each, the names that are not in all: one shard of an
// organization scan, and the scopes asked for that it does not have.
func Select(all, names []string) (kept, missing []string) {
	if len(names) == 0 {
		return all, nil
	}
	named := make(map[string]bool, len(names))
	for _, id := range names {
		named[id] = true
	}
	for _, id := range all {
		if named[id] {
			kept = append(kept, id)
			named[id] = false
		}
	}
	for _, id := range names {
		if named[id] {
			missing = append(missing, id)
			named[id] = false
		}
	}
	return kept, missing
}

// TimedOut says whether a scope's own deadline, not the cancellation of
// its parent, ended the scope's context.
func TimedOut(parent, scope context.Context) bool {
	return parent.Err() == nil && errors.Is(scope.Err(), context.DeadlineExceeded)
}
