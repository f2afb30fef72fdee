package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
)

// raw registers a route whose body is not JSON from the route table's types.
func (s *Server) raw(r *api.Route, h echo.HandlerFunc) {
	s.registered[r.ID] = true
	s.echo.Add(r.Method, r.EchoPath(), h).Name = r.ID
}

func (s *Server) routes() {
	s.raw(api.RouteMetrics, echo.WrapHandler(s.metrics.handler()))
	s.raw(api.RouteJWKS, func(c echo.Context) error {
		b, err := s.signer.JWKS()
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.Blob(http.StatusOK, "application/json", b)
	})
	s.raw(api.RouteOpenAPI, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", api.OpenAPIDocument)
	})
	handle(s, api.RouteHealthz, func(c *Ctx, _ *None) (*api.Health, error) { return &api.Health{Status: "ok"}, nil })
	handle(s, api.RouteReadyz, func(c *Ctx, _ *None) (*api.Health, error) {
		if err := s.store.Ping(c.Request().Context()); err != nil {
			return nil, fmt.Errorf("readiness: %w: %w", store.ErrUnavailable, err)
		}
		return &api.Health{Status: "ready"}, nil
	})

	handle(s, api.RouteRenewToken, func(c *Ctx, in *api.AccessTokenRequest) (*api.LoginResponse, error) {
		return s.svc.RenewToken(c.Request().Context(), c.Meta, in)
	})
	handle(s, api.RouteRevokeToken, func(c *Ctx, in *api.AccessTokenRequest) (*api.RevokeResponse, error) {
		return s.svc.RevokeToken(c.Request().Context(), c.Meta, in)
	})
	handle(s, api.RouteTokenSelf, func(c *Ctx, _ *None) (*api.TokenSelf, error) { return s.svc.TokenSelf(c.Caller), nil })
	handle(s, api.RouteIntrospectToken, func(c *Ctx, in *api.TokenIntrospectionRequest) (*api.TokenIntrospection, error) {
		return s.svc.IntrospectToken(c.Request().Context(), c.Caller, in)
	})
	handle(s, api.RouteAuthzCheck, func(c *Ctx, in *api.AuthzCheck) (*api.AuthzDecision, error) {
		return s.svc.CheckAuthz(c.Request().Context(), c.Caller, in)
	})
	handle(s, api.RouteAuthzCheckBatch, func(c *Ctx, in *api.AuthzCheckBatch) (*api.AuthzDecisionList, error) {
		return s.svc.CheckAuthzBatch(c.Request().Context(), c.Caller, in)
	})

	s.secretRoutes()
	s.projectRoutes()
	s.identityRoutes()
	s.authMethods.Routes(&Registrar{s: s})
	s.roleRoutes()
	s.membershipRoutes()
	handle(s, api.RouteListAuditEvents, func(c *Ctx, _ *None) (*api.AuditEventList, error) {
		f, err := auditFilter(c)
		if err != nil {
			return nil, err
		}
		return s.svc.ListAuditEvents(c.Request().Context(), c.Caller, f)
	})
	handle(s, api.RouteIdentityAudit, func(c *Ctx, _ *None) (*api.IdentityAudit, error) {
		q, err := api.ParseIdentityAuditQuery(c.QueryParams())
		if err != nil {
			return nil, err
		}
		return s.svc.IdentityAudit(c.Request().Context(), c.Caller, q)
	})
}

func auditFilter(c *Ctx) (api.AuditEventFilter, error) {
	q := c.QueryParams()
	f := api.AuditEventFilter{Action: q.Get("action"), ActorID: q.Get("actorId"), TargetID: q.Get("targetId"),
		Outcome: q.Get("outcome"), Cursor: q.Get("cursor")}
	var errs api.FieldErrors
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				errs.Add(name, "must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
			}
			*dst = t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs.Add("limit", "must be a whole number between 1 and 1000")
		}
		f.Limit = n
	}
	return f, errs.Err()
}

