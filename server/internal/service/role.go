package service

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authz"
	"github.com/idplane/idplane/server/internal/store"
)

// Roles of both scopes share this code: projectID is "" for organization roles.

func roleToAPI(r store.Role) api.Role {
	return api.Role{ID: r.ID, ProjectID: r.ProjectID, Slug: r.Slug, Name: r.Name, Description: r.Description,
		Permissions: api.NormalizeRules(r.Permissions.V), Version: r.Version, CreatedAt: &r.CreatedAt, UpdatedAt: &r.UpdatedAt}
}

func builtinToAPI(r authz.Role, projectID string) api.Role {
	return api.Role{ID: r.Slug, ProjectID: projectID, Slug: r.Slug, Name: r.Name, Description: r.Description,
		Permissions: api.NormalizeRules(r.Rules), Builtin: true, Version: 1}
}

func builtinRoles(projectID string) []authz.Role {
	if projectID == "" {
		return authz.BuiltinOrgRoles()
	}
	return authz.BuiltinProjectRoles()
}

func roleScope(projectID string) api.Scope {
	if projectID == "" {
		return api.ScopeOrganization
	}
	return api.ScopeProject
}

// roleAccess checks the caller may act on roles of the scope.
func (s *Service) roleAccess(ctx context.Context, c *Caller, projectID, action string) error {
	if projectID == "" {
		return s.require(ctx, c, api.SubjectRoles, action)
	}
	_, err := s.requireProject(ctx, c, projectID, api.SubjectRoles, action)
	return err
}

// ListRoles lists the scope's roles, built-ins first.
func (s *Service) ListRoles(ctx context.Context, c *Caller, projectID string) (*api.RoleList, error) {
	if err := s.roleAccess(ctx, c, projectID, api.ActionRead); err != nil {
		return nil, err
	}
	out := &api.RoleList{Roles: []api.Role{}}
	for _, b := range builtinRoles(projectID) {
		out.Roles = append(out.Roles, builtinToAPI(b, projectID))
	}
	var rows []store.Role
	if err := s.db.WithContext(ctx).Where("organization_id = ? AND project_id = ?", c.OrgID(), projectID).Order("slug").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	for _, r := range rows {
		out.Roles = append(out.Roles, roleToAPI(r))
	}
	return out, nil
}

// GetRole finds a role by ID or slug, built-ins included.
func (s *Service) GetRole(ctx context.Context, c *Caller, projectID, idOrSlug string) (*api.Role, error) {
	if err := s.roleAccess(ctx, c, projectID, api.ActionRead); err != nil {
		return nil, err
	}
	for _, b := range builtinRoles(projectID) {
		if b.Slug == idOrSlug {
			out := builtinToAPI(b, projectID)
			return &out, nil
		}
	}
	r, err := s.customRole(ctx, c, projectID, idOrSlug)
	if err != nil {
		return nil, err
	}
	out := roleToAPI(r)
	return &out, nil
}

func (s *Service) customRole(ctx context.Context, c *Caller, projectID, idOrSlug string) (store.Role, error) {
	var r store.Role
	err := s.db.WithContext(ctx).Where("organization_id = ? AND project_id = ? AND (id = ? OR slug = ?)", c.OrgID(), projectID, idOrSlug, idOrSlug).Take(&r).Error
	if err != nil {
		if _, builtin := findBuiltin(projectID, idOrSlug); builtin {
			return r, conflict("role %q is built in and cannot be changed or deleted", idOrSlug)
		}
	}
	return r, store.Translate(err, "role "+idOrSlug)
}

func findBuiltin(projectID, slug string) (authz.Role, bool) {
	if projectID == "" {
		return authz.BuiltinOrgRole(slug)
	}
	return authz.BuiltinProjectRole(slug)
}

func (s *Service) validateRole(projectID string, in *api.RoleInput) error {
	var errs api.FieldErrors
	in.Validate(roleScope(projectID), &errs)
	if _, builtin := findBuiltin(projectID, in.Slug); builtin {
		errs.Add("slug", "%q is the slug of a built-in role; choose another", in.Slug)
	}
	return errs.Err()
}

