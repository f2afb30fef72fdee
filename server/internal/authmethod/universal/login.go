package universal

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
)

// uaLoginRow is everything a universal-auth login reads, in one query.
type uaLoginRow struct {
	UaID                    string
	OrganizationID          string
	IdentityID              string
	AccessTokenTTL          int
	AccessTokenMaxTTL       int
	AccessTokenNumUsesLimit int
	AccessTokenTrustedIPs   store.JSON[[]string]
	ClientSecretTrustedIPs  store.JSON[[]string]
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

const uaLoginQuery = `SELECT ua.id AS ua_id, ua.organization_id, ua.identity_id, ua.access_token_ttl, ua.access_token_max_ttl,
	ua.access_token_num_uses_limit, ua.access_token_trusted_ips, ua.client_secret_trusted_ips,
	ua.lockout_enabled, ua.lockout_threshold, ua.lockout_duration, ua.lockout_counter_reset,
	cs.id AS cs_id, cs.hash AS cs_hash, cs.num_uses_limit AS cs_num_uses_limit, cs.expires_at AS cs_expires_at,
	lo.locked_until AS lo_locked_until, lo.failures AS lo_failures
FROM universal_auths ua
LEFT JOIN client_secrets cs ON cs.universal_auth_id = ua.id AND cs.prefix = ? AND cs.revoked_at IS NULL
LEFT JOIN lockouts lo ON lo.universal_auth_id = ua.id AND lo.source_key = ?
WHERE ua.client_id = ?`

// loadLoginRows runs uaLoginQuery and scans by position: this is the one
// query of every login, and GORM's reflective scan cost more CPU than the
// query itself.
func loadLoginRows(db *gorm.DB, prefix, source, clientID string) ([]uaLoginRow, error) {
	rs, err := db.Raw(uaLoginQuery, prefix, source, clientID).Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []uaLoginRow
	for rs.Next() {
		var r uaLoginRow
		if err := rs.Scan(&r.UaID, &r.OrganizationID, &r.IdentityID, &r.AccessTokenTTL, &r.AccessTokenMaxTTL,
			&r.AccessTokenNumUsesLimit, &r.AccessTokenTrustedIPs, &r.ClientSecretTrustedIPs,
			&r.LockoutEnabled, &r.LockoutThreshold, &r.LockoutDuration, &r.LockoutCounterReset,
			&r.CsID, &r.CsHash, &r.CsNumUsesLimit, &r.CsExpiresAt, &r.LoLockedUntil, &r.LoFailures); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

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
func (u universal) check(ctx context.Context, meta service.Meta, in *api.UniversalAuthLoginRequest) (*api.LoginResponse, uaLoginRow, store.Writes, error) {
	var none store.Writes
	db := u.core.DB(ctx)
	source := lockoutSource(meta.IP)
	key := loginKey{prefix: u.core.Keys().Lookup(in.ClientSecret), source: source}
	now := u.core.Now()
	rows, cached := u.cache.get(in.ClientID, key, now, u.core.RevokedSince)
	if !cached {
		var err error
		if rows, err = loadLoginRows(db, key.prefix, source, in.ClientID); err != nil {
			return nil, uaLoginRow{}, none, fmt.Errorf("load universal auth: %w", err)
		}
	}
	if len(rows) == 0 {
		return nil, uaLoginRow{}, none, service.LoginFailed("unknown client ID")
	}
	ua := rows[0]
	if !service.IPAllowed(ua.ClientSecretTrustedIPs.V, meta.IP) {
		return nil, ua, none, service.LoginRefused("the source IP is not allowed by the universal auth's clientSecretTrustedIps",
			"source IP is not in clientSecretTrustedIps")
	}
	if ua.LockoutEnabled && ua.LoLockedUntil != nil && now.Before(*ua.LoLockedUntil) {
		until := ua.LoLockedUntil.UTC().Format(time.RFC3339)
		return nil, ua, none, service.LoginRefused("locked out after repeated failures from this source until "+until,
			"locked out after repeated failures from this source until "+until)
	}
	var match *uaLoginRow
	for i := range rows {
		// Every candidate is compared, so timing does not depend on which matched.
		if rows[i].CsID != nil && u.core.Keys().Equal(in.ClientSecret, rows[i].CsHash) {
			match = &rows[i]
		}
	}
	if match == nil {
		u.cache.evictSource(in.ClientID, source)
		var failure store.Writes
		if ua.LockoutEnabled {
			failure.Lockouts = []store.LockoutChange{{UniversalAuthID: ua.UaID, SourceKey: source, At: now,
				Threshold: ua.LockoutThreshold, Duration: time.Duration(ua.LockoutDuration) * time.Second,
				CounterReset: time.Duration(ua.LockoutCounterReset) * time.Second}}
		}
		return nil, ua, failure, service.LoginFailed("wrong client secret")
	}
	if match.CsExpiresAt != nil && !now.Before(*match.CsExpiresAt) {
		return nil, ua, none, service.LoginFailed("client secret expired")
	}
	var writes store.Writes
	if *match.CsNumUsesLimit > 0 {
		r := db.Exec(`UPDATE client_secrets SET num_uses = num_uses + 1 WHERE id = ? AND num_uses < num_uses_limit AND revoked_at IS NULL`, *match.CsID)
		if r.Error != nil {
			return nil, ua, none, fmt.Errorf("consume client secret use: %w", r.Error)
		}
		if r.RowsAffected != 1 {
			return nil, ua, none, service.LoginFailed("client secret use limit reached")
		}
	} else {
		writes.SecretUses = []string{*match.CsID}
	}
	if ua.LoFailures != nil {
		// The source's failures are forgotten in the token's commit.
		writes.Lockouts = []store.LockoutChange{{UniversalAuthID: ua.UaID, SourceKey: source, Reset: true}}
	}
	if !cached {
		u.cache.put(in.ClientID, key, rows, now)
	}
	settings := api.TokenSettings{AccessTokenTTL: ua.AccessTokenTTL, AccessTokenMaxTTL: ua.AccessTokenMaxTTL,
		AccessTokenNumUsesLimit: ua.AccessTokenNumUsesLimit, AccessTokenTrustedIPs: ua.AccessTokenTrustedIPs.V}
	res, err := u.core.Issue(ctx, meta, service.Issue{OrgID: ua.OrganizationID, IdentityID: ua.IdentityID, Method: Kind,
		MethodID: ua.UaID, CredentialID: *match.CsID, Settings: settings}, writes)
	return res, ua, none, err
}
