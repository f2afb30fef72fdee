package httpapi_test

// Security baseline, token side: renewal bounds, revocation on every
// replica, use limits, trusted IPs, expiry, tampering and JWKS verification.
// Helpers are in security_login_test.go.

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/servertest"
)

// Renewal extends by the TTL but never past the max TTL; after it, the token is dead.
func TestSecurityRenewCappedAtMaxTTL(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	admin := srv.Admin(t)
	identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{TokenSettingsInput: api.TokenSettingsInput{
		AccessTokenTTL: secInt(2), AccessTokenMaxTTL: secInt(3)}})
	cs := secSecret(t, admin, identityID, 0)
	c := srv.Client(t)

	// Tokens are issued at whole seconds: log in just after one, so that
	// the sleeps below have almost a second of slack on a busy machine.
	secSleepUntil(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond))
	login := secMustLogin(t, c, clientID, cs.ClientSecret)
	if login.ExpiresIn != 2 || login.AccessTokenMaxTTL != 3 {
		t.Fatalf("login: expiresIn %d, accessTokenMaxTTL %d; want 2 and 3", login.ExpiresIn, login.AccessTokenMaxTTL)
	}
	self, err := secSelf(t, srv, login.AccessToken, "")
	if err != nil {
		t.Fatal(err)
	}
	maxAt := self.MaxExpiresAt
	if !maxAt.Equal(self.IssuedAt.Add(3 * time.Second)) {
		t.Fatalf("token: issued %v, max %v; want max 3s after issue", self.IssuedAt, maxAt)
	}

	tok := login.AccessToken
	cappedSeen := false
	for _, at := range []time.Duration{1300 * time.Millisecond, 2300 * time.Millisecond} {
		secSleepUntil(self.IssuedAt.Add(at))
		before := time.Now()
		res, err := c.RenewToken(t.Context(), tok)
		if err != nil {
			t.Fatalf("renew at issue+%v: %v", at, err)
		}
		left := int(math.Ceil(maxAt.Sub(before).Seconds()))
		if res.ExpiresIn > left || res.ExpiresIn > 2 || res.ExpiresIn < 1 || res.AccessTokenMaxTTL != 3 {
			t.Fatalf("renew at issue+%v: expiresIn %d, accessTokenMaxTTL %d; want at most %ds (max TTL left) and max TTL 3",
				at, res.ExpiresIn, res.AccessTokenMaxTTL, left)
		}
		cappedSeen = cappedSeen || res.ExpiresIn < 2
		rs, err := secSelf(t, srv, res.AccessToken, "")
		if err != nil {
			t.Fatalf("renewed token: %v", err)
		}
		if rs.ExpiresAt.After(maxAt) || rs.TokenID != self.TokenID {
			t.Fatalf("renewed token expires %v past max %v, or changed ID", rs.ExpiresAt, maxAt)
		}
		tok = res.AccessToken
	}
	if !cappedSeen {
		t.Fatal("a renewal one second before the max TTL was not shortened")
	}
	secSleepUntil(maxAt.Add(100 * time.Millisecond))
	_, err = c.RenewToken(t.Context(), tok)
	secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
	_, err = secSelf(t, srv, tok, "")
	secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
}

