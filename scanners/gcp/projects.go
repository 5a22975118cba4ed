package gcp

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// ProjectIDs lists the ACTIVE projects under LiveOptions.Organization,
// through its folders, sorted by id: the scopes to shard an organization
// scan by.
func (l *Live) ProjectIDs(ctx context.Context) ([]string, error) {
	if l.opts.Organization == "" {
		return nil, errors.New("name an --organization")
	}
	c, err := l.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer c.close()
	ids, _, err := l.orgProjects(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("listing projects of organizations/%s: %v", l.opts.Organization, describe(err))
	}
	return ids, nil
}

// selectProjects keeps the organization's projects that
// LiveOptions.Projects names (all of them when it names none); each named
// project that is not an ACTIVE project of the organization is returned
// as a failed scope.
func (l *Live) selectProjects(all []string) ([]string, inventory.Inventory) {
	var missing inventory.Inventory
	if len(l.opts.Projects) == 0 {
		return all, missing
	}
	var kept []string
	found := map[string]bool{}
	for _, id := range all {
		if slices.Contains(l.opts.Projects, id) {
			kept = append(kept, id)
			found[id] = true
		}
	}
	for _, id := range l.opts.Projects {
		if !found[id] {
			found[id] = true
			missing.Sources = append(missing.Sources, inventory.Source{Scanner: "gcp", Scope: id, Mode: "live", Status: inventory.StatusFailed,
				Error: "not an ACTIVE project of organizations/" + l.opts.Organization})
		}
	}
	return kept, missing
}
