package universal

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/idplane/idplane/server/api"
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
		var le *service.LoginError
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
	if len(rows) == 0 {
		return nil, service.UniversalLoginRow{}, none, service.LoginFailed("unknown client ID")
	}
	ua := rows[0]
	if !service.IPAllowed(ua.ClientSecretTrustedIPs, meta.IP) {
		return nil, ua, none, service.LoginRefused("the source IP is not allowed by the universal auth's clientSecretTrustedIps",
			"source IP is not in clientSecretTrustedIps")
	}
	if ua.LockoutEnabled && ua.LoLockedUntil != nil && now.Before(*ua.LoLockedUntil) {
		until := ua.LoLockedUntil.UTC().Format(time.RFC3339)
		return nil, ua, none, service.LoginRefused("locked out after repeated failures from this source until "+until,
			"locked out after repeated failures from this source until "+until)
	}
	var match *service.UniversalLoginRow
	for i := range rows {
		// Every candidate is compared, so timing does not depend on which matched.
		if rows[i].CsID != nil && u.core.Keys().Equal(in.ClientSecret, rows[i].CsHash) {
			match = &rows[i]
		}
	}
	if match == nil {
		u.cache.evictSource(in.ClientID, source)
		var failure service.Writes
		if ua.LockoutEnabled {
			failure.Lockouts = []service.LockoutChange{{UniversalAuthID: ua.UaID, SourceKey: source, At: now,
				Threshold: ua.LockoutThreshold, Duration: time.Duration(ua.LockoutDuration) * time.Second,
				CounterReset: time.Duration(ua.LockoutCounterReset) * time.Second}}
		}
		return nil, ua, failure, service.LoginFailed("wrong client secret")
	}
	if match.CsExpiresAt != nil && !now.Before(*match.CsExpiresAt) {
		return nil, ua, none, service.LoginFailed("client secret expired")
	}
	var writes service.Writes
	if *match.CsNumUsesLimit > 0 {
		used, err := u.repo.UseClientSecret(ctx, *match.CsID)
		if err != nil {
			return nil, ua, none, err
		}
		if !used {
			return nil, ua, none, service.LoginFailed("client secret use limit reached")
		}
	} else {
		writes.SecretUses = []string{*match.CsID}
	}
	if ua.LoFailures != nil {
		// The source's failures are forgotten in the token's commit.
		writes.Lockouts = []service.LockoutChange{{UniversalAuthID: ua.UaID, SourceKey: source, Reset: true}}
	}
	if !cached {
		u.cache.put(in.ClientID, key, rows, now)
	}
	settings := api.TokenSettings{AccessTokenTTL: ua.AccessTokenTTL, AccessTokenMaxTTL: ua.AccessTokenMaxTTL,
		AccessTokenNumUsesLimit: ua.AccessTokenNumUsesLimit, AccessTokenTrustedIPs: ua.AccessTokenTrustedIPs}
	res, err := u.core.Issue(ctx, meta, service.Issue{OrgID: ua.OrganizationID, IdentityID: ua.IdentityID, Method: Kind,
		MethodID: ua.UaID, CredentialID: *match.CsID, Settings: settings}, writes)
	return res, ua, none, err
}
