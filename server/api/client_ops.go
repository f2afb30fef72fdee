package api

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

func get[T any](ctx context.Context, c *Client, r *Route, params ...string) (*T, error) {
	out := new(T)
	if err := c.Call(ctx, r, params, nil, 0, nil, out); err != nil {
		return nil, err
	}
	return out, nil
}

func send[T any](ctx context.Context, c *Client, r *Route, version int64, in any, params ...string) (*T, error) {
	out := new(T)
	if err := c.Call(ctx, r, params, nil, version, in, out); err != nil {
		return nil, err
	}
	return out, nil
}

func del(ctx context.Context, c *Client, r *Route, version int64, params ...string) error {
	return c.Call(ctx, r, params, nil, version, nil, nil)
}

// Login exchanges a client ID and secret for an access token.
func (c *Client) Login(ctx context.Context, in UniversalAuthLoginRequest) (*LoginResponse, error) {
	return send[LoginResponse](ctx, c, RouteUniversalAuthLogin, 0, in)
}

// RenewToken extends an access token, never past its max TTL.
func (c *Client) RenewToken(ctx context.Context, token string) (*LoginResponse, error) {
	return send[LoginResponse](ctx, c, RouteRenewToken, 0, AccessTokenRequest{AccessToken: token})
}

// RevokeToken revokes an access token.
func (c *Client) RevokeToken(ctx context.Context, token string) error {
	return c.Call(ctx, RouteRevokeToken, nil, nil, 0, AccessTokenRequest{AccessToken: token}, &RevokeResponse{})
}

// TokenSelf describes the caller's token.
func (c *Client) TokenSelf(ctx context.Context) (*TokenSelf, error) {
	return get[TokenSelf](ctx, c, RouteTokenSelf)
}

// ListProjects lists the organization's projects the caller may read.
func (c *Client) ListProjects(ctx context.Context) (*ProjectList, error) {
	return get[ProjectList](ctx, c, RouteListProjects)
}

// CreateProject creates a project.
func (c *Client) CreateProject(ctx context.Context, in ProjectInput) (*Project, error) {
	return send[Project](ctx, c, RouteCreateProject, 0, in)
}

// GetProject gets a project by ID.
func (c *Client) GetProject(ctx context.Context, id string) (*Project, error) {
	return get[Project](ctx, c, RouteGetProject, id)
}

// UpdateProject replaces a project's settings; version 0 skips If-Match.
func (c *Client) UpdateProject(ctx context.Context, id string, version int64, in ProjectInput) (*Project, error) {
	return send[Project](ctx, c, RouteUpdateProject, version, in, id)
}

// DeleteProject deletes a project with its environments, roles and memberships.
func (c *Client) DeleteProject(ctx context.Context, id string, version int64) error {
	return del(ctx, c, RouteDeleteProject, version, id)
}

// ListEnvironments lists a project's environments by position.
func (c *Client) ListEnvironments(ctx context.Context, projectID string) (*EnvironmentList, error) {
	return get[EnvironmentList](ctx, c, RouteListEnvironments, projectID)
}

// CreateEnvironment creates an environment.
func (c *Client) CreateEnvironment(ctx context.Context, projectID string, in EnvironmentInput) (*Environment, error) {
	return send[Environment](ctx, c, RouteCreateEnvironment, 0, in, projectID)
}

// GetEnvironment gets an environment by slug.
func (c *Client) GetEnvironment(ctx context.Context, projectID, slug string) (*Environment, error) {
	return get[Environment](ctx, c, RouteGetEnvironment, projectID, slug)
}

// UpdateEnvironment replaces an environment.
func (c *Client) UpdateEnvironment(ctx context.Context, projectID, slug string, version int64, in EnvironmentInput) (*Environment, error) {
	return send[Environment](ctx, c, RouteUpdateEnvironment, version, in, projectID, slug)
}

// DeleteEnvironment deletes an environment.
func (c *Client) DeleteEnvironment(ctx context.Context, projectID, slug string, version int64) error {
	return del(ctx, c, RouteDeleteEnvironment, version, projectID, slug)
}

