package signedtoken

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/idplane/idplane/server/idptest"
)

func TestCachePeriodClamped(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", defaultCache},
		{"no-store", defaultCache},
		{"max-age=abc", defaultCache},
		{"public, max-age=3600", time.Hour},
		{"max-age=600, must-revalidate", 10 * time.Minute},
		{`max-age="900"`, 15 * time.Minute},
		{"MAX-AGE=1200", 20 * time.Minute},
		{"max-age=0", minCache},
		{"max-age=60", minCache},
		{"max-age=172800", maxCache},
	} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Cache-Control", tc.header)
		}
		if got := cachePeriod(h); got != tc.want {
			t.Errorf("Cache-Control %q: cache period %s, want %s", tc.header, got, tc.want)
		}
	}
}

// keysAt asks r for kid at the current time and returns how many keys it
// found and how many JWKS fetches the IdP has seen since before the call.
func keysAt(t *testing.T, r *Remote, idp *idptest.IdP, kid string) (found int, fetches int64) {
	t.Helper()
	before := idp.Fetches("/jwks")
	keys, err := r.Keys(t.Context(), kid)
	if err != nil {
		t.Fatalf("keys %q: %v", kid, err)
	}
	return len(keys), idp.Fetches("/jwks") - before
}

func TestRemoteHonoursCacheControl(t *testing.T) {
	for _, tc := range []struct {
		header string
		period time.Duration
	}{
		{"public, max-age=600", 10 * time.Minute},
		{"max-age=30", minCache},     // clamped up
		{"max-age=604800", maxCache}, // clamped down
		{"", defaultCache},
	} {
		t.Run(tc.header, func(t *testing.T) {
			idp := idptest.New(t)
			idp.SetCacheControl(tc.header)
			c := newClock()
			r, err := verifierFor(idp, c).Remote(idp.URL+"/jwks", "", DecodeJWKS)
			if err != nil {
				t.Fatal(err)
			}
			kid := idp.Current().ID
			if n, f := keysAt(t, r, idp, kid); n != 1 || f != 1 {
				t.Fatalf("first lookup: %d keys, %d fetches", n, f)
			}
			c.Advance(tc.period - time.Second)
			if n, f := keysAt(t, r, idp, kid); n != 1 || f != 0 {
				t.Fatalf("within the cache period: %d keys, %d fetches, want 1 and 0", n, f)
			}
			c.Advance(2 * time.Second)
			if n, f := keysAt(t, r, idp, kid); n != 1 || f != 1 {
				t.Fatalf("past the cache period: %d keys, %d fetches, want 1 and 1", n, f)
			}
			if r.Fetches() != 2 {
				t.Fatalf("Remote counted %d fetches, want 2", r.Fetches())
			}
		})
	}
}

func randomKid() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// A flood of tokens with unknown key IDs makes at most one refetch per
// minRefetch, however many arrive and however concurrently.
func TestRemoteUnknownKidRefetchAtMostEvery10s(t *testing.T) {
	idp := idptest.New(t)
	c := newClock()
	r, err := verifierFor(idp, c).Remote(idp.URL+"/jwks", "", DecodeJWKS)
	if err != nil {
		t.Fatal(err)
	}
	if _, f := keysAt(t, r, idp, idp.Current().ID); f != 1 {
		t.Fatalf("first lookup made %d fetches", f)
	}
	flood := func() int64 {
		before := idp.Fetches("/jwks")
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				keys, err := r.Keys(t.Context(), randomKid())
				if err != nil || len(keys) != 0 {
					t.Errorf("unknown kid: %d keys, %v", len(keys), err)
				}
			})
		}
		wg.Wait()
		return idp.Fetches("/jwks") - before
	}
	if f := flood(); f != 0 {
		t.Fatalf("a flood right after a fetch made %d fetches, want 0", f)
	}
	c.Advance(minRefetch)
	if f := flood(); f != 1 {
		t.Fatalf("a flood 10 s later made %d fetches, want 1", f)
	}
	c.Advance(minRefetch - time.Second)
	if f := flood(); f != 0 {
		t.Fatalf("a flood 9 s after the refetch made %d fetches, want 0", f)
	}
	c.Advance(time.Second)
	if f := flood(); f != 1 {
		t.Fatalf("a flood 10 s after the refetch made %d fetches, want 1", f)
	}
	// Known keys keep being served from the cache throughout.
	if n, f := keysAt(t, r, idp, idp.Current().ID); n != 1 || f != 0 {
		t.Fatalf("known kid after the floods: %d keys, %d fetches", n, f)
	}
}

