package oidc

import (
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/methodtest"
)

func TestVerifyBindings(t *testing.T) {
	idp, sv := methodtest.IdP(t)
	v := verifier{sv}
	cfg := methodconfig.Config[api.OIDCAuthConfig]{IdentityID: "id-1", C: api.OIDCAuthConfig{OIDCDiscoveryURL: idp.URL, OIDCCACertificate: idp.CAPEM,
		TokenBindings: api.TokenBindings{BoundAudiences: []string{"idplane"}, BoundSubject: "repo:acme/*",
			BoundClaims:   map[string][]string{"ref": {"refs/heads/main", "refs/tags/v*"}, "job.env": {"prod"}},
			ClaimMetadata: map[string]string{"repository": "repository", "env": "job.env"}}}}
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"ref": "refs/heads/main", "repository": "acme/app", "job": map[string]any{"env": "prod"}}
		if mod != nil {
			mod(c)
		}
		return c
	}
	got, err := v.verify(t.Context(), cfg, idp.Token("repo:acme/app:ref:refs/heads/main", []string{"other", "idplane"}, claims(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "repo:acme/app:ref:refs/heads/main" || got.Metadata["repository"] != "acme/app" || got.Metadata["env"] != "prod" {
		t.Fatalf("verified %+v", got)
	}
	for _, c := range []struct {
		name, sub string
		aud       []string
		claims    map[string]any
		public    string
	}{
		{"another audience", "repo:acme/app", []string{"other"}, claims(nil), "audience does not match"},
		{"another subject", "repo:evil/app", []string{"idplane"}, claims(nil), "subject does not match"},
		{"a tag", "repo:acme/app", []string{"idplane"}, claims(func(c map[string]any) { c["ref"] = "refs/tags/v1.2" }), ""},
		{"another branch", "repo:acme/app", []string{"idplane"}, claims(func(c map[string]any) { c["ref"] = "refs/heads/dev" }), "claim ref does not match"},
		{"a nested claim missing", "repo:acme/app", []string{"idplane"}, claims(func(c map[string]any) { delete(c, "job") }), "claim job.env is missing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.verify(t.Context(), cfg, idp.Token(c.sub, c.aud, c.claims))
			if c.public == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			methodtest.Refused(t, err, c.public)
		})
	}
}

// The token must be signed by a key the provider publishes.
func TestVerifyKeys(t *testing.T) {
	idp, sv := methodtest.IdP(t)
	v := verifier{sv}
	cfg := methodconfig.Config[api.OIDCAuthConfig]{IdentityID: "id-1", C: api.OIDCAuthConfig{OIDCDiscoveryURL: idp.URL, OIDCCACertificate: idp.CAPEM,
		TokenBindings: api.TokenBindings{BoundAudiences: []string{"idplane"}}}}
	good := idp.Token("svc", []string{"idplane"}, nil)
	unpublished := idp.Current()
	idp.Rotate(unpublished.Alg)
	_, err := v.verify(t.Context(), cfg, good)
	methodtest.Refused(t, err, "unknown signing key")
}

// The discovery document must name the configured issuer exactly (OIDC
// Discovery §4.3): a trailing slash is part of it.
func TestVerifyIssuerExactly(t *testing.T) {
	idp, sv := methodtest.IdP(t)
	v := verifier{sv}
	cfg := methodconfig.Config[api.OIDCAuthConfig]{IdentityID: "id-1", C: api.OIDCAuthConfig{OIDCDiscoveryURL: idp.URL, OIDCCACertificate: idp.CAPEM,
		TokenBindings: api.TokenBindings{BoundAudiences: []string{"idplane"}}}}
	idp.SetIssuer(idp.URL + "/")
	_, err := v.verify(t.Context(), cfg, idp.Token("svc", []string{"idplane"}, nil))
	methodtest.Refused(t, err, "the discovery document names another issuer")
	cfg.C.OIDCDiscoveryURL = idp.URL + "/"
	if _, err := v.verify(t.Context(), cfg, idp.Token("svc", []string{"idplane"}, nil)); err != nil {
		t.Fatalf("an issuer with a trailing slash, configured as published: %v", err)
	}
}