// ListIdentities lists the organization's identities.
func (c *Client) ListIdentities(ctx context.Context) (*IdentityList, error) {
	return get[IdentityList](ctx, c, RouteListIdentities)
}

// CreateIdentity creates an identity.
func (c *Client) CreateIdentity(ctx context.Context, in IdentityInput) (*Identity, error) {
	return send[Identity](ctx, c, RouteCreateIdentity, 0, in)
}

// GetIdentity gets an identity.
func (c *Client) GetIdentity(ctx context.Context, id string) (*Identity, error) {
	return get[Identity](ctx, c, RouteGetIdentity, id)
}

// UpdateIdentity replaces an identity's settings.
func (c *Client) UpdateIdentity(ctx context.Context, id string, version int64, in IdentityInput) (*Identity, error) {
	return send[Identity](ctx, c, RouteUpdateIdentity, version, in, id)
}

// DeleteIdentity deletes an identity and revokes its tokens.
func (c *Client) DeleteIdentity(ctx context.Context, id string, version int64) error {
	return del(ctx, c, RouteDeleteIdentity, version, id)
}

// EffectivePermissions returns what an identity may do now.
func (c *Client) EffectivePermissions(ctx context.Context, identityID string) (*EffectivePermissions, error) {
	return get[EffectivePermissions](ctx, c, RouteEffectivePerms, identityID)
}

// GetUniversalAuth gets an identity's universal auth.
func (c *Client) GetUniversalAuth(ctx context.Context, identityID string) (*UniversalAuth, error) {
	return get[UniversalAuth](ctx, c, RouteGetUniversal, identityID)
}

// PutUniversalAuth attaches universal auth or replaces all its settings.
func (c *Client) PutUniversalAuth(ctx context.Context, identityID string, version int64, in UniversalAuthInput) (*UniversalAuth, error) {
	return send[UniversalAuth](ctx, c, RoutePutUniversal, version, in, identityID)
}

// PatchUniversalAuth changes the given universal auth settings.
func (c *Client) PatchUniversalAuth(ctx context.Context, identityID string, version int64, in UniversalAuthInput) (*UniversalAuth, error) {
	return send[UniversalAuth](ctx, c, RoutePatchUniversal, version, in, identityID)
}

// DeleteUniversalAuth detaches universal auth, revoking its secrets and tokens.
func (c *Client) DeleteUniversalAuth(ctx context.Context, identityID string, version int64) error {
	return del(ctx, c, RouteDeleteUniversal, version, identityID)
}

// ListClientSecrets lists live client secrets by prefix.
func (c *Client) ListClientSecrets(ctx context.Context, identityID string) (*ClientSecretList, error) {
	return get[ClientSecretList](ctx, c, RouteListClientSecrets, identityID)
}

// CreateClientSecret creates a client secret and returns its value, once.
func (c *Client) CreateClientSecret(ctx context.Context, identityID string, in ClientSecretInput) (*ClientSecretCreated, error) {
	return send[ClientSecretCreated](ctx, c, RouteCreateClientSecret, 0, in, identityID)
}

// GetClientSecret gets a client secret's details; revoked secrets are 404.
func (c *Client) GetClientSecret(ctx context.Context, identityID, id string) (*ClientSecret, error) {
	return get[ClientSecret](ctx, c, RouteGetClientSecret, identityID, id)
}

// RevokeClientSecret revokes a client secret and the tokens it issued.
func (c *Client) RevokeClientSecret(ctx context.Context, identityID, id string) error {
	return del(ctx, c, RouteRevokeClientSecret, 0, identityID, id)
}

// ListOrgRoles lists organization roles, built-ins first.
func (c *Client) ListOrgRoles(ctx context.Context) (*RoleList, error) {
	return get[RoleList](ctx, c, RouteListOrgRoles)
}

// CreateOrgRole creates a custom organization role.
func (c *Client) CreateOrgRole(ctx context.Context, in RoleInput) (*Role, error) {
	return send[Role](ctx, c, RouteCreateOrgRole, 0, in)
}

