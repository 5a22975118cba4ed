package gcp

import (
	"context"
	"errors"
	"fmt"
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
