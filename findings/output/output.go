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
	SARIF Format = "sarif"
)

// Formats lists the formats Write knows.
var Formats = []Format{Table, JSON, SARIF}

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want table, json or sarif)", s)
}

// Write renders the report in format f; sarif options apply to SARIF.
func Write(w io.Writer, f Format, r *findings.Report, sarif SARIFOptions) error {
	switch f {
	case Table:
		return writeTable(w, r)
	case JSON:
		return writeJSON(w, r)
	case SARIF:
		return WriteSARIF(w, r, sarif)
	}
	return fmt.Errorf("unknown format %q", f)
}
