package findings

import "time"

// IdentityRow is one identity as the inventory command lists it.
type IdentityRow struct {
	Provider string `json:"provider"`
	Account  string `json:"account"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	ID       string `json:"id"`
	Owner    string `json:"owner"`
	// OwnerSource says where the owner came from ("tag owner",
	// "namespace apps label team"), when it was found.
	OwnerSource string `json:"owner_source,omitempty"`
	Agent       bool   `json:"agent"`
	// Created is absent when the provider does not record it (GCP).
	Created  *time.Time `json:"created,omitempty"`
	LastUsed *time.Time `json:"last_used"`
	// LastUsedKnown is false when the source carried no usage data for
	// the identity (then LastUsed is null for want of data, not "never").
	LastUsedKnown bool `json:"last_used_known"`
	Credentials   int  `json:"credentials"`
	// OldestCredentialDays is the age of the oldest active credential, or
	// -1 when the identity has none.
	OldestCredentialDays int `json:"oldest_credential_days"`
	// Privilege is the broadest privilege: admin, wildcard or scoped (AWS,
	// GCP), privileged or limited (Kubernetes, Azure), none, or unknown.
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

// PathStep is one hop of an escalation path.
type PathStep struct {
	From        string `json:"from"`
	FromName    string `json:"from_name"`
	To          string `json:"to"`
	ToName      string `json:"to_name"`
	Method      string `json:"method,omitempty"`
	MethodName  string `json:"method_name,omitempty"`
	Via         string `json:"via,omitempty"`
	Conditional bool   `json:"conditional"`
	Possible    bool   `json:"possible"`
}

// Path is a way from one identity to another, or to administrator.
type Path struct {
	From        string     `json:"from"`
	FromName    string     `json:"from_name"`
	Provider    string     `json:"provider"`
	Account     string     `json:"account"`
	To          string     `json:"to"`
	Hops        int        `json:"hops"`
	Conditional bool       `json:"conditional"`
	Steps       []PathStep `json:"steps"`
}

// PathReport is the paths command's report.
type PathReport struct {
	SchemaVersion string    `json:"schema_version"`
	Tool          Tool      `json:"tool"`
	AsOf          time.Time `json:"as_of"`
	Sources       []Source  `json:"sources"`
	Paths         []Path    `json:"paths"`
}
