// Package oidc is OIDC auth: a workload logs in with an ID token of an
// OpenID Connect provider (GitHub Actions, GitLab CI, any IdP), verified
// against the keys its discovery document names and the identity's bindings.
package oidc

import (
	"context"
	"strings"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
)

// Kind is OIDC auth as identities list it and tokens carry it.
const Kind = "oidc-auth"

// New returns OIDC auth, verifying ID tokens with v.
func New(v *signedtoken.Verifier) methodconfig.Method[api.OIDCAuthConfig, api.OIDCAuthInput, api.OIDCAuth, api.TokenAuthLoginRequest] {
	return methodconfig.Method[api.OIDCAuthConfig, api.OIDCAuthInput, api.OIDCAuth, api.TokenAuthLoginRequest]{
		Name: Kind, Noun: "OIDC auth",
		API: methodconfig.Routes{Get: api.RouteGetOIDCAuth, Put: api.RoutePutOIDCAuth, Delete: api.RouteDeleteOIDCAuth, Login: api.RouteOIDCAuthLogin},
		Split: func(in *api.OIDCAuthInput) (api.TokenSettingsInput, api.OIDCAuthConfig) {
			return in.TokenSettingsInput, in.OIDCAuthConfig
		},
		Wire: func(b api.AuthMethodBase, c api.OIDCAuthConfig) *api.OIDCAuth {
			return &api.OIDCAuth{AuthMethodBase: b, OIDCAuthConfig: c}
		},
		Login: methodconfig.TokenLogin(verifier{v}.verify),
	}
}

type verifier struct{ *signedtoken.Verifier }

// verify checks an ID token against the provider's discovery document and
// keys, then the identity's bindings. The document is below the issuer
// without its terminating slash, and must name the issuer exactly as
// configured, slash included (OIDC Discovery 4.1 and 4.3).
func (v verifier) verify(ctx context.Context, cfg methodconfig.Config[api.OIDCAuthConfig], raw string) (methodconfig.Verified, error) {
	issuer := cfg.C.OIDCDiscoveryURL
	p, ks, err := v.Discover(ctx, strings.TrimSuffix(issuer, "/")+signedtoken.WellKnown, cfg.C.OIDCCACertificate)
	if err != nil {
		return methodconfig.Verified{}, login.Refused("the identity provider's discovery document could not be fetched", err.Error())
	}
	if p.Issuer != issuer {
		return methodconfig.Verified{}, login.Refused("the discovery document names another issuer",
			"discovery document issuer "+p.Issuer+" is not "+issuer)
	}
	return v.VerifyBound(ctx, raw, ks, []string{p.Issuer}, cfg.C.TokenBindings)
}
