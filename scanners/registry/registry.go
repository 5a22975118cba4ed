// Package registry is the explicit list of scanners: adding a cloud means
// adding it here, not an init function somewhere.
package registry

import (
	"github.com/nhiscan/nhiscan/scanners"
	"github.com/nhiscan/nhiscan/scanners/aws"
	"github.com/nhiscan/nhiscan/scanners/gcp"
)

// Offline returns a fresh offline loader for every supported cloud, in the
// order they are asked to recognise a file.
func Offline() []scanners.Offline {
	return []scanners.Offline{
		aws.NewOffline(),
		gcp.NewOffline(),
	}
}
