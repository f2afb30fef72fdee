package api

import (
	"errors"
	"time"
)

// Folder is a secret folder as Infisical's folders API answers it (its Go
// SDK's models.Folder). Path is the folder's own full path; ParentID is
// always empty (a folder's parent is its path's parent, which may be no row).
type Folder struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Path          string    `json:"path"`
	Version       int64     `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	EnvironmentID string    `json:"envId"`
	ParentID      string    `json:"parentId"`
	IsReserved    bool      `json:"isReserved"`
}

// FolderList is the answer of GET /api/v1/folders, sorted by name.
type FolderList struct {
	Folders []Folder `json:"folders"`
}

// FolderResponse wraps one folder, as Infisical answers.
type FolderResponse struct {
	Folder Folder `json:"folder"`
}

// FolderListQuery are the query parameters of GET /api/v1/folders: the
// folders directly under path (default /).
type FolderListQuery struct {
	WorkspaceID   string `query:"workspaceId"`
	WorkspaceSlug string `query:"workspaceSlug"`
	Environment   string `query:"environment"`
	Path          string `query:"path"`
}

// Scope is where the folders are listed.
func (q FolderListQuery) Scope() SecretScope {
	return SecretScope{q.WorkspaceID, q.WorkspaceSlug, q.Environment, q.Path}
}

// FolderCreate is the body of POST /api/v1/folders: folder Name under Path.
type FolderCreate struct {
	WorkspaceID   string `json:"workspaceId,omitempty"`
	WorkspaceSlug string `json:"workspaceSlug,omitempty"`
	Environment   string `json:"environment"`
	Name          string `json:"name"`
	Path          string `json:"path,omitempty"`
}

// Scope is where the folder is created.
func (in *FolderCreate) Scope() SecretScope {
	return SecretScope{in.WorkspaceID, in.WorkspaceSlug, in.Environment, in.Path}
}

// FolderUpdate is the body of PATCH /api/v1/folders/{folderIdOrName}: the
// folder's new name.
type FolderUpdate struct {
	WorkspaceID   string `json:"workspaceId,omitempty"`
	WorkspaceSlug string `json:"workspaceSlug,omitempty"`
	Environment   string `json:"environment"`
	Name          string `json:"name"`
	Path          string `json:"path,omitempty"`
}

// Scope is where the folder is.
func (in *FolderUpdate) Scope() SecretScope {
	return SecretScope{in.WorkspaceID, in.WorkspaceSlug, in.Environment, in.Path}
}

// FolderDelete is the body of DELETE /api/v1/folders/{folderIdOrName}: the
// folder, by ID or by name under Path.
type FolderDelete struct {
	WorkspaceID   string `json:"workspaceId,omitempty"`
	WorkspaceSlug string `json:"workspaceSlug,omitempty"`
	Environment   string `json:"environment"`
	Path          string `json:"path,omitempty"`
}

// Scope is where the folder is.
func (in *FolderDelete) Scope() SecretScope {
	return SecretScope{in.WorkspaceID, in.WorkspaceSlug, in.Environment, in.Path}
}

// MaxFolderNameLen bounds a folder's name.
const MaxFolderNameLen = 64

// FolderNameRule says what a folder name may be.
const FolderNameRule = "must hold 1 to 64 letters, digits, underscores, dashes and dots, and not be . or .."

var errFolderName = errors.New(FolderNameRule)

// ValidateFolderName checks a folder name against FolderNameRule.
func ValidateFolderName(n string) error {
	if n == "" || len(n) > MaxFolderNameLen || n == "." || n == ".." {
		return errFolderName
	}
	for i := 0; i < len(n); i++ {
		if !keyStart(n[i]) && !(n[i] >= '0' && n[i] <= '9') && n[i] != '-' && n[i] != '.' {
			return errFolderName
		}
	}
	return nil
}
