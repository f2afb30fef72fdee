package httpapi_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/servertest"
)

// jwtPublicPEM is k's public key as a PEM PUBLIC KEY block.
func jwtPublicPEM(t *testing.T, k *idptest.Key) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Private.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// jwtCertPEM is a self-signed certificate of k's public key.
func jwtCertPEM(t *testing.T, k *idptest.Key) string {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Private.Public(), k.Private)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func (e *stEnv) putJWT(t *testing.T, identityID string, c api.JWTAuthConfig) {
	t.Helper()
	must(e.tn.c.PutJWTAuth(t.Context(), identityID, 0, api.JWTAuthInput{JWTAuthConfig: c}))(t)
}

func jwtClaims(sub string, aud []string, extra map[string]any) map[string]any {
	return idptest.Claims("https://issuer.acme.example", sub, aud, 5*time.Minute, extra)
}

// Static keys: RSA, EC and Ed25519 PEM public keys and a certificate each
// verify the tokens their private keys sign, and nothing else.
func TestJWTAuthStaticKeys(t *testing.T) {
	e := newSTEnv(t)
	id := e.identity(t, "signer")
	for _, tc := range []struct {
		name string
		alg  jose.SignatureAlgorithm
		pem  func(*testing.T, *idptest.Key) string
	}{
		{"RSA public key", jose.RS256, jwtPublicPEM},
		{"RSA-PSS with an RSA public key", jose.PS384, jwtPublicPEM},
		{"EC P-256 public key", jose.ES256, jwtPublicPEM},
		{"EC P-384 public key", jose.ES384, jwtPublicPEM},
		{"Ed25519 public key", jose.EdDSA, jwtPublicPEM},
		{"RSA certificate", jose.RS256, jwtCertPEM},
		{"EC certificate", jose.ES256, jwtCertPEM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := idptest.NewKey(tc.alg)
			e.putJWT(t, id, api.JWTAuthConfig{ConfigurationType: api.JWTConfigStatic, PublicKeys: []string{tc.pem(t, k)}})
			_, ev := e.accept(t, "jwt-auth", id, idptest.Sign(k, jwtClaims("svc-a", nil, nil)))
			if ev.Metadata["subject"] != "svc-a" {
				t.Errorf("audit metadata %v", ev.Metadata)
			}
			impostor := idptest.NewKey(tc.alg)
			impostor.ID = k.ID
			e.refuse(t, "jwt-auth", id, idptest.Sign(impostor, jwtClaims("svc-a", nil, nil)), "the signature does not verify")
		})
	}

	t.Run("several keys, any may sign", func(t *testing.T) {
		rsa, ec := idptest.NewKey(jose.RS256), idptest.NewKey(jose.ES256)
		e.putJWT(t, id, api.JWTAuthConfig{ConfigurationType: api.JWTConfigStatic, PublicKeys: []string{jwtPublicPEM(t, rsa), jwtCertPEM(t, ec)}})
		e.accept(t, "jwt-auth", id, idptest.Sign(rsa, jwtClaims("a", nil, nil)))
		e.accept(t, "jwt-auth", id, idptest.Sign(ec, jwtClaims("b", nil, nil)))
		// An HMAC token keyed with a configured PEM's bytes.
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(jwtPublicPEM(t, rsa))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := jwt.Signed(s).Claims(jwtClaims("a", nil, nil)).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		e.refuse(t, "jwt-auth", id, raw, "not a JWT signed with an allowed algorithm")
	})

	t.Run("bindings apply as in OIDC auth", func(t *testing.T) {
		k := idptest.NewKey(jose.ES256)
		e.putJWT(t, id, api.JWTAuthConfig{ConfigurationType: api.JWTConfigStatic, PublicKeys: []string{jwtPublicPEM(t, k)},
			TokenBindings: api.TokenBindings{BoundIssuer: "https://issuer.acme.example", BoundAudiences: []string{"idplane"},
				BoundSubject: "svc-*", BoundClaims: map[string][]string{"team.name": {"platform"}},
				ClaimMetadata: map[string]string{"team": "team.name"}}})
		ok := map[string]any{"team": map[string]any{"name": "platform"}}
		self, ev := e.accept(t, "jwt-auth", id, idptest.Sign(k, jwtClaims("svc-deploy", []string{"idplane"}, ok)))
		if self.Metadata["team"] != "platform" || ev.Metadata["claim.team"] != "platform" {
			t.Fatalf("metadata %v, audit %v", self.Metadata, ev.Metadata)
		}
		e.refuse(t, "jwt-auth", id, idptest.Sign(k, jwtClaims("user-bob", []string{"idplane"}, ok)), "subject does not match")
		e.refuse(t, "jwt-auth", id, idptest.Sign(k, jwtClaims("svc-deploy", []string{"other"}, ok)), "audience does not match")
		e.refuse(t, "jwt-auth", id, idptest.Sign(k, jwtClaims("svc-deploy", []string{"idplane"}, map[string]any{"team": map[string]any{"name": "web"}})),
			"claim team.name does not match")
		e.refuse(t, "jwt-auth", id, idptest.Sign(k, idptest.Claims("https://evil.example", "svc-deploy", []string{"idplane"}, time.Minute, ok)),
			"issuer does not match")
	})
}

// A JWKS URL trusted through jwks_ca_cert: the server has no root for the
// IdP's certificate but the configuration's CA, and without it the fetch
// fails on the certificate.
func TestJWTAuthJWKS(t *testing.T) {
	idp := idptest.New(t)
	e := newSTEnvWith(t, idp, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true})
	id := e.identity(t, "jwks")
	e.putJWT(t, id, api.JWTAuthConfig{ConfigurationType: api.JWTConfigJWKS, JWKSURL: idp.URL + "/jwks", JWKSCACert: idp.CAPEM,
		TokenBindings: api.TokenBindings{BoundAudiences: []string{"idplane"}}})
	e.accept(t, "jwt-auth", id, idp.Token("svc", []string{"idplane"}, nil))
	rs := idp.Current()
	es := idp.AddKey(jose.ES256)
	before := idp.Fetches("/jwks")
	e.refuse(t, "jwt-auth", id, idptest.Sign(es, idptest.Claims(idp.URL, "svc", []string{"idplane"}, time.Minute, nil)),
		"unknown signing key", es.ID)
	if n := idp.Fetches("/jwks") - before; n != 0 {
		t.Fatalf("an unknown kid right after a fetch refetched %d times", n)
	}
	e.refuse(t, "jwt-auth", id, idptest.Sign(rs, idptest.Claims(idp.URL, "svc", []string{"someone"}, time.Minute, nil)), "audience does not match")

	bare := e.identity(t, "jwks-no-ca")
	e.putJWT(t, bare, api.JWTAuthConfig{ConfigurationType: api.JWTConfigJWKS, JWKSURL: idp.URL + "/jwks"})
	e.refuse(t, "jwt-auth", bare, idp.Token("svc", nil, nil), "the identity provider's keys could not be fetched", "certificate")
}
