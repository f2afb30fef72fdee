// Package universalhost runs universal auth (package universal, its
// verifier) on the core: its configuration and client-secret routes, its
// storage through a Repository the core implements, and its login, cached
// for a second, which judges with universal.Judge and issues the token.
package universalhost

import (
	"context"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod"
	"github.com/idplane/idplane/server/internal/authmethod/universal"
	"github.com/idplane/idplane/server/internal/httpapi"
	"github.com/idplane/idplane/server/internal/service"
)

// Method registers universal auth.
type Method struct{}

var _ authmethod.Method = Method{}

// Kind implements authmethod.Method.
func (Method) Kind() string { return universal.Kind }

// Repository is where universal auth is kept: the universal auth of an
// identity, its client secrets, and what a login reads and spends. The core
// implements it on its tables, in transactions with their audit events;
// this package never sees the database.
type Repository interface {
	UniversalAuth(ctx context.Context, identityID string) (service.UniversalAuthRecord, error)
	SaveUniversalAuth(ctx context.Context, c *service.Caller, identityID string, cur *service.UniversalAuthRecord, version int64, a api.UniversalAuth) (service.UniversalAuthRecord, error)
	DeleteUniversalAuth(ctx context.Context, c *service.Caller, ua service.UniversalAuthRecord) error
	ClientSecrets(ctx context.Context, universalAuthID string) ([]api.ClientSecret, error)
	ClientSecret(ctx context.Context, identityID, id string) (api.ClientSecret, error)
	CreateClientSecret(ctx context.Context, c *service.Caller, cs service.NewClientSecret) error
	RevokeClientSecret(ctx context.Context, c *service.Caller, cs api.ClientSecret) error
	UniversalLoginRows(ctx context.Context, prefix, source, clientID string) ([]service.UniversalLoginRow, error)
	UseClientSecret(ctx context.Context, id string) (bool, error)
}

var _ Repository = (*service.Core)(nil)

// host is the method's domain logic on top of the core.
type host struct {
	core  *service.Core
	repo  Repository
	cache *loginCache
}

// Routes implements authmethod.Method.
func (Method) Routes(r *httpapi.Registrar) {
	core := r.Core()
	u := host{core: core, repo: core, cache: newLoginCache()}
	httpapi.Handle(r, api.RouteUniversalAuthLogin, func(c *httpapi.Ctx, in *api.UniversalAuthLoginRequest) (*api.LoginResponse, error) {
		return u.login(c.Request().Context(), c.Meta, in)
	})
	httpapi.Handle(r, api.RouteGetUniversal, func(c *httpapi.Ctx, _ *httpapi.None) (*api.UniversalAuth, error) {
		return u.get(c.Request().Context(), c.Caller, c.Param("identityId"))
	})
	httpapi.Handle(r, api.RoutePutUniversal, func(c *httpapi.Ctx, in *api.UniversalAuthInput) (*api.UniversalAuth, error) {
		return httpapi.WithVersion(c, func(v int64) (*api.UniversalAuth, error) {
			return u.write(c.Request().Context(), c.Caller, c.Param("identityId"), v, in, true)
		})
	})
	httpapi.Handle(r, api.RoutePatchUniversal, func(c *httpapi.Ctx, in *api.UniversalAuthInput) (*api.UniversalAuth, error) {
		return httpapi.WithVersion(c, func(v int64) (*api.UniversalAuth, error) {
			return u.write(c.Request().Context(), c.Caller, c.Param("identityId"), v, in, false)
		})
	})
	httpapi.Handle(r, api.RouteDeleteUniversal, func(c *httpapi.Ctx, _ *httpapi.None) (*httpapi.None, error) {
		return httpapi.WithVersion(c, func(v int64) (*httpapi.None, error) {
			return nil, u.detach(c.Request().Context(), c.Caller, c.Param("identityId"), v)
		})
	})
	httpapi.Handle(r, api.RouteListClientSecrets, func(c *httpapi.Ctx, _ *httpapi.None) (*api.ClientSecretList, error) {
		return u.listSecrets(c.Request().Context(), c.Caller, c.Param("identityId"))
	})
	httpapi.Handle(r, api.RouteCreateClientSecret, func(c *httpapi.Ctx, in *api.ClientSecretInput) (*api.ClientSecretCreated, error) {
		return u.createSecret(c.Request().Context(), c.Caller, c.Param("identityId"), in)
	})
	httpapi.Handle(r, api.RouteGetClientSecret, func(c *httpapi.Ctx, _ *httpapi.None) (*api.ClientSecret, error) {
		return u.getSecret(c.Request().Context(), c.Caller, c.Param("identityId"), c.Param("clientSecretId"))
	})
	httpapi.Handle(r, api.RouteRevokeClientSecret, func(c *httpapi.Ctx, _ *httpapi.None) (*httpapi.None, error) {
		return nil, u.revokeSecret(c.Request().Context(), c.Caller, c.Param("identityId"), c.Param("clientSecretId"))
	})
}
