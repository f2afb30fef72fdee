package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authz"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/internal/token"
)

// universalAuthKind is the auth method of client ID and secret logins, whose
// client ID introspection reports.
const universalAuthKind = "universal-auth"

// activeToken verifies an access token as a request presenting it would be,
// without using it up: signature, lifetime, revocations, the caller's
// organization and, for use-limited tokens, the uses left. Trusted IPs are
// not checked: who asks is not who would present the token. It reports
// false for any token that would not authenticate, and an error only when
// the database could not say.
func (s *Service) activeToken(ctx context.Context, orgID, raw string) (token.Claims, bool, error) {
	claims, err := s.verifyToken(raw, s.now())
	if err != nil || claims.OrganizationID != orgID {
		return token.Claims{}, false, nil
	}
	if claims.NumUsesLimit > 0 {
		var left int64
		err := s.db.WithContext(ctx).Model(&store.AccessToken{}).
			Where("id = ? AND num_uses < num_uses_limit AND revoked_at IS NULL", claims.TokenID).Count(&left).Error
		if err != nil {
			return token.Claims{}, false, fmt.Errorf("count token uses: %w", store.Translate(err, "access token"))
		}
		if left == 0 {
			return token.Claims{}, false, nil
		}
	}
	return claims, true, nil
}

// IntrospectToken answers RFC 7662 introspection for a token of the
// caller's organization; any other token is inactive.
func (s *Service) IntrospectToken(ctx context.Context, c *Caller, in *api.TokenIntrospectionRequest) (*api.TokenIntrospection, error) {
	if err := s.require(ctx, c, api.SubjectTokenIntrospection, api.ActionRead); err != nil {
		return nil, err
	}
	claims, active, err := s.activeToken(ctx, c.OrgID(), in.Token)
	if err != nil || !active {
		return &api.TokenIntrospection{}, err
	}
	out := &api.TokenIntrospection{Active: true, Sub: claims.IdentityID, TokenType: "Bearer",
		Exp: claims.ExpiresAt.Unix(), Iat: claims.IssuedAt.Unix(), Iss: claims.Issuer, Jti: claims.TokenID,
		Org: claims.OrganizationID, AuthMethod: claims.AuthMethod, UsesLimit: claims.NumUsesLimit, Metadata: claims.Metadata}
	if !claims.MaxExpiresAt.IsZero() {
		out.MaxExp = claims.MaxExpiresAt.Unix()
	}
	if claims.AuthMethod == universalAuthKind {
		var ua store.UniversalAuth
		err := s.db.WithContext(ctx).Select("client_id").Where("id = ? AND organization_id = ?", claims.AuthMethodID, c.OrgID()).Take(&ua).Error
		switch {
		case err == nil:
			out.ClientID = ua.ClientID
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return nil, store.Translate(err, "universal auth")
		}
	}
	return out, nil
}

