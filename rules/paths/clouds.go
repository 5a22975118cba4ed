package paths

import (
	"strings"
	"sync"
	"time"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// clouds is every provider the graph knows: the constructor of its part
// and the escalation methods its edges name. A new provider is one file
// implementing cloud and one entry here.
var clouds = []cloudEntry{
	{newAWS, awsMethods},
	{newGCP, gcpMethods},
	{newK8s, k8sMethods},
	{newAzure, azureMethods},
}

// Build makes the graph of an inventory as of a time (date conditions are
// decided against it).
func Build(inv *inventory.Inventory, asOf time.Time) *Graph {
	lowerMethods()
	return build(inv, asOf, clouds)
}

// lowerMethods fills the lower-case action names of every cloud's
// methods, in place.
var lowerMethods = sync.OnceFunc(func() {
	lower := func(m *Method) {
		m.target = strings.ToLower(m.TargetAction)
		m.actions = make([]string, len(m.Actions))
		for i, a := range m.Actions {
			m.actions[i] = strings.ToLower(a)
		}
	}
	for _, c := range clouds {
		for i := range c.methods {
			lower(&c.methods[i])
		}
	}
	lower(editAssumable)
})

// Catalogue is every method nhiscan checks, in the order of clouds.
var Catalogue = func() []Method {
	var all []Method
	for _, c := range clouds {
		all = append(all, c.methods...)
	}
	return all
}()

// MethodByID finds a method of the catalogue.
func MethodByID(id string) (Method, bool) {
	for _, m := range Catalogue {
		if m.ID == id {
			return m, true
		}
	}
	return Method{}, false
}
