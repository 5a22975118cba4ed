package controls

import "testing"

func TestCatalogue(t *testing.T) {
	seen := map[[2]string]bool{}
	for _, c := range All() {
		if _, ok := FrameworkByID(c.Framework); !ok {
			t.Errorf("control %s names unknown framework %q", c.ID, c.Framework)
		}
		k := [2]string{c.Framework, c.ID}
		if seen[k] {
			t.Errorf("duplicate control %v", k)
		}
		seen[k] = true
		if c.Title == "" || c.URL == "" {
			t.Errorf("control %v has no title or url", k)
		}
		if c.Framework == MAESTRO && (c.ID == "GOV-03" || len(c.ID) > 3 && c.ID[:3] == "GOV") {
			t.Errorf("invented MAESTRO id %s", c.ID)
		}
	}
	for _, want := range [][2]string{{ASI, "ASI03"}, {NHI, "NHI7"}, {ASITM, "T15"}, {MAESTRO, "L4"}, {CISAWS3, "1.14"}, {CISAWS5, "1.13"}, {NIST, "AC-2(3)"}} {
		if _, ok := Lookup(want[0], want[1]); !ok {
			t.Errorf("missing %v", want)
		}
	}
	if n := countOf(ASI); n != 10 {
		t.Errorf("ASI has %d entries, want ASI01-ASI10", n)
	}
	if n := countOf(NHI); n != 10 {
		t.Errorf("NHI has %d entries, want NHI1-NHI10", n)
	}
	if n := countOf(ASITM); n != 15 {
		t.Errorf("T&M has %d entries, want T1-T15", n)
	}
}

func countOf(fw string) int {
	n := 0
	for _, c := range All() {
		if c.Framework == fw {
			n++
		}
	}
	return n
}
