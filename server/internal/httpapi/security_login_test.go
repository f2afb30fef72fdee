package httpapi_test

// Security baseline, login side (PRODUCT.md "Security baseline"): use limits
// under concurrency, trusted IPs and X-Forwarded-For, client secret storage,
// lockout, login rate limiting and Infisical's login wire format. The token
// side is in security_token_test.go.

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/servertest"
)

// 1,000 concurrent logins with a single-use client secret yield exactly one token.
func TestSecurityConcurrentSingleUseLogin(t *testing.T) {
	const n = 1000
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	admin := srv.Admin(t)
	identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
	cs := secSecret(t, admin, identityID, 1)

	tr := &http.Transport{MaxIdleConns: n + 10, MaxIdleConnsPerHost: n + 10, IdleConnTimeout: time.Minute}
	t.Cleanup(tr.CloseIdleConnections)
	c := srv.Client(t, api.WithHTTPClient(&http.Client{Transport: tr, Timeout: 2 * time.Minute}))

	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		tokens = make([]string, n)
		errs   = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			res, err := c.Login(t.Context(), api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: cs.ClientSecret})
			if err == nil {
				tokens[i] = res.AccessToken
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()

	var won []string
	failed := 0
	for i := range n {
		if errs[i] == nil {
			won = append(won, tokens[i])
			continue
		}
		var p *api.Problem
		if !errors.As(errs[i], &p) || p.Status != http.StatusUnauthorized || p.Code != api.CodeLoginFailed {
			t.Errorf("login %d: got %v, want 401 %s", i, errs[i], api.CodeLoginFailed)
			continue
		}
		failed++
	}
	if len(won) != 1 || failed != n-1 {
		t.Fatalf("%d logins got a token and %d failed with 401, want exactly 1 and %d", len(won), failed, n-1)
	}
	if got := secUses(t, admin, identityID, cs.ClientSecretData.ID); got != 1 {
		t.Errorf("client secret numUses = %d, want 1", got)
	}
	self, err := srv.Client(t, api.WithToken(won[0])).TokenSelf(t.Context())
	if err != nil || self.IdentityID != identityID {
		t.Fatalf("the one token: TokenSelf = %+v, %v; want identity %s", self, err, identityID)
	}
	_, err = secLogin(t, c, clientID, cs.ClientSecret)
	secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
}