// GetOrgRole gets an organization role by ID or slug.
func (c *Client) GetOrgRole(ctx context.Context, idOrSlug string) (*Role, error) {
	return get[Role](ctx, c, RouteGetOrgRole, idOrSlug)
}

// UpdateOrgRole replaces a custom organization role.
func (c *Client) UpdateOrgRole(ctx context.Context, id string, version int64, in RoleInput) (*Role, error) {
	return send[Role](ctx, c, RouteUpdateOrgRole, version, in, id)
}

// DeleteOrgRole deletes a custom organization role no identity holds.
func (c *Client) DeleteOrgRole(ctx context.Context, id string, version int64) error {
	return del(ctx, c, RouteDeleteOrgRole, version, id)
}

// ListProjectRoles lists a project's roles, built-ins first.
func (c *Client) ListProjectRoles(ctx context.Context, projectID string) (*RoleList, error) {
	return get[RoleList](ctx, c, RouteListProjectRoles, projectID)
}

// CreateProjectRole creates a custom project role.
func (c *Client) CreateProjectRole(ctx context.Context, projectID string, in RoleInput) (*Role, error) {
	return send[Role](ctx, c, RouteCreateProjectRole, 0, in, projectID)
}

// GetProjectRole gets a project role by ID or slug.
func (c *Client) GetProjectRole(ctx context.Context, projectID, idOrSlug string) (*Role, error) {
	return get[Role](ctx, c, RouteGetProjectRole, projectID, idOrSlug)
}

// UpdateProjectRole replaces a custom project role.
func (c *Client) UpdateProjectRole(ctx context.Context, projectID, id string, version int64, in RoleInput) (*Role, error) {
	return send[Role](ctx, c, RouteUpdateProjectRole, version, in, projectID, id)
}

// DeleteProjectRole deletes a custom project role no membership uses.
func (c *Client) DeleteProjectRole(ctx context.Context, projectID, id string, version int64) error {
	return del(ctx, c, RouteDeleteProjectRole, version, projectID, id)
}

// ListMemberships lists a project's identity memberships.
func (c *Client) ListMemberships(ctx context.Context, projectID string) (*ProjectMembershipList, error) {
	return get[ProjectMembershipList](ctx, c, RouteListMemberships, projectID)
}

// GetMembership gets an identity's membership in a project.
func (c *Client) GetMembership(ctx context.Context, projectID, identityID string) (*ProjectMembership, error) {
	return get[ProjectMembership](ctx, c, RouteGetMembership, projectID, identityID)
}

// CreateMembership adds an identity to a project.
func (c *Client) CreateMembership(ctx context.Context, projectID, identityID string, in ProjectMembershipInput) (*ProjectMembership, error) {
	return send[ProjectMembership](ctx, c, RouteCreateMembership, 0, in, projectID, identityID)
}

// UpdateMembership replaces an identity's project roles.
func (c *Client) UpdateMembership(ctx context.Context, projectID, identityID string, version int64, in ProjectMembershipInput) (*ProjectMembership, error) {
	return send[ProjectMembership](ctx, c, RouteUpdateMembership, version, in, projectID, identityID)
}

// DeleteMembership removes an identity from a project.
func (c *Client) DeleteMembership(ctx context.Context, projectID, identityID string, version int64) error {
	return del(ctx, c, RouteDeleteMembership, version, projectID, identityID)
}

// ListAuditEvents returns one page of audit events matching f.
func (c *Client) ListAuditEvents(ctx context.Context, f AuditEventFilter) (*AuditEventList, error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("action", f.Action)
	set("actorId", f.ActorID)
	set("targetId", f.TargetID)
	set("outcome", f.Outcome)
	set("cursor", f.Cursor)
	if !f.Since.IsZero() {
		q.Set("since", f.Since.Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.Format(time.RFC3339Nano))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	out := &AuditEventList{}
	if err := c.Call(ctx, RouteListAuditEvents, nil, q, 0, nil, out); err != nil {
		return nil, err
	}
	return out, nil
}
