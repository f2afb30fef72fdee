package api

import (
	"context"
	"net/url"
	"strconv"
)

// ListSecrets lists the secrets at q's path (recursive: under it) that the
// caller may read.
func (c *Client) ListSecrets(ctx context.Context, q SecretListQuery) (*SecretList, error) {
	v := url.Values{}
	q.Scope().into(v)
	if q.Recursive {
		v.Set("recursive", "true")
	}
	if q.WithoutValues {
		v.Set("viewSecretValue", "false")
	}
	var out SecretList
	return &out, c.Call(ctx, RouteListSecrets, nil, v, 0, nil, &out)
}

// GetSecret reads a secret, at q.Version when not 0.
func (c *Client) GetSecret(ctx context.Context, key string, q SecretGetQuery) (*Secret, error) {
	v := url.Values{}
	q.Scope().into(v)
	if q.Type != "" {
		v.Set("type", q.Type)
	}
	if q.Version != 0 {
		v.Set("version", strconv.FormatInt(q.Version, 10))
	}
	if q.WithoutValues {
		v.Set("viewSecretValue", "false")
	}
	var out SecretResponse
	if err := c.Call(ctx, RouteGetSecret, []string{key}, v, 0, nil, &out); err != nil {
		return nil, err
	}
	return &out.Secret, nil
}

// CreateSecret creates a secret at version 1.
func (c *Client) CreateSecret(ctx context.Context, key string, in SecretCreate) (*Secret, error) {
	var out SecretResponse
	if err := c.Call(ctx, RouteCreateSecret, []string{key}, nil, 0, in, &out); err != nil {
		return nil, err
	}
	return &out.Secret, nil
}

// UpdateSecret writes a new version of a secret; ifMatch 0 skips the version check.
func (c *Client) UpdateSecret(ctx context.Context, key string, ifMatch int64, in SecretUpdate) (*Secret, error) {
	var out SecretResponse
	if err := c.Call(ctx, RouteUpdateSecret, []string{key}, nil, ifMatch, in, &out); err != nil {
		return nil, err
	}
	return &out.Secret, nil
}

// DeleteSecret deletes a secret and its versions; ifMatch 0 skips the version check.
func (c *Client) DeleteSecret(ctx context.Context, key string, ifMatch int64, in SecretDelete) error {
	return c.Call(ctx, RouteDeleteSecret, []string{key}, nil, ifMatch, in, &SecretResponse{})
}

func (s SecretScope) into(v url.Values) {
	for name, val := range map[string]string{"workspaceId": s.WorkspaceID, "workspaceSlug": s.WorkspaceSlug,
		"environment": s.Environment, "secretPath": s.SecretPath} {
		if val != "" {
			v.Set(name, val)
		}
	}
}

// CreateSecrets creates secrets at one place, all or none.
func (c *Client) CreateSecrets(ctx context.Context, in SecretBatchCreate) (*SecretBatch, error) {
	var out SecretBatch
	return &out, c.Call(ctx, RouteCreateSecretsBatch, nil, nil, 0, in, &out)
}

// UpdateSecrets changes secrets (mode upsert: creates those missing), all or none.
func (c *Client) UpdateSecrets(ctx context.Context, in SecretBatchUpdate) (*SecretBatch, error) {
	var out SecretBatch
	return &out, c.Call(ctx, RouteUpdateSecretsBatch, nil, nil, 0, in, &out)
}

// DeleteSecrets deletes secrets at one place, all or none; the answer has no values.
func (c *Client) DeleteSecrets(ctx context.Context, in SecretBatchDelete) (*SecretBatch, error) {
	var out SecretBatch
	return &out, c.Call(ctx, RouteDeleteSecretsBatch, nil, nil, 0, in, &out)
}

// ListFolders lists the folders directly under q.Path.
func (c *Client) ListFolders(ctx context.Context, q FolderListQuery) (*FolderList, error) {
	v := url.Values{}
	q.Scope().into(v)
	v.Del("secretPath")
	if q.Path != "" {
		v.Set("path", q.Path)
	}
	var out FolderList
	return &out, c.Call(ctx, RouteListFolders, nil, v, 0, nil, &out)
}

// CreateFolder creates a folder.
func (c *Client) CreateFolder(ctx context.Context, in FolderCreate) (*Folder, error) {
	var out FolderResponse
	if err := c.Call(ctx, RouteCreateFolder, nil, nil, 0, in, &out); err != nil {
		return nil, err
	}
	return &out.Folder, nil
}

// DeleteFolder deletes an empty folder by ID or name; ifMatch 0 skips the version check.
func (c *Client) DeleteFolder(ctx context.Context, idOrName string, ifMatch int64, in FolderDelete) error {
	return c.Call(ctx, RouteDeleteFolder, []string{idOrName}, nil, ifMatch, in, &FolderResponse{})
}

// RenameFolder renames an empty folder; ifMatch 0 skips the version check.
func (c *Client) RenameFolder(ctx context.Context, folderID string, ifMatch int64, in FolderUpdate) (*Folder, error) {
	var out FolderResponse
	if err := c.Call(ctx, RouteUpdateFolder, []string{folderID}, nil, ifMatch, in, &out); err != nil {
		return nil, err
	}
	return &out.Folder, nil
}
