package httpapi_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
	"github.com/idplane/idplane/server/servertest"
)

// Shared pieces of the signed-token auth tests (OIDC, JWT, GCP, Azure), and
// the attacks every one of them must withstand, tried through OIDC auth.

// stEnv is a PostgreSQL server whose auth methods reach a local identity
// provider (Google's and Microsoft's key endpoints included).
type stEnv struct {
	idp  *idptest.IdP
	srv  *servertest.Server
	tn   *tenant
	anon *api.Client
}

func newSTEnv(t *testing.T) *stEnv {
	t.Helper()
	idp := idptest.New(t)
	return newSTEnvWith(t, idp, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true, OutboundRoots: idp.CertPool(),
		GCPOAuth2CertsURL: idp.GCPOAuth2CertsURL(), GCPServiceAccountCertsURL: idp.GCPServiceAccountCertsURL(), AzureLoginURL: idp.AzureLoginURL()})
}

func newSTEnvWith(t *testing.T, idp *idptest.IdP, opts servertest.Options) *stEnv {
	t.Helper()
	srv := servertest.Start(t, opts)
	return &stEnv{idp: idp, srv: srv, tn: firstTenant(t, srv), anon: srv.Client(t)}
}

func (e *stEnv) identity(t *testing.T, name string) string {
	t.Helper()
	return must(e.tn.c.CreateIdentity(t.Context(), api.IdentityInput{Name: name, Role: "member"}))(t).ID
}

// putOIDC attaches or replaces the identity's OIDC auth on e's IdP.
func (e *stEnv) putOIDC(t *testing.T, identityID string, b api.TokenBindings) *api.OIDCAuth {
	t.Helper()
	return must(e.tn.c.PutOIDCAuth(t.Context(), identityID, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{
		OIDCDiscoveryURL: e.idp.URL, OIDCCACertificate: e.idp.CAPEM, TokenBindings: b}}))(t)
}

// login logs in with the method of kind ("oidc-auth", ...).
func (e *stEnv) login(t *testing.T, kind, identityID, raw string) (*api.LoginResponse, error) {
	t.Helper()
	in := api.TokenAuthLoginRequest{IdentityID: identityID, JWT: raw}
	switch kind {
	case "oidc-auth":
		return e.anon.OIDCAuthLogin(t.Context(), in)
	case "jwt-auth":
		return e.anon.JWTAuthLogin(t.Context(), in)
	case "gcp-auth":
		return e.anon.GCPAuthLogin(t.Context(), in)
	case "azure-auth":
		return e.anon.AzureAuthLogin(t.Context(), in)
	}
	t.Fatalf("no login for %s", kind)
	return nil, nil
}

// accept logs in and checks that the token works and names the method and
// the identity; it returns the token's self and the login's audit event.
func (e *stEnv) accept(t *testing.T, kind, identityID, raw string) (*api.TokenSelf, *api.AuditEvent) {
	t.Helper()
	res, err := e.login(t, kind, identityID, raw)
	if err != nil {
		t.Fatalf("%s login refused: %v", kind, err)
	}
	if res.TokenType != "Bearer" || res.ExpiresIn != api.DefaultAccessTokenTTL {
		t.Fatalf("login response %+v", res)
	}
	self := must(e.srv.Client(t, api.WithToken(res.AccessToken)).TokenSelf(t.Context()))(t)
	if self.AuthMethod != kind || self.IdentityID != identityID || self.OrganizationID != e.tn.boot.OrganizationID {
		t.Fatalf("token/self %+v, want %s of identity %s", self, kind, identityID)
	}
	ev := e.lastLogin(t, kind, identityID, api.OutcomeSuccess)
	if ev.Metadata["tokenId"] != self.TokenID {
		t.Fatalf("the success event %+v is not of token %s", ev, self.TokenID)
	}
	return self, ev
}

// refuse logs in and checks the 401: its detail says public and never the
// words in secret (configured values), and the audit event's reason holds
// every one of reason.
func (e *stEnv) refuse(t *testing.T, kind, identityID, raw, public string, reason ...string) *api.AuditEvent {
	t.Helper()
	_, err := e.login(t, kind, identityID, raw)
	return e.wantRefused(t, err, kind, identityID, public, reason...)
}

