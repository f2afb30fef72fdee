// Package methodhost runs the auth methods stated as a methodconfig.Method
// (every one but universal auth): their configuration API and their login
// route, on the core. A method's configuration is one record per identity
// and kind, holding the token settings every method has and the method's
// own settings as a JSON document of its API type C, kept through a
// Repository the core implements on auth_method_configs. The login reads
// the identity's configuration (cached for a second), runs the method's
// verifier, issues the token and audits refusals.
package methodhost

import (
	"context"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/httpapi"
	"github.com/idplane/idplane/server/internal/service"
)

var _ methodconfig.Core = (*service.Core)(nil)

// Mount makes m the authmethod.Method the app registers.
func Mount[C, In, Res, L any](m methodconfig.Method[C, In, Res, L]) authmethod.Method {
	return mounted[C, In, Res, L]{m}
}

type mounted[C, In, Res, L any] struct {
	m methodconfig.Method[C, In, Res, L]
}

// Kind implements authmethod.Method.
func (h mounted[C, In, Res, L]) Kind() string { return h.m.Name }

// Routes implements authmethod.Method: the configuration routes and the
// login route.
func (h mounted[C, In, Res, L]) Routes(r *httpapi.Registrar) {
	m := h.m
	core := r.Core()
	s := newConfigs(core, core, service.MethodKind{Name: m.Name, Noun: m.Noun}, m.Seal)
	register(r, s, m.API, m.Split, m.Wire)
	httpapi.Handle(r, m.API.Login, func(c *httpapi.Ctx, in *L) (*api.LoginResponse, error) {
		req := c.Request()
		return logIn(req.Context(), c.Meta, s, m.Login.Identity(in), func(ctx context.Context, cfg methodconfig.Config[C]) (methodconfig.Verified, error) {
			return m.Login.Verify(ctx, methodconfig.Attempt[C, L]{Config: cfg, In: in, HTTP: req, Core: core})
		})
	})
}
