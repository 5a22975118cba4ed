// Package scanners defines what a scanner is. Each cloud's scanner lives in
// a subpackage named for that cloud and produces the provider-neutral
// inventory of scanners/inventory; it knows nothing of rules or output.
package scanners

import (
	"context"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// Live scans a cloud through its API. A scope (account, project) that
// fails or times out is reported in the inventory's Sources and the rest
// still scanned: Scopes runs the scopes of every live scanner. An error means nothing could be scanned at all (no
// credentials, the scopes could not be listed), or that ctx was cancelled:
// then the error wraps ctx.Err() and the inventory is empty, even if some
// scopes were read, so that an interrupted scan is never taken for a
// complete or partial one.
type Live interface {
	Name() string
	Scan(ctx context.Context) (inventory.Inventory, error)
}

// Offline reads the files a vendor's CLI exports. Add is called once per
// file, in a stable order; it returns false for a file it does not know
// (another loader may), and an error for a file it knows but cannot read.
// Inventory is called once after the last Add. A loader may keep slices
// of data: the caller does not change it afterwards.
type Offline interface {
	Name() string
	Add(name string, data []byte) (bool, error)
	Inventory() (inventory.Inventory, error)
}

// Clocked is an offline loader that judges time itself (whether an Entra
// credential has expired): the command sets its clock to the scan's
// "now" (--as-of) before the first Add, so an old export is judged as of
// the day it was taken.
type Clocked interface {
	SetNow(now time.Time)
}
