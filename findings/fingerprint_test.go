package findings

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestFingerprintValue checks Fingerprint against its definition (the
// first 32 hex digits of SHA-256 over the parts, each ended by a NUL
// byte), so that fingerprints in baselines stay what they were, for parts
// short and long.
func TestFingerprintValue(t *testing.T) {
	long := strings.Repeat("arn:aws:iam::123456789012:role/a-very-long-path/", 8)
	for _, parts := range [][5]string{
		{"NHI-OVB-001", "aws", "123456789012", "arn:aws:iam::123456789012:role/r", ""},
		{"NHI-STA-001", "gcp", "p", "sa@p.iam.gserviceaccount.com", "0123abcd"},
		{"NHI-ESC-001", "aws", "123456789012", long, long},
		{"", "", "", "", ""},
	} {
		h := sha256.New()
		for _, p := range parts {
			h.Write([]byte(p + "\x00"))
		}
		want := hex.EncodeToString(h.Sum(nil))[:32]
		if got := Fingerprint(parts[0], parts[1], parts[2], parts[3], parts[4]); got != want {
			t.Errorf("Fingerprint(%.40q...) = %s, want %s", parts, got, want)
		}
	}
	if Fingerprint("a", "b", "", "", "") == Fingerprint("a", "", "b", "", "") {
		t.Error("parts moved between fields give the same fingerprint")
	}
}
