package output

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/nhiscan/nhiscan/findings"
)

// csvHeader names the columns of --format csv, one row per finding.
var csvHeader = []string{
	"severity", "rule_id", "title", "category", "provider", "account",
	"identity_id", "identity_name", "identity_kind", "agent", "credential_id",
	"message", "status", "suppressed", "suppression_reason", "suppression_owner",
	"suppression_expires", "controls", "evidence", "remediation", "fingerprint",
}

// writeCSV writes one row per finding, RFC 4180 (CRLF line ends, quotes
// where needed), with cells that a spreadsheet would run as a formula
// defused.
// CSVReporter renders a report as one CSV row per finding.
type CSVReporter struct{}

var _ Reporter = (*CSVReporter)(nil)

// Write renders r as CSV.
func (CSVReporter) Write(w io.Writer, r *findings.Report) error { return writeCSV(w, r) }

func writeCSV(w io.Writer, r *findings.Report) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		cred := ""
		if f.Credential != nil {
			cred = f.Credential.ID
		}
		agent := "false"
		if f.Identity.Agent {
			agent = "true"
		}
		sup, reason, owner, expires := "false", "", "", ""
		if s := f.Suppression; s != nil {
			sup, reason, owner, expires = "true", s.Reason, s.Owner, s.Expires
		}
		ctl := make([]string, len(f.Controls))
		for j, c := range f.Controls {
			ctl[j] = c.Framework + ":" + c.ID
		}
		ev := make([]string, len(f.Evidence))
		for j, e := range f.Evidence {
			ev[j] = e.Key + "=" + e.Value
		}
		row := []string{
			f.Severity.String(), f.RuleID, f.Title, f.Category, f.Identity.Provider, f.Identity.Account,
			f.Identity.ID, f.Identity.Name, f.Identity.Kind, agent, cred,
			f.Message, f.Status, sup, reason, owner,
			expires, strings.Join(ctl, " "), strings.Join(ev, "; "), f.Remediation, f.Fingerprint,
		}
		if err := cw.Write(safeCells(row)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCells defuses formula injection: a cell that starts with = + - @
// (or a tab or carriage return, which some spreadsheets skip before one)
// gets a leading apostrophe, so it is shown as text, never evaluated.
// Identity names and tags come from the scanned accounts: attacker input.
func safeCells(row []string) []string {
	for i, c := range row {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			row[i] = "'" + c
		}
	}
	return row
}
