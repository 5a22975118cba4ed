package findings

import "testing"

func TestMatchGlob(t *testing.T) {
	for _, tt := range []struct {
		p, s string
		want bool
	}{
		{"*", "arn:aws:iam::1:role/a/b", true},
		{"arn:aws:iam::*:role/*breakglass-*", "arn:aws:iam::123456789012:role/ops/breakglass-1", true},
		{"arn:aws:iam::*:role/breakglass-*", "arn:aws:iam::123456789012:role/ops/breakglass-1", false},
		{"arn:aws:iam::*:role/breakglass-*", "arn:aws:iam::123456789012:user/breakglass-1", false},
		{"NHI-OVB-00?", "NHI-OVB-001", true},
		{"NHI-OVB-00?", "NHI-OVB-0010", false},
		{"[a]", "[a]", true},
		{"iam:get*", "iam:*", false},
		{"", "", true},
	} {
		if got := MatchGlob(tt.p, tt.s); got != tt.want {
			t.Errorf("MatchGlob(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}
