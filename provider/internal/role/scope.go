// Package role manages organization and project roles: one implementation
// of the resource and the data source, parameterised by scope.
package role

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/idplane/idplane/server/api"
)

// scope is what differs between organization and project roles: the
// permission catalog, the parent attribute (none, or project_id) and the
// client calls, shaped like method expressions of api.Client. parent is ""
// in organization scope.
type scope struct {
	kind     api.Scope
	typeName string // suffix of the type name: "org_role"
	noun     string // "organization role"
	parent   string // "" or "project_id"
	builtins string // for documentation
	get      func(c *api.Client, ctx context.Context, parent, idOrSlug string) (*api.Role, error)
	create   func(c *api.Client, ctx context.Context, parent string, in api.RoleInput) (*api.Role, error)
	update   func(c *api.Client, ctx context.Context, parent, id string, version int64, in api.RoleInput) (*api.Role, error)
	remove   func(c *api.Client, ctx context.Context, parent, id string, version int64) error
}

var orgScope = &scope{
	kind: api.ScopeOrganization, typeName: "org_role", noun: "organization role",
	builtins: "`admin`, `member`, `no-access`, `auditor`",
	get: func(c *api.Client, ctx context.Context, _, id string) (*api.Role, error) {
		return c.GetOrgRole(ctx, id)
	},
	create: func(c *api.Client, ctx context.Context, _ string, in api.RoleInput) (*api.Role, error) {
		return c.CreateOrgRole(ctx, in)
	},
	update: func(c *api.Client, ctx context.Context, _, id string, v int64, in api.RoleInput) (*api.Role, error) {
		return c.UpdateOrgRole(ctx, id, v, in)
	},
	remove: func(c *api.Client, ctx context.Context, _, id string, v int64) error {
		return c.DeleteOrgRole(ctx, id, v)
	},
}

var projectScope = &scope{
	kind: api.ScopeProject, typeName: "project_role", noun: "project role", parent: "project_id",
	builtins: "`admin`, `member`, `viewer`, `no-access`",
	get:      (*api.Client).GetProjectRole,
	create:   (*api.Client).CreateProjectRole,
	update:   (*api.Client).UpdateProjectRole,
	remove:   (*api.Client).DeleteProjectRole,
}

// NewOrgRoleResource is the idplane_org_role resource.
func NewOrgRoleResource() resource.Resource { return &roleResource{scope: orgScope} }

// NewProjectRoleResource is the idplane_project_role resource.
func NewProjectRoleResource() resource.Resource { return &roleResource{scope: projectScope} }

// NewOrgRoleDataSource is the idplane_org_role data source.
func NewOrgRoleDataSource() datasource.DataSource { return newRoleDataSource(orgScope) }

// NewProjectRoleDataSource is the idplane_project_role data source.
func NewProjectRoleDataSource() datasource.DataSource { return newRoleDataSource(projectScope) }

// importID splits an import ID: the role ID alone in organization scope,
// `<project_id>/<role_id>` in project scope.
func (s *scope) importID(id string) (parent, roleID string, err error) {
	if s.parent == "" {
		if id == "" || strings.Contains(id, "/") {
			return "", "", fmt.Errorf("expected the role ID, got %q", id)
		}
		return "", id, nil
	}
	parent, roleID, ok := strings.Cut(id, "/")
	if !ok || parent == "" || roleID == "" || strings.Contains(roleID, "/") {
		return "", "", fmt.Errorf("expected <%s>/<role_id>, got %q", s.parent, id)
	}
	return parent, roleID, nil
}
