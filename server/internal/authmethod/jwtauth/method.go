// Package jwtauth is JWT auth: a workload logs in with a JWT signed by keys
// the identity trusts, from a JWKS URL or configured PEM public keys, and
// checked against the identity's bindings.
package jwtauth

import (
	"context"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
	"github.com/idplane/idplane/server/internal/httpapi"
)

// Kind is JWT auth as identities list it and tokens carry it.
const Kind = "jwt-auth"

// Method registers JWT auth.
type Method struct {
	Verifier *signedtoken.Verifier
}

var _ authmethod.Method = Method{}

// Kind implements authmethod.Method.
func (Method) Kind() string { return Kind }

// Attached implements authmethod.Method.
func (Method) Attached(db *gorm.DB, identityIDs []string) (map[string]bool, error) {
	return methodconfig.Attached(db, Kind, identityIDs)
}

// Routes implements authmethod.Method.
func (m Method) Routes(r *httpapi.Registrar) {
	s := methodconfig.New[api.JWTAuthConfig](r.Core(), Kind, "JWT auth")
	methodconfig.Register(r, s, methodconfig.Routes{Get: api.RouteGetJWTAuth, Put: api.RoutePutJWTAuth, Delete: api.RouteDeleteJWTAuth},
		func(in *api.JWTAuthInput) (api.TokenSettingsInput, api.JWTAuthConfig) {
			return in.TokenSettingsInput, in.JWTAuthConfig
		},
		func(b api.AuthMethodBase, c api.JWTAuthConfig) *api.JWTAuth {
			return &api.JWTAuth{AuthMethodBase: b, JWTAuthConfig: c}
		})
	httpapi.Handle(r, api.RouteJWTAuthLogin, func(c *httpapi.Ctx, in *api.TokenAuthLoginRequest) (*api.LoginResponse, error) {
		return methodconfig.Login(c.Request().Context(), c.Meta, s, in.IdentityID, func(ctx context.Context, cfg methodconfig.Config[api.JWTAuthConfig]) (methodconfig.Verified, error) {
			return m.verify(ctx, cfg.C, in.JWT)
		})
	})
}

// verify checks a JWT against the configured keys and the bindings.
func (m Method) verify(ctx context.Context, cfg api.JWTAuthConfig, raw string) (methodconfig.Verified, error) {
	var (
		ks  signedtoken.KeySet
		err error
	)
	if cfg.ConfigurationType == api.JWTConfigStatic {
		ks, err = m.Verifier.Static(cfg.PublicKeys)
	} else {
		ks, err = m.Verifier.Remote(cfg.JWKSURL, cfg.JWKSCACert, signedtoken.DecodeJWKS)
	}
	if err != nil {
		return methodconfig.Verified{}, err
	}
	expect := signedtoken.Expect{Audiences: cfg.BoundAudiences}
	if cfg.BoundIssuer != "" {
		expect.Issuers = []string{cfg.BoundIssuer}
	}
	t, err := m.Verifier.Verify(ctx, raw, ks, expect)
	if err != nil {
		return methodconfig.Verified{}, err
	}
	if err := signedtoken.CheckBindings(t, cfg.TokenBindings); err != nil {
		return methodconfig.Verified{}, err
	}
	return methodconfig.Verified{Subject: t.Subject, Metadata: signedtoken.Metadata(t.Raw, cfg.ClaimMetadata)}, nil
}
