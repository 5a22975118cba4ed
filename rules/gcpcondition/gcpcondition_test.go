package gcpcondition

import (
	"testing"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func TestRequestTime(t *testing.T) {
	asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		expr string
		want Truth
	}{
		{`request.time < timestamp("2026-01-01T00:00:00Z")`, False},
		{`request.time < timestamp('2027-01-01T00:00:00Z')`, True},
		{`request.time >= timestamp("2026-01-01T00:00:00.000Z")`, True},
		{`timestamp("2027-01-01T00:00:00Z") < request.time`, False},
		{`(request.time > timestamp("2026-01-01T00:00:00Z") && request.time < timestamp("2026-02-01T00:00:00Z"))`, False},
		{`resource.name.startsWith("projects/_/buckets/a") && request.time < timestamp("2026-01-01T00:00:00Z")`, False},
		{`resource.name.startsWith("projects/_/buckets/a") && request.time < timestamp("2027-01-01T00:00:00Z")`, Unknown},
		{`resource.name.startsWith("x") || request.time < timestamp("2027-01-01T00:00:00Z")`, True},
		{`!(request.time < timestamp("2026-01-01T00:00:00Z"))`, True},
		{`resource.type == "storage.googleapis.com/Bucket"`, Unknown},
		{`request.time.getHours("Europe/Berlin") < 17`, Unknown},
	}
	for _, tt := range tests {
		c := inventory.BindingCondition{Title: "title", Expression: tt.expr}
		if got := When(&c, asOf); got != tt.want {
			t.Errorf("%s = %d, want %d", tt.expr, got, tt.want)
		}
	}
}

// Without a date nothing is decided; without a condition the binding
// always applies.
func TestWhenUndecided(t *testing.T) {
	past := inventory.BindingCondition{Expression: `request.time < timestamp("2020-01-01T00:00:00Z")`}
	if got := When(&past, time.Time{}); got != Unknown {
		t.Errorf("zero asOf = %d, want unknown", got)
	}
	if got := When(&past, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)); got != False {
		t.Errorf("expired = %d, want false", got)
	}
	if got := When(nil, time.Time{}); got != True {
		t.Errorf("no condition = %d, want true", got)
	}
}

// FuzzCEL: any condition expression an export carries is decided or left
// unknown, never a panic, and the same expression always gets the same
// answer.
func FuzzCEL(f *testing.F) {
	for _, s := range []string{
		`request.time < timestamp("2020-01-01T00:00:00Z")`,
		`(request.time > timestamp('2026-01-01T00:00:00.000Z') && request.time < timestamp("2027-01-01T00:00:00Z")) || !(resource.name == "x")`,
		`resource.name.startsWith("projects/_/buckets/a\\"(")`, `((`, `)`, `!`, `"`, `&&||`,
	} {
		f.Add(s)
	}
	asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		a, b := Decide(expr, asOf), Decide(expr, asOf)
		if a != b || a < Unknown || a > False {
			t.Fatalf("Decide(%q) = %d then %d", expr, a, b)
		}
	})
}