func (e *stEnv) wantRefused(t *testing.T, err error, kind, identityID, public string, reason ...string) *api.AuditEvent {
	t.Helper()
	p := wantProblem(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
	if !strings.Contains(p.Detail, public) {
		t.Fatalf("detail %q, want it to say %q", p.Detail, public)
	}
	ev := e.lastLogin(t, kind, identityID, api.OutcomeFailure)
	for _, r := range reason {
		if !strings.Contains(ev.Reason, r) {
			t.Fatalf("audit reason %q does not mention %q", ev.Reason, r)
		}
	}
	if ev.Actor.Type != "anonymous" || ev.Actor.ID != "" {
		t.Errorf("a failed login's actor is %+v, want anonymous", ev.Actor)
	}
	return ev
}

// lastLogin is the newest login event of the identity with outcome.
func (e *stEnv) lastLogin(t *testing.T, kind, identityID, outcome string) *api.AuditEvent {
	t.Helper()
	list := must(e.tn.c.ListAuditEvents(t.Context(), api.AuditEventFilter{Action: "login." + kind, TargetID: identityID, Outcome: outcome, Limit: 1}))(t)
	if len(list.Events) != 1 {
		t.Fatalf("no %s login event with outcome %s for identity %s", kind, outcome, identityID)
	}
	return &list.Events[0]
}

// claims are the claims of a token of e's issuer for sub and aud, issued
// now and living ttl (negative: already expired), plus extra.
func (e *stEnv) claims(sub string, aud []string, ttl time.Duration, extra map[string]any) map[string]any {
	return idptest.Claims(e.idp.URL, sub, aud, ttl, extra)
}

func stB64(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestSignedTokenAttacks(t *testing.T) {
	e := newSTEnv(t)
	id := e.identity(t, "attacked")
	e.putOIDC(t, id, api.TokenBindings{BoundAudiences: []string{"idplane"}})
	good := func() string { return e.idp.Token("me", []string{"idplane"}, nil) }
	// A genuine login primes the discovery and key caches.
	e.accept(t, "oidc-auth", id, good())
	jwksFetches := e.idp.Fetches("/jwks")

	t.Run("alg none", func(t *testing.T) {
		for _, alg := range []string{"none", "None"} {
			raw := stB64(t, map[string]any{"alg": alg, "typ": "JWT", "kid": e.idp.Current().ID}) + "." +
				stB64(t, e.claims("me", []string{"idplane"}, time.Minute, nil)) + "."
			e.refuse(t, "oidc-auth", id, raw, "not a JWT signed with an allowed algorithm", "unexpected signature algorithm")
		}
	})

	t.Run("HS256 keyed with the RSA public key", func(t *testing.T) {
		der, err := x509.MarshalPKIXPublicKey(e.idp.Current().Private.Public())
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range [][]byte{pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), der} {
			s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret},
				(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), e.idp.Current().ID))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := jwt.Signed(s).Claims(e.claims("me", []string{"idplane"}, time.Minute, nil)).Serialize()
			if err != nil {
				t.Fatal(err)
			}
			e.refuse(t, "oidc-auth", id, raw, "not a JWT signed with an allowed algorithm", "HS256")
		}
		if n := e.idp.Fetches("/jwks"); n != jwksFetches {
			t.Fatalf("HMAC tokens made the server fetch the JWKS (%d fetches, was %d)", n, jwksFetches)
		}
	})

	t.Run("unknown kid", func(t *testing.T) {
		forger := idptest.NewKey(jose.RS256)
		e.refuse(t, "oidc-auth", id, idptest.Sign(forger, e.claims("me", []string{"idplane"}, time.Minute, nil)),
			"unknown signing key", forger.ID)
	})

	t.Run("a flood of unknown kids refetches at most once per 10 s", func(t *testing.T) {
		before := e.idp.Fetches("/jwks")
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for range 50 {
			wg.Go(func() {
				_, err := e.login(t, "oidc-auth", id, idptest.Sign(idptest.NewKey(jose.ES256), e.claims("me", []string{"idplane"}, time.Minute, nil)))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			wantProblem(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		}
		allowed := int64(time.Since(start)/(10*time.Second)) + 1
		if n := e.idp.Fetches("/jwks") - before; n > allowed {
			t.Fatalf("50 forged kids made %d JWKS fetches in %s, want at most %d", n, time.Since(start), allowed)
		}
		// And the genuine key still works from the cache.
		e.accept(t, "oidc-auth", id, good())
	})

	t.Run("signature by another key under the published kid", func(t *testing.T) {
		forger := idptest.NewKey(jose.RS256)
		forger.ID = e.idp.Current().ID
		e.refuse(t, "oidc-auth", id, idptest.Sign(forger, e.claims("me", []string{"idplane"}, time.Minute, nil)), "the signature does not verify")
	})

	t.Run("expired", func(t *testing.T) {
		e.refuse(t, "oidc-auth", id, idptest.Sign(e.idp.Current(), e.claims("me", []string{"idplane"}, -2*time.Minute, nil)),
			"the token expired", "exp ")
	})

	t.Run("expired 30 s ago passes with the default 60 s leeway", func(t *testing.T) {
		e.accept(t, "oidc-auth", id, idptest.Sign(e.idp.Current(), e.claims("me", []string{"idplane"}, -30*time.Second, nil)))
	})

	t.Run("not yet valid", func(t *testing.T) {
		c := e.claims("me", []string{"idplane"}, 10*time.Minute, nil)
		c["nbf"] = time.Now().Add(5 * time.Minute).Unix()
		e.refuse(t, "oidc-auth", id, idptest.Sign(e.idp.Current(), c), "the token is not valid yet", "nbf ")
	})

	t.Run("issued in the future", func(t *testing.T) {
		c := e.claims("me", []string{"idplane"}, 10*time.Minute, nil)
		c["iat"] = time.Now().Add(5 * time.Minute).Unix()
		e.refuse(t, "oidc-auth", id, idptest.Sign(e.idp.Current(), c), "the token was issued in the future", "iat ")
	})

	t.Run("no exp", func(t *testing.T) {
		c := e.claims("me", []string{"idplane"}, time.Minute, nil)
		delete(c, "exp")
		e.refuse(t, "oidc-auth", id, idptest.Sign(e.idp.Current(), c), "the token has no exp")
	})

	t.Run("wrong issuer", func(t *testing.T) {
		c := e.claims("me", []string{"idplane"}, time.Minute, nil)
		c["iss"] = "https://evil.example"
		e.refuse(t, "oidc-auth", id, idptest.Sign(e.idp.Current(), c), "issuer does not match", "https://evil.example")
	})

	t.Run("wrong audience", func(t *testing.T) {
		e.refuse(t, "oidc-auth", id, e.idp.Token("me", []string{"someone-else"}, nil), "audience does not match", "someone-else")
	})

	t.Run("token for another identity", func(t *testing.T) {
		other := e.identity(t, "other")
		e.putOIDC(t, other, api.TokenBindings{BoundAudiences: []string{"idplane"}, BoundClaims: map[string][]string{"repository": {"acme/other"}}})
		mine := e.idp.Token("me", []string{"idplane"}, map[string]any{"repository": "acme/attacked"})
		e.accept(t, "oidc-auth", id, mine)
		e.refuse(t, "oidc-auth", other, mine, "claim repository does not match", "acme/attacked")
		// An identity without the method, and one that does not exist.
		bare := e.identity(t, "bare")
		e.refuse(t, "oidc-auth", bare, mine, "the identity has no OIDC auth")
		_, err := e.login(t, "oidc-auth", "00000000-0000-0000-0000-000000000000", mine)
		p := wantProblem(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		if !strings.Contains(p.Detail, "has no OIDC auth (or does not exist)") {
			t.Fatalf("detail %q", p.Detail)
		}
	})

	t.Run("oversized", func(t *testing.T) {
		big := e.idp.Token("me", []string{"idplane"}, map[string]any{"pad": strings.Repeat("x", api.MaxLoginJWTBytes)})
		e.refuse(t, "oidc-auth", id, big, "the token is larger than 16384 bytes", "bytes refused")
	})

	t.Run("never a 500", func(t *testing.T) {
		for _, raw := range []string{"x", "a.b.c", strings.Repeat(".", 100), "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln"} {
			_, err := e.login(t, "oidc-auth", id, raw)
			wantProblem(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		}
		_, err := e.login(t, "oidc-auth", id, "")
		wantProblem(t, err, http.StatusBadRequest, api.CodeValidation)
	})
}

// The identity provider being down is a 401 that says so, audited with the
// cause, never a 500; one that never answers is the same after the 5 s
// timeout.
func TestSignedTokenIdPOutage(t *testing.T) {
	e := newSTEnv(t)
	t.Run("down", func(t *testing.T) {
		t.Parallel()
		idp := idptest.New(t)
		id := e.identity(t, "down")
		must(e.tn.c.PutOIDCAuth(t.Context(), id, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{OIDCDiscoveryURL: idp.URL}}))(t)
		idp.SetDown(true)
		e.refuse(t, "oidc-auth", id, idp.Token("me", nil, nil), "discovery document could not be fetched", "HTTP 503")
		failed := time.Now()
		// Up again: the failure is remembered for 10 s (no fetch per
		// login), then the next login goes through.
		idp.SetDown(false)
		e.refuse(t, "oidc-auth", id, idp.Token("me", nil, nil), "discovery document could not be fetched", "HTTP 503")
		if n := idp.Fetches(signedtoken.WellKnown); n != 1 {
			t.Fatalf("two logins within 10 s of a failure made %d discovery fetches, want 1", n)
		}
		time.Sleep(time.Until(failed.Add(10 * time.Second)))
		e.accept(t, "oidc-auth", id, idp.Token("me", nil, nil))
	})
	t.Run("never answers", func(t *testing.T) {
		t.Parallel()
		idp := idptest.New(t)
		id := e.identity(t, "hangs")
		must(e.tn.c.PutOIDCAuth(t.Context(), id, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{OIDCDiscoveryURL: idp.URL}}))(t)
		idp.SetHang(true)
		start := time.Now()
		_, err := e.login(t, "oidc-auth", id, idp.Token("me", nil, nil))
		took := time.Since(start)
		e.wantRefused(t, err, "oidc-auth", id, "discovery document could not be fetched", "Timeout")
		if took < 5*time.Second || took > 8*time.Second {
			t.Fatalf("the refusal took %s, want the 5 s outbound timeout", took)
		}
	})
	t.Run("key rotation", func(t *testing.T) {
		t.Parallel()
		idp := idptest.New(t)
		id := e.identity(t, "rotated")
		must(e.tn.c.PutOIDCAuth(t.Context(), id, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{OIDCDiscoveryURL: idp.URL}}))(t)
		old := idp.Current()
		e.accept(t, "oidc-auth", id, idp.Token("me", nil, nil))
		fetched := time.Now()
		idp.Rotate(jose.ES256)
		// An unknown kid refetches the keys at most once per 10 s: wait that
		// long since the first fetch, then the new key logs in.
		time.Sleep(time.Until(fetched.Add(10 * time.Second)))
		before := idp.Fetches("/jwks")
		e.accept(t, "oidc-auth", id, idp.Token("me", nil, nil))
		if n := idp.Fetches("/jwks") - before; n != 1 {
			t.Fatalf("the new kid made %d JWKS fetches, want 1", n)
		}
		// The refreshed set no longer holds the withdrawn key.
		e.refuse(t, "oidc-auth", id, idptest.Sign(old, idptest.Claims(idp.URL, "me", nil, time.Minute, nil)), "unknown signing key", old.ID)
	})
}

// Without --allow-internal-outbound, a tenant admin cannot make the server
// fetch an internal URL: the login is refused before any connection.
func TestSignedTokenInternalURLRefused(t *testing.T) {
	idp := idptest.New(t)
	e := newSTEnvWith(t, idp, servertest.Options{Backend: servertest.Postgres, OutboundRoots: idp.CertPool()})
	id := e.identity(t, "ssrf")
	e.putOIDC(t, id, api.TokenBindings{})
	e.refuse(t, "oidc-auth", id, idp.Token("me", nil, nil), "discovery document could not be fetched",
		"127.0.0.1 is an internal address", "--allow-internal-outbound")
	jwtID := e.identity(t, "ssrf-jwks")
	must(e.tn.c.PutJWTAuth(t.Context(), jwtID, 0, api.JWTAuthInput{JWTAuthConfig: api.JWTAuthConfig{
		ConfigurationType: api.JWTConfigJWKS, JWKSURL: idp.URL + "/jwks", JWKSCACert: idp.CAPEM}}))(t)
	e.refuse(t, "jwt-auth", jwtID, idp.Token("me", nil, nil), "the identity provider's keys could not be fetched", "127.0.0.1 is an internal address")
	if n := idp.Fetches(signedtokenWellKnown) + idp.Fetches("/jwks"); n != 0 {
		t.Fatalf("the internal IdP was reached %d times", n)
	}
}

const signedtokenWellKnown = "/.well-known/openid-configuration"