// Trusted IPs are checked before a use is consumed, failures are audited
// with a reason, and X-Forwarded-For counts only from a trusted proxy.
func TestSecurityClientSecretTrustedIPs(t *testing.T) {
	inside := &[]string{"10.0.0.0/8"}

	t.Run("behind trusted proxy", func(t *testing.T) {
		srv := servertest.Start(t, servertest.Options{TrustedProxies: secLoopback})
		admin := srv.Admin(t)
		identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{ClientSecretTrustedIPs: inside})
		cs := secSecret(t, admin, identityID, 1)

		outside := secClient(t, srv, "203.0.113.7")
		for range 3 {
			_, err := secLogin(t, outside, clientID, cs.ClientSecret)
			p := secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
			// The caller learns which check refused it, never the list.
			if !strings.Contains(p.Detail, "source IP is not allowed by the universal auth's clientSecretTrustedIps") ||
				strings.Contains(p.Detail, "10.0.0.0") {
				t.Fatalf("refusal from outside clientSecretTrustedIps says %q", p.Detail)
			}
		}
		// The proxy itself (no X-Forwarded-For) is not inside either.
		_, err := secLogin(t, srv.Client(t), clientID, cs.ClientSecret)
		secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		if got := secUses(t, admin, identityID, cs.ClientSecretData.ID); got != 0 {
			t.Fatalf("rejected logins consumed %d uses of the single-use secret, want 0", got)
		}
		events := secFailedLogins(t, admin, identityID)
		if !secHasEvent(events, "203.0.113.7", "clientSecretTrustedIps") {
			t.Fatalf("no failed-login event from 203.0.113.7 naming clientSecretTrustedIps in %+v", events)
		}
		if !secHasEvent(events, "127.0.0.1", "clientSecretTrustedIps") {
			t.Fatalf("no failed-login event from 127.0.0.1 naming clientSecretTrustedIps in %+v", events)
		}

		in := secClient(t, srv, "10.1.2.3")
		secMustLogin(t, in, clientID, cs.ClientSecret)
		_, err = secLogin(t, in, clientID, cs.ClientSecret)
		secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed) // the one use is gone now
		if !secHasEvent(secFailedLogins(t, admin, identityID), "10.1.2.3", "use limit") {
			t.Error("second login with the single-use secret was not audited as use limit reached")
		}
	})

	t.Run("no trusted proxy", func(t *testing.T) {
		srv := servertest.Start(t, servertest.Options{})
		admin := srv.Admin(t)
		identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{ClientSecretTrustedIPs: inside})
		cs := secSecret(t, admin, identityID, 1)

		// Spoofing an allowed address does not get in: the peer is 127.0.0.1.
		for _, xff := range []string{"10.1.2.3", "10.1.2.3, 10.9.9.9"} {
			_, err := secLogin(t, secClient(t, srv, xff), clientID, cs.ClientSecret)
			secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		}
		code, _, body := secRaw(t, http.MethodPost, srv.URL+api.RouteUniversalAuthLogin.Path, "10.1.2.3", "", secLoginBody(clientID, cs.ClientSecret))
		if code != http.StatusUnauthorized {
			t.Fatalf("raw login with spoofed X-Forwarded-For: %d %s, want 401", code, body)
		}
		events := secFailedLogins(t, admin, identityID)
		if len(events) < 3 || slices.ContainsFunc(events, func(e api.AuditEvent) bool { return e.SourceIP != "127.0.0.1" }) {
			t.Fatalf("failed logins should all be audited from the peer 127.0.0.1: %+v", events)
		}
		if got := secUses(t, admin, identityID, cs.ClientSecretData.ID); got != 0 {
			t.Fatalf("rejected logins consumed %d uses, want 0", got)
		}
		// Once the real peer is allowed, the untouched single-use secret works.
		if _, err := admin.PatchUniversalAuth(t.Context(), identityID, 0, api.UniversalAuthInput{
			ClientSecretTrustedIPs: &[]string{"10.0.0.0/8", "127.0.0.1"}}); err != nil {
			t.Fatal(err)
		}
		secMustLogin(t, srv.Client(t), clientID, cs.ClientSecret)
	})

	t.Run("peer is not a trusted proxy", func(t *testing.T) {
		srv := servertest.Start(t, servertest.Options{Backend: servertest.SQLite,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
		admin := srv.Admin(t)
		identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{ClientSecretTrustedIPs: inside})
		cs := secSecret(t, admin, identityID, 1)
		_, err := secLogin(t, secClient(t, srv, "10.1.2.3"), clientID, cs.ClientSecret)
		secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		if !secHasEvent(secFailedLogins(t, admin, identityID), "127.0.0.1", "clientSecretTrustedIps") {
			t.Fatal("X-Forwarded-For from an untrusted peer was believed")
		}
	})
}

