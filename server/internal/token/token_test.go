package token

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const issuer = "https://idp.example.com"

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newKey(t testing.TB, created time.Time) KeyPair {
	t.Helper()
	k, err := NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	k.CreatedAt = created
	return k
}

func newSigner(t testing.TB, keys ...KeyPair) *Signer {
	t.Helper()
	s, err := NewSigner(issuer, keys...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testClaims() Claims {
	return Claims{
		TokenID:        "tok-1",
		IdentityID:     "ident-1",
		OrganizationID: "org-1",
		AuthMethod:     "universal-auth",
		IssuedAt:       t0,
		ExpiresAt:      t0.Add(time.Hour),
		MaxExpiresAt:   t0.Add(24 * time.Hour),
		NumUsesLimit:   3,
		TrustedIPs:     []string{"10.0.0.0/8", "2001:db8::/32"},
		Metadata:       map[string]string{"repository": "acme/infra"},
	}
}

func sign(t testing.TB, s *Signer, c Claims) string {
	t.Helper()
	raw, err := s.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func segments(t *testing.T, raw string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, payload
}

func TestRoundTrip(t *testing.T) {
	key := newKey(t, t0)
	s := newSigner(t, key)
	c := testClaims()
	raw := sign(t, s, c)

	header, payload := segments(t, raw)
	wantHeader := map[string]any{"alg": "EdDSA", "kid": key.ID, "typ": "JWT"}
	if !reflect.DeepEqual(header, wantHeader) {
		t.Fatalf("header = %v", header)
	}
	for _, name := range []string{"jti", "sub", "org", "auth_method", "iat", "exp", "max_exp", "uses_limit", "trusted_ips", "iss"} {
		if _, ok := payload[name]; !ok {
			t.Errorf("payload lacks %q: %v", name, payload)
		}
	}

	got, err := s.Verify(raw, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	c.Issuer = issuer
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("claims = %+v\nwant %+v", got, c)
	}
}

func TestOptionalClaimsOmitted(t *testing.T) {
	s := newSigner(t, newKey(t, t0))
	c := Claims{TokenID: "t", IdentityID: "i", IssuedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	_, payload := segments(t, sign(t, s, c))
	for _, name := range []string{"max_exp", "uses_limit", "trusted_ips"} {
		if _, ok := payload[name]; ok {
			t.Errorf("payload has %q", name)
		}
	}
	got, err := s.Verify(sign(t, s, c), t0)
	if err != nil || !got.MaxExpiresAt.IsZero() || got.TrustedIPs != nil {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
}

func TestSignRejectsIncompleteClaims(t *testing.T) {
	s := newSigner(t, newKey(t, t0))
	for name, mutate := range map[string]func(*Claims){
		"no token id":    func(c *Claims) { c.TokenID = "" },
		"no identity":    func(c *Claims) { c.IdentityID = "" },
		"no issued at":   func(c *Claims) { c.IssuedAt = time.Time{} },
		"exp before iat": func(c *Claims) { c.ExpiresAt = c.IssuedAt },
	} {
		c := testClaims()
		mutate(&c)
		if _, err := s.Sign(c); err == nil {
			t.Errorf("%s: Sign succeeded", name)
		}
	}
}

func TestRotation(t *testing.T) {
	oldKey := newKey(t, t0)
	oldRaw := sign(t, newSigner(t, oldKey), testClaims())

	newKey := newKey(t, t0.Add(time.Hour))
	rotated := newSigner(t, newKey, oldKey)
	if _, err := rotated.Verify(oldRaw, t0); err != nil {
		t.Fatalf("old token after rotation: %v", err)
	}
	newRaw := sign(t, rotated, testClaims())
	if header, _ := segments(t, newRaw); header["kid"] != newKey.ID {
		t.Fatalf("new token kid = %v, want %s", header["kid"], newKey.ID)
	}
	if _, err := rotated.Verify(newRaw, t0); err != nil {
		t.Fatal(err)
	}
	expectErr(t, newSigner(t, oldKey), newRaw, t0, ErrBadSignature)
}

func TestNewSignerValidation(t *testing.T) {
	k := newKey(t, t0)
	noID := k
	noID.ID = ""
	short := k
	short.Private = short.Private[:32]
	for name, keys := range map[string][]KeyPair{
		"no keys":   nil,
		"no id":     {noID},
		"bad key":   {short},
		"duplicate": {k, k},
	} {
		if _, err := NewSigner(issuer, keys...); err == nil {
			t.Errorf("%s: NewSigner succeeded", name)
		}
	}
	if _, err := NewSigner("", k); err == nil {
		t.Error("empty issuer accepted")
	}
}

func TestJWKSVerifiesIndependently(t *testing.T) {
	oldKey, curKey := newKey(t, t0), newKey(t, t0.Add(time.Hour))
	s := newSigner(t, oldKey, curKey)
	raw := sign(t, s, testClaims())
	data, err := s.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"d"`) {
		t.Fatal("JWKS contains private key material")
	}

	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys", len(set.Keys))
	}
	for _, k := range set.Keys {
		if !k.IsPublic() || !k.Valid() || k.Algorithm != "EdDSA" || k.Use != "sig" {
			t.Fatalf("unexpected key %+v", k)
		}
	}
	var generic struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatal(err)
	}
	if k := generic.Keys[0]; k["kty"] != "OKP" || k["crv"] != "Ed25519" || k["kid"] != curKey.ID {
		t.Fatalf("first key = %v", k)
	}

	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify(&set)
	if err != nil {
		t.Fatalf("go-jose could not verify with the JWKS: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil || claims["sub"] != "ident-1" {
		t.Fatalf("payload = %s, %v", payload, err)
	}
}

func BenchmarkSign(b *testing.B) {
	s := newSigner(b, newKey(b, t0))
	c := testClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign(c); err != nil {
			b.Fatal(err)
		}
	}
}