// CheckAuthz answers POST /authz/check.
func (s *Service) CheckAuthz(ctx context.Context, c *Caller, in *api.AuthzCheck) (*api.AuthzDecision, error) {
	out, err := s.checkAuthz(ctx, c, []api.AuthzCheck{*in}, "")
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// CheckAuthzBatch answers POST /authz/check/batch, in order. An unknown
// project, environment or identity fails the whole batch, naming the check.
func (s *Service) CheckAuthzBatch(ctx context.Context, c *Caller, in *api.AuthzCheckBatch) (*api.AuthzDecisionList, error) {
	out, err := s.checkAuthz(ctx, c, in.Checks, "checks[%d].")
	if err != nil {
		return nil, err
	}
	return &api.AuthzDecisionList{Decisions: out}, nil
}

// checkAuthz decides each check at one instant, with the same function
// every request is authorized with (authz.Permissions.DecidePath). Within a
// call, each identity's permissions, project and environment load once.
//
// Decisions, like introspections, are not audit events: they change nothing
// and disclose no secret value (the audit's contract is every login, every
// change and every secret read), a gateway asks on behalf of traffic that
// is not the subject's own use, and tens of thousands a second would bury
// logins and changes in the audit table. idplane_http_requests_total counts
// them by route and status.
func (s *Service) checkAuthz(ctx context.Context, c *Caller, checks []api.AuthzCheck, field string) ([]api.AuthzDecision, error) {
	if err := s.require(ctx, c, api.SubjectAuthz, api.ActionCheck); err != nil {
		return nil, err
	}
	r := s.newResolver(ctx, c.OrgID(), s.now())
	out := make([]api.AuthzDecision, len(checks))
	for i := range checks {
		prefix := ""
		if field != "" {
			prefix = fmt.Sprintf(field, i)
		}
		d, err := r.decide(ctx, &checks[i])
		if err != nil {
			return nil, prefixError(prefix, err)
		}
		out[i] = d
	}
	return out, nil
}

func prefixError(prefix string, err error) error {
	if prefix == "" {
		return err
	}
	return fmt.Errorf("%s %w", strings.TrimSuffix(prefix, "."), err)
}

// resolver finds what a request names (projects, environments, identities'
// permissions) once per request, through the replica's fresh caches.
type resolver struct {
	s        *Service
	ctx      context.Context
	orgID    string
	at       time.Time
	perms    memo[string, *authz.Permissions]
	projects memo[string, store.Project]
	envs     memo[[2]string, store.Environment]
}

func (s *Service) newResolver(ctx context.Context, orgID string, at time.Time) *resolver {
	return &resolver{s: s, ctx: ctx, orgID: orgID, at: at}
}

func (r *resolver) decide(ctx context.Context, in *api.AuthzCheck) (api.AuthzDecision, error) {
	subject := in.SubjectOrDefault()
	proj, err := r.project(in.Project)
	if err != nil {
		return api.AuthzDecision{}, err
	}
	if _, err := r.environment(proj, in.Environment); err != nil {
		return api.AuthzDecision{}, err
	}
	out := api.AuthzDecision{Decision: api.DecisionDeny, ProjectID: proj.ID, Environment: in.Environment,
		SecretPath: in.SecretPath, Subject: subject, Action: in.Action, DecidedAt: r.at}
	identityID := in.IdentityID
	if in.AccessToken != "" {
		claims, active, err := r.s.activeToken(ctx, r.orgID, in.AccessToken)
		if err != nil {
			return out, err
		}
		if !active {
			out.DecidedBy, out.Reason = api.DecidedByInactiveToken, "the access token is not active"
			return out, nil
		}
		identityID = claims.IdentityID
	}
	p, err := r.permissions(identityID)
	switch {
	case errors.Is(err, store.ErrNotFound) && in.AccessToken != "":
		out.DecidedBy, out.Reason = api.DecidedByInactiveToken, "the access token is not active"
		return out, nil
	case err != nil:
		return out, err
	}
	out.IdentityID = identityID
	explain(&out, p.DecidePath(proj.ID, subject, in.Action, in.Environment, in.SecretPath))
	return out, nil
}

// explain fills the decision and its reason in from an authz decision.
func explain(out *api.AuthzDecision, d authz.Decision) {
	out.Allowed = d.Allowed
	if d.Allowed {
		out.Decision = api.DecisionAllow
	}
	what := out.Action + " on " + out.Subject + " at " + out.Environment + ":" + out.SecretPath
	switch d.Why {
	case authz.WhyAllowRule, authz.WhyDenyRule:
		rule := *d.Rule
		out.Rule = &rule
		role := "?"
		if g := d.Grant; g != nil {
			role = g.RoleSlug
			out.Role = role
			out.Membership = &api.MembershipRef{ProjectID: out.ProjectID, IdentityID: out.IdentityID}
		}
		out.DecidedBy, out.Reason = api.DecidedByAllowRule, "a rule of project role "+strconv.Quote(role)+" allows "+what
		if d.Why == authz.WhyDenyRule {
			out.DecidedBy, out.Reason = api.DecidedByDenyRule, "a deny rule of project role "+strconv.Quote(role)+" refuses "+what
		}
		if d.Grant != nil && d.Grant.Window != nil {
			w := d.Grant.Window
			out.TemporaryAccess = &api.GrantWindow{StartTime: w.Start, EndTime: w.End}
			out.Reason += fmt.Sprintf(" (temporary grant, until %s)", w.End.UTC().Format(time.RFC3339))
		}
	case authz.WhyOrgAdmin:
		out.Role = authz.RoleAdmin
		out.DecidedBy, out.Reason = api.DecidedByOrgAdmin, "organization role admin is admin of every project, which allows "+what
	case authz.WhyAllProjects:
		out.DecidedBy, out.Reason = api.DecidedByOrgRole, "the organization role reads every project (all-projects: read), which allows "+what
	case authz.WhyInvalidPath:
		out.DecidedBy, out.Reason = api.DecidedByNoRule, "the secret path is not absolute and clean"
	default:
		out.DecidedBy, out.Reason = api.DecidedByNoRule, "no rule grants "+what
	}
}

func (r *resolver) permissions(identityID string) (*authz.Permissions, error) {
	if p, ok := r.perms.get(identityID); ok {
		return p, nil
	}
	p, err := r.s.cachedPermissions(r.ctx, r.orgID, identityID, r.at)
	if err != nil {
		return nil, err
	}
	r.perms.put(identityID, p)
	return p, nil
}

// project finds a project of the organization by ID, then by slug.
func (r *resolver) project(ref string) (store.Project, error) {
	if p, ok := r.projects.get(ref); ok {
		return p, nil
	}
	key := [2]string{r.orgID, ref}
	cached, gen, ok := r.s.projectRefs.get(key, r.at)
	if ok {
		r.projects.put(ref, cached)
		return cached, nil
	}
	var rows []store.Project
	if err := r.s.db.WithContext(r.ctx).Where("organization_id = ? AND (id = ? OR slug = ?)", r.orgID, ref, ref).Limit(2).Find(&rows).Error; err != nil {
		return store.Project{}, store.Translate(err, "project "+ref)
	}
	if len(rows) == 0 {
		return store.Project{}, fmt.Errorf("project %q: %w", ref, store.ErrNotFound)
	}
	p := rows[0]
	if len(rows) > 1 && rows[1].ID == ref {
		p = rows[1]
	}
	r.projects.put(ref, p)
	r.s.projectRefs.put(key, p, gen, r.at, time.Time{})
	return p, nil
}

// environment finds environment slug of project p: 404 naming both when
// there is none.
func (r *resolver) environment(p store.Project, slug string) (store.Environment, error) {
	k := [2]string{p.ID, slug}
	if env, ok := r.envs.get(k); ok {
		return env, nil
	}
	env, gen, ok := r.s.environments.get(k, r.at)
	if ok {
		r.envs.put(k, env)
		return env, nil
	}
	err := r.s.db.WithContext(r.ctx).Where("project_id = ? AND slug = ?", p.ID, slug).Take(&env).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return env, fmt.Errorf("environment %q in project %q: %w", slug, p.Slug, store.ErrNotFound)
	}
	if err != nil {
		return env, store.Translate(err, "environment "+slug)
	}
	r.envs.put(k, env)
	r.s.environments.put(k, env, gen, r.at, time.Time{})
	return env, nil
}
