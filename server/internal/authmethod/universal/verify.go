// Package universal is universal auth's verifier: a client ID and client
// secrets, with client-secret trusted IPs and lockout after repeated
// failures. Judge and Spend decide a login from the rows the login query
// returned; universalhost runs the method on the core (its routes, its
// storage through a repository, the login cache, issuance). This package
// depends on neither the core nor its storage.
package universal

import (
	"context"
	"net/netip"
	"time"

	"github.com/idplane/idplane/server/internal/authmethod/login"
)

// Kind is universal auth as identities list it and tokens carry it.
const Kind = "universal-auth"

// LoginRow is everything a login reads, in one query: the universal auth,
// one candidate client secret of the presented prefix (none: nil CsID) and
// the source's lockout state (none: nil LoFailures).
type LoginRow struct {
	UaID                    string
	OrganizationID          string
	IdentityID              string
	AccessTokenTTL          int
	AccessTokenMaxTTL       int
	AccessTokenNumUsesLimit int
	AccessTokenTrustedIPs   []string
	ClientSecretTrustedIPs  []string
	LockoutEnabled          bool
	LockoutThreshold        int
	LockoutDuration         int
	LockoutCounterReset     int
	CsID                    *string
	CsHash                  []byte
	CsNumUsesLimit          *int
	CsExpiresAt             *time.Time
	LoLockedUntil           *time.Time
	LoFailures              *int
}

// Lockout counts a failed login against a source, or (Reset) forgets the
// source's failures.
type Lockout struct {
	UniversalAuthID, SourceKey string
	Reset                      bool
	At                         time.Time
	Threshold                  int
	Duration, CounterReset     time.Duration
}

// Writes are what a login writes beside its token or its refusal, in the
// same commit: the uses of client secrets without a use limit, and lockout
// changes.
type Writes struct {
	SecretUses []string
	Lockouts   []Lockout
}

// LockoutSource is what failures are counted against: the caller's address
// (its /64 for IPv6). Someone who merely knows a client ID, elsewhere, can
// only ever lock out themselves.
func LockoutSource(ip netip.Addr) string {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// Attempt is a login as Judge sees it: the rows the login query returned
// (the universal auth with each candidate secret of the presented prefix),
// the presented secret, where and when it came from, and how a secret is
// compared with a stored hash.
type Attempt struct {
	Rows   []LoginRow
	Secret string
	IP     netip.Addr
	Source string
	Now    time.Time
	Equal  func(secret string, hash []byte) bool
}

// Verdict is Judge's answer: the universal auth (for the audit event) and
// the matching secret's row, or a refusal with what it writes.
type Verdict struct {
	UA    LoginRow
	Match *LoginRow
	Err   error
	// Failure is what a refusal writes: a wrong secret counts against the
	// source when lockout is on.
	Failure     Writes
	WrongSecret bool
}

// Judge checks a login: a known client ID, a source allowed by the
// client-secret trusted IPs and not locked out, and a secret matching a
// candidate that has not expired.
func Judge(a Attempt) Verdict {
	if len(a.Rows) == 0 {
		return Verdict{Err: login.Failed("unknown client ID")}
	}
	ua := a.Rows[0]
	if !login.IPAllowed(ua.ClientSecretTrustedIPs, a.IP) {
		return Verdict{UA: ua, Err: login.Refused("the source IP is not allowed by the universal auth's clientSecretTrustedIps",
			"source IP is not in clientSecretTrustedIps")}
	}
	if ua.LockoutEnabled && ua.LoLockedUntil != nil && a.Now.Before(*ua.LoLockedUntil) {
		until := ua.LoLockedUntil.UTC().Format(time.RFC3339)
		return Verdict{UA: ua, Err: login.Refused("locked out after repeated failures from this source until "+until,
			"locked out after repeated failures from this source until "+until)}
	}
	var match *LoginRow
	for i := range a.Rows {
		// Every candidate is compared, so timing does not depend on which matched.
		if a.Rows[i].CsID != nil && a.Equal(a.Secret, a.Rows[i].CsHash) {
			match = &a.Rows[i]
		}
	}
	if match == nil {
		v := Verdict{UA: ua, Err: login.Failed("wrong client secret"), WrongSecret: true}
		if ua.LockoutEnabled {
			v.Failure.Lockouts = []Lockout{{UniversalAuthID: ua.UaID, SourceKey: a.Source, At: a.Now,
				Threshold: ua.LockoutThreshold, Duration: time.Duration(ua.LockoutDuration) * time.Second,
				CounterReset: time.Duration(ua.LockoutCounterReset) * time.Second}}
		}
		return v
	}
	if match.CsExpiresAt != nil && !a.Now.Before(*match.CsExpiresAt) {
		return Verdict{UA: ua, Err: login.Failed("client secret expired")}
	}
	return Verdict{UA: ua, Match: match}
}

// Spend is what a login that v let through writes with its token. A
// use-limited secret spends its use at once, through use, so that two
// replicas cannot both spend the last one; none left refuses the login.
// Any other secret counts its use in the token's commit, and a source with
// failures on record has them forgiven there.
func Spend(ctx context.Context, use func(ctx context.Context, secretID string) (bool, error), v Verdict, source string) (Writes, error) {
	var writes Writes
	if *v.Match.CsNumUsesLimit > 0 {
		ok, err := use(ctx, *v.Match.CsID)
		if err != nil {
			return writes, err
		}
		if !ok {
			return writes, login.Failed("client secret use limit reached")
		}
	} else {
		writes.SecretUses = []string{*v.Match.CsID}
	}
	if v.UA.LoFailures != nil {
		writes.Lockouts = []Lockout{{UniversalAuthID: v.UA.UaID, SourceKey: source, Reset: true}}
	}
	return writes, nil
}
