package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
)

// ErrNotFound is the store's "not found", for the packages that reach the
// store only through the core.
var ErrNotFound = store.ErrNotFound

// MethodKind names an auth method kept in auth_method_configs: its kind
// ("oidc-auth") and its noun in messages ("OIDC auth").
type MethodKind struct{ Name, Noun string }

// MethodConfig is an identity's configuration of an auth method other than
// universal auth, as stored: the token settings every method has, the
// method's own settings as a JSON document, and its sealed secret.
type MethodConfig struct {
	ID, OrganizationID, IdentityID string
	Settings                       api.TokenSettings
	Config                         json.RawMessage
	// Sealed is the encrypted secret; nil when none is stored.
	Sealed               []byte
	Version              int64
	CreatedAt, UpdatedAt time.Time
}

// MethodConfigWrite is what attaching or replacing a configuration writes.
type MethodConfigWrite struct {
	Settings api.TokenSettings
	Config   json.RawMessage
	// Seal, when not nil, is the new sealed secret of the row whose ID it
	// gets: a ciphertext, or nil to remove the secret. A nil Seal keeps the
	// stored secret.
	Seal func(rowID string) ([]byte, error)
}

func methodConfigFromRow(r store.AuthMethodConfig) MethodConfig {
	out := MethodConfig{ID: r.ID, OrganizationID: r.OrganizationID, IdentityID: r.IdentityID,
		Settings: api.TokenSettings{AccessTokenTTL: r.AccessTokenTTL, AccessTokenMaxTTL: r.AccessTokenMaxTTL,
			AccessTokenNumUsesLimit: r.AccessTokenNumUsesLimit, AccessTokenTrustedIPs: r.AccessTokenTrustedIPs.V},
		Config: r.Config.V, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.Sealed != nil {
		out.Sealed = *r.Sealed
	}
	return out
}

func methodConfigRow(db *gorm.DB, k MethodKind, identityID string) (store.AuthMethodConfig, error) {
	var r store.AuthMethodConfig
	err := db.Where("identity_id = ? AND kind = ?", identityID, k.Name).Take(&r).Error
	return r, store.Translate(err, k.Noun+" of identity "+identityID)
}

// MethodConfig loads the identity's configuration of kind k, without
// authorization; ErrNotFound when it has none.
func (k *Core) MethodConfig(ctx context.Context, kind MethodKind, identityID string) (MethodConfig, error) {
	r, err := methodConfigRow(k.db(ctx), kind, identityID)
	if err != nil {
		return MethodConfig{}, err
	}
	return methodConfigFromRow(r), nil
}

// SaveMethodConfig attaches kind to the identity or replaces its
// configuration, at version (0: any, or attach), auditing the change. The
// caller has authorized it and validated w.
func (k *Core) SaveMethodConfig(ctx context.Context, c *Caller, kind MethodKind, identityID string, version int64, w MethodConfigWrite) (MethodConfig, error) {
	now := k.Now()
	cols := map[string]any{
		"access_token_ttl": w.Settings.AccessTokenTTL, "access_token_max_ttl": w.Settings.AccessTokenMaxTTL,
		"access_token_num_uses_limit": w.Settings.AccessTokenNumUsesLimit,
		"access_token_trusted_ips":    store.JSON[[]string]{V: SortedCopy(w.Settings.AccessTokenTrustedIPs)},
		"config":                      store.JSON[json.RawMessage]{V: w.Config},
	}
	seal := func(rowID string) error {
		if w.Seal == nil {
			return nil
		}
		ct, err := w.Seal(rowID)
		if err != nil {
			return err
		}
		if ct == nil {
			cols["sealed"] = nil
		} else {
			cols["sealed"] = ct
		}
		return nil
	}
	var id string
	err := k.change(ctx, c, func(tx *gorm.DB) (Event, error) {
		cur, err := methodConfigRow(tx, kind, identityID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if version != 0 {
				return Event{}, StaleError(version, 0)
			}
			row := store.AuthMethodConfig{ID: NewID(), OrganizationID: c.OrgID(), IdentityID: identityID, Kind: kind.Name,
				AccessTokenTTL: w.Settings.AccessTokenTTL, AccessTokenMaxTTL: w.Settings.AccessTokenMaxTTL,
				Config: store.JSON[json.RawMessage]{V: json.RawMessage("{}")}, Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&row).Error; err != nil {
				return Event{}, conflictOr(store.Translate(err, "attach "+kind.Noun), "identity %s already has %s", identityID, kind.Noun)
			}
			if err := seal(row.ID); err != nil {
				return Event{}, err
			}
			if err := tx.Model(&store.AuthMethodConfig{}).Where("id = ?", row.ID).Updates(cols).Error; err != nil {
				return Event{}, fmt.Errorf("configure %s: %w", kind.Noun, err)
			}
			id = row.ID
			return Event{Action: kind.Name + ".attach", TargetType: "identity", TargetID: identityID}, nil
		case err != nil:
			return Event{}, err
		}
		if err := seal(cur.ID); err != nil {
			return Event{}, err
		}
		if _, err := updateVersioned(tx, &store.AuthMethodConfig{}, cur.ID, version, cur.Version, cols, now); err != nil {
			return Event{}, err
		}
		id = cur.ID
		return Event{Action: kind.Name + ".update", TargetType: "identity", TargetID: identityID}, nil
	})
	if err != nil {
		return MethodConfig{}, err
	}
	var r store.AuthMethodConfig
	if err := k.db(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return MethodConfig{}, store.Translate(err, kind.Noun)
	}
	return methodConfigFromRow(r), nil
}

// DeleteMethodConfig detaches kind from the identity at version (0: any),
// revoking every token it issued and auditing the change. The caller has
// authorized it.
func (k *Core) DeleteMethodConfig(ctx context.Context, c *Caller, kind MethodKind, identityID string, version int64) error {
	r, err := methodConfigRow(k.db(ctx), kind, identityID)
	if err != nil {
		return err
	}
	if version != 0 && version != r.Version {
		return StaleError(version, r.Version)
	}
	return k.revoke(ctx, c, store.Revocation{Kind: store.RevokeAuthMethod, RefID: r.ID}, func(tx *gorm.DB) (Event, error) {
		if err := tx.Delete(&store.AuthMethodConfig{}, "id = ?", r.ID).Error; err != nil {
			return Event{}, fmt.Errorf("detach %s: %w", kind.Noun, err)
		}
		return Event{Action: kind.Name + ".detach", TargetType: "identity", TargetID: identityID}, nil
	})
}

// IdentityOrganization returns the organization of the identity, "" when
// there is no such identity, without authorization: a login refused for
// want of a method is audited there.
func (k *Core) IdentityOrganization(ctx context.Context, identityID string) (string, error) {
	var orgs []string
	if err := k.db(ctx).Model(&store.Identity{}).Where("id = ?", identityID).Limit(1).Pluck("organization_id", &orgs).Error; err != nil {
		return "", fmt.Errorf("load identity: %w", err)
	}
	if len(orgs) == 0 {
		return "", nil
	}
	return orgs[0], nil
}