// Every way of revoking kills the token at once on the replica that
// revoked it, and within a second on another replica of the same database.
func TestSecurityRevocation(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	replica := servertest.Start(t, servertest.Options{DatabaseURL: srv.DatabaseURL, MasterKey: srv.MasterKey})
	admin := srv.Admin(t)

	cases := []struct {
		name   string
		revoke func(t *testing.T, token, identityID, secretID string) error
	}{
		{"RevokeToken", func(t *testing.T, token, _, _ string) error {
			return srv.Client(t).RevokeToken(t.Context(), token)
		}},
		{"RevokeClientSecret", func(t *testing.T, _, identityID, secretID string) error {
			return admin.RevokeClientSecret(t.Context(), identityID, secretID)
		}},
		{"DeleteUniversalAuth", func(t *testing.T, _, identityID, _ string) error {
			return admin.DeleteUniversalAuth(t.Context(), identityID, 0)
		}},
		{"DeleteIdentity", func(t *testing.T, _, identityID, _ string) error {
			return admin.DeleteIdentity(t.Context(), identityID, 0)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
			cs := secSecret(t, admin, identityID, 0)
			token := secMustLogin(t, srv.Client(t), clientID, cs.ClientSecret).AccessToken
			// A second token of the same identity from another secret: only
			// the revocations that cover it may kill it.
			other := secMustLogin(t, srv.Client(t), clientID, secSecret(t, admin, identityID, 0).ClientSecret).AccessToken
			for _, s := range []*servertest.Server{srv, replica} {
				if _, err := secSelf(t, s, token, ""); err != nil {
					t.Fatalf("before revocation: %v", err)
				}
			}
			if err := tc.revoke(t, token, identityID, cs.ClientSecretData.ID); err != nil {
				t.Fatalf("revoke: %v", err)
			}
			revoked := time.Now()
			_, err := secSelf(t, srv, token, "")
			secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)

			for {
				_, err := secSelf(t, replica, token, "")
				if err != nil {
					secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
					break
				}
				if time.Since(revoked) > time.Second {
					t.Fatal("the replica still accepts the token a second after revocation")
				}
				time.Sleep(20 * time.Millisecond)
			}
			_, err = secSelf(t, srv, other, "")
			if tc.name == "RevokeToken" || tc.name == "RevokeClientSecret" {
				if err != nil {
					t.Fatalf("%s also killed a token it does not cover: %v", tc.name, err)
				}
			} else {
				secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
			}
			// Renewal cannot bring a revoked token back.
			_, err = srv.Client(t).RenewToken(t.Context(), token)
			secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
			// A revoked token's revocation lasts until the token's own
			// maximum expiry; the others, for the maximum token lifetime.
			var rev store.Revocation
			if err := srv.App.Store.DB.Order("id DESC").Take(&rev).Error; err != nil {
				t.Fatal(err)
			}
			if tc.name == "RevokeToken" {
				var row store.AccessToken
				if err := srv.App.Store.DB.Where("id = ?", rev.RefID).Take(&row).Error; err != nil {
					t.Fatalf("the revocation names no token: %v", err)
				}
				if rev.ExpiresAt == nil || !rev.ExpiresAt.Equal(row.MaxExpiresAt) {
					t.Errorf("token revocation expires %v, want the token's max expiry %v", rev.ExpiresAt, row.MaxExpiresAt)
				}
				// A replica started afterwards loads it with its expiry.
				late := servertest.Start(t, servertest.Options{DatabaseURL: srv.DatabaseURL, MasterKey: srv.MasterKey})
				_, err = secSelf(t, late, token, "")
				secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
			} else if rev.ExpiresAt != nil {
				t.Errorf("%s revocation expires %v, want none recorded", tc.name, *rev.ExpiresAt)
			}
			// The admin's own token is untouched.
			if _, err := admin.TokenSelf(t.Context()); err != nil {
				t.Fatalf("admin token after revoking another: %v", err)
			}
		})
	}
}

