package service

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
)

func projectToAPI(p store.Project) api.Project {
	return api.Project{ID: p.ID, OrganizationID: p.OrganizationID, Name: p.Name, Slug: p.Slug,
		Description: p.Description, Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// ListProjects lists the projects the caller may read: all of them with the
// organization-scope projects:read permission, else those it is a member of.
func (s *Service) ListProjects(ctx context.Context, c *Caller) (*api.ProjectList, error) {
	p, err := s.authorize(ctx, c)
	if err != nil {
		return nil, err
	}
	var rows []store.Project
	if err := s.db.WithContext(ctx).Where("organization_id = ?", c.OrgID()).Order("slug").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	out := &api.ProjectList{Projects: []api.Project{}}
	all := p.Can(api.SubjectProjects, api.ActionRead)
	for _, r := range rows {
		if all || p.CanProject(r.ID, api.SubjectProject, api.ActionRead) {
			out.Projects = append(out.Projects, projectToAPI(r))
		}
	}
	return out, nil
}

// CreateProject creates a project. A creator that is not an organization
// admin becomes the project's admin, or it could not manage what it made.
func (s *Service) CreateProject(ctx context.Context, c *Caller, in *api.ProjectInput) (*api.Project, error) {
	p, err := s.authorize(ctx, c)
	if err != nil {
		return nil, err
	}
	if !p.Can(api.SubjectProjects, api.ActionCreate) {
		return nil, forbidden("the caller's organization role does not allow create on projects")
	}
	now := s.now()
	row := store.Project{ID: NewID(), OrganizationID: c.OrgID(), Name: in.Name, Slug: in.Slug,
		Description: in.Description, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return conflictOr(store.Translate(err, "create project"), "project slug %q is already used in this organization", in.Slug)
		}
		if p.OrgRole != "admin" {
			m := store.Membership{ID: NewID(), OrganizationID: c.OrgID(), ProjectID: row.ID, IdentityID: c.Claims.IdentityID,
				Roles: store.JSON[[]api.MembershipRole]{V: []api.MembershipRole{{RoleSlug: "admin"}}}, Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&m).Error; err != nil {
				return store.Translate(err, "add creator to project")
			}
		}
		return s.record(tx, c, "project.create", "project", row.ID, map[string]string{"slug": row.Slug})
	})
	if err != nil {
		return nil, err
	}
	out := projectToAPI(row)
	return &out, nil
}

// GetProject returns a project the caller may read.
func (s *Service) GetProject(ctx context.Context, c *Caller, id string) (*api.Project, error) {
	p, err := s.requireProject(ctx, c, id, api.SubjectProject, api.ActionRead)
	if err != nil {
		return nil, err
	}
	out := projectToAPI(p)
	return &out, nil
}

// UpdateProject replaces a project's settings.
func (s *Service) UpdateProject(ctx context.Context, c *Caller, id string, version int64, in *api.ProjectInput) (*api.Project, error) {
	p, err := s.requireProject(ctx, c, id, api.SubjectProject, api.ActionEdit)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		v, err := updateVersioned(tx, &store.Project{}, id, version, p.Version,
			map[string]any{"name": in.Name, "slug": in.Slug, "description": in.Description}, now)
		if err != nil {
			return conflictOr(err, "project slug %q is already used in this organization", in.Slug)
		}
		p.Name, p.Slug, p.Description, p.Version, p.UpdatedAt = in.Name, in.Slug, in.Description, v, now
		return s.record(tx, c, "project.update", "project", id, nil)
	})
	if err != nil {
		return nil, err
	}
	out := projectToAPI(p)
	return &out, nil
}

// DeleteProject deletes a project with its environments, roles and memberships.
func (s *Service) DeleteProject(ctx context.Context, c *Caller, id string, version int64) error {
	p, err := s.requireProject(ctx, c, id, api.SubjectProject, api.ActionDelete)
	if err != nil {
		return err
	}
	if version != 0 && version != p.Version {
		return StaleError(version, p.Version)
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("organization_id = ? AND project_id = ?", c.OrgID(), id).Delete(&store.Role{}).Error; err != nil {
			return fmt.Errorf("delete project roles: %w", err)
		}
		if err := tx.Delete(&store.Project{}, "id = ?", id).Error; err != nil {
			return fmt.Errorf("delete project: %w", err)
		}
		return s.record(tx, c, "project.delete", "project", id, map[string]string{"slug": p.Slug})
	})
}
