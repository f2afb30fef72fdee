package signedtoken

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
)

// clock is a settable time for the verifier and the caches.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1_750_000_000, 0).UTC()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// verifierFor is a verifier that may reach idp (on loopback) and trusts its
// certificate, on clock c.
func verifierFor(idp *idptest.IdP, c *clock) *Verifier {
	return New(Options{Policy: outbound.Policy{AllowInternal: true, Roots: idp.CertPool()}, Now: c.Now})
}

// countingKeys is a key set that counts how often it was asked for keys.
type countingKeys struct {
	KeySet
	calls atomic.Int64
}

func (c *countingKeys) Keys(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	c.calls.Add(1)
	return c.KeySet.Keys(ctx, kid)
}

// claimsAt are a token's claims issued at now, living ttl.
func claimsAt(now time.Time, iss, sub string, aud []string, ttl time.Duration) map[string]any {
	c := map[string]any{"iss": iss, "sub": sub, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix()}
	if len(aud) > 0 {
		c["aud"] = aud
	}
	return c
}

// wantVerdict expects err to accept when public is "", else to refuse
// as wantRefused says.
func wantVerdict(t *testing.T, err error, public string, reason ...string) {
	t.Helper()
	if public == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	wantRefused(t, err, public, reason...)
}

// wantRefused checks that err is a LoginRefused whose public part holds
// public (and whose audit reason holds every one of reason).
func wantRefused(t *testing.T, err error, public string, reason ...string) {
	t.Helper()
	var le *login.Error
	if !errors.As(err, &le) {
		t.Fatalf("error %v, want a refused login %q", err, public)
	}
	if !strings.Contains(le.Public, public) {
		t.Fatalf("refusal %q, want it to say %q (reason %q)", le.Public, public, le.Reason)
	}
	for _, r := range reason {
		if !strings.Contains(le.Reason, r) {
			t.Errorf("audit reason %q does not mention %q", le.Reason, r)
		}
	}
}

func b64(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestVerifyRefusesAlgNoneBeforeLookingAtKeys(t *testing.T) {
	idp := idptest.New(t)
	c := newClock()
	v := verifierFor(idp, c)
	remote, err := v.Remote(idp.URL+"/jwks", "", DecodeJWKS)
	if err != nil {
		t.Fatal(err)
	}
	ks := &countingKeys{KeySet: remote}
	claims := claimsAt(c.Now(), idp.URL, "sub", nil, time.Minute)
	for _, header := range []map[string]any{
		{"alg": "none", "typ": "JWT"},
		{"alg": "none", "typ": "JWT", "kid": idp.Current().ID},
		{"alg": "None"},
		{"alg": "NONE"},
	} {
		for _, sig := range []string{"", "AAAA"} {
			raw := b64(header) + "." + b64(claims) + "." + sig
			_, err := v.Verify(t.Context(), raw, ks, Expect{Issuers: []string{idp.URL}})
			wantRefused(t, err, "not a JWT signed with an allowed algorithm")
		}
	}
	if n := ks.calls.Load(); n != 0 {
		t.Fatalf("the key set was asked %d times for unsigned tokens", n)
	}
	if n := idp.Fetches("/jwks"); n != 0 {
		t.Fatalf("the JWKS was fetched %d times for unsigned tokens", n)
	}
}

// The classic key-confusion attack: an HMAC token keyed with the bytes of
// the provider's public RSA key, which a verifier that lets the token pick
// the algorithm would accept.
func TestVerifyRefusesHMACKeyedWithThePublicKey(t *testing.T) {
	idp := idptest.New(t)
	c := newClock()
	v := verifierFor(idp, c)
	remote, err := v.Remote(idp.URL+"/jwks", "", DecodeJWKS)
	if err != nil {
		t.Fatal(err)
	}
	// Prime the cache: the attacker knows the key is published.
	good := idptest.Sign(idp.Current(), claimsAt(c.Now(), idp.URL, "sub", nil, time.Minute))
	if _, err := v.Verify(t.Context(), good, remote, Expect{Issuers: []string{idp.URL}}); err != nil {
		t.Fatalf("a genuine token: %v", err)
	}
	fetched := idp.Fetches("/jwks")
	ks := &countingKeys{KeySet: remote}

	der, err := x509.MarshalPKIXPublicKey(idp.Current().Private.Public())
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	jwk, err := idp.Current().Public().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []jose.SignatureAlgorithm{jose.HS256, jose.HS384, jose.HS512} {
		for name, secret := range map[string][]byte{"pem": pemKey, "der": der, "jwk": jwk} {
			opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), idp.Current().ID)
			s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: secret}, opts)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := jwt.Signed(s).Claims(claimsAt(c.Now(), idp.URL, "sub", nil, time.Minute)).Serialize()
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(t.Context(), raw, ks, Expect{Issuers: []string{idp.URL}})
			t.Run(string(alg)+"/"+name, func(t *testing.T) {
				wantRefused(t, err, "not a JWT signed with an allowed algorithm", string(alg))
			})
		}
	}
	if n := ks.calls.Load(); n != 0 {
		t.Fatalf("the key set was asked %d times for HMAC tokens", n)
	}
	if n := idp.Fetches("/jwks"); n != fetched {
		t.Fatalf("HMAC tokens made the JWKS be fetched: %d fetches, want %d", n, fetched)
	}
}

