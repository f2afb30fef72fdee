package methodhost

import (
	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/httpapi"
)

// register registers s's configuration routes: split takes a PUT body
// apart into token settings and the method's configuration, wire builds
// the API object from the shared part and the configuration.
func register[C, In, Res any](r *httpapi.Registrar, s *configs[C], rt methodconfig.Routes, split func(*In) (api.TokenSettingsInput, C), wire func(api.AuthMethodBase, C) *Res) {
	out := func(cfg methodconfig.Config[C], err error) (*Res, error) {
		if err != nil {
			return nil, err
		}
		emptyCollections(&cfg.C)
		return wire(cfg.Base(), cfg.C), nil
	}
	httpapi.Handle(r, rt.Get, func(c *httpapi.Ctx, _ *httpapi.None) (*Res, error) {
		return out(s.Get(c.Request().Context(), c.Caller, c.Param("identityId")))
	})
	httpapi.Handle(r, rt.Put, func(c *httpapi.Ctx, in *In) (*Res, error) {
		return httpapi.WithVersion(c, func(v int64) (*Res, error) {
			settings, cfg := split(in)
			return out(s.Put(c.Request().Context(), c.Caller, c.Param("identityId"), v, settings, cfg))
		})
	})
	httpapi.Handle(r, rt.Delete, func(c *httpapi.Ctx, _ *httpapi.None) (*httpapi.None, error) {
		return httpapi.WithVersion(c, func(v int64) (*httpapi.None, error) {
			return nil, s.Delete(c.Request().Context(), c.Caller, c.Param("identityId"), v)
		})
	})
}