// Client secrets are prefixed 256-bit values stored only as HMAC-SHA256;
// nothing but the public prefix is ever shown again.
func TestSecurityClientSecretStorage(t *testing.T) {
	format := regexp.MustCompile(`^idp_cs_[A-Za-z0-9_-]{43}$`)
	backends(t, func(t *testing.T, srv *servertest.Server) {
		admin := srv.Admin(t)
		identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
		cs := secSecret(t, admin, identityID, 0)
		other := secSecret(t, admin, identityID, 0)
		value := cs.ClientSecret
		if !format.MatchString(value) || !format.MatchString(other.ClientSecret) {
			t.Fatalf("client secrets %q, %q do not match %s", value, other.ClientSecret, format)
		}
		if value == other.ClientSecret {
			t.Fatal("two client secrets are equal")
		}
		prefix := value[:len("idp_cs_")+8]
		hidden := value[len(prefix):] // the 35 characters that are never shown again
		if cs.ClientSecretData.Prefix != prefix {
			t.Fatalf("prefix = %q, want %q", cs.ClientSecretData.Prefix, prefix)
		}
		secMustLogin(t, srv.Client(t), clientID, value)

		row := secRow(t, srv, "client_secrets", cs.ClientSecretData.ID)
		for col, v := range row {
			var s string
			switch v := v.(type) {
			case []byte:
				s = string(v)
			default:
				s = fmt.Sprint(v)
			}
			if strings.Contains(s, hidden) {
				t.Errorf("column client_secrets.%s holds the secret value", col)
			}
		}
		hash, ok := row["hash"].([]byte)
		if !ok {
			t.Fatalf("client_secrets.hash is %T, want bytes", row["hash"])
		}
		plain := sha256.Sum256([]byte(value))
		if bytes.Equal(hash, plain[:]) || bytes.Equal(hash, []byte(value)) {
			t.Fatal("client_secrets.hash is the value or its unkeyed SHA-256")
		}
		master, err := secret.ParseMasterKey(srv.MasterKey)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := secret.NewKeys(master)
		if err != nil {
			t.Fatal(err)
		}
		if len(hash) != sha256.Size || !bytes.Equal(hash, keys.Hash(value)) {
			t.Fatalf("client_secrets.hash is not the HMAC-SHA256 of the value under the master key")
		}
		otherMaster := make([]byte, 32)
		_, _ = rand.Read(otherMaster)
		otherKeys, _ := secret.NewKeys(otherMaster)
		if bytes.Equal(hash, otherKeys.Hash(value)) {
			t.Fatal("the hash does not depend on the master key")
		}

		list, err := admin.ListClientSecrets(t.Context(), identityID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list.ClientSecrets) != 2 {
			t.Fatalf("listed %d client secrets, want 2", len(list.ClientSecrets))
		}
		for _, s := range list.ClientSecrets {
			if len(s.Prefix) != len(prefix) || !strings.HasPrefix(s.Prefix, "idp_cs_") {
				t.Errorf("listed prefix %q is not idp_cs_ plus 8 characters", s.Prefix)
			}
		}
		// Nothing the API answers afterwards holds the hidden part.
		tok := secMustLogin(t, srv.Client(t), srv.Bootstrap.ClientID, srv.Bootstrap.ClientSecret).AccessToken
		for _, path := range []string{
			"/api/v1/identities/" + identityID + "/universal-auth/client-secrets",
			"/api/v1/identities/" + identityID + "/universal-auth/client-secrets/" + cs.ClientSecretData.ID,
			"/api/v1/audit-events?limit=1000",
		} {
			code, _, body := secRaw(t, http.MethodGet, srv.URL+path, "", tok, "")
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, code, body)
			}
			if !bytes.Contains(body, []byte(prefix)) && !strings.HasPrefix(path, "/api/v1/audit") {
				t.Errorf("GET %s does not show the prefix %s", path, prefix)
			}
			if bytes.Contains(body, []byte(hidden)) || bytes.Contains(body, []byte(other.ClientSecret[len(prefix):])) {
				t.Errorf("GET %s shows a client secret value", path)
			}
		}
	})
}

type secLockoutRow struct {
	SourceKey   string
	Failures    int
	LockedUntil *time.Time
}

