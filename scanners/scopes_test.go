package scanners

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// ok is the inventory of a scope read completely.
func ok(id string) inventory.Inventory {
	return inventory.Inventory{
		Identities: []inventory.Identity{{ID: "id-" + id, Account: id}},
		Sources:    []inventory.Source{{Scanner: "cloud", Scope: id, Mode: "live", Status: inventory.StatusOK}},
	}
}

// summary is each source as "scope status error".
func summary(inv inventory.Inventory) []string {
	var out []string
	for _, s := range inv.Sources {
		out = append(out, s.Scope+" "+s.Status+" "+s.Error)
	}
	return out
}

func TestScopesConcurrencyBounded(t *testing.T) {
	const limit, n = 3, 12
	var inFlight, most atomic.Int32
	started := make(chan string, n)
	release := make(chan struct{})
	s := Scopes{Scanner: "cloud", Kind: "project", Concurrency: limit, Timeout: time.Minute}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("p%02d", i)
	}
	done := make(chan inventory.Inventory)
	go func() {
		inv, err := s.Run(context.Background(), ids, func(ctx context.Context, id string) (inventory.Inventory, error) {
			now := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
			}
			started <- id
			<-release
			return ok(id), nil
		})
		if err != nil {
			t.Error(err)
		}
		done <- inv
	}()
	for range limit {
		<-started
	}
	// limit scopes are held: no other may start until one ends.
	select {
	case id := <-started:
		t.Errorf("scope %s started while %d were in flight", id, limit)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	inv := <-done
	if got := most.Load(); got != limit {
		t.Errorf("at most %d scopes were in flight at once, want %d", got, limit)
	}
	if len(inv.Sources) != n || len(inv.Identities) != n {
		t.Errorf("%d sources and %d identities, want %d", len(inv.Sources), len(inv.Identities), n)
	}
}