func TestRemoteKeyRotation(t *testing.T) {
	idp := idptest.New(t)
	c := newClock()
	v := verifierFor(idp, c)
	r, err := v.Remote(idp.URL+"/jwks", "", DecodeJWKS)
	if err != nil {
		t.Fatal(err)
	}
	old := idp.Current()
	oldToken := func() string { return idptest.Sign(old, claimsAt(c.Now(), idp.URL, "me", nil, time.Hour)) }
	if _, err := v.Verify(t.Context(), oldToken(), r, Expect{}); err != nil {
		t.Fatal(err)
	}
	fresh := idp.Rotate(jose.ES256)
	newToken := func() string { return idptest.Sign(fresh, claimsAt(c.Now(), idp.URL, "me", nil, time.Hour)) }

	// Right after a fetch, an unknown kid waits for the refetch interval.
	c.Advance(time.Second)
	_, err = v.Verify(t.Context(), newToken(), r, Expect{})
	wantRefused(t, err, "unknown signing key")

	c.Advance(minRefetch)
	before := idp.Fetches("/jwks")
	if _, err := v.Verify(t.Context(), newToken(), r, Expect{}); err != nil {
		t.Fatalf("the new key's token after the refetch interval: %v", err)
	}
	if f := idp.Fetches("/jwks") - before; f != 1 {
		t.Fatalf("the new kid made %d fetches, want 1", f)
	}
	// The refreshed set no longer holds the withdrawn key.
	_, err = v.Verify(t.Context(), oldToken(), r, Expect{})
	wantRefused(t, err, "unknown signing key", old.ID)
	if f := idp.Fetches("/jwks") - before; f != 1 {
		t.Fatalf("the withdrawn kid made another fetch (%d in all)", f)
	}
}

// When the provider is down, the keys held stay usable for staleGrace past
// their cache period; after that, and with no keys ever fetched, the outage
// is an error.
func TestRemoteStaleKeysDuringOutage(t *testing.T) {
	idp := idptest.New(t)
	idp.SetCacheControl("max-age=300")
	c := newClock()
	r, err := verifierFor(idp, c).Remote(idp.URL+"/jwks", "", DecodeJWKS)
	if err != nil {
		t.Fatal(err)
	}
	kid := idp.Current().ID
	if n, _ := keysAt(t, r, idp, kid); n != 1 {
		t.Fatal("no key")
	}
	idp.SetDown(true)
	c.Advance(minCache + 30*time.Minute)
	if n, f := keysAt(t, r, idp, kid); n != 1 || f != 1 {
		t.Fatalf("stale within the grace period: %d keys, %d fetches, want 1 and 1", n, f)
	}
	c.Advance(31 * time.Minute)
	_, err = r.Keys(t.Context(), kid)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("past the grace period: %v, want the 503", err)
	}

	never := idptest.New(t)
	never.SetDown(true)
	r2, err := verifierFor(never, c).Remote(never.URL+"/jwks", "", DecodeJWKS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Keys(t.Context(), "k"); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("never fetched, provider down: %v", err)
	}
}

func TestDiscoverCached(t *testing.T) {
	idp := idptest.New(t)
	idp.SetCacheControl("max-age=600")
	c := newClock()
	v := verifierFor(idp, c)
	for range 3 {
		p, ks, err := v.Discover(t.Context(), idp.URL+WellKnown, "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Issuer != idp.URL || p.JWKSURI != idp.URL+"/jwks" || ks == nil {
			t.Fatalf("provider %+v", p)
		}
	}
	if n := idp.Fetches(WellKnown); n != 1 {
		t.Fatalf("%d discovery fetches within the cache period, want 1", n)
	}
	c.Advance(10*time.Minute + time.Second)
	if _, _, err := v.Discover(t.Context(), idp.URL+WellKnown, ""); err != nil {
		t.Fatal(err)
	}
	if n := idp.Fetches(WellKnown); n != 2 {
		t.Fatalf("%d discovery fetches after the cache period, want 2", n)
	}
	// The same URL trusted with another CA is another cache entry, fetched
	// with that CA (here the IdP's own, given explicitly).
	if _, _, err := v.Discover(t.Context(), idp.URL+WellKnown, idp.CAPEM); err != nil {
		t.Fatal(err)
	}
	if n := idp.Fetches(WellKnown); n != 3 {
		t.Fatalf("%d discovery fetches, want 3", n)
	}
	// Down, past the period: the cached document serves within the grace.
	idp.SetDown(true)
	c.Advance(20 * time.Minute)
	if _, _, err := v.Discover(t.Context(), idp.URL+WellKnown, ""); err != nil {
		t.Fatalf("stale discovery during an outage: %v", err)
	}
}

