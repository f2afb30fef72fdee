// Package jwtauth is JWT auth: a workload logs in with a JWT signed by keys
// the identity trusts, from a JWKS URL or configured PEM public keys, and
// checked against the identity's bindings.
package jwtauth

import (
	"context"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
)

// Kind is JWT auth as identities list it and tokens carry it.
const Kind = "jwt-auth"

// New returns JWT auth, verifying tokens with v.
func New(v *signedtoken.Verifier) methodconfig.Method[api.JWTAuthConfig, api.JWTAuthInput, api.JWTAuth, api.TokenAuthLoginRequest] {
	return methodconfig.Method[api.JWTAuthConfig, api.JWTAuthInput, api.JWTAuth, api.TokenAuthLoginRequest]{
		Name: Kind, Noun: "JWT auth",
		API: methodconfig.Routes{Get: api.RouteGetJWTAuth, Put: api.RoutePutJWTAuth, Delete: api.RouteDeleteJWTAuth, Login: api.RouteJWTAuthLogin},
		Split: func(in *api.JWTAuthInput) (api.TokenSettingsInput, api.JWTAuthConfig) {
			return in.TokenSettingsInput, in.JWTAuthConfig
		},
		Wire: func(b api.AuthMethodBase, c api.JWTAuthConfig) *api.JWTAuth {
			return &api.JWTAuth{AuthMethodBase: b, JWTAuthConfig: c}
		},
		Login: methodconfig.TokenLogin(verifier{v}.verify),
	}
}

type verifier struct{ *signedtoken.Verifier }

// verify checks a JWT against the configured keys and the bindings.
func (v verifier) verify(ctx context.Context, cfg methodconfig.Config[api.JWTAuthConfig], raw string) (methodconfig.Verified, error) {
	var (
		ks  signedtoken.KeySet
		err error
	)
	if cfg.C.ConfigurationType == api.JWTConfigStatic {
		ks, err = v.Static(cfg.C.PublicKeys)
	} else {
		ks, err = v.Remote(cfg.C.JWKSURL, cfg.C.JWKSCACert, signedtoken.DecodeJWKS)
	}
	if err != nil {
		return methodconfig.Verified{}, err
	}
	return v.VerifyBound(ctx, raw, ks, nil, cfg.C.TokenBindings)
}