func secLockouts(t *testing.T, srv *servertest.Server, clientID string) []secLockoutRow {
	t.Helper()
	var rows []secLockoutRow
	err := srv.App.Store.DB.Raw(`SELECT source_key, failures, locked_until FROM lockouts
		WHERE universal_auth_id = (SELECT id FROM universal_auths WHERE client_id = ?) ORDER BY source_key`, clientID).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

var secLockoutInput = api.UniversalAuthInput{ClientSecretTrustedIPs: &[]string{"10.0.0.0/8"},
	Lockout: &api.Lockout{Enabled: true, Threshold: 3, DurationSeconds: 30, CounterResetSeconds: 60}}

// After threshold wrong secrets from one source even the right secret fails
// from there until the lockout duration has passed.
func TestSecurityLockout(t *testing.T) {
	secBackends(t, servertest.Options{TrustedProxies: secLoopback}, func(t *testing.T, srv *servertest.Server) {
		admin := srv.Admin(t)
		identityID, clientID := secIdentity(t, admin, secLockoutInput)
		cs := secSecret(t, admin, identityID, 0)
		wrong := "idp_cs_" + strings.Repeat("A", 43)

		src := secClient(t, srv, "10.0.0.5")
		for i := range 3 {
			_, err := secLogin(t, src, clientID, wrong)
			// A wrong secret gives a guesser no hint.
			if p := secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed); p.Detail != "login failed" {
				t.Fatalf("wrong secret refused with %q, want just \"login failed\"", p.Detail)
			}
			if i == 0 {
				// Below the threshold the right secret still works, and resets the count.
				secMustLogin(t, src, clientID, cs.ClientSecret)
			}
		}
		for range 3 {
			_, err := secLogin(t, src, clientID, wrong)
			secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		}
		before := time.Now()
		_, err := secLogin(t, src, clientID, cs.ClientSecret)
		locked := secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		if !secHasEvent(secFailedLogins(t, admin, identityID), "10.0.0.5", "locked out") {
			t.Fatal("the locked-out login was not audited as locked out")
		}
		// Another source of the owner's network is not affected.
		secMustLogin(t, secClient(t, srv, "10.0.0.6"), clientID, cs.ClientSecret)

		rows := secLockouts(t, srv, clientID)
		if len(rows) != 1 || rows[0].SourceKey != "10.0.0.5" || rows[0].LockedUntil == nil {
			t.Fatalf("lockouts = %+v, want one lock on 10.0.0.5", rows)
		}
		until := rows[0].LockedUntil.Sub(before)
		if until < 25*time.Second || until > 31*time.Second {
			t.Fatalf("locked for %v, want the configured 30s", until)
		}
		// The refusal says the source is locked out, and until when.
		if want := "login failed: locked out after repeated failures from this source until " +
			rows[0].LockedUntil.UTC().Format(time.RFC3339); locked.Detail != want {
			t.Fatalf("locked-out refusal says %q, want %q", locked.Detail, want)
		}
		_, err = secLogin(t, src, clientID, cs.ClientSecret)
		secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)

		// Let the 30 seconds pass: move the lock into the past.
		res := srv.App.Store.DB.Exec(`UPDATE lockouts SET locked_until = ? WHERE source_key = ?`, time.Now().UTC().Add(-time.Second), "10.0.0.5")
		if res.Error != nil || res.RowsAffected != 1 {
			t.Fatalf("expire lockout: %v (%d rows)", res.Error, res.RowsAffected)
		}
		secMustLogin(t, src, clientID, cs.ClientSecret)
		if rows := secLockouts(t, srv, clientID); len(rows) != 0 {
			t.Fatalf("a successful login left lockouts %+v", rows)
		}
	})
}

// A source whose successful login is cached is locked out by its next
// wrong secret (threshold 1) at once, while another source's cached login
// goes on working.
func TestSecurityLockoutBeatsTheLoginCache(t *testing.T) {
	secBackends(t, servertest.Options{TrustedProxies: secLoopback}, func(t *testing.T, srv *servertest.Server) {
		admin := srv.Admin(t)
		identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{
			Lockout: &api.Lockout{Enabled: true, Threshold: 1, DurationSeconds: 60, CounterResetSeconds: 60}})
		cs := secSecret(t, admin, identityID, 0)
		guesser, other := secClient(t, srv, "10.0.0.8"), secClient(t, srv, "10.0.0.9")
		secMustLogin(t, guesser, clientID, cs.ClientSecret)
		secMustLogin(t, other, clientID, cs.ClientSecret)
		_, err := secLogin(t, guesser, clientID, "idp_cs_"+strings.Repeat("B", 43))
		secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		_, err = secLogin(t, guesser, clientID, cs.ClientSecret)
		if p := secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed); !strings.Contains(p.Detail, "locked out") {
			t.Fatalf("the right secret from the source just locked out: %q, want a lockout", p.Detail)
		}
		secMustLogin(t, other, clientID, cs.ClientSecret)
	})
}

