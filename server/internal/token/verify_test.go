package token

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func expectErr(t *testing.T, s *Signer, raw string, now time.Time, want error) {
	t.Helper()
	_, err := s.Verify(raw, now)
	if !errors.Is(err, want) {
		t.Fatalf("Verify error = %v, want %v", err, want)
	}
	if raw != "" && strings.Contains(err.Error(), raw) {
		t.Fatal("error contains the token")
	}
}

func TestExpired(t *testing.T) {
	s := newSigner(t, newKey(t, t0))
	c := testClaims()
	raw := sign(t, s, c)
	if _, err := s.Verify(raw, c.ExpiresAt.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	expectErr(t, s, raw, c.ExpiresAt, ErrExpired)
	expectErr(t, s, raw, c.ExpiresAt.Add(time.Hour), ErrExpired)

	c.ExpiresAt = c.MaxExpiresAt.Add(time.Hour)
	expectErr(t, s, sign(t, s, c), c.MaxExpiresAt, ErrExpired)
}

func TestIssuedInFuture(t *testing.T) {
	s := newSigner(t, newKey(t, t0))
	raw := sign(t, s, testClaims())
	if _, err := s.Verify(raw, t0.Add(-5*time.Second)); err != nil {
		t.Fatalf("5s of clock skew rejected: %v", err)
	}
	expectErr(t, s, raw, t0.Add(-6*time.Second), ErrInvalidClaims)
}

func TestWrongIssuer(t *testing.T) {
	key := newKey(t, t0)
	other, err := NewSigner("https://other.example.com", key)
	if err != nil {
		t.Fatal(err)
	}
	expectErr(t, newSigner(t, key), sign(t, other, testClaims()), t0, ErrInvalidClaims)
}

func TestWrongKey(t *testing.T) {
	key := newKey(t, t0)
	impostor := newKey(t, t0)
	impostor.ID = key.ID
	raw := sign(t, newSigner(t, impostor), testClaims())
	expectErr(t, newSigner(t, key), raw, t0, ErrBadSignature)
}

func TestUnknownKeyID(t *testing.T) {
	raw := sign(t, newSigner(t, newKey(t, t0)), testClaims())
	expectErr(t, newSigner(t, newKey(t, t0)), raw, t0, ErrBadSignature)
}

func TestTamperedPayload(t *testing.T) {
	s := newSigner(t, newKey(t, t0))
	raw := sign(t, s, testClaims())
	parts := strings.Split(raw, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(payload), `"ident-1"`, `"ident-2"`, 1)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	expectErr(t, s, strings.Join(parts, "."), t0, ErrBadSignature)

	parts = strings.Split(raw, ".")
	// Swap the first character for another base64url one, so the
	// signature still decodes but no longer matches.
	sig := []byte(parts[2])
	if sig[0] == 'A' {
		sig[0] = 'B'
	} else {
		sig[0] = 'A'
	}
	parts[2] = string(sig)
	expectErr(t, s, strings.Join(parts, "."), t0, ErrBadSignature)
}

func TestRejectsOtherAlgorithms(t *testing.T) {
	key := newKey(t, t0)
	s := newSigner(t, key)
	_, payload, _ := strings.Cut(sign(t, s, testClaims()), ".")
	payload, _, _ = strings.Cut(payload, ".")
	enc := base64.RawURLEncoding.EncodeToString

	header := func(alg string) string {
		return enc([]byte(`{"alg":"` + alg + `","kid":"` + key.ID + `","typ":"JWT"}`))
	}
	expectErr(t, s, header("none")+"."+payload+".", t0, ErrMalformed)

	// Algorithm confusion: an HMAC keyed with the (public) verification key.
	input := header("HS256") + "." + payload
	mac := hmac.New(sha256.New, key.Private.Public().(ed25519.PublicKey))
	mac.Write([]byte(input))
	expectErr(t, s, input+"."+enc(mac.Sum(nil)), t0, ErrMalformed)
}

func TestMalformed(t *testing.T) {
	s := newSigner(t, newKey(t, t0))
	for _, raw := range []string{"", "a.b", "a.b.c", "...", strings.Repeat("a", maxTokenLen+1)} {
		expectErr(t, s, raw, t0, ErrMalformed)
	}
}

func TestCache(t *testing.T) {
	s := newSigner(t, newKey(t, t0))
	c := testClaims()
	raw := sign(t, s, c)
	first, err := s.Verify(raw, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.cache.get(cacheKeyOf(raw)); !ok {
		t.Fatal("verified token not cached")
	}
	first.TrustedIPs[0] = "0.0.0.0/0"
	second, err := s.Verify(raw, t0)
	if err != nil || second.TrustedIPs[0] != c.TrustedIPs[0] {
		t.Fatalf("cached claims were modified through a returned value: %v, %v", second.TrustedIPs, err)
	}
	expectErr(t, s, raw, c.ExpiresAt, ErrExpired)
	expectErr(t, s, raw, t0.Add(-time.Minute), ErrInvalidClaims)

	expired := sign(t, s, Claims{TokenID: "t", IdentityID: "i", IssuedAt: t0, ExpiresAt: t0.Add(time.Second)})
	expectErr(t, s, expired, t0.Add(time.Second), ErrExpired)
	if _, ok := s.cache.get(cacheKeyOf(expired)); ok {
		t.Fatal("expired token cached")
	}
}

func TestCacheBounded(t *testing.T) {
	s := newSigner(t, newKey(t, t0))
	short := Claims{IssuedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	long := Claims{IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	for i := range maxCached {
		c := long
		if i%2 == 0 {
			c = short
		}
		s.cache.put(cacheKeyOf(fmt.Sprint(i)), c, t0)
	}
	s.cache.put(cacheKeyOf("new"), long, t0.Add(2*time.Minute))
	if n := len(s.cache.m); n != maxCached/2+1 {
		t.Fatalf("after evicting expired entries: %d entries", n)
	}
	for i := range maxCached {
		s.cache.put(cacheKeyOf(fmt.Sprint("l", i)), long, t0)
	}
	// Full of live tokens, it drops a tenth of them, not all.
	if n := len(s.cache.m); n > maxCached || n < maxCached*8/10 {
		t.Fatalf("cache holds %d entries, want between %d and %d", n, maxCached*8/10, maxCached)
	}
	if _, ok := s.cache.get(cacheKeyOf(fmt.Sprint("l", maxCached-1))); !ok {
		t.Error("the newest token is not cached")
	}
}

// A full cache under constant churn (a busy server's new tokens) stays the
// size it was: a map deleted from in place would keep growing.
func TestCacheMemoryFlatUnderChurn(t *testing.T) {
	s := newSigner(t, newKey(t, t0))
	c := Claims{TokenID: "t", IdentityID: "i", OrganizationID: "o", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	n := 0
	put := func(count int) {
		for range count {
			s.cache.put(cacheKeyOf(strconv.Itoa(n)), c, t0)
			n++
		}
	}
	put(2 * maxCached)
	before := liveHeap()
	put(20 * maxCached)
	grown := int64(liveHeap()) - int64(before)
	if grown > 1<<20 {
		t.Errorf("a full cache grew by %d KiB over %d more tokens", grown>>10, 20*maxCached)
	}
}

func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestVerifyConcurrent(t *testing.T) {
	s := newSigner(t, newKey(t, t0))
	raws := make([]string, 4)
	for i := range raws {
		c := testClaims()
		c.TokenID = fmt.Sprint("tok-", i)
		raws[i] = sign(t, s, c)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				c, err := s.Verify(raws[(g+i)%len(raws)], t0)
				if err != nil || c.TokenID != fmt.Sprint("tok-", (g+i)%len(raws)) {
					t.Errorf("Verify = %v, %v", c.TokenID, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkVerify measures a cache miss: full parsing and signature verification.
func BenchmarkVerify(b *testing.B) {
	s := newSigner(b, newKey(b, t0), newKey(b, t0.Add(time.Hour)))
	raw := sign(b, s, testClaims())
	now := t0.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		clear(s.cache.m)
		if _, err := s.Verify(raw, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCached(b *testing.B) {
	s := newSigner(b, newKey(b, t0))
	raw := sign(b, s, testClaims())
	now := t0.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(raw, now); err != nil {
			b.Fatal(err)
		}
	}
}