// accessTokenNumUsesLimit 2 allows exactly two authenticated calls, even concurrently.
func TestSecurityTokenUseLimit(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	admin := srv.Admin(t)
	identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{TokenSettingsInput: api.TokenSettingsInput{
		AccessTokenNumUsesLimit: secInt(2)}})
	cs := secSecret(t, admin, identityID, 0)

	sequential := secMustLogin(t, srv.Client(t), clientID, cs.ClientSecret).AccessToken
	for i := range 2 {
		self, err := secSelf(t, srv, sequential, "")
		if err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
		if self.NumUsesLimit != 2 {
			t.Fatalf("numUsesLimit = %d, want 2", self.NumUsesLimit)
		}
	}
	_, err := secSelf(t, srv, sequential, "")
	secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)

	concurrent := secMustLogin(t, srv.Client(t), clientID, cs.ClientSecret).AccessToken
	c := srv.Client(t, api.WithToken(concurrent))
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		ok int
	)
	for range 20 {
		wg.Go(func() {
			_, err := c.TokenSelf(t.Context())
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else if !api.IsStatus(err, http.StatusUnauthorized) {
				t.Errorf("TokenSelf: %v, want success or 401", err)
			}
		})
	}
	wg.Wait()
	if ok != 2 {
		t.Fatalf("%d of 20 concurrent calls succeeded with a 2-use token, want exactly 2", ok)
	}
}

// accessTokenTrustedIps reject a token presented from elsewhere, judged by
// the connection unless the peer is a trusted proxy.
func TestSecurityAccessTokenTrustedIPs(t *testing.T) {
	settings := api.UniversalAuthInput{TokenSettingsInput: api.TokenSettingsInput{AccessTokenTrustedIPs: &[]string{"10.0.0.0/8"}}}

	srv := servertest.Start(t, servertest.Options{TrustedProxies: secLoopback})
	admin := srv.Admin(t)
	identityID, clientID := secIdentity(t, admin, settings)
	cs := secSecret(t, admin, identityID, 0)
	token := secMustLogin(t, secClient(t, srv, "203.0.113.5"), clientID, cs.ClientSecret).AccessToken
	for _, ip := range []string{"10.0.0.7", "10.200.0.1"} {
		if _, err := secSelf(t, srv, token, ip); err != nil {
			t.Fatalf("TokenSelf from %s: %v", ip, err)
		}
	}
	// A renewed token keeps the restriction.
	renewed, err := secClient(t, srv, "10.0.0.7").RenewToken(t.Context(), token)
	if err != nil {
		t.Fatalf("renew from inside: %v", err)
	}
	for _, tok := range []string{token, renewed.AccessToken} {
		for _, ip := range []string{"203.0.113.5", "10.0.0.7, 203.0.113.5", ""} {
			_, err := secSelf(t, srv, tok, ip)
			secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
		}
	}
	if _, err := secSelf(t, srv, renewed.AccessToken, "10.0.0.7"); err != nil {
		t.Fatalf("renewed token from inside: %v", err)
	}

	direct := servertest.Start(t, servertest.Options{Backend: servertest.SQLite})
	dadmin := direct.Admin(t)
	identityID, clientID = secIdentity(t, dadmin, settings)
	cs = secSecret(t, dadmin, identityID, 0)
	token = secMustLogin(t, direct.Client(t), clientID, cs.ClientSecret).AccessToken
	_, err = secSelf(t, direct, token, "10.0.0.7")
	secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
}

// secSegments splits a compact JWS.
func secSegments(t *testing.T, tok string) (header, payload, sig string) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments, want 3", len(parts))
	}
	return parts[0], parts[1], parts[2]
}

