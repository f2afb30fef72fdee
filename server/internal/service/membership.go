package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authz"
	"github.com/idplane/idplane/server/internal/store"
)

func membershipToAPI(m store.Membership) api.ProjectMembership {
	return api.ProjectMembership{ProjectID: m.ProjectID, IdentityID: m.IdentityID, Roles: m.Roles.V,
		Version: m.Version, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

// normalizeGrants orders grants so the server always answers in one order.
func normalizeGrants(in []api.MembershipRole) []api.MembershipRole {
	out := slices.Clone(in)
	for i := range out {
		if t := out[i].TemporaryAccess; t != nil {
			t2 := *t
			t2.StartTime = t2.StartTime.UTC()
			out[i].TemporaryAccess = &t2
		}
	}
	slices.SortStableFunc(out, func(a, b api.MembershipRole) int {
		if c := cmp.Compare(a.RoleSlug, b.RoleSlug); c != 0 {
			return c
		}
		switch {
		case a.TemporaryAccess == nil && b.TemporaryAccess == nil:
			return 0
		case a.TemporaryAccess == nil:
			return -1
		case b.TemporaryAccess == nil:
			return 1
		}
		return a.TemporaryAccess.StartTime.Compare(b.TemporaryAccess.StartTime)
	})
	return out
}

// ListMemberships lists a project's identity memberships.
func (s *Service) ListMemberships(ctx context.Context, c *Caller, projectID string) (*api.ProjectMembershipList, error) {
	if _, err := s.requireProject(ctx, c, projectID, api.SubjectIdentities, api.ActionRead); err != nil {
		return nil, err
	}
	var rows []store.Membership
	if err := s.db.WithContext(ctx).Where("project_id = ?", projectID).Order("identity_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	out := &api.ProjectMembershipList{Memberships: make([]api.ProjectMembership, 0, len(rows))}
	for _, r := range rows {
		out.Memberships = append(out.Memberships, membershipToAPI(r))
	}
	return out, nil
}

func (s *Service) membership(ctx context.Context, c *Caller, projectID, identityID, action string) (store.Membership, error) {
	var m store.Membership
	if _, err := s.requireProject(ctx, c, projectID, api.SubjectIdentities, action); err != nil {
		return m, err
	}
	err := s.db.WithContext(ctx).Where("project_id = ? AND identity_id = ?", projectID, identityID).Take(&m).Error
	return m, store.Translate(err, "membership of identity "+identityID)
}

// GetMembership returns an identity's membership in a project.
func (s *Service) GetMembership(ctx context.Context, c *Caller, projectID, identityID string) (*api.ProjectMembership, error) {
	m, err := s.membership(ctx, c, projectID, identityID, api.ActionRead)
	if err != nil {
		return nil, err
	}
	out := membershipToAPI(m)
	return &out, nil
}

// checkGrants makes sure every granted role exists in the project and that
// the caller holds what each grants.
func (s *Service) checkGrants(ctx context.Context, c *Caller, projectID string, grants []api.MembershipRole) error {
	p, err := s.authorize(ctx, c)
	if err != nil {
		return err
	}
	db := s.db.WithContext(ctx)
	var errs api.FieldErrors
	for i, g := range grants {
		rules, err := s.roleRules(db, c.OrgID(), projectID, g.RoleSlug)
		if err != nil {
			return err
		}
		if _, builtin := authz.BuiltinProjectRole(g.RoleSlug); !builtin && rules == nil {
			var n int64
			if err := db.Model(&store.Role{}).Where("organization_id = ? AND project_id = ? AND slug = ?", c.OrgID(), projectID, g.RoleSlug).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				errs.Add(fmt.Sprintf("roles[%d].roleSlug", i), "project role %q does not exist; use admin, member, viewer, no-access or a custom role of this project", g.RoleSlug)
				continue
			}
		}
		for _, r := range rules {
			if !p.Covers(projectID, r) {
				return forbidden("role %q grants %s on %s beyond what the caller holds in this project", g.RoleSlug, strings.Join(r.Actions, ", "), r.Subject)
			}
		}
	}
	return errs.Err()
}

// CreateMembership adds an identity of the organization to a project.
func (s *Service) CreateMembership(ctx context.Context, c *Caller, projectID, identityID string, in *api.ProjectMembershipInput) (*api.ProjectMembership, error) {
	if _, err := s.requireProject(ctx, c, projectID, api.SubjectIdentities, api.ActionCreate); err != nil {
		return nil, err
	}
	var ident store.Identity
	if err := s.db.WithContext(ctx).Where("id = ? AND organization_id = ?", identityID, c.OrgID()).Take(&ident).Error; err != nil {
		return nil, store.Translate(err, "identity "+identityID)
	}
	if err := s.checkGrants(ctx, c, projectID, in.Roles); err != nil {
		return nil, err
	}
	now := s.now()
	row := store.Membership{ID: NewID(), OrganizationID: c.OrgID(), ProjectID: projectID, IdentityID: identityID,
		Roles: store.JSON[[]api.MembershipRole]{V: normalizeGrants(in.Roles)}, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return conflictOr(store.Translate(err, "create membership"), "identity %s is already a member of project %s; import or update it", identityID, projectID)
		}
		return s.record(tx, c, "membership.create", "identity", identityID, map[string]string{"projectId": projectID})
	})
	if err != nil {
		return nil, err
	}
	out := membershipToAPI(row)
	return &out, nil
}

// UpdateMembership replaces an identity's project roles.
func (s *Service) UpdateMembership(ctx context.Context, c *Caller, projectID, identityID string, version int64, in *api.ProjectMembershipInput) (*api.ProjectMembership, error) {
	m, err := s.membership(ctx, c, projectID, identityID, api.ActionEdit)
	if err != nil {
		return nil, err
	}
	if err := s.checkGrants(ctx, c, projectID, in.Roles); err != nil {
		return nil, err
	}
	now := s.now()
	roles := store.JSON[[]api.MembershipRole]{V: normalizeGrants(in.Roles)}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		v, err := updateVersioned(tx, &store.Membership{}, m.ID, version, m.Version, map[string]any{"roles": roles}, now)
		if err != nil {
			return err
		}
		m.Roles, m.Version, m.UpdatedAt = roles, v, now
		return s.record(tx, c, "membership.update", "identity", identityID, map[string]string{"projectId": projectID})
	})
	if err != nil {
		return nil, err
	}
	out := membershipToAPI(m)
	return &out, nil
}

// DeleteMembership removes an identity from a project.
func (s *Service) DeleteMembership(ctx context.Context, c *Caller, projectID, identityID string, version int64) error {
	m, err := s.membership(ctx, c, projectID, identityID, api.ActionDelete)
	if err != nil {
		return err
	}
	if version != 0 && version != m.Version {
		return StaleError(version, m.Version)
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Delete(&store.Membership{}, "id = ?", m.ID).Error; err != nil {
			return fmt.Errorf("delete membership: %w", err)
		}
		return s.record(tx, c, "membership.delete", "identity", identityID, map[string]string{"projectId": projectID})
	})
}