func TestDiscoverRefusesAnUntrustedCertificate(t *testing.T) {
	idp := idptest.New(t)
	v := New(Options{Policy: verifierFor(idp, newClock()).policy})
	_, _, err := v.Discover(t.Context(), idp.URL+WellKnown, selfSignedPEM(t))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("discovery trusted with another CA: %v", err)
	}
	if _, _, err := v.Discover(t.Context(), idp.URL+WellKnown, "not a PEM"); err == nil {
		t.Fatal("a configured CA that is not PEM was accepted")
	}
}

// selfSignedPEM is a CA certificate nothing is signed by (every httptest
// server shares one certificate, so another IdP's would do no good).
func selfSignedPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other CA"}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestDecodeX509MapAndJWKS(t *testing.T) {
	idp := idptest.New(t)
	c := newClock()
	v := verifierFor(idp, c)
	email := "sa@proj.iam.gserviceaccount.com"
	k := idp.ServiceAccountKey(email)
	r, err := v.Remote(idp.GCPServiceAccountCertsURL()+email, "", DecodeX509Map)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := r.Keys(t.Context(), k.ID)
	if err != nil || len(keys) != 1 || keys[0].Algorithm != string(jose.RS256) {
		t.Fatalf("x509 map keys: %+v, %v", keys, err)
	}
	for _, body := range []string{`[]`, `{"k":"not pem"}`, `{"k":"-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n"}`} {
		if _, err := DecodeX509Map([]byte(body)); err == nil {
			t.Errorf("DecodeX509Map(%s) accepted", body)
		}
	}
	if _, err := DecodeJWKS([]byte(`{"keys": 1}`)); err == nil {
		t.Error("DecodeJWKS accepted a malformed set")
	}
}

// Keys idplane cannot use (an X25519 encryption key, an unknown key type,
// an RSA key missing its modulus) are skipped, as RFC 7517 section 5 says:
// the set's other keys keep logging in. Only a set with no usable key
// left is an error.
func TestJWKSSkipsUnusableKeys(t *testing.T) {
	unusable := []string{
		`{"kty":"OKP","crv":"X25519","use":"enc","kid":"enc-1","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}`,
		`{"kty":"PQC","kid":"future-1","alg":"ML-DSA-65","pub":"AAAA"}`,
		`{"kty":"RSA","kid":"broken-1","e":"AQAB"}`,
	}
	idp := idptest.New(t)
	for _, k := range unusable {
		idp.AddRawJWK(k)
	}
	c := newClock()
	v := verifierFor(idp, c)
	r, err := v.Remote(idp.URL+"/jwks", "", DecodeJWKS)
	if err != nil {
		t.Fatal(err)
	}
	tok := idptest.Sign(idp.Current(), claimsAt(c.Now(), idp.URL, "me", nil, time.Hour))
	if _, err := v.Verify(t.Context(), tok, r, Expect{}); err != nil {
		t.Fatalf("a set with unusable keys beside the signing key: %v", err)
	}
	keys, err := DecodeJWKS([]byte(`{"keys":[` + strings.Join(unusable, ",") + `]}`))
	if err == nil || !strings.Contains(err.Error(), "no usable key") {
		t.Fatalf("a set of only unusable keys: %d keys, %v, want no usable key", len(keys), err)
	}
	if keys, err := DecodeJWKS([]byte(`{"keys":[]}`)); err != nil || len(keys) != 0 {
		t.Fatalf("an empty set: %d keys, %v", len(keys), err)
	}
}
