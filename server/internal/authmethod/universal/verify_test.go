package universal

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/idplane/idplane/server/internal/authmethod/login"
)

// equal compares a secret with a "hash" that is the secret itself.
func equal(secret string, hash []byte) bool { return secret == string(hash) }

func ptr[T any](v T) *T { return &v }

var now = time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)

// rows are a login query's answer: a universal auth trusting 10.0.0.0/8
// with lockout on, and a candidate row per secret (none: no candidate).
func rows(mod func(*LoginRow), secrets ...string) []LoginRow {
	ua := LoginRow{UaID: "ua-1", OrganizationID: "org-1", IdentityID: "id-1",
		ClientSecretTrustedIPs: []string{"10.0.0.0/8"}, LockoutEnabled: true, LockoutThreshold: 3, LockoutDuration: 300, LockoutCounterReset: 30}
	if mod != nil {
		mod(&ua)
	}
	if len(secrets) == 0 {
		return []LoginRow{ua}
	}
	var out []LoginRow
	for i, s := range secrets {
		r := ua
		r.CsID, r.CsHash, r.CsNumUsesLimit = ptr("cs-"+string(rune('a'+i))), []byte(s), ptr(0)
		out = append(out, r)
	}
	return out
}

func try(rs []LoginRow, secret, ip string) Verdict {
	return Judge(Attempt{Rows: rs, Secret: secret, IP: netip.MustParseAddr(ip), Source: LockoutSource(netip.MustParseAddr(ip)), Now: now, Equal: equal})
}

// refused asserts a refusal whose audited reason is reason.
func refused(t *testing.T, v Verdict, reason string) {
	t.Helper()
	var le *login.Error
	if !errors.As(v.Err, &le) || le.Reason != reason || v.Match != nil {
		t.Fatalf("Verdict %+v, want the refusal %q", v, reason)
	}
}

func TestJudgeSecret(t *testing.T) {
	v := try(rows(nil, "s3cret-a", "s3cret-b"), "s3cret-b", "10.1.2.3")
	if v.Err != nil || v.Match == nil || *v.Match.CsID != "cs-b" || v.UA.UaID != "ua-1" {
		t.Fatalf("Verdict %+v, want secret cs-b", v)
	}
	refused(t, try(nil, "s3cret-a", "10.1.2.3"), "unknown client ID")

	v = try(rows(nil, "s3cret-a"), "guess", "10.1.2.3")
	refused(t, v, "wrong client secret")
	if !v.WrongSecret || len(v.Failure.Lockouts) != 1 {
		t.Fatalf("a wrong secret: %+v, want one lockout count", v)
	}
	if l := v.Failure.Lockouts[0]; l.UniversalAuthID != "ua-1" || l.SourceKey != "10.1.2.3" || !l.At.Equal(now) ||
		l.Threshold != 3 || l.Duration != 5*time.Minute || l.CounterReset != 30*time.Second || l.Reset {
		t.Fatalf("lockout change %+v", l)
	}
	// No candidate of the presented prefix is a wrong secret too.
	refused(t, try(rows(nil), "s3cret-a", "10.1.2.3"), "wrong client secret")
	v = try(rows(func(r *LoginRow) { r.LockoutEnabled = false }, "s3cret-a"), "guess", "10.1.2.3")
	refused(t, v, "wrong client secret")
	if len(v.Failure.Lockouts) != 0 {
		t.Fatalf("lockout off, yet the failure counts: %+v", v.Failure)
	}
}

