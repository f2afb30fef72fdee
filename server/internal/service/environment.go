package service

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
)

func environmentToAPI(e store.Environment) api.Environment {
	return api.Environment{ID: e.ID, ProjectID: e.ProjectID, Name: e.Name, Slug: e.Slug, Position: e.Position,
		Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// ListEnvironments lists a project's environments by position.
func (s *Service) ListEnvironments(ctx context.Context, c *Caller, projectID string) (*api.EnvironmentList, error) {
	if _, err := s.requireProject(ctx, c, projectID, api.SubjectEnvironments, api.ActionRead); err != nil {
		return nil, err
	}
	var rows []store.Environment
	if err := s.db.WithContext(ctx).Where("project_id = ?", projectID).Order("position, slug").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list environments: %w", err)
	}
	out := &api.EnvironmentList{Environments: make([]api.Environment, 0, len(rows))}
	for _, r := range rows {
		out.Environments = append(out.Environments, environmentToAPI(r))
	}
	return out, nil
}

func (s *Service) environment(ctx context.Context, c *Caller, projectID, slug, action string) (store.Environment, error) {
	var e store.Environment
	if _, err := s.requireProject(ctx, c, projectID, api.SubjectEnvironments, action); err != nil {
		return e, err
	}
	err := s.db.WithContext(ctx).Where("project_id = ? AND slug = ?", projectID, slug).Take(&e).Error
	return e, store.Translate(err, "environment "+slug)
}

// CreateEnvironment creates an environment.
func (s *Service) CreateEnvironment(ctx context.Context, c *Caller, projectID string, in *api.EnvironmentInput) (*api.Environment, error) {
	if _, err := s.requireProject(ctx, c, projectID, api.SubjectEnvironments, api.ActionCreate); err != nil {
		return nil, err
	}
	now := s.now()
	row := store.Environment{ID: NewID(), OrganizationID: c.OrgID(), ProjectID: projectID, Name: in.Name, Slug: in.Slug,
		Position: in.Position, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return conflictOr(store.Translate(err, "create environment"), "environment slug %q is already used in this project", in.Slug)
		}
		return s.record(tx, c, "environment.create", "environment", row.ID, map[string]string{"projectId": projectID, "slug": in.Slug})
	})
	if err != nil {
		return nil, err
	}
	out := environmentToAPI(row)
	return &out, nil
}

// GetEnvironment gets an environment by slug.
func (s *Service) GetEnvironment(ctx context.Context, c *Caller, projectID, slug string) (*api.Environment, error) {
	e, err := s.environment(ctx, c, projectID, slug, api.ActionRead)
	if err != nil {
		return nil, err
	}
	out := environmentToAPI(e)
	return &out, nil
}

// UpdateEnvironment replaces an environment (its slug included).
func (s *Service) UpdateEnvironment(ctx context.Context, c *Caller, projectID, slug string, version int64, in *api.EnvironmentInput) (*api.Environment, error) {
	e, err := s.environment(ctx, c, projectID, slug, api.ActionEdit)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		v, err := updateVersioned(tx, &store.Environment{}, e.ID, version, e.Version,
			map[string]any{"name": in.Name, "slug": in.Slug, "position": in.Position}, now)
		if err != nil {
			return conflictOr(err, "environment slug %q is already used in this project", in.Slug)
		}
		e.Name, e.Slug, e.Position, e.Version, e.UpdatedAt = in.Name, in.Slug, in.Position, v, now
		return s.record(tx, c, "environment.update", "environment", e.ID, map[string]string{"projectId": projectID, "slug": in.Slug})
	})
	if err != nil {
		return nil, err
	}
	out := environmentToAPI(e)
	return &out, nil
}

// DeleteEnvironment deletes an environment.
func (s *Service) DeleteEnvironment(ctx context.Context, c *Caller, projectID, slug string, version int64) error {
	e, err := s.environment(ctx, c, projectID, slug, api.ActionDelete)
	if err != nil {
		return err
	}
	if version != 0 && version != e.Version {
		return StaleError(version, e.Version)
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Delete(&store.Environment{}, "id = ?", e.ID).Error; err != nil {
			return fmt.Errorf("delete environment: %w", err)
		}
		return s.record(tx, c, "environment.delete", "environment", e.ID, map[string]string{"projectId": projectID, "slug": slug})
	})
}
