package signedtoken

import (
	"context"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/idplane/idplane/server/idptest"
)

// swappableKeys is a key set whose keys a test replaces, as a JWKS refresh
// after a rotation does.
type swappableKeys struct{ keys []jose.JSONWebKey }

func (s *swappableKeys) Keys(_ context.Context, kid string) ([]jose.JSONWebKey, error) {
	return Static(s.keys).Keys(context.Background(), kid)
}

// A token presented again is taken from the cache only while the key that
// verified it is still offered: a key removed from the key set stops its
// tokens, and another key published under the same key ID verifies none.
func TestVerifiedTokenNeedsItsKeyStillPublished(t *testing.T) {
	c := newClock()
	v := New(Options{Now: c.Now})
	k := idptest.NewKey(jose.RS256)
	ks := &swappableKeys{keys: []jose.JSONWebKey{k.Public()}}
	raw := idptest.Sign(k, claimsAt(c.Now(), "iss", "me", nil, time.Hour))
	for range 2 {
		if tok, err := v.Verify(t.Context(), raw, ks, Expect{}); err != nil || tok.Subject != "me" {
			t.Fatalf("verify: %v, %+v", err, tok)
		}
	}
	if v.verified.m.Len() != 1 {
		t.Fatalf("%d tokens remembered, want 1", v.verified.m.Len())
	}

	impostor := idptest.NewKey(jose.RS256)
	impostor.ID = k.ID
	ks.keys = []jose.JSONWebKey{impostor.Public()}
	_, err := v.Verify(t.Context(), raw, ks, Expect{})
	wantRefused(t, err, "the signature does not verify")

	ks.keys = nil
	_, err = v.Verify(t.Context(), raw, ks, Expect{})
	wantRefused(t, err, "unknown signing key")

	ks.keys = []jose.JSONWebKey{k.Public()}
	if _, err := v.Verify(t.Context(), raw, ks, Expect{}); err != nil {
		t.Fatalf("the key is back: %v", err)
	}
}

// A remembered token is judged on every login: its times on the clock of
// that login, and the issuer and audience that login expects.
func TestVerifiedTokenJudgedAgain(t *testing.T) {
	c := newClock()
	v := New(Options{Now: c.Now, Leeway: time.Second})
	k := idptest.NewKey(jose.ES256)
	ks := Static{k.Public()}
	raw := idptest.Sign(k, claimsAt(c.Now(), "iss", "me", []string{"idplane"}, time.Minute))
	if _, err := v.Verify(t.Context(), raw, ks, Expect{Issuers: []string{"iss"}, Audiences: []string{"idplane"}}); err != nil {
		t.Fatal(err)
	}
	_, err := v.Verify(t.Context(), raw, ks, Expect{Issuers: []string{"another"}, Audiences: []string{"idplane"}})
	wantRefused(t, err, "issuer does not match")
	_, err = v.Verify(t.Context(), raw, ks, Expect{Issuers: []string{"iss"}, Audiences: []string{"vault"}})
	wantRefused(t, err, "audience does not match")
	c.Advance(2 * time.Minute)
	_, err = v.Verify(t.Context(), raw, ks, Expect{Issuers: []string{"iss"}, Audiences: []string{"idplane"}})
	wantRefused(t, err, "the token expired")
}

// Only verified tokens are remembered: a forged one is checked, and
// refused, every time.
func TestForgedTokenNotRemembered(t *testing.T) {
	c := newClock()
	v := New(Options{Now: c.Now})
	published := idptest.NewKey(jose.ES256)
	forger := idptest.NewKey(jose.ES256)
	forger.ID = published.ID
	raw := idptest.Sign(forger, claimsAt(c.Now(), "iss", "me", nil, time.Hour))
	for range 2 {
		_, err := v.Verify(t.Context(), raw, Static{published.Public()}, Expect{})
		wantRefused(t, err, "the signature does not verify")
	}
	if v.verified.m.Len() != 0 {
		t.Fatalf("%d forged tokens remembered", v.verified.m.Len())
	}
}