// WithVersion runs fn with the If-Match version.
func WithVersion[T any](c *Ctx, fn func(v int64) (T, error)) (T, error) {
	v, err := c.IfMatch()
	if err != nil {
		var zero T
		return zero, err
	}
	return fn(v)
}

func (s *Server) projectRoutes() {
	handle(s, api.RouteListProjects, func(c *Ctx, _ *None) (*api.ProjectList, error) {
		return s.svc.ListProjects(c.Request().Context(), c.Caller)
	})
	handle(s, api.RouteCreateProject, func(c *Ctx, in *api.ProjectInput) (*api.Project, error) {
		return s.svc.CreateProject(c.Request().Context(), c.Caller, in)
	})
	handle(s, api.RouteGetProject, func(c *Ctx, _ *None) (*api.Project, error) {
		return s.svc.GetProject(c.Request().Context(), c.Caller, c.Param("projectId"))
	})
	handle(s, api.RouteUpdateProject, func(c *Ctx, in *api.ProjectInput) (*api.Project, error) {
		return WithVersion(c, func(v int64) (*api.Project, error) {
			return s.svc.UpdateProject(c.Request().Context(), c.Caller, c.Param("projectId"), v, in)
		})
	})
	handle(s, api.RouteDeleteProject, func(c *Ctx, _ *None) (*None, error) {
		return WithVersion(c, func(v int64) (*None, error) {
			return nil, s.svc.DeleteProject(c.Request().Context(), c.Caller, c.Param("projectId"), v)
		})
	})
	handle(s, api.RouteListEnvironments, func(c *Ctx, _ *None) (*api.EnvironmentList, error) {
		return s.svc.ListEnvironments(c.Request().Context(), c.Caller, c.Param("projectId"))
	})
	handle(s, api.RouteCreateEnvironment, func(c *Ctx, in *api.EnvironmentInput) (*api.Environment, error) {
		return s.svc.CreateEnvironment(c.Request().Context(), c.Caller, c.Param("projectId"), in)
	})
	handle(s, api.RouteGetEnvironment, func(c *Ctx, _ *None) (*api.Environment, error) {
		return s.svc.GetEnvironment(c.Request().Context(), c.Caller, c.Param("projectId"), c.Param("slug"))
	})
	handle(s, api.RouteUpdateEnvironment, func(c *Ctx, in *api.EnvironmentInput) (*api.Environment, error) {
		return WithVersion(c, func(v int64) (*api.Environment, error) {
			return s.svc.UpdateEnvironment(c.Request().Context(), c.Caller, c.Param("projectId"), c.Param("slug"), v, in)
		})
	})
	handle(s, api.RouteDeleteEnvironment, func(c *Ctx, _ *None) (*None, error) {
		return WithVersion(c, func(v int64) (*None, error) {
			return nil, s.svc.DeleteEnvironment(c.Request().Context(), c.Caller, c.Param("projectId"), c.Param("slug"), v)
		})
	})
}

func (s *Server) identityRoutes() {
	handle(s, api.RouteListIdentities, func(c *Ctx, _ *None) (*api.IdentityList, error) {
		return s.svc.ListIdentities(c.Request().Context(), c.Caller)
	})
	handle(s, api.RouteCreateIdentity, func(c *Ctx, in *api.IdentityInput) (*api.Identity, error) {
		return s.svc.CreateIdentity(c.Request().Context(), c.Caller, in)
	})
	handle(s, api.RouteGetIdentity, func(c *Ctx, _ *None) (*api.Identity, error) {
		return s.svc.GetIdentity(c.Request().Context(), c.Caller, c.Param("identityId"))
	})
	handle(s, api.RouteUpdateIdentity, func(c *Ctx, in *api.IdentityInput) (*api.Identity, error) {
		return WithVersion(c, func(v int64) (*api.Identity, error) {
			return s.svc.UpdateIdentity(c.Request().Context(), c.Caller, c.Param("identityId"), v, in)
		})
	})
	handle(s, api.RouteDeleteIdentity, func(c *Ctx, _ *None) (*None, error) {
		return WithVersion(c, func(v int64) (*None, error) {
			return nil, s.svc.DeleteIdentity(c.Request().Context(), c.Caller, c.Param("identityId"), v)
		})
	})
	handle(s, api.RouteEffectivePerms, func(c *Ctx, _ *None) (*api.EffectivePermissions, error) {
		return s.svc.EffectivePermissions(c.Request().Context(), c.Caller, c.Param("identityId"))
	})
}