func TestJudgeSourceAndTime(t *testing.T) {
	refused(t, try(rows(nil, "s3cret-a"), "s3cret-a", "192.0.2.1"), "source IP is not in clientSecretTrustedIps")
	refused(t, try(rows(nil, "s3cret-a"), "s3cret-a", "::ffff:192.0.2.1"), "source IP is not in clientSecretTrustedIps")
	if v := try(rows(nil, "s3cret-a"), "s3cret-a", "::ffff:10.0.0.1"); v.Err != nil {
		t.Fatalf("an IPv4-mapped trusted address: %v", v.Err)
	}

	locked := func(until time.Time) func(*LoginRow) {
		return func(r *LoginRow) { r.LoLockedUntil, r.LoFailures = &until, ptr(3) }
	}
	refused(t, try(rows(locked(now.Add(time.Minute)), "s3cret-a"), "s3cret-a", "10.1.2.3"),
		"locked out after repeated failures from this source until 2026-12-04T08:01:00Z")
	if v := try(rows(locked(now), "s3cret-a"), "s3cret-a", "10.1.2.3"); v.Err != nil {
		t.Fatalf("a lockout that ended: %v", v.Err)
	}
	if v := try(rows(func(r *LoginRow) { locked(now.Add(time.Minute))(r); r.LockoutEnabled = false }, "s3cret-a"), "s3cret-a", "10.1.2.3"); v.Err != nil {
		t.Fatalf("lockout turned off: %v", v.Err)
	}

	expiring := rows(nil, "s3cret-a")
	expiring[0].CsExpiresAt = ptr(now)
	refused(t, try(expiring, "s3cret-a", "10.1.2.3"), "client secret expired")
	expiring[0].CsExpiresAt = ptr(now.Add(time.Second))
	if v := try(expiring, "s3cret-a", "10.1.2.3"); v.Err != nil {
		t.Fatalf("a secret a second from expiry: %v", v.Err)
	}
}

// A use-limited secret is spent at once and refused when none is left;
// another counts its use in the token's commit; a source with failures on
// record is forgiven there.
func TestSpend(t *testing.T) {
	left := map[string]int{"cs-a": 1}
	use := func(_ context.Context, id string) (bool, error) {
		if left[id] == 0 {
			return false, nil
		}
		left[id]--
		return true, nil
	}
	limited := rows(nil, "s3cret-a")
	limited[0].CsNumUsesLimit = ptr(1)
	v := try(limited, "s3cret-a", "10.1.2.3")
	w, err := Spend(t.Context(), use, v, "10.1.2.3")
	if err != nil || len(w.SecretUses) != 0 || len(w.Lockouts) != 0 || left["cs-a"] != 0 {
		t.Fatalf("first use: %+v, %v (left %d)", w, err, left["cs-a"])
	}
	_, err = Spend(t.Context(), use, v, "10.1.2.3")
	var le *login.Error
	if !errors.As(err, &le) || le.Reason != "client secret use limit reached" {
		t.Fatalf("second use: %v, want the use limit reached", err)
	}
	broken := errors.New("database down")
	if _, err := Spend(t.Context(), func(context.Context, string) (bool, error) { return false, broken }, v, "10.1.2.3"); !errors.Is(err, broken) {
		t.Fatalf("a failing store: %v", err)
	}

	forgiven := rows(func(r *LoginRow) { r.LoFailures = ptr(2) }, "s3cret-a")
	w, err = Spend(t.Context(), use, try(forgiven, "s3cret-a", "10.1.2.3"), "10.1.2.3")
	if err != nil || !slices.Equal(w.SecretUses, []string{"cs-a"}) || len(w.Lockouts) != 1 || !w.Lockouts[0].Reset || w.Lockouts[0].SourceKey != "10.1.2.3" {
		t.Fatalf("unlimited secret, failures on record: %+v, %v", w, err)
	}
}

func TestLockoutSource(t *testing.T) {
	for ip, want := range map[string]string{
		"10.1.2.3":                     "10.1.2.3",
		"::ffff:10.1.2.3":              "10.1.2.3",
		"2001:db8:1:2:aaaa::1":         "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff:0:abc": "2001:db8:1:2::/64",
	} {
		if got := LockoutSource(netip.MustParseAddr(ip)); got != want {
			t.Errorf("LockoutSource(%s) = %s, want %s", ip, got, want)
		}
	}
}
