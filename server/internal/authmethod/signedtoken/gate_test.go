package signedtoken

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
)

// logins asks r for kid n times at once and returns how many JWKS fetches
// the IdP saw meanwhile and how many lookups failed.
func logins(t *testing.T, r *Remote, idp *idptest.IdP, kid string, n int) (fetches int64, failed int) {
	t.Helper()
	before := idp.Fetches("/jwks")
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := r.Keys(t.Context(), kid); err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return idp.Fetches("/jwks") - before, failed
}

// A key set that fails is fetched at most once per minRefetch, however
// many logins need it: an error status, a body that does not decode (not
// parsed again per login), and, with keys held past their period, a
// provider that is down while the stale keys keep serving.
func TestRemoteRemembersFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(*idptest.IdP)
	}{
		{"503", func(idp *idptest.IdP) { idp.SetDown(true) }},
		{"undecodable 1 MiB", func(idp *idptest.IdP) {
			idp.SetRawJWKS(append([]byte(`{"keys":[`), bytes.Repeat([]byte("["), outbound.MaxBodyBytes-16)...))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idp := idptest.New(t)
			tc.fail(idp)
			c := newClock()
			r, err := verifierFor(idp, c).Remote(idp.URL+"/jwks", "", DecodeJWKS)
			if err != nil {
				t.Fatal(err)
			}
			kid := idp.Current().ID
			for range 10 {
				if _, err := r.Keys(t.Context(), kid); err == nil {
					t.Fatal("a failing key set gave keys")
				}
			}
			if n := idp.Fetches("/jwks"); n != 1 {
				t.Fatalf("10 logins against a failing key set made %d fetches, want 1", n)
			}
			if f, failed := logins(t, r, idp, kid, 20); f != 0 || failed != 20 {
				t.Fatalf("20 concurrent logins within 10 s: %d fetches, %d failed, want 0 and 20", f, failed)
			}
			c.Advance(minRefetch - time.Second)
			if f, _ := logins(t, r, idp, kid, 5); f != 0 {
				t.Fatalf("9 s after the failure: %d fetches, want 0", f)
			}
			c.Advance(time.Second)
			if f, _ := logins(t, r, idp, kid, 5); f != 1 {
				t.Fatalf("10 s after the failure: %d fetches, want 1", f)
			}
		})
	}
	t.Run("stale keys serve", func(t *testing.T) {
		idp := idptest.New(t)
		idp.SetCacheControl("max-age=300")
		c := newClock()
		r, err := verifierFor(idp, c).Remote(idp.URL+"/jwks", "", DecodeJWKS)
		if err != nil {
			t.Fatal(err)
		}
		kid := idp.Current().ID
		if f, failed := logins(t, r, idp, kid, 1); f != 1 || failed != 0 {
			t.Fatalf("first login: %d fetches, %d failed", f, failed)
		}
		idp.SetDown(true)
		c.Advance(minCache + time.Minute)
		if f, failed := logins(t, r, idp, kid, 10); f != 1 || failed != 0 {
			t.Fatalf("10 logins on stale keys during an outage: %d fetches, %d failed, want 1 and 0", f, failed)
		}
		for range 10 {
			if n, f := keysAt(t, r, idp, kid); n != 1 || f != 0 {
				t.Fatalf("stale keys within 10 s of the failed refetch: %d keys, %d fetches, want 1 and 0", n, f)
			}
		}
	})
	t.Run("discovery", func(t *testing.T) {
		idp := idptest.New(t)
		idp.SetDown(true)
		c := newClock()
		v := verifierFor(idp, c)
		for range 10 {
			if _, _, err := v.Discover(t.Context(), idp.URL+WellKnown, ""); err == nil {
				t.Fatal("a failing discovery document was accepted")
			}
		}
		if n := idp.Fetches(WellKnown); n != 1 {
			t.Fatalf("10 logins against a failing discovery document made %d fetches, want 1", n)
		}
		c.Advance(minRefetch)
		if _, _, err := v.Discover(t.Context(), idp.URL+WellKnown, ""); err == nil {
			t.Fatal("a failing discovery document was accepted")
		}
		if n := idp.Fetches(WellKnown); n != 2 {
			t.Fatalf("10 s later: %d fetches in all, want 2", n)
		}
	})
}

// Concurrent logins against a key set that never answers share one fetch:
// every one of them is answered within about the outbound timeout, not
// one timeout after another.
func TestRemoteSharesOneFetchInFlight(t *testing.T) {
	for _, doc := range []string{"/jwks", WellKnown} {
		t.Run(doc, func(t *testing.T) {
			idp := idptest.New(t)
			idp.SetHang(true)
			v := verifierFor(idp, newClock())
			r, err := v.Remote(idp.URL+"/jwks", "", DecodeJWKS)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() {
					var err error
					if doc == WellKnown {
						_, _, err = v.Discover(t.Context(), idp.URL+WellKnown, "")
					} else {
						_, err = r.Keys(t.Context(), "k")
					}
					if err == nil {
						t.Error("a key set that never answers gave keys")
					}
				})
			}
			wg.Wait()
			if took := time.Since(start); took > outbound.Timeout+3*time.Second {
				t.Errorf("5 concurrent logins took %s, want about the outbound timeout (%s)", took.Round(time.Millisecond), outbound.Timeout)
			}
			if n := idp.Fetches(doc); n != 1 {
				t.Errorf("5 concurrent logins made %d fetches of %s, want 1", n, doc)
			}
		})
	}
}
