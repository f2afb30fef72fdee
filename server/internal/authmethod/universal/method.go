// Package universal is universal auth: a client ID and client secrets, with
// client-secret trusted IPs and lockout after repeated failures.
package universal

import (
	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod"
	"github.com/idplane/idplane/server/internal/httpapi"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
)

// Kind is universal auth as identities list it and tokens carry it.
const Kind = "universal-auth"

// Method registers universal auth.
type Method struct{}

var _ authmethod.Method = Method{}

// Kind implements authmethod.Method.
func (Method) Kind() string { return Kind }

// Attached implements authmethod.Method.
func (Method) Attached(db *gorm.DB, identityIDs []string) (map[string]bool, error) {
	var uas []store.UniversalAuth
	if err := db.Select("identity_id").Where("identity_id IN ?", identityIDs).Find(&uas).Error; err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(uas))
	for _, u := range uas {
		out[u.IdentityID] = true
	}
	return out, nil
}

// universal is the method's domain logic on top of the core.
type universal struct {
	core  *service.Core
	cache *loginCache
}

// Routes implements authmethod.Method.
func (Method) Routes(r *httpapi.Registrar) {
	u := universal{core: r.Core(), cache: newLoginCache()}
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
