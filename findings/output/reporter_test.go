package output

import (
	"bytes"
	"strings"
	"testing"
)

// Every format of a findings report has its reporter, and the reporter
// writes what Write writes for that format.
func TestReporters(t *testing.T) {
	r := sampleReport(3)
	for _, f := range Formats {
		rep, err := NewReporter(f, SARIFOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var a, b bytes.Buffer
		if err := rep.Write(&a, r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := Write(&b, f, r, SARIFOptions{}); err != nil || a.Len() == 0 || a.String() != b.String() {
			t.Errorf("%s: reporter and Write differ (%v)", f, err)
		}
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	for _, tc := range []struct {
		f    Format
		o    SARIFOptions
		want string
	}{
		{"xml", SARIFOptions{}, `unknown format "xml"`},
		{DOT, SARIFOptions{}, `unknown format "dot"`},
		{SARIF, SARIFOptions{Profile: "gitlab"}, `unknown SARIF profile "gitlab"`},
	} {
		if _, err := NewReporter(tc.f, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewReporter(%q, %+v) = %v, want %q", tc.f, tc.o, err, tc.want)
		}
	}
}
