package gcp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
)

// adcFile is where Application Default Credentials come from when a file
// holds them: GOOGLE_APPLICATION_CREDENTIALS, else the file
// `gcloud auth application-default login` writes.
func adcFile() string {
	if f := os.Getenv("GOOGLE_APPLICATION_CREDENTIALS"); f != "" {
		return f
	}
	if d := os.Getenv("CLOUDSDK_CONFIG"); d != "" {
		return filepath.Join(d, "application_default_credentials.json")
	}
	if runtime.GOOS == "windows" {
		return filepath.Join(os.Getenv("APPDATA"), "gcloud", "application_default_credentials.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".config", "gcloud", "application_default_credentials.json")
}

// impersonated finds the service account in an impersonation URL
// (…/serviceAccounts/EMAIL:generateAccessToken).
var impersonated = regexp.MustCompile(`serviceAccounts/([^/:]+):generateAccessToken`)

// principal says which identity the Application Default Credentials file
// stands for, for the audit record: the service account of a key file,
// the service account an external (workload identity federation) or
// impersonated credential becomes, or, for gcloud user credentials that
// do not name their account, what kind they are. It reads only the
// identifying fields; key material is neither kept nor shown. Without a
// file (a workload's attached service account, found through the
// metadata server) it records nothing rather than probe the network.
func principal() string {
	name := adcFile()
	data, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	var f struct {
		Type                           string `json:"type"`
		ClientEmail                    string `json:"client_email"`
		ServiceAccountImpersonationURL string `json:"service_account_impersonation_url"`
		Audience                       string `json:"audience"`
	}
	if json.Unmarshal(data, &f) != nil {
		return ""
	}
	if m := impersonated.FindStringSubmatch(f.ServiceAccountImpersonationURL); m != nil {
		return m[1]
	}
	switch f.Type {
	case "service_account":
		return f.ClientEmail
	case "external_account":
		return "workload identity federation: " + f.Audience
	case "authorized_user":
		return "gcloud user credentials (application-default login)"
	}
	return ""
}
