package output

import (
	"encoding/json"
	"io"

	"github.com/nhiscan/nhiscan/findings"
)

func writeJSON(w io.Writer, r *findings.Report) error {
	out := *r
	if out.Findings == nil {
		out.Findings = []findings.Finding{}
	}
	if out.Sources == nil {
		out.Sources = []findings.Source{}
	}
	return encodeJSON(w, out)
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