// CreateRole creates a custom role.
func (s *Service) CreateRole(ctx context.Context, c *Caller, projectID string, in *api.RoleInput) (*api.Role, error) {
	if err := s.validateRole(projectID, in); err != nil {
		return nil, err
	}
	if err := s.roleAccess(ctx, c, projectID, api.ActionCreate); err != nil {
		return nil, err
	}
	now := s.now()
	row := store.Role{ID: NewID(), OrganizationID: c.OrgID(), ProjectID: projectID, Slug: in.Slug, Name: in.Name,
		Description: in.Description, Permissions: store.JSON[[]api.PermissionRule]{V: api.NormalizeRules(in.Permissions)},
		Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return conflictOr(store.Translate(err, "create role"), "role slug %q is already used", in.Slug)
		}
		return s.record(tx, c, "role.create", "role", row.ID, map[string]string{"slug": in.Slug, "projectId": projectID})
	})
	if err != nil {
		return nil, err
	}
	out := roleToAPI(row)
	return &out, nil
}

// roleUses counts the identities (organization roles) or memberships
// (project roles) that refer to a role slug.
func roleUses(tx *gorm.DB, orgID, projectID, slug string) (int, error) {
	if projectID == "" {
		var n int64
		err := tx.Model(&store.Identity{}).Where("organization_id = ? AND role = ?", orgID, slug).Count(&n).Error
		return int(n), err
	}
	var ms []store.Membership
	if err := tx.Where("project_id = ?", projectID).Find(&ms).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		for _, r := range m.Roles.V {
			if r.RoleSlug == slug {
				n++
				break
			}
		}
	}
	return n, nil
}

// UpdateRole replaces a custom role. Its slug can change only while nothing
// refers to it.
func (s *Service) UpdateRole(ctx context.Context, c *Caller, projectID, idOrSlug string, version int64, in *api.RoleInput) (*api.Role, error) {
	if err := s.validateRole(projectID, in); err != nil {
		return nil, err
	}
	if err := s.roleAccess(ctx, c, projectID, api.ActionEdit); err != nil {
		return nil, err
	}
	r, err := s.customRole(ctx, c, projectID, idOrSlug)
	if err != nil {
		return nil, err
	}
	now := s.now()
	perms := store.JSON[[]api.PermissionRule]{V: api.NormalizeRules(in.Permissions)}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if in.Slug != r.Slug {
			n, err := roleUses(tx, c.OrgID(), projectID, r.Slug)
			if err != nil {
				return fmt.Errorf("count role uses: %w", err)
			}
			if n > 0 {
				return conflict("role %q is granted %d time(s); its slug cannot change while in use", r.Slug, n)
			}
		}
		v, err := updateVersioned(tx, &store.Role{}, r.ID, version, r.Version, map[string]any{
			"slug": in.Slug, "name": in.Name, "description": in.Description, "permissions": perms}, now)
		if err != nil {
			return conflictOr(err, "role slug %q is already used", in.Slug)
		}
		r.Slug, r.Name, r.Description, r.Permissions, r.Version, r.UpdatedAt = in.Slug, in.Name, in.Description, perms, v, now
		return s.record(tx, c, "role.update", "role", r.ID, map[string]string{"slug": in.Slug, "projectId": projectID})
	})
	if err != nil {
		return nil, err
	}
	out := roleToAPI(r)
	return &out, nil
}

// DeleteRole deletes a custom role nothing refers to.
func (s *Service) DeleteRole(ctx context.Context, c *Caller, projectID, idOrSlug string, version int64) error {
	if err := s.roleAccess(ctx, c, projectID, api.ActionDelete); err != nil {
		return err
	}
	r, err := s.customRole(ctx, c, projectID, idOrSlug)
	if err != nil {
		return err
	}
	if version != 0 && version != r.Version {
		return StaleError(version, r.Version)
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		n, err := roleUses(tx, c.OrgID(), projectID, r.Slug)
		if err != nil {
			return fmt.Errorf("count role uses: %w", err)
		}
		if n > 0 {
			return conflict("role %q is still granted %d time(s); remove those grants first", r.Slug, n)
		}
		if err := tx.Delete(&store.Role{}, "id = ?", r.ID).Error; err != nil {
			return fmt.Errorf("delete role: %w", err)
		}
		return s.record(tx, c, "role.delete", "role", r.ID, map[string]string{"slug": r.Slug, "projectId": projectID})
	})
}
