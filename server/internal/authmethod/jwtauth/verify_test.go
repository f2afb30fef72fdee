package jwtauth

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/methodtest"
)

func publicPEM(t *testing.T, k *idptest.Key) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Private.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// Static keys: a token signed by one of them verifies, by another key not;
// the bindings apply as to any token.
func TestVerifyStaticKeys(t *testing.T) {
	_, sv := methodtest.IdP(t)
	v := verifier{sv}
	ci, other := idptest.NewKey(jose.ES256), idptest.NewKey(jose.ES256)
	cfg := methodconfig.Config[api.JWTAuthConfig]{IdentityID: "id-1", C: api.JWTAuthConfig{ConfigurationType: api.JWTConfigStatic,
		PublicKeys: []string{publicPEM(t, ci)}, TokenBindings: api.TokenBindings{BoundIssuer: "https://ci.example.com",
			BoundAudiences: []string{"idplane"}, BoundSubject: "pipeline:*", ClaimMetadata: map[string]string{"project": "project"}}}}
	token := func(k *idptest.Key, iss, sub string, aud []string) string {
		return idptest.Sign(k, idptest.Claims(iss, sub, aud, 5*time.Minute, map[string]any{"project": "payments"}))
	}
	got, err := v.verify(t.Context(), cfg, token(ci, "https://ci.example.com", "pipeline:42", []string{"idplane"}))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "pipeline:42" || got.Metadata["project"] != "payments" {
		t.Fatalf("verified %+v", got)
	}
	for _, c := range []struct {
		name, raw, public string
	}{
		{"another key", token(other, "https://ci.example.com", "pipeline:42", []string{"idplane"}), "the signature does not verify"},
		{"another issuer", token(ci, "https://evil.example.com", "pipeline:42", []string{"idplane"}), "issuer does not match"},
		{"another audience", token(ci, "https://ci.example.com", "pipeline:42", []string{"vault"}), "audience does not match"},
		{"another subject", token(ci, "https://ci.example.com", "deploy:42", []string{"idplane"}), "subject does not match"},
		{"not a JWT", "not.a.jwt", "not a JWT signed with an allowed algorithm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.verify(t.Context(), cfg, c.raw)
			methodtest.Refused(t, err, c.public)
		})
	}
}

// A JWKS: keys are fetched from the URL; without bound audiences only a
// token without an audience passes (Vault's rule).
func TestVerifyJWKS(t *testing.T) {
	idp, sv := methodtest.IdP(t)
	v := verifier{sv}
	cfg := methodconfig.Config[api.JWTAuthConfig]{IdentityID: "id-1", C: api.JWTAuthConfig{ConfigurationType: api.JWTConfigJWKS,
		JWKSURL: idp.URL + "/jwks", JWKSCACert: idp.CAPEM}}
	if _, err := v.verify(t.Context(), cfg, idp.Token("svc", nil, nil)); err != nil {
		t.Fatal(err)
	}
	_, err := v.verify(t.Context(), cfg, idp.Token("svc", []string{"idplane"}, nil))
	methodtest.Refused(t, err, "audience does not match")
	cfg.C.BoundAudiences = []string{"idplane"}
	if _, err := v.verify(t.Context(), cfg, idp.Token("svc", []string{"idplane"}, nil)); err != nil {
		t.Fatalf("bound audience: %v", err)
	}
	_, err = v.verify(t.Context(), cfg, idptest.Sign(idptest.NewKey(jose.RS256), idptest.Claims(idp.Issuer(), "svc", []string{"idplane"}, 5*time.Minute, nil)))
	methodtest.Refused(t, err, "unknown signing key")
}
