package service

import (
	"context"
	"fmt"

	"github.com/idplane/idplane/server/internal/store"
)

// ActivitySnapshot is the login activity of every organization, for the
// server's metrics: declared identities and monthly active ones per
// organization (Month, UTC), and every last login per identity and method.
type ActivitySnapshot struct {
	Month         string
	Declared      map[string]int // organization ID → identities
	MonthlyActive map[string]int // organization ID → identities with a login in Month
	Logins        []store.IdentityLogin
}

// Activity reads the activity snapshot: three queries whatever the size.
// Logins of identities deleted since are left out.
func (s *Service) Activity(ctx context.Context) (*ActivitySnapshot, error) {
	db := s.db.WithContext(ctx)
	out := &ActivitySnapshot{Month: store.ActivityMonth(s.now()), Declared: map[string]int{}, MonthlyActive: map[string]int{}}
	var counts []struct {
		OrganizationID string
		N              int
	}
	if err := db.Raw(`SELECT organization_id, COUNT(*) AS n FROM identities GROUP BY organization_id`).Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("count identities: %w", err)
	}
	for _, c := range counts {
		out.Declared[c.OrganizationID] = c.N
	}
	counts = nil
	if err := db.Raw(`SELECT organization_id, COUNT(*) AS n FROM identity_activity WHERE month = ? GROUP BY organization_id`,
		out.Month).Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("count monthly active identities: %w", err)
	}
	for _, c := range counts {
		out.MonthlyActive[c.OrganizationID] = c.N
	}
	if err := db.Raw(`SELECT l.identity_id, l.auth_method, l.organization_id, l.last_login_at FROM identity_logins l
		JOIN identities i ON i.id = l.identity_id ORDER BY l.identity_id, l.auth_method`).Scan(&out.Logins).Error; err != nil {
		return nil, fmt.Errorf("load last logins: %w", err)
	}
	return out, nil
}