func (s *Server) roleRoutes() {
	for _, scope := range []struct {
		list, create, get, update, del *api.Route
		project                        func(c *Ctx) string
	}{
		{api.RouteListOrgRoles, api.RouteCreateOrgRole, api.RouteGetOrgRole, api.RouteUpdateOrgRole, api.RouteDeleteOrgRole,
			func(*Ctx) string { return "" }},
		{api.RouteListProjectRoles, api.RouteCreateProjectRole, api.RouteGetProjectRole, api.RouteUpdateProjectRole, api.RouteDeleteProjectRole,
			func(c *Ctx) string { return c.Param("projectId") }},
	} {
		handle(s, scope.list, func(c *Ctx, _ *None) (*api.RoleList, error) {
			return s.svc.ListRoles(c.Request().Context(), c.Caller, scope.project(c))
		})
		handle(s, scope.create, func(c *Ctx, in *api.RoleInput) (*api.Role, error) {
			return s.svc.CreateRole(c.Request().Context(), c.Caller, scope.project(c), in)
		})
		handle(s, scope.get, func(c *Ctx, _ *None) (*api.Role, error) {
			return s.svc.GetRole(c.Request().Context(), c.Caller, scope.project(c), c.Param("roleId"))
		})
		handle(s, scope.update, func(c *Ctx, in *api.RoleInput) (*api.Role, error) {
			return WithVersion(c, func(v int64) (*api.Role, error) {
				return s.svc.UpdateRole(c.Request().Context(), c.Caller, scope.project(c), c.Param("roleId"), v, in)
			})
		})
		handle(s, scope.del, func(c *Ctx, _ *None) (*None, error) {
			return WithVersion(c, func(v int64) (*None, error) {
				return nil, s.svc.DeleteRole(c.Request().Context(), c.Caller, scope.project(c), c.Param("roleId"), v)
			})
		})
	}
}

func (s *Server) membershipRoutes() {
	handle(s, api.RouteListMemberships, func(c *Ctx, _ *None) (*api.ProjectMembershipList, error) {
		return s.svc.ListMemberships(c.Request().Context(), c.Caller, c.Param("projectId"))
	})
	handle(s, api.RouteGetMembership, func(c *Ctx, _ *None) (*api.ProjectMembership, error) {
		return s.svc.GetMembership(c.Request().Context(), c.Caller, c.Param("projectId"), c.Param("identityId"))
	})
	handle(s, api.RouteCreateMembership, func(c *Ctx, in *api.ProjectMembershipInput) (*api.ProjectMembership, error) {
		return s.svc.CreateMembership(c.Request().Context(), c.Caller, c.Param("projectId"), c.Param("identityId"), in)
	})
	handle(s, api.RouteUpdateMembership, func(c *Ctx, in *api.ProjectMembershipInput) (*api.ProjectMembership, error) {
		return WithVersion(c, func(v int64) (*api.ProjectMembership, error) {
			return s.svc.UpdateMembership(c.Request().Context(), c.Caller, c.Param("projectId"), c.Param("identityId"), v, in)
		})
	})
	handle(s, api.RouteDeleteMembership, func(c *Ctx, _ *None) (*None, error) {
		return WithVersion(c, func(v int64) (*None, error) {
			return nil, s.svc.DeleteMembership(c.Request().Context(), c.Caller, c.Param("projectId"), c.Param("identityId"), v)
		})
	})
}
