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
	// CSV is one row per finding (RFC 4180), safe to open in a spreadsheet.
	CSV Format = "csv"
	// Markdown fits a GitHub job summary: the summary, then the findings.
	Markdown Format = "markdown"
	// JUnit is JUnit XML as GitLab's unit test reports read it.
	JUnit Format = "junit"
	// HTML is one self-contained page for auditors and managers.
	HTML Format = "html"
)

// Formats lists the formats Write knows.
var Formats = []Format{Table, JSON, SARIF, CSV, Markdown, JUnit, HTML}

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want table, json, sarif, csv, markdown, junit or html)", s)
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
	case CSV:
		return writeCSV(w, r)
	case Markdown:
		return writeMarkdown(w, r)
	case JUnit:
		return writeJUnit(w, r)
	case HTML:
		return writeHTML(w, r)
	}
	return fmt.Errorf("unknown format %q", f)
}
