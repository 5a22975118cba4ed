package main

import (
	"fmt"
	"time"

	"github.com/nhiscan/nhiscan/findings/output"
)

// parseAsOf reads --as-of: a date (midnight UTC) or an RFC 3339 time.
func parseAsOf(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, inputError{fmt.Errorf("--as-of: want a date such as 2026-11-01 or an RFC 3339 time such as 2026-11-01T00:00:00Z, got %q", s)}
	}
	return t.UTC(), nil
}

// parseListingFormat reads the inventory command's --format, before
// anything is scanned.
func parseListingFormat(s string) (output.Format, error) {
	switch f := output.Format(s); f {
	case output.Table, output.JSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q for the inventory (want table or json)", s)
}
