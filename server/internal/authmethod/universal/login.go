package universal

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/service"
)

// lockoutSource is what failures are counted against: the caller's address
// (its /64 for IPv6). Someone who merely knows a client ID, elsewhere, can
// only ever lock out themselves.
func lockoutSource(ip netip.Addr) string {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// login exchanges a client ID and secret for an access token. Every outcome
// is audited; no failure tells the caller more than "failed".
func (u universal) login(ctx context.Context, meta service.Meta, in *api.UniversalAuthLoginRequest) (*api.LoginResponse, error) {
	var errs api.FieldErrors
	if in.ClientID == "" {
		errs.Add("clientId", "is required")
	}
	if in.ClientSecret == "" {
		errs.Add("clientSecret", "is required")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	res, row, failure, err := u.check(ctx, meta, in)
	if err != nil {
		var le *login.Error
		if errors.As(err, &le) {
			clientID := in.ClientID
			if len(clientID) > 64 {
				clientID = clientID[:64]
			}
			// The refusal's audit event and its lockout count share a group
			// commit with other logins, as a success's token does.
			if werr := u.core.RecordFailedLogin(ctx, meta, row.OrganizationID, row.IdentityID, Kind, le.Reason,
				map[string]string{"clientId": clientID}, failure); werr != nil {
				return nil, werr
			}
		}
		return nil, err
	}
	return res, nil
}

// check verifies the client secret and, when it holds, issues the token;
// a refusal comes with what it must write beside its audit event.
func (u universal) check(ctx context.Context, meta service.Meta, in *api.UniversalAuthLoginRequest) (*api.LoginResponse, service.UniversalLoginRow, service.Writes, error) {
	var none service.Writes
	source := lockoutSource(meta.IP)
	key := loginKey{prefix: u.core.Keys().Lookup(in.ClientSecret), source: source}
	now := u.core.Now()
	rows, cached := u.cache.get(in.ClientID, key, now, u.core.RevokedSince)
	if !cached {
		var err error
		if rows, err = u.repo.UniversalLoginRows(ctx, key.prefix, source, in.ClientID); err != nil {
			return nil, service.UniversalLoginRow{}, none, err
		}
	}
	v := judge(attempt{rows: rows, secret: in.ClientSecret, ip: meta.IP, source: source, now: now, equal: u.core.Keys().Equal})
	if v.wrongSecret {
		u.cache.evictSource(in.ClientID, source)
	}
	if v.err != nil {
		return nil, v.ua, v.failure, v.err
	}
	writes, err := spend(ctx, u.repo.UseClientSecret, v, source)
	if err != nil {
		return nil, v.ua, none, err
	}
	if !cached {
		u.cache.put(in.ClientID, key, rows, now)
	}
	ua := v.ua
	settings := api.TokenSettings{AccessTokenTTL: ua.AccessTokenTTL, AccessTokenMaxTTL: ua.AccessTokenMaxTTL,
		AccessTokenNumUsesLimit: ua.AccessTokenNumUsesLimit, AccessTokenTrustedIPs: ua.AccessTokenTrustedIPs}
	res, err := u.core.Issue(ctx, meta, service.Issue{OrgID: ua.OrganizationID, IdentityID: ua.IdentityID, Method: Kind,
		MethodID: ua.UaID, CredentialID: *v.match.CsID, Settings: settings}, writes)
	return res, ua, none, err
}

// attempt is a login as judge sees it: the rows the login query returned
// (the universal auth with each candidate secret of the presented prefix),
// the presented secret, where and when it came from, and how a secret is
// compared with a stored hash.
type attempt struct {
	rows   []service.UniversalLoginRow
	secret string
	ip     netip.Addr
	source string
	now    time.Time
	equal  func(secret string, hash []byte) bool
}

// verdict is judge's answer: the universal auth (for the audit event) and
// the matching secret's row, or a refusal with what it writes.
type verdict struct {
	ua    service.UniversalLoginRow
	match *service.UniversalLoginRow
	err   error
	// failure is what a refusal writes: a wrong secret counts against the
	// source when lockout is on.
	failure     service.Writes
	wrongSecret bool
}

// judge checks a login: a known client ID, a source allowed by the
// client-secret trusted IPs and not locked out, and a secret matching a
// candidate that has not expired.
func judge(a attempt) verdict {
	if len(a.rows) == 0 {
		return verdict{err: login.Failed("unknown client ID")}
	}
	ua := a.rows[0]
	if !login.IPAllowed(ua.ClientSecretTrustedIPs, a.ip) {
		return verdict{ua: ua, err: login.Refused("the source IP is not allowed by the universal auth's clientSecretTrustedIps",
			"source IP is not in clientSecretTrustedIps")}
	}
	if ua.LockoutEnabled && ua.LoLockedUntil != nil && a.now.Before(*ua.LoLockedUntil) {
		until := ua.LoLockedUntil.UTC().Format(time.RFC3339)
		return verdict{ua: ua, err: login.Refused("locked out after repeated failures from this source until "+until,
			"locked out after repeated failures from this source until "+until)}
	}
	var match *service.UniversalLoginRow
	for i := range a.rows {
		// Every candidate is compared, so timing does not depend on which matched.
		if a.rows[i].CsID != nil && a.equal(a.secret, a.rows[i].CsHash) {
			match = &a.rows[i]
		}
	}
	if match == nil {
		v := verdict{ua: ua, err: login.Failed("wrong client secret"), wrongSecret: true}
		if ua.LockoutEnabled {
			v.failure.Lockouts = []service.LockoutChange{{UniversalAuthID: ua.UaID, SourceKey: a.source, At: a.now,
				Threshold: ua.LockoutThreshold, Duration: time.Duration(ua.LockoutDuration) * time.Second,
				CounterReset: time.Duration(ua.LockoutCounterReset) * time.Second}}
		}
		return v
	}
	if match.CsExpiresAt != nil && !a.now.Before(*match.CsExpiresAt) {
		return verdict{ua: ua, err: login.Failed("client secret expired")}
	}
	return verdict{ua: ua, match: match}
}

// spend is what a login that v let through writes with its token. A
// use-limited secret spends its use at once, through use, so that two
// replicas cannot both spend the last one; none left refuses the login.
// Any other secret counts its use in the token's commit, and a source with
// failures on record has them forgiven there.
func spend(ctx context.Context, use func(ctx context.Context, secretID string) (bool, error), v verdict, source string) (service.Writes, error) {
	var writes service.Writes
	if *v.match.CsNumUsesLimit > 0 {
		ok, err := use(ctx, *v.match.CsID)
		if err != nil {
			return writes, err
		}
		if !ok {
			return writes, login.Failed("client secret use limit reached")
		}
	} else {
		writes.SecretUses = []string{*v.match.CsID}
	}
	if v.ua.LoFailures != nil {
		writes.Lockouts = []service.LockoutChange{{UniversalAuthID: v.ua.UaID, SourceKey: source, Reset: true}}
	}
	return writes, nil
}