// Concurrent wrong secrets from one source share group commits, several
// in one batch, and every one of them is counted: 29 leave the source one
// short of the threshold of 30, the 30th locks it.
func TestSecurityLockoutCountsConcurrentFailures(t *testing.T) {
	secBackends(t, servertest.Options{TrustedProxies: secLoopback}, func(t *testing.T, srv *servertest.Server) {
		admin := srv.Admin(t)
		identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{
			Lockout: &api.Lockout{Enabled: true, Threshold: 30, DurationSeconds: 60, CounterResetSeconds: 600}})
		cs := secSecret(t, admin, identityID, 0)
		src := secClient(t, srv, "10.0.0.7")
		fail := func(n int) {
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					_, err := secLogin(t, src, clientID, fmt.Sprintf("idp_cs_%043d", i))
					if p := (*api.Problem)(nil); !errors.As(err, &p) || p.Status != http.StatusUnauthorized {
						t.Errorf("wrong secret %d: %v, want 401", i, err)
					}
				})
			}
			wg.Wait()
		}
		fail(29)
		rows := secLockouts(t, srv, clientID)
		if len(rows) != 1 || rows[0].Failures != 29 || rows[0].LockedUntil != nil {
			t.Fatalf("after 29 concurrent failures: %+v, want 29 failures and no lock", rows)
		}
		if events := secFailedLogins(t, admin, identityID); len(events) != 29 {
			t.Fatalf("%d failed logins audited, want 29", len(events))
		}
		fail(1)
		if rows := secLockouts(t, srv, clientID); len(rows) != 1 || rows[0].Failures != 30 || rows[0].LockedUntil == nil {
			t.Fatalf("after the 30th failure: %+v, want 30 failures and a lock", rows)
		}
		_, err := secLogin(t, src, clientID, cs.ClientSecret)
		if p := secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed); !strings.Contains(p.Detail, "locked out") {
			t.Fatalf("the right secret from the locked source: %q, want a lockout", p.Detail)
		}
	})
}

// Knowing the client ID from outside clientSecretTrustedIps is not enough to
// lock its owner out, not even by forging the owner's address in
// X-Forwarded-For in front of the proxy.
func TestSecurityLockoutNotByOutsider(t *testing.T) {
	secBackends(t, servertest.Options{TrustedProxies: secLoopback}, func(t *testing.T, srv *servertest.Server) {
		admin := srv.Admin(t)
		identityID, clientID := secIdentity(t, admin, secLockoutInput)
		cs := secSecret(t, admin, identityID, 0)

		for _, xff := range []string{"203.0.113.9", "10.0.0.5, 203.0.113.9"} {
			attacker := secClient(t, srv, xff)
			for i := range 20 {
				_, err := secLogin(t, attacker, clientID, fmt.Sprintf("idp_cs_%043d", i))
				secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
			}
		}
		if rows := secLockouts(t, srv, clientID); len(rows) != 0 {
			t.Fatalf("failures from outside clientSecretTrustedIps were counted: %+v", rows)
		}
		events := secFailedLogins(t, admin, identityID)
		if len(events) != 40 || slices.ContainsFunc(events, func(e api.AuditEvent) bool {
			return e.SourceIP != "203.0.113.9" || !strings.Contains(e.Reason, "clientSecretTrustedIps")
		}) {
			t.Fatalf("want 40 failures from 203.0.113.9 for clientSecretTrustedIps, got %d: %+v", len(events), events)
		}
		secMustLogin(t, secClient(t, srv, "10.0.0.5"), clientID, cs.ClientSecret)
	})
}