func TestVerifyEveryAllowedAlgorithm(t *testing.T) {
	c := newClock()
	v := New(Options{Now: c.Now})
	for _, alg := range Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			k := idptest.NewKey(alg)
			tok, err := v.Verify(t.Context(), idptest.Sign(k, claimsAt(c.Now(), "iss", "me", nil, time.Minute)), Static{k.Public()}, Expect{})
			if err != nil {
				t.Fatal(err)
			}
			if tok.Subject != "me" || tok.Header.Algorithm != string(alg) || tok.Raw["sub"] != "me" {
				t.Fatalf("token %+v", tok)
			}
		})
	}
}

// A key is used only with the algorithm its JWK declares: an RSA key
// published for RS256 does not verify a PS256 signature made with it.
func TestVerifyKeyOnlyWithItsDeclaredAlgorithm(t *testing.T) {
	c := newClock()
	v := New(Options{Now: c.Now})
	k := idptest.NewKey(jose.RS256)
	ps := &idptest.Key{ID: k.ID, Alg: jose.PS256, Private: k.Private}
	_, err := v.Verify(t.Context(), idptest.Sign(ps, claimsAt(c.Now(), "iss", "me", nil, time.Minute)), Static{k.Public()}, Expect{})
	wantRefused(t, err, "the signature does not verify", "PS256")

	// Without a declared algorithm (a PEM key) the key's type decides.
	bare := Static{{Key: k.Private.Public(), Use: "sig"}}
	if _, err := v.Verify(t.Context(), idptest.Sign(ps, claimsAt(c.Now(), "iss", "me", nil, time.Minute)), bare, Expect{}); err != nil {
		t.Fatalf("PS256 with an undeclared RSA key: %v", err)
	}
	// An encryption key never verifies.
	enc := Static{{Key: k.Private.Public(), KeyID: k.ID, Use: "enc"}}
	_, err = v.Verify(t.Context(), idptest.Sign(k, claimsAt(c.Now(), "iss", "me", nil, time.Minute)), enc, Expect{})
	wantRefused(t, err, "the signature does not verify")
}

func TestVerifySignatureByAnotherKey(t *testing.T) {
	c := newClock()
	v := New(Options{Now: c.Now})
	published := idptest.NewKey(jose.ES256)
	forger := idptest.NewKey(jose.ES256)
	forger.ID = published.ID
	_, err := v.Verify(t.Context(), idptest.Sign(forger, claimsAt(c.Now(), "iss", "me", nil, time.Minute)), Static{published.Public()}, Expect{})
	wantRefused(t, err, "the signature does not verify")

	// A tampered payload under a genuine signature.
	raw := idptest.Sign(published, claimsAt(c.Now(), "iss", "me", nil, time.Minute))
	parts := strings.Split(raw, ".")
	parts[1] = b64(claimsAt(c.Now(), "iss", "admin", nil, time.Minute))
	_, err = v.Verify(t.Context(), strings.Join(parts, "."), Static{published.Public()}, Expect{})
	wantRefused(t, err, "the signature does not verify")
}

func TestVerifyUnknownKeyID(t *testing.T) {
	c := newClock()
	v := New(Options{Now: c.Now})
	k := idptest.NewKey(jose.RS256)
	other := idptest.NewKey(jose.RS256)
	_, err := v.Verify(t.Context(), idptest.Sign(other, claimsAt(c.Now(), "iss", "me", nil, time.Minute)), Static{k.Public()}, Expect{})
	wantRefused(t, err, "unknown signing key", other.ID)
}

