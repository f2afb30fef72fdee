package service

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authz"
	"github.com/idplane/idplane/server/internal/revocation"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/internal/token"
)

// Caller is an authenticated request: its verified token and, once
// authorized, its effective permissions.
type Caller struct {
	Meta
	Claims token.Claims
	perms  *authz.Permissions
}

// OrgID is the caller's organization: every object it touches must be in it.
func (c *Caller) OrgID() string { return c.Claims.OrganizationID }

// Authenticate verifies a bearer token: signature and expiry, revocation
// (in memory), trusted IPs, and, only for use-limited tokens, consumes one
// use in the database.
func (s *Service) Authenticate(ctx context.Context, raw string, meta Meta) (*Caller, error) {
	claims, err := s.verifyToken(raw, s.now())
	if err != nil {
		return nil, err
	}
	if len(claims.TrustedIPs) > 0 && !IPAllowed(claims.TrustedIPs, meta.IP) {
		return nil, fmt.Errorf("access token not valid from %s: %w", meta.IP, ErrUnauthenticated)
	}
	if claims.NumUsesLimit > 0 {
		res := s.db.WithContext(ctx).Exec(`UPDATE access_tokens SET num_uses = num_uses + 1
			WHERE id = ? AND num_uses < num_uses_limit AND revoked_at IS NULL`, claims.TokenID)
		if res.Error != nil {
			return nil, fmt.Errorf("count token use: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return nil, fmt.Errorf("access token use limit reached: %w", ErrUnauthenticated)
		}
	}
	return &Caller{Meta: meta, Claims: claims}, nil
}

// verifyToken checks what every use of a token checks without the
// database: signature, issuer and lifetime, then the revocations (in
// memory) of the token and of what it was issued under.
func (s *Service) verifyToken(raw string, now time.Time) (token.Claims, error) {
	claims, err := s.signer.Verify(raw, now)
	if err != nil {
		return token.Claims{}, fmt.Errorf("access token: %w: %w", ErrUnauthenticated, err)
	}
	if s.revocations.Revoked(claims.IssuedAt,
		revocation.Ref{Kind: store.RevokeToken, ID: claims.TokenID},
		revocation.Ref{Kind: store.RevokeIdentity, ID: claims.IdentityID},
		revocation.Ref{Kind: store.RevokeAuthMethod, ID: claims.AuthMethodID},
		revocation.Ref{Kind: store.RevokeCredential, ID: claims.CredentialID},
	) {
		return token.Claims{}, fmt.Errorf("access token revoked: %w", ErrUnauthenticated)
	}
	return claims, nil
}

// authorize loads the caller's effective permissions once per request.
func (s *Service) authorize(ctx context.Context, c *Caller) (*authz.Permissions, error) {
	if c.perms != nil {
		return c.perms, nil
	}
	p, err := s.cachedPermissions(ctx, c.OrgID(), c.Claims.IdentityID, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("the token's identity no longer exists: %w", ErrUnauthenticated)
	}
	if err != nil {
		return nil, err
	}
	c.perms = p
	return p, nil
}

// require checks an organization-scope permission.
func (s *Service) require(ctx context.Context, c *Caller, subject, action string) error {
	p, err := s.authorize(ctx, c)
	if err != nil {
		return err
	}
	if !p.Can(subject, action) {
		return forbidden("the caller's organization role does not allow %s on %s", action, subject)
	}
	return nil
}

// requireProject loads a project of the caller's organization (404 for any
// other) and checks a project-scope permission on it. The organization-scope
// "projects" subject governs the project object itself everywhere.
func (s *Service) requireProject(ctx context.Context, c *Caller, projectID, subject, action string) (store.Project, error) {
	p, err := s.authorize(ctx, c)
	if err != nil {
		return store.Project{}, err
	}
	var proj store.Project
	if err := s.db.WithContext(ctx).Where("id = ? AND organization_id = ?", projectID, c.OrgID()).Take(&proj).Error; err != nil {
		return proj, store.Translate(err, "project "+projectID)
	}
	orgWide := subject == api.SubjectProject && p.Can(api.SubjectProjects, action)
	if !orgWide && !p.CanProject(projectID, subject, action) {
		return proj, forbidden("the caller's roles do not allow %s on %s in project %s", action, subject, projectID)
	}
	return proj, nil
}

// permissionsOf computes an identity's effective rules from its organization
// role and its active project role grants, evaluated at one instant. It also
// returns, per project, the slugs of the grants that are active (sorted).
func (s *Service) permissionsOf(db *gorm.DB, orgID, identityID string) (*authz.Permissions, map[string][]string, error) {
	return s.permissionsAt(db, orgID, identityID, s.now())
}

// permissionsAt is permissionsOf with temporary grants evaluated at at.
func (s *Service) permissionsAt(db *gorm.DB, orgID, identityID string, at time.Time) (*authz.Permissions, map[string][]string, error) {
	p, grants, _, err := loadPermissions(db, orgID, identityID, at)
	return p, grants, err
}

// cachedPermissions is an identity's permissions at at, reused from this
// replica's cache while they are fresh (freshFor) and no temporary grant
// has started or ended since they were computed. Authorization of requests
// and decisions go through it; answers that show grants read afresh.
func (s *Service) cachedPermissions(ctx context.Context, orgID, identityID string, at time.Time) (*authz.Permissions, error) {
	key := [2]string{orgID, identityID}
	p, gen, ok := s.perms.get(key, at)
	if ok {
		return p, nil
	}
	p, _, till, err := loadPermissions(s.db.WithContext(ctx), orgID, identityID, at)
	if err != nil {
		return nil, err
	}
	s.perms.put(key, p, gen, at, till)
	return p, nil
}

// loadPermissions reads an identity's organization role, memberships and
// custom roles and evaluates them at at. It also returns when the answer
// next changes by itself (a temporary grant starting or ending; zero for
// never).
func loadPermissions(db *gorm.DB, orgID, identityID string, at time.Time) (*authz.Permissions, map[string][]string, time.Time, error) {
	var ident store.Identity
	if err := db.Where("id = ? AND organization_id = ?", identityID, orgID).Take(&ident).Error; err != nil {
		return nil, nil, time.Time{}, store.Translate(err, "identity "+identityID)
	}
	var ms []store.Membership
	if err := db.Where("identity_id = ? AND organization_id = ?", identityID, orgID).Find(&ms).Error; err != nil {
		return nil, nil, time.Time{}, fmt.Errorf("load memberships: %w", err)
	}
	grants := make([]authz.Membership, len(ms))
	for i, m := range ms {
		grants[i] = authz.Membership{ProjectID: m.ProjectID, Roles: m.Roles.V}
	}
	p, active, err := authz.Effective(ident.Role, grants, at, func(projectID, slug string) ([]api.PermissionRule, error) {
		return customRoleRules(db, orgID, projectID, slug)
	})
	return p, active, authz.NextChange(grants, at), err
}

// AuthorizationMayHaveChanged makes this replica forget what it cached for
// authorization. Every request that may write calls it once it is done, so
// that a replica's own changes take effect at once.
func (s *Service) AuthorizationMayHaveChanged() {
	s.perms.invalidate()
	s.projectRefs.invalidate()
	s.environments.invalidate()
	s.secretRows.invalidate()
}

// SecretsMayHaveChanged makes this replica forget the secrets' rows it
// cached. Every request that may write secrets or folders, and nothing
// else authorization reads, calls it once it is done.
func (s *Service) SecretsMayHaveChanged() {
	s.secretRows.invalidate()
}

// roleRules resolves a role slug to its rules: built-in first, then custom.
// A custom role that was deleted grants nothing.
func (s *Service) roleRules(db *gorm.DB, orgID, projectID, slug string) ([]api.PermissionRule, error) {
	return authz.RoleRules(projectID, slug, func(projectID, slug string) ([]api.PermissionRule, error) {
		return customRoleRules(db, orgID, projectID, slug)
	})
}

func customRoleRules(db *gorm.DB, orgID, projectID, slug string) ([]api.PermissionRule, error) {
	var role store.Role
	err := db.Where("organization_id = ? AND project_id = ? AND slug = ?", orgID, projectID, slug).Take(&role).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load role %s: %w", slug, err)
	}
	return role.Permissions.V, nil
}

// EffectivePermissions answers GET /identities/{id}/effective-permissions.
func (s *Service) EffectivePermissions(ctx context.Context, c *Caller, identityID string) (*api.EffectivePermissions, error) {
	if err := s.require(ctx, c, api.SubjectIdentities, api.ActionRead); err != nil {
		return nil, err
	}
	p, grants, err := s.permissionsOf(s.db.WithContext(ctx), c.OrgID(), identityID)
	if err != nil {
		return nil, err
	}
	out := &api.EffectivePermissions{IdentityID: identityID, OrganizationRole: p.OrgRole,
		Organization: authz.Merge(p.Org), Projects: []api.ProjectPermissions{}}
	for _, projectID := range slices.Sorted(maps.Keys(grants)) {
		out.Projects = append(out.Projects, api.ProjectPermissions{ProjectID: projectID, Roles: grants[projectID],
			Permissions: p.Projects[projectID]})
	}
	return out, nil
}
