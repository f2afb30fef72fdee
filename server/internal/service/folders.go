package service

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
)

// Audit actions of the folders API.
const (
	auditFolderRead   = "secret-folder.read"
	auditFolderCreate = "secret-folder.create"
	auditFolderUpdate = "secret-folder.update"
	auditFolderDelete = "secret-folder.delete"
)

func folderToAPI(pl *secretPlace, f *store.SecretFolder) api.Folder {
	return api.Folder{ID: f.ID, Name: f.Name, Path: path.Join(f.ParentPath, f.Name), Version: f.Version,
		CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, EnvironmentID: pl.env.ID}
}

func folderMetadata(pl *secretPlace, f *store.SecretFolder) map[string]string {
	return map[string]string{"project": pl.project.ID, "environment": pl.env.Slug, "secretPath": f.ParentPath, "folder": f.Name}
}

// ListFolders answers GET /api/v1/folders: the folders directly under the
// path (secret-folders read there).
func (s *Service) ListFolders(ctx context.Context, c *Caller, q api.FolderListQuery) (*api.FolderList, error) {
	pl, err := s.placeSecrets(ctx, c, q.Scope(), "", "path")
	if err != nil {
		return nil, err
	}
	if err := s.decidePlace(ctx, c, &pl, api.SubjectSecretFolders, pl.path, api.ActionRead, auditFolderRead, "", ""); err != nil {
		return nil, err
	}
	var rows []store.SecretFolder
	if err := s.db.WithContext(ctx).Where("environment_id = ? AND parent_path = ?", pl.env.ID, pl.path).Order("name").Find(&rows).Error; err != nil {
		return nil, store.Translate(err, "list folders")
	}
	out := &api.FolderList{Folders: make([]api.Folder, len(rows))}
	for i := range rows {
		out.Folders[i] = folderToAPI(&pl, &rows[i])
	}
	return out, nil
}

// CreateFolder answers POST /api/v1/folders (secret-folders create at the
// parent path), with its audit event in the same transaction.
func (s *Service) CreateFolder(ctx context.Context, c *Caller, in *api.FolderCreate) (*api.FolderResponse, error) {
	if err := api.ValidateFolderName(in.Name); err != nil {
		return nil, (&api.FieldErrors{{Field: "name", Message: err.Error()}}).Err()
	}
	pl, err := s.placeSecrets(ctx, c, in.Scope(), "", "path")
	if err != nil {
		return nil, err
	}
	if err := api.ValidateSecretPath(path.Join(pl.path, in.Name)); err != nil {
		return nil, (&api.FieldErrors{{Field: "name", Message: "makes a path that " + err.Error()}}).Err()
	}
	if err := s.decidePlace(ctx, c, &pl, api.SubjectSecretFolders, pl.path, api.ActionCreate, auditFolderCreate, "folder", in.Name); err != nil {
		return nil, err
	}
	now := s.now()
	row := store.SecretFolder{ID: NewID(), OrganizationID: c.OrgID(), ProjectID: pl.project.ID, EnvironmentID: pl.env.ID,
		ParentPath: pl.path, Name: in.Name, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return conflictOr(store.Translate(err, "create folder"), "folder %q already exists at %s in project %q", in.Name, &pl, pl.project.Slug)
		}
		return s.record(tx, c, auditFolderCreate, "secret-folder", row.ID, folderMetadata(&pl, &row))
	})
	if err != nil {
		return nil, err
	}
	return &api.FolderResponse{Folder: folderToAPI(&pl, &row)}, nil
}

// DeleteFolder answers DELETE /api/v1/folders/{folderIdOrName}: an empty
// folder, by ID or by name under the path (secret-folders delete there). A
// folder holding secrets or folders is a 409: deleting it would delete
// secrets the caller may not even read.
func (s *Service) DeleteFolder(ctx context.Context, c *Caller, idOrName string, want int64, in *api.FolderDelete) (*api.FolderResponse, error) {
	pl, err := s.placeSecrets(ctx, c, in.Scope(), "", "path")
	if err != nil {
		return nil, err
	}
	if err := s.decidePlace(ctx, c, &pl, api.SubjectSecretFolders, pl.path, api.ActionDelete, auditFolderDelete, "folder", idOrName); err != nil {
		return nil, err
	}
	var row store.SecretFolder
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if row, err = emptyFolder(tx, &pl, idOrName, want); err != nil {
			return err
		}
		if err := tx.Delete(&store.SecretFolder{}, "id = ?", row.ID).Error; err != nil {
			return store.Translate(err, "delete folder")
		}
		return s.record(tx, c, auditFolderDelete, "secret-folder", row.ID, folderMetadata(&pl, &row))
	})
	if err != nil {
		return nil, err
	}
	return &api.FolderResponse{Folder: folderToAPI(&pl, &row)}, nil
}