// Login endpoints answer 429 with Retry-After once a source exceeds its rate.
func TestSecurityLoginRateLimit(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.SQLite, LoginRate: 1, LoginBurst: 2, TrustedProxies: secLoopback})
	loginURL := srv.URL + api.RouteUniversalAuthLogin.Path
	body := secLoginBody("no-such-client", "idp_cs_"+strings.Repeat("x", 43))

	var statuses []int
	limited := false
	for i := range 5 {
		code, h, b := secRaw(t, http.MethodPost, loginURL, "198.51.100.1", "", body)
		statuses = append(statuses, code)
		if code != http.StatusTooManyRequests {
			continue
		}
		if i < 2 {
			t.Fatalf("request %d was limited within the burst of 2: %v", i+1, statuses)
		}
		limited = true
		var p api.Problem
		if err := json.Unmarshal(b, &p); err != nil || p.Code != api.CodeRateLimited || p.Status != http.StatusTooManyRequests {
			t.Fatalf("429 body %s: want problem code %s", b, api.CodeRateLimited)
		}
		if ra := h.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("429 without a positive Retry-After (%q)", ra)
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("429 Content-Type %q", ct)
		}
	}
	if !limited || statuses[0] != http.StatusUnauthorized {
		t.Fatalf("statuses %v: want 401s within the burst, then 429", statuses)
	}
	// The typed client sees the same, with Retry-After filled in.
	_, err := secLogin(t, secClient(t, srv, "198.51.100.1"), "no-such-client", "x")
	if p := secWant(t, err, http.StatusTooManyRequests, api.CodeRateLimited); p.RetryAfter < 1 {
		t.Fatalf("RetryAfter = %d, want at least 1", p.RetryAfter)
	}
	// Renewal is a login endpoint too.
	code, _, _ := secRaw(t, http.MethodPost, srv.URL+api.RouteRenewToken.Path, "198.51.100.1", "", `{"accessToken":"x"}`)
	if code != http.StatusTooManyRequests {
		t.Fatalf("renew from a limited source: %d, want 429", code)
	}
	// The limit is per source, and other endpoints are not limited.
	if code, _, b := secRaw(t, http.MethodPost, loginURL, "198.51.100.2", "", body); code != http.StatusUnauthorized {
		t.Fatalf("login from another source: %d %s, want 401", code, b)
	}
	for range 5 {
		if code, _, _ := secRaw(t, http.MethodGet, srv.URL+"/healthz", "198.51.100.1", "", ""); code != http.StatusOK {
			t.Fatalf("healthz from a limited source: %d", code)
		}
	}
}

// Infisical's SDKs post {"clientId","clientSecret"} and read exactly these keys.
func TestSecurityInfisicalLoginWire(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	admin := srv.Admin(t)
	identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
	cs := secSecret(t, admin, identityID, 0)

	code, h, b := secRaw(t, http.MethodPost, srv.URL+"/api/v1/auth/universal-auth/login", "", "",
		`{"clientId":"`+clientID+`","clientSecret":"`+cs.ClientSecret+`"}`)
	if code != http.StatusOK {
		t.Fatalf("login: %d %s", code, b)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	secWantKeys(t, "login", b)
	var res struct {
		AccessToken       string `json:"accessToken"`
		ExpiresIn         int    `json:"expiresIn"`
		AccessTokenMaxTTL int    `json:"accessTokenMaxTTL"`
		TokenType         string `json:"tokenType"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("login response %s: %v", b, err)
	}
	if res.TokenType != "Bearer" || res.ExpiresIn != api.DefaultAccessTokenTTL || res.AccessTokenMaxTTL != api.DefaultAccessTokenMaxTTL ||
		strings.Count(res.AccessToken, ".") != 2 {
		t.Fatalf("login response %s: want a JWT, expiresIn %d, accessTokenMaxTTL %d, tokenType Bearer", b, api.DefaultAccessTokenTTL, api.DefaultAccessTokenMaxTTL)
	}
	if self, err := srv.Client(t, api.WithToken(res.AccessToken)).TokenSelf(t.Context()); err != nil || self.IdentityID != identityID {
		t.Fatalf("TokenSelf with the wire token: %+v, %v", self, err)
	}
	// Renewal answers in the same shape.
	code, _, b = secRaw(t, http.MethodPost, srv.URL+"/api/v1/auth/token/renew", "", "", `{"accessToken":"`+res.AccessToken+`"}`)
	if code != http.StatusOK {
		t.Fatalf("renew: %d %s", code, b)
	}
	secWantKeys(t, "renew", b)
}

// secWantKeys fails unless body is a JSON object with exactly Infisical's login response keys.
func secWantKeys(t *testing.T, what string, body []byte) {
	t.Helper()
	var got map[string]json.RawMessage
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%s response %s: %v", what, body, err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"accessToken", "accessTokenMaxTTL", "expiresIn", "tokenType"}; !slices.Equal(keys, want) {
		t.Fatalf("%s response keys %v, want %v", what, keys, want)
	}
	if string(got["tokenType"]) != `"Bearer"` {
		t.Fatalf("%s tokenType %s, want \"Bearer\"", what, got["tokenType"])
	}
}
