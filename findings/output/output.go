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

// Formats lists the formats of a findings report, in the order help
// texts give them.
var Formats = []Format{Table, JSON, SARIF, CSV, Markdown, JUnit, HTML}

// Reporter renders a findings report in one format (gitleaks' Reporter):
// one type per format, each in its format's file.
type Reporter interface {
	Write(w io.Writer, r *findings.Report) error
}

// NewReporter returns the reporter of format f; sarif options apply to
// SARIF. A command calls it before it scans, so that an unknown format or
// SARIF profile is a usage error and not a scan thrown away.
func NewReporter(f Format, sarif SARIFOptions) (Reporter, error) {
	switch f {
	case Table:
		return TableReporter{}, nil
	case JSON:
		return JSONReporter{}, nil
	case SARIF:
		if err := sarif.check(); err != nil {
			return nil, err
		}
		return SARIFReporter{Options: sarif}, nil
	case CSV:
		return CSVReporter{}, nil
	case Markdown:
		return MarkdownReporter{}, nil
	case JUnit:
		return JUnitReporter{}, nil
	case HTML:
		return HTMLReporter{}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want table, json, sarif, csv, markdown, junit or html)", string(f))
}

// ParseFormat reads the name of a findings report's format.
func ParseFormat(s string) (Format, error) {
	if _, err := NewReporter(Format(s), SARIFOptions{}); err != nil {
		return "", err
	}
	return Format(s), nil
}

// Write renders the report in format f; sarif options apply to SARIF.
func Write(w io.Writer, f Format, r *findings.Report, sarif SARIFOptions) error {
	rep, err := NewReporter(f, sarif)
	if err != nil {
		return err
	}
	return rep.Write(w, r)
}