// emptyFolder loads the folder idOrName (its ID, or its name) under pl's
// path at version want (0: any): 404 naming it, 412 for another version,
// 409 when secrets or folders are under it.
func emptyFolder(tx *gorm.DB, pl *secretPlace, idOrName string, want int64) (store.SecretFolder, error) {
	var row store.SecretFolder
	err := tx.Where("environment_id = ? AND parent_path = ? AND (id = ? OR name = ?)", pl.env.ID, pl.path, idOrName, idOrName).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, fmt.Errorf("folder %q at %s in project %q: %w", idOrName, pl, pl.project.Slug, store.ErrNotFound)
	}
	if err != nil {
		return row, store.Translate(err, "folder")
	}
	if want != 0 && want != row.Version {
		return row, StaleError(want, row.Version)
	}
	full := path.Join(row.ParentPath, row.Name)
	n, err := countUnder(tx.Model(&store.Secret{}), "secret_path", pl.env.ID, full)
	if err != nil {
		return row, err
	}
	sub, err := countUnder(tx.Model(&store.SecretFolder{}), "parent_path", pl.env.ID, full)
	if err != nil {
		return row, err
	}
	if n > 0 || sub > 0 {
		return row, conflict("folder %s holds %d secrets and %d folders; empty it first", full, n, sub)
	}
	return row, nil
}

// RenameFolder answers PATCH /api/v1/folders/{folderIdOrName}: an empty folder
// gets a new name (secret-folders edit at its parent path). A folder with
// anything under it keeps its name: the paths, and so the permissions, of
// what it holds would change.
func (s *Service) RenameFolder(ctx context.Context, c *Caller, idOrName string, want int64, in *api.FolderUpdate) (*api.FolderResponse, error) {
	if err := api.ValidateFolderName(in.Name); err != nil {
		return nil, (&api.FieldErrors{{Field: "name", Message: err.Error()}}).Err()
	}
	pl, err := s.placeSecrets(ctx, c, in.Scope(), "", "path")
	if err != nil {
		return nil, err
	}
	if err := s.decidePlace(ctx, c, &pl, api.SubjectSecretFolders, pl.path, api.ActionEdit, auditFolderUpdate, "folder", idOrName); err != nil {
		return nil, err
	}
	var row store.SecretFolder
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if row, err = emptyFolder(tx, &pl, idOrName, want); err != nil {
			return err
		}
		row.Name, row.UpdatedAt = in.Name, s.now()
		if row.Version, err = updateVersioned(tx, &store.SecretFolder{}, row.ID, want, row.Version, map[string]any{"name": in.Name}, row.UpdatedAt); err != nil {
			return conflictOr(err, "folder %q already exists at %s in project %q", in.Name, &pl, pl.project.Slug)
		}
		return s.record(tx, c, auditFolderUpdate, "secret-folder", row.ID, folderMetadata(&pl, &row))
	})
	if err != nil {
		return nil, err
	}
	return &api.FolderResponse{Folder: folderToAPI(&pl, &row)}, nil
}

// countUnder counts the rows of the environment whose column is dir or a
// path under it. LIKE narrows the rows ("_" matches any character); the
// prefix test is exact.
func countUnder(q *gorm.DB, column, envID, dir string) (int, error) {
	var paths []string
	if err := q.Where("environment_id = ? AND ("+column+" = ? OR "+column+" LIKE ?)", envID, dir, dir+"/%").Pluck(column, &paths).Error; err != nil {
		return 0, store.Translate(err, "count under "+dir)
	}
	n := 0
	for _, p := range paths {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			n++
		}
	}
	return n, nil
}