func TestScopesFailedScopeRecordedOthersComplete(t *testing.T) {
	s := Scopes{Scanner: "cloud", Kind: "project", Concurrency: 2, Timeout: time.Minute}
	inv, err := s.Run(context.Background(), []string{"a", "b", "c"}, func(ctx context.Context, id string) (inventory.Inventory, error) {
		switch id {
		case "b":
			return inventory.Inventory{}, errors.New("iam.serviceAccounts.list: PermissionDenied: denied")
		case "c":
			// The scope learned its own id; the step is not repeated.
			return inventory.Inventory{}, &ScopeError{Scope: "c-real", Step: "list", Err: errors.New("list: NotFound")}
		}
		return ok(id), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a ok ", "b failed iam.serviceAccounts.list: PermissionDenied: denied", "c-real failed list: NotFound"}
	if got := summary(inv); !reflect.DeepEqual(got, want) {
		t.Errorf("sources %q, want %q", got, want)
	}
	if len(inv.Identities) != 1 || inv.Identities[0].ID != "id-a" {
		t.Errorf("identities %+v, want only a's", inv.Identities)
	}
	if src := inv.Sources[1]; src.Scanner != "cloud" || src.Mode != "live" {
		t.Errorf("failed source %+v: want scanner cloud, mode live", src)
	}
}

func TestScopesTimeoutRecordedAsFailed(t *testing.T) {
	s := Scopes{Scanner: "cloud", Kind: "subscription", Concurrency: 3, Timeout: 50 * time.Millisecond}
	inv, err := s.Run(context.Background(), []string{"slow", "slow-step", "fast"}, func(ctx context.Context, id string) (inventory.Inventory, error) {
		if id == "fast" {
			return ok(id), nil
		}
		<-ctx.Done()
		if id == "slow-step" {
			return inventory.Inventory{}, &ScopeError{Step: "roleAssignments.list", Err: ctx.Err()}
		}
		// A scope that keeps what it read when its time ran out still
		// fails: it was not assessed whole.
		return ok(id), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"slow failed timed out after 50ms (--timeout); the subscription was not assessed",
		"slow-step failed timed out after 50ms (--timeout) during roleAssignments.list; the subscription was not assessed",
		"fast ok ",
	}
	if got := summary(inv); !reflect.DeepEqual(got, want) {
		t.Errorf("sources %q, want %q", got, want)
	}
	if len(inv.Identities) != 1 {
		t.Errorf("%d identities, want fast's only", len(inv.Identities))
	}
}

func TestScopesCancelledStopsAndKeepsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ran atomic.Int32
	s := Scopes{Scanner: "cloud", Kind: "context", Concurrency: 1, Timeout: time.Minute}
	inv, err := s.Run(ctx, []string{"a", "b", "c", "d"}, func(ctx context.Context, id string) (inventory.Inventory, error) {
		ran.Add(1)
		if id == "b" {
			cancel()
		}
		return ok(id), nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want one wrapping context.Canceled", err)
	}
	if len(inv.Sources) != 0 || len(inv.Identities) != 0 {
		t.Errorf("an interrupted run kept %d sources and %d identities", len(inv.Sources), len(inv.Identities))
	}
	if n := ran.Load(); n != 2 {
		t.Errorf("%d scopes ran, want 2: none starts after the cancellation", n)
	}
}

func TestScopesCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := Scopes{Scanner: "cloud", Kind: "context", Concurrency: 4, Timeout: time.Minute}
	inv, err := s.Run(ctx, []string{"a", "b"}, func(ctx context.Context, id string) (inventory.Inventory, error) {
		t.Errorf("scope %s started after the cancellation", id)
		return ok(id), nil
	})
	if !errors.Is(err, context.Canceled) || len(inv.Sources) != 0 {
		t.Errorf("got %d sources, error %v; want none and context.Canceled", len(inv.Sources), err)
	}
}

// Scopes end in the reverse of their order; the result keeps theirs.
func TestScopesOrderStable(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e"}
	finished := map[string]chan struct{}{}
	for _, id := range ids {
		finished[id] = make(chan struct{})
	}
	var mu sync.Mutex
	var ended []string
	s := Scopes{Scanner: "cloud", Kind: "project", Concurrency: len(ids), Timeout: time.Minute}
	inv, err := s.Run(context.Background(), ids, func(ctx context.Context, id string) (inventory.Inventory, error) {
		defer close(finished[id])
		if next := string(rune(id[0] + 1)); finished[next] != nil {
			<-finished[next]
		}
		mu.Lock()
		ended = append(ended, id)
		mu.Unlock()
		if id == "c" {
			return inventory.Inventory{}, errors.New("denied")
		}
		return ok(id), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"e", "d", "c", "b", "a"}; !reflect.DeepEqual(ended, want) {
		t.Fatalf("scopes ended in order %q, want %q", ended, want)
	}
	want := []string{"a ok ", "b ok ", "c failed denied", "d ok ", "e ok "}
	if got := summary(inv); !reflect.DeepEqual(got, want) {
		t.Errorf("sources %q, want %q", got, want)
	}
	var accounts []string
	for _, id := range inv.Identities {
		accounts = append(accounts, id.Account)
	}
	if want := []string{"a", "b", "d", "e"}; !reflect.DeepEqual(accounts, want) {
		t.Errorf("identities of %q, want %q", accounts, want)
	}
}

func TestScopesNone(t *testing.T) {
	s := Scopes{Scanner: "cloud", Kind: "project"}
	inv, err := s.Run(context.Background(), nil, func(context.Context, string) (inventory.Inventory, error) {
		t.Error("a scope ran, none was given")
		return inventory.Inventory{}, nil
	})
	if err != nil || len(inv.Sources) != 0 {
		t.Errorf("got %d sources, error %v", len(inv.Sources), err)
	}
}

func TestSelect(t *testing.T) {
	all := []string{"111", "222", "333", "444"}
	for _, c := range []struct {
		names, kept, missing []string
	}{
		{names: nil, kept: all},
		{names: []string{"333", "111"}, kept: []string{"111", "333"}},
		{names: []string{"999", "222", "999", "888"}, kept: []string{"222"}, missing: []string{"999", "888"}},
		{names: []string{"222", "222"}, kept: []string{"222"}},
	} {
		kept, missing := Select(all, c.names)
		if !reflect.DeepEqual(kept, c.kept) || !reflect.DeepEqual(missing, c.missing) {
			t.Errorf("Select(%q): kept %q, missing %q; want %q, %q", c.names, kept, missing, c.kept, c.missing)
		}
	}
}

// Each returns every call's error at its index, runs at most concurrency
// calls at once, and gives the calls a cancelled context never started
// ctx.Err() without calling them.
func TestEach(t *testing.T) {
	var running, peak atomic.Int32
	errs := Each(context.Background(), 20, 3, func(i int) error {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		running.Add(-1)
		if i%4 == 0 {
			return fmt.Errorf("call %d", i)
		}
		return nil
	})
	for i, err := range errs {
		if want := i%4 == 0; (err != nil) != want || want && err.Error() != fmt.Sprintf("call %d", i) {
			t.Errorf("errs[%d] = %v", i, err)
		}
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..3", p)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var called atomic.Int32
	errs = Each(ctx, 10, 1, func(i int) error {
		called.Add(1)
		if i == 1 {
			cancel()
		}
		return nil
	})
	if c := called.Load(); c > 3 {
		t.Errorf("%d calls after cancelling at the second", c)
	}
	if !errors.Is(errs[9], context.Canceled) || errs[0] != nil {
		t.Errorf("errs = %v", errs)
	}
}
