package findings

import "time"

// IdentityRow is one identity as the inventory command lists it.
type IdentityRow struct {
	Provider    string     `json:"provider"`
	Account     string     `json:"account"`
	Kind        string     `json:"kind"`
	Name        string     `json:"name"`
	ID          string     `json:"id"`
	Owner       string     `json:"owner"`
	Agent       bool       `json:"agent"`
	Created     time.Time  `json:"created"`
	LastUsed    *time.Time `json:"last_used"`
	Credentials int        `json:"credentials"`
	// OldestCredentialDays is the age of the oldest active credential, or
	// -1 when the identity has none.
	OldestCredentialDays int `json:"oldest_credential_days"`
	// Privilege is the broadest privilege: admin, wildcard, scoped or none.
	Privilege string `json:"privilege"`
	// Excluded says why rules skip this identity by default.
	Excluded string `json:"excluded,omitempty"`
}

// Listing is the inventory command's report.
type Listing struct {
	SchemaVersion string        `json:"schema_version"`
	Tool          Tool          `json:"tool"`
	AsOf          time.Time     `json:"as_of"`
	Sources       []Source      `json:"sources"`
	Identities    []IdentityRow `json:"identities"`
}
