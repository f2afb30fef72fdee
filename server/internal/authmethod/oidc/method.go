// Package oidc is OIDC auth: a workload logs in with an ID token of an
// OpenID Connect provider (GitHub Actions, GitLab CI, any IdP), verified
// against the keys its discovery document names and the identity's bindings.
package oidc

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
	"github.com/idplane/idplane/server/internal/httpapi"
	"github.com/idplane/idplane/server/internal/service"
)

// Kind is OIDC auth as identities list it and tokens carry it.
const Kind = "oidc-auth"

// Method registers OIDC auth.
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
	s := methodconfig.New[api.OIDCAuthConfig](r.Core(), Kind, "OIDC auth")
	methodconfig.Register(r, s, methodconfig.Routes{Get: api.RouteGetOIDCAuth, Put: api.RoutePutOIDCAuth, Delete: api.RouteDeleteOIDCAuth},
		func(in *api.OIDCAuthInput) (api.TokenSettingsInput, api.OIDCAuthConfig) {
			return in.TokenSettingsInput, in.OIDCAuthConfig
		},
		func(b api.AuthMethodBase, c api.OIDCAuthConfig) *api.OIDCAuth {
			return &api.OIDCAuth{AuthMethodBase: b, OIDCAuthConfig: c}
		})
	httpapi.Handle(r, api.RouteOIDCAuthLogin, func(c *httpapi.Ctx, in *api.TokenAuthLoginRequest) (*api.LoginResponse, error) {
		return methodconfig.Login(c.Request().Context(), c.Meta, s, in.IdentityID, func(ctx context.Context, cfg methodconfig.Config[api.OIDCAuthConfig]) (methodconfig.Verified, error) {
			return m.verify(ctx, cfg.C, in.JWT)
		})
	})
}

// verify checks an ID token against the provider's discovery document and
// keys, then the identity's bindings.
func (m Method) verify(ctx context.Context, cfg api.OIDCAuthConfig, raw string) (methodconfig.Verified, error) {
	issuer := strings.TrimSuffix(cfg.OIDCDiscoveryURL, "/")
	p, ks, err := m.Verifier.Discover(ctx, issuer+signedtoken.WellKnown, cfg.OIDCCACertificate)
	if err != nil {
		return methodconfig.Verified{}, service.LoginRefused("the identity provider's discovery document could not be fetched", err.Error())
	}
	if p.Issuer != issuer {
		return methodconfig.Verified{}, service.LoginRefused("the discovery document names another issuer",
			"discovery document issuer "+p.Issuer+" is not "+issuer)
	}
	expect := signedtoken.Expect{Issuers: []string{p.Issuer}, Audiences: cfg.BoundAudiences}
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
