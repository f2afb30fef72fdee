package service

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
)

// UniversalAuthRecord is an identity's universal auth as stored: the API
// object and the row's ID, which its client secrets, lockouts and tokens
// name.
type UniversalAuthRecord struct {
	ID string
	api.UniversalAuth
}

func universalAuthFromRow(u store.UniversalAuth) UniversalAuthRecord {
	return UniversalAuthRecord{ID: u.ID, UniversalAuth: api.UniversalAuth{
		IdentityID: u.IdentityID, ClientID: u.ClientID,
		TokenSettings: api.TokenSettings{AccessTokenTTL: u.AccessTokenTTL, AccessTokenMaxTTL: u.AccessTokenMaxTTL,
			AccessTokenNumUsesLimit: u.AccessTokenNumUsesLimit, AccessTokenTrustedIPs: nonNil(u.AccessTokenTrustedIPs.V)},
		ClientSecretTrustedIPs: nonNil(u.ClientSecretTrustedIPs.V),
		Lockout: api.Lockout{Enabled: u.LockoutEnabled, Threshold: u.LockoutThreshold,
			DurationSeconds: u.LockoutDuration, CounterResetSeconds: u.LockoutCounterReset},
		Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UniversalAuth loads the identity's universal auth, without
// authorization; ErrNotFound when it has none.
func (k *Core) UniversalAuth(ctx context.Context, identityID string) (UniversalAuthRecord, error) {
	var ua store.UniversalAuth
	if err := k.db(ctx).Where("identity_id = ?", identityID).Take(&ua).Error; err != nil {
		return UniversalAuthRecord{}, store.Translate(err, "universal auth of identity "+identityID)
	}
	return universalAuthFromRow(ua), nil
}

// SaveUniversalAuth attaches universal auth to the identity with client ID
// a.ClientID when cur is nil, and otherwise replaces cur's settings with
// a's at version (0: any), auditing the change. The caller has authorized
// it and validated a.
func (k *Core) SaveUniversalAuth(ctx context.Context, c *Caller, identityID string, cur *UniversalAuthRecord, version int64, a api.UniversalAuth) (UniversalAuthRecord, error) {
	now := k.Now()
	cols := map[string]any{
		"access_token_ttl": a.AccessTokenTTL, "access_token_max_ttl": a.AccessTokenMaxTTL,
		"access_token_num_uses_limit": a.AccessTokenNumUsesLimit,
		"access_token_trusted_ips":    store.JSON[[]string]{V: SortedCopy(a.AccessTokenTrustedIPs)},
		"client_secret_trusted_ips":   store.JSON[[]string]{V: SortedCopy(a.ClientSecretTrustedIPs)},
		"lockout_enabled":             a.Lockout.Enabled, "lockout_threshold": a.Lockout.Threshold,
		"lockout_duration": a.Lockout.DurationSeconds, "lockout_counter_reset": a.Lockout.CounterResetSeconds,
	}
	var id string
	err := k.change(ctx, c, func(tx *gorm.DB) (Event, error) {
		if cur == nil {
			if version != 0 {
				return Event{}, StaleError(version, 0)
			}
			row := store.UniversalAuth{ID: NewID(), OrganizationID: c.OrgID(), IdentityID: identityID, ClientID: a.ClientID,
				Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&row).Error; err != nil {
				return Event{}, conflictOr(store.Translate(err, "attach universal auth"), "identity %s already has universal auth", identityID)
			}
			if err := tx.Model(&store.UniversalAuth{}).Where("id = ?", row.ID).Updates(cols).Error; err != nil {
				return Event{}, fmt.Errorf("configure universal auth: %w", err)
			}
			id = row.ID
			return Event{Action: "universal-auth.attach", TargetType: "identity", TargetID: identityID}, nil
		}
		if _, err := updateVersioned(tx, &store.UniversalAuth{}, cur.ID, version, cur.Version, cols, now); err != nil {
			return Event{}, err
		}
		id = cur.ID
		return Event{Action: "universal-auth.update", TargetType: "identity", TargetID: identityID}, nil
	})
	if err != nil {
		return UniversalAuthRecord{}, err
	}
	var ua store.UniversalAuth
	if err := k.db(ctx).Where("id = ?", id).Take(&ua).Error; err != nil {
		return UniversalAuthRecord{}, store.Translate(err, "universal auth")
	}
	return universalAuthFromRow(ua), nil
}

// DeleteUniversalAuth detaches ua, revoking its client secrets and every
// token it issued, and audits it. The caller has authorized it.
func (k *Core) DeleteUniversalAuth(ctx context.Context, c *Caller, ua UniversalAuthRecord) error {
	return k.revoke(ctx, c, store.Revocation{Kind: store.RevokeAuthMethod, RefID: ua.ID}, func(tx *gorm.DB) (Event, error) {
		if err := tx.Delete(&store.UniversalAuth{}, "id = ?", ua.ID).Error; err != nil {
			return Event{}, fmt.Errorf("detach universal auth: %w", err)
		}
		return Event{Action: "universal-auth.detach", TargetType: "identity", TargetID: ua.IdentityID}, nil
	})
}

func clientSecretToAPI(cs store.ClientSecret) api.ClientSecret {
	return api.ClientSecret{ID: cs.ID, IdentityID: cs.IdentityID, Description: cs.Description, Prefix: cs.Prefix,
		TTL: cs.TTL, NumUsesLimit: cs.NumUsesLimit, NumUses: cs.NumUses, ExpiresAt: cs.ExpiresAt, CreatedAt: cs.CreatedAt}
}

// ClientSecrets lists the live client secrets of a universal auth, oldest
// first.
func (k *Core) ClientSecrets(ctx context.Context, universalAuthID string) ([]api.ClientSecret, error) {
	var rows []store.ClientSecret
	if err := k.db(ctx).Where("universal_auth_id = ? AND revoked_at IS NULL", universalAuthID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list client secrets: %w", err)
	}
	out := make([]api.ClientSecret, 0, len(rows))
	for _, r := range rows {
		out = append(out, clientSecretToAPI(r))
	}
	return out, nil
}

// ClientSecret returns a live client secret of the identity; ErrNotFound
// when there is none (revoked ones are gone).
func (k *Core) ClientSecret(ctx context.Context, identityID, id string) (api.ClientSecret, error) {
	var cs store.ClientSecret
	err := k.db(ctx).Where("id = ? AND identity_id = ? AND revoked_at IS NULL", id, identityID).Take(&cs).Error
	return clientSecretToAPI(cs), store.Translate(err, "client secret "+id)
}

// NewClientSecret is a client secret to store: only its keyed hash.
type NewClientSecret struct {
	api.ClientSecret
	OrganizationID, UniversalAuthID string
	Hash                            []byte
}

// CreateClientSecret stores a client secret and audits it.
func (k *Core) CreateClientSecret(ctx context.Context, c *Caller, cs NewClientSecret) error {
	row := store.ClientSecret{ID: cs.ID, OrganizationID: cs.OrganizationID, IdentityID: cs.IdentityID, UniversalAuthID: cs.UniversalAuthID,
		Description: cs.Description, Prefix: cs.Prefix, Hash: cs.Hash, TTL: cs.TTL, NumUsesLimit: cs.NumUsesLimit,
		ExpiresAt: cs.ExpiresAt, CreatedAt: cs.CreatedAt}
	return k.change(ctx, c, func(tx *gorm.DB) (Event, error) {
		if err := tx.Create(&row).Error; err != nil {
			return Event{}, store.Translate(err, "create client secret")
		}
		return Event{Action: "client-secret.create", TargetType: "client-secret", TargetID: row.ID,
			Metadata: map[string]string{"identityId": row.IdentityID, "prefix": row.Prefix}}, nil
	})
}

// RevokeClientSecret revokes a client secret and the tokens it issued, and
// audits it.
func (k *Core) RevokeClientSecret(ctx context.Context, c *Caller, cs api.ClientSecret) error {
	return k.revoke(ctx, c, store.Revocation{Kind: store.RevokeCredential, RefID: cs.ID}, func(tx *gorm.DB) (Event, error) {
		if err := tx.Model(&store.ClientSecret{}).Where("id = ?", cs.ID).Update("revoked_at", k.Now()).Error; err != nil {
			return Event{}, fmt.Errorf("revoke client secret: %w", err)
		}
		return Event{Action: "client-secret.revoke", TargetType: "client-secret", TargetID: cs.ID,
			Metadata: map[string]string{"identityId": cs.IdentityID, "prefix": cs.Prefix}}, nil
	})
}

// UniversalLoginRow is everything a universal-auth login reads, in one
// query: the universal auth, one candidate client secret (none: nil CsID)
// and the source's lockout state (none: nil LoFailures).
type UniversalLoginRow struct {
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

const universalLoginQuery = `SELECT ua.id AS ua_id, ua.organization_id, ua.identity_id, ua.access_token_ttl, ua.access_token_max_ttl,
	ua.access_token_num_uses_limit, ua.access_token_trusted_ips, ua.client_secret_trusted_ips,
	ua.lockout_enabled, ua.lockout_threshold, ua.lockout_duration, ua.lockout_counter_reset,
	cs.id AS cs_id, cs.hash AS cs_hash, cs.num_uses_limit AS cs_num_uses_limit, cs.expires_at AS cs_expires_at,
	lo.locked_until AS lo_locked_until, lo.failures AS lo_failures
FROM universal_auths ua
LEFT JOIN client_secrets cs ON cs.universal_auth_id = ua.id AND cs.prefix = ? AND cs.revoked_at IS NULL
LEFT JOIN lockouts lo ON lo.universal_auth_id = ua.id AND lo.source_key = ?
WHERE ua.client_id = ?`

// UniversalLoginRows reads a login's rows: the universal auth of clientID
// with each live client secret of the given prefix, and source's lockout
// state. It scans by position: this is the one query of every login, and
// GORM's reflective scan cost more CPU than the query itself.
func (k *Core) UniversalLoginRows(ctx context.Context, prefix, source, clientID string) ([]UniversalLoginRow, error) {
	rs, err := k.db(ctx).Raw(universalLoginQuery, prefix, source, clientID).Rows()
	if err != nil {
		return nil, fmt.Errorf("load universal auth: %w", err)
	}
	defer rs.Close()
	var out []UniversalLoginRow
	for rs.Next() {
		var r UniversalLoginRow
		var tokenIPs, secretIPs store.JSON[[]string]
		if err := rs.Scan(&r.UaID, &r.OrganizationID, &r.IdentityID, &r.AccessTokenTTL, &r.AccessTokenMaxTTL,
			&r.AccessTokenNumUsesLimit, &tokenIPs, &secretIPs,
			&r.LockoutEnabled, &r.LockoutThreshold, &r.LockoutDuration, &r.LockoutCounterReset,
			&r.CsID, &r.CsHash, &r.CsNumUsesLimit, &r.CsExpiresAt, &r.LoLockedUntil, &r.LoFailures); err != nil {
			return nil, fmt.Errorf("load universal auth: %w", err)
		}
		r.AccessTokenTrustedIPs, r.ClientSecretTrustedIPs = tokenIPs.V, secretIPs.V
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("load universal auth: %w", err)
	}
	return out, nil
}

// UseClientSecret spends one use of a use-limited client secret; false
// when none is left (or it was revoked meanwhile).
func (k *Core) UseClientSecret(ctx context.Context, id string) (bool, error) {
	r := k.db(ctx).Exec(`UPDATE client_secrets SET num_uses = num_uses + 1 WHERE id = ? AND num_uses < num_uses_limit AND revoked_at IS NULL`, id)
	if r.Error != nil {
		return false, fmt.Errorf("consume client secret use: %w", r.Error)
	}
	return r.RowsAffected == 1, nil
}