func TestVerifyTimes(t *testing.T) {
	c := newClock()
	k := idptest.NewKey(jose.ES256)
	ks := Static{k.Public()}
	now := c.Now()
	at := func(iat, nbf, exp time.Time) string {
		return idptest.Sign(k, map[string]any{"iss": "iss", "sub": "me", "iat": iat.Unix(), "nbf": nbf.Unix(), "exp": exp.Unix()})
	}
	cases := []struct {
		name   string
		leeway time.Duration
		raw    string
		public string // empty: accepted
	}{
		{"valid", 0, at(now, now, now.Add(time.Minute)), ""},
		{"expired", 0, at(now.Add(-10*time.Minute), now.Add(-10*time.Minute), now.Add(-2*time.Minute)), "the token expired"},
		{"expired 30 s ago, within the default 60 s leeway", 0, at(now.Add(-5*time.Minute), now.Add(-5*time.Minute), now.Add(-30*time.Second)), ""},
		{"expired 30 s ago, leeway 10 s", 10 * time.Second, at(now.Add(-5*time.Minute), now.Add(-5*time.Minute), now.Add(-30*time.Second)), "the token expired"},
		{"not valid yet", 0, at(now, now.Add(2*time.Minute), now.Add(5*time.Minute)), "the token is not valid yet"},
		{"nbf 30 s ahead, within leeway", 0, at(now, now.Add(30*time.Second), now.Add(5*time.Minute)), ""},
		{"issued in the future", 0, at(now.Add(2*time.Minute), now, now.Add(5*time.Minute)), "the token was issued in the future"},
		{"no exp", 0, idptest.Sign(k, map[string]any{"iss": "iss", "sub": "me", "iat": now.Unix()}), "the token has no exp"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := New(Options{Now: c.Now, Leeway: tc.leeway})
			_, err := v.Verify(t.Context(), tc.raw, ks, Expect{})
			wantVerdict(t, err, tc.public)
		})
	}
}

func TestVerifyMaxLifetime(t *testing.T) {
	c := newClock()
	v := New(Options{Now: c.Now})
	k := idptest.NewKey(jose.RS256)
	ok := idptest.Sign(k, claimsAt(c.Now(), "", "sa@p.iam.gserviceaccount.com", []string{"id"}, 14*time.Minute))
	if _, err := v.Verify(t.Context(), ok, Static{k.Public()}, Expect{Audiences: []string{"id"}, MaxLifetime: 15 * time.Minute}); err != nil {
		t.Fatalf("a 14-minute token: %v", err)
	}
	long := idptest.Sign(k, claimsAt(c.Now(), "", "sa@p.iam.gserviceaccount.com", []string{"id"}, time.Hour))
	_, err := v.Verify(t.Context(), long, Static{k.Public()}, Expect{Audiences: []string{"id"}, MaxLifetime: 15 * time.Minute})
	wantRefused(t, err, "the token lives too long")
}

func TestVerifyIssuerAndAudience(t *testing.T) {
	c := newClock()
	v := New(Options{Now: c.Now})
	k := idptest.NewKey(jose.RS256)
	ks := Static{k.Public()}
	tok := func(iss string, aud ...string) string {
		return idptest.Sign(k, claimsAt(c.Now(), iss, "me", aud, time.Minute))
	}
	cases := []struct {
		name   string
		raw    string
		exp    Expect
		public string
	}{
		{"issuer matches", tok("https://idp"), Expect{Issuers: []string{"https://other", "https://idp"}}, ""},
		{"wrong issuer", tok("https://evil"), Expect{Issuers: []string{"https://idp"}}, "issuer does not match"},
		{"audience among several", tok("i", "a", "b"), Expect{Audiences: []string{"b"}}, ""},
		{"wrong audience", tok("i", "a"), Expect{Audiences: []string{"b"}}, "audience does not match"},
		{"bound audience, token without one", tok("i"), Expect{Audiences: []string{"b"}}, "audience does not match"},
		{"no bound audience, token without one", tok("i"), Expect{}, ""},
		// Vault's rule: binding no audience accepts only tokens without one.
		{"no bound audience, token with one", tok("i", "a"), Expect{}, "audience does not match"},
		{"any audience", tok("i", "a"), Expect{AnyAudience: true}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tc.raw, ks, tc.exp)
			wantVerdict(t, err, tc.public)
		})
	}
}

func TestVerifyOversizedTokenRefusedFirst(t *testing.T) {
	c := newClock()
	v := New(Options{Now: c.Now})
	k := idptest.NewKey(jose.RS256)
	ks := &countingKeys{KeySet: Static{k.Public()}}
	claims := claimsAt(c.Now(), "i", "me", nil, time.Minute)
	claims["padding"] = strings.Repeat("x", api.MaxLoginJWTBytes)
	raw := idptest.Sign(k, claims)
	_, err := v.Verify(t.Context(), raw, ks, Expect{})
	wantRefused(t, err, "the token is larger than 16384 bytes")
	if ks.calls.Load() != 0 {
		t.Fatal("an oversized token reached the key set")
	}
	// Exactly at the limit is a size the parser looks at.
	delete(claims, "padding")
	small := idptest.Sign(k, claims)
	if _, err := v.Verify(t.Context(), small, ks, Expect{}); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyGarbage(t *testing.T) {
	v := New(Options{})
	for _, raw := range []string{"x", "a.b.c", "a.b", "...."} {
		_, err := v.Verify(t.Context(), raw, Static{}, Expect{})
		wantRefused(t, err, "not a JWT signed with an allowed algorithm")
	}
}