func secB64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Expired and tampered tokens are refused; genuine tokens verify with the
// published JWKS alone, using go-jose.
func TestSecurityExpiredTamperedAndJWKS(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	admin := srv.Admin(t)
	identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{TokenSettingsInput: api.TokenSettingsInput{
		AccessTokenTTL: secInt(2), AccessTokenMaxTTL: secInt(2)}})
	cs := secSecret(t, admin, identityID, 0)
	token := secMustLogin(t, srv.Client(t), clientID, cs.ClientSecret).AccessToken
	self, err := secSelf(t, srv, token, "")
	if err != nil {
		t.Fatal(err)
	}

	// JWKS: fetch anonymously and verify independently of the server.
	code, _, body := secRaw(t, http.MethodGet, srv.URL+"/.well-known/jwks.json", "", "", "")
	if code != http.StatusOK {
		t.Fatalf("jwks: %d %s", code, body)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("jwks %s: %v", body, err)
	}
	for _, k := range set.Keys {
		if _, ok := k.Key.(ed25519.PublicKey); !ok || !k.IsPublic() || k.Algorithm != string(jose.EdDSA) || k.Use != "sig" {
			t.Fatalf("jwks key %s: %T alg %q use %q, want a public Ed25519 EdDSA signing key", k.KeyID, k.Key, k.Algorithm, k.Use)
		}
	}
	verify := func(tok string) ([]byte, error) {
		jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.EdDSA})
		if err != nil {
			return nil, err
		}
		keys := set.Key(jws.Signatures[0].Header.KeyID)
		if len(keys) != 1 {
			t.Fatalf("jwks has %d keys for kid %q", len(keys), jws.Signatures[0].Header.KeyID)
		}
		return jws.Verify(keys[0])
	}
	payload, err := verify(token)
	if err != nil {
		t.Fatalf("go-jose cannot verify the token with the JWKS: %v", err)
	}
	var claims struct {
		Sub string `json:"sub"`
		Jti string `json:"jti"`
		Iss string `json:"iss"`
		Exp int64  `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Sub != identityID || claims.Jti != self.TokenID || claims.Iss == "" || claims.Exp != self.ExpiresAt.Unix() {
		t.Fatalf("claims %+v do not match the token %+v", claims, self)
	}

	// Tampering: each forgery is refused by the server (and by go-jose
	// where it is a well-formed EdDSA token).
	h, p, s := secSegments(t, token)
	var hdr map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(h)
	_ = json.Unmarshal(hb, &hdr)
	var pl map[string]any
	_ = json.Unmarshal(payload, &pl)
	pl["sub"] = srv.Bootstrap.IdentityID
	forgedPayload := secB64(pl)
	sig, _ := base64.RawURLEncoding.DecodeString(s)
	sig[0] ^= 1

	_, foreign, _ := ed25519.GenerateKey(rand.Reader)
	foreignSigner, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA,
		Key: jose.JSONWebKey{Key: foreign, KeyID: hdr["kid"].(string)}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	foreignJWS, err := foreignSigner.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	foreignTok, _ := foreignJWS.CompactSerialize()

	forgeries := map[string]string{
		"payload changed":      h + "." + forgedPayload + "." + s,
		"signature changed":    h + "." + p + "." + base64.RawURLEncoding.EncodeToString(sig),
		"signature removed":    h + "." + p + ".",
		"alg none":             secB64(map[string]any{"alg": "none", "kid": hdr["kid"], "typ": "JWT"}) + "." + p + ".",
		"alg HS256":            secB64(map[string]any{"alg": "HS256", "kid": hdr["kid"], "typ": "JWT"}) + "." + p + "." + s,
		"signed by other key":  foreignTok,
		"truncated":            token[:len(token)-10],
		"payload and sig junk": h + ".e30." + s,
	}
	for name, forged := range forgeries {
		_, err := secSelf(t, srv, forged, "")
		var pr *api.Problem
		if !errors.As(err, &pr) || pr.Status != http.StatusUnauthorized || pr.Code != api.CodeUnauthenticated {
			t.Errorf("%s: TokenSelf = %v, want 401 %s", name, err, api.CodeUnauthenticated)
		}
		if name != "alg none" && name != "alg HS256" && name != "signature removed" {
			if _, err := verify(forged); err == nil {
				t.Errorf("%s: go-jose verified a forged token", name)
			}
		}
	}

	// Expiry: the genuine token is refused once its TTL has passed.
	if _, err := secSelf(t, srv, token, ""); err != nil {
		t.Fatalf("token before expiry: %v", err)
	}
	secSleepUntil(self.ExpiresAt.Add(100 * time.Millisecond))
	_, err = secSelf(t, srv, token, "")
	secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
	_, err = srv.Client(t).RenewToken(t.Context(), token)
	secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
}
