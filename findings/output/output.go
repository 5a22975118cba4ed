// Package output renders a findings.Report. It knows findings only: one
// file per format, chosen by Write.
package output

import (
	"fmt"
	"io"

	"github.com/nhiscan/nhiscan/findings"
)

// Format is an output format.
type Format string

// Formats.
const (
	Table Format = "table"
	JSON  Format = "json"
)

// Formats lists the formats Write knows.
var Formats = []Format{Table, JSON}

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want table or json)", s)
}

// Write renders the report in format f.
func Write(w io.Writer, f Format, r *findings.Report) error {
	switch f {
	case Table:
		return writeTable(w, r)
	case JSON:
		return writeJSON(w, r)
	}
	return fmt.Errorf("unknown format %q", f)
}
