package universal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
)

func toAPI(u store.UniversalAuth) api.UniversalAuth {
	return api.UniversalAuth{
		IdentityID: u.IdentityID, ClientID: u.ClientID,
		TokenSettings: api.TokenSettings{AccessTokenTTL: u.AccessTokenTTL, AccessTokenMaxTTL: u.AccessTokenMaxTTL,
			AccessTokenNumUsesLimit: u.AccessTokenNumUsesLimit, AccessTokenTrustedIPs: nonNil(u.AccessTokenTrustedIPs.V)},
		ClientSecretTrustedIPs: nonNil(u.ClientSecretTrustedIPs.V),
		Lockout: api.Lockout{Enabled: u.LockoutEnabled, Threshold: u.LockoutThreshold,
			DurationSeconds: u.LockoutDuration, CounterResetSeconds: u.LockoutCounterReset},
		Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func columns(a api.UniversalAuth) map[string]any {
	return map[string]any{
		"access_token_ttl": a.AccessTokenTTL, "access_token_max_ttl": a.AccessTokenMaxTTL,
		"access_token_num_uses_limit": a.AccessTokenNumUsesLimit,
		"access_token_trusted_ips":    store.JSON[[]string]{V: service.SortedCopy(a.AccessTokenTrustedIPs)},
		"client_secret_trusted_ips":   store.JSON[[]string]{V: service.SortedCopy(a.ClientSecretTrustedIPs)},
		"lockout_enabled":             a.Lockout.Enabled, "lockout_threshold": a.Lockout.Threshold,
		"lockout_duration": a.Lockout.DurationSeconds, "lockout_counter_reset": a.Lockout.CounterResetSeconds,
	}
}

// load returns the identity's universal auth once the caller may do action
// on the identity.
func (u universal) load(ctx context.Context, c *service.Caller, identityID, action string) (store.UniversalAuth, error) {
	var ua store.UniversalAuth
	if _, err := u.core.Identity(ctx, c, identityID, action); err != nil {
		return ua, err
	}
	err := u.core.DB(ctx).Where("identity_id = ?", identityID).Take(&ua).Error
	return ua, store.Translate(err, "universal auth of identity "+identityID)
}

// get returns an identity's universal auth.
func (u universal) get(ctx context.Context, c *service.Caller, identityID string) (*api.UniversalAuth, error) {
	ua, err := u.load(ctx, c, identityID, api.ActionRead)
	if err != nil {
		return nil, err
	}
	out := toAPI(ua)
	return &out, nil
}

// write attaches universal auth or, with replace, replaces all its settings
// (missing fields take their defaults); without replace it changes only the
// given settings of an attached one.
func (u universal) write(ctx context.Context, c *service.Caller, identityID string, version int64, in *api.UniversalAuthInput, replace bool) (*api.UniversalAuth, error) {
	if _, err := u.core.Identity(ctx, c, identityID, api.ActionEdit); err != nil {
		return nil, err
	}
	var cur store.UniversalAuth
	err := u.core.DB(ctx).Where("identity_id = ?", identityID).Take(&cur).Error
	exists := err == nil
	if err != nil && !replace {
		return nil, store.Translate(err, "universal auth of identity "+identityID)
	}
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("load universal auth: %w", err)
	}
	next := api.UniversalAuth{TokenSettings: api.DefaultTokenSettings(), ClientSecretTrustedIPs: []string{"0.0.0.0/0", "::/0"}, Lockout: api.DefaultLockout()}
	if exists && !replace {
		next = toAPI(cur)
	}
	in.Apply(&next)
	var errs api.FieldErrors
	next.Validate(&errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	now := u.core.Now()
	cols := columns(next)
	err = u.core.Change(ctx, c, func(tx *gorm.DB) (service.Event, error) {
		if !exists {
			if version != 0 {
				return service.Event{}, service.StaleError(version, 0)
			}
			cur = store.UniversalAuth{ID: service.NewID(), OrganizationID: c.OrgID(), IdentityID: identityID, ClientID: uuid.NewString(),
				Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&cur).Error; err != nil {
				return service.Event{}, service.ConflictOr(store.Translate(err, "attach universal auth"), "identity %s already has universal auth", identityID)
			}
			if err := tx.Model(&store.UniversalAuth{}).Where("id = ?", cur.ID).Updates(cols).Error; err != nil {
				return service.Event{}, fmt.Errorf("configure universal auth: %w", err)
			}
			return service.Event{Action: "universal-auth.attach", TargetType: "identity", TargetID: identityID}, nil
		}
		v, err := service.UpdateVersioned(tx, &store.UniversalAuth{}, cur.ID, version, cur.Version, cols, now)
		if err != nil {
			return service.Event{}, err
		}
		cur.Version, cur.UpdatedAt = v, now
		return service.Event{Action: "universal-auth.update", TargetType: "identity", TargetID: identityID}, nil
	})
	if err != nil {
		return nil, err
	}
	u.cache.evict(cur.ClientID)
	if err := u.core.DB(ctx).Where("id = ?", cur.ID).Take(&cur).Error; err != nil {
		return nil, store.Translate(err, "universal auth")
	}
	out := toAPI(cur)
	return &out, nil
}

// detach detaches universal auth, revoking its client secrets and every
// token it issued.
func (u universal) detach(ctx context.Context, c *service.Caller, identityID string, version int64) error {
	ua, err := u.load(ctx, c, identityID, api.ActionEdit)
	if err != nil {
		return err
	}
	if version != 0 && version != ua.Version {
		return service.StaleError(version, ua.Version)
	}
	defer u.cache.evict(ua.ClientID)
	return u.core.Revoke(ctx, c, store.Revocation{Kind: store.RevokeAuthMethod, RefID: ua.ID}, func(tx *gorm.DB) (service.Event, error) {
		if err := tx.Delete(&store.UniversalAuth{}, "id = ?", ua.ID).Error; err != nil {
			return service.Event{}, fmt.Errorf("detach universal auth: %w", err)
		}
		return service.Event{Action: "universal-auth.detach", TargetType: "identity", TargetID: identityID}, nil
	})
}

func clientSecretToAPI(cs store.ClientSecret) api.ClientSecret {
	return api.ClientSecret{ID: cs.ID, IdentityID: cs.IdentityID, Description: cs.Description, Prefix: cs.Prefix,
		TTL: cs.TTL, NumUsesLimit: cs.NumUsesLimit, NumUses: cs.NumUses, ExpiresAt: cs.ExpiresAt, CreatedAt: cs.CreatedAt}
}

// listSecrets lists the live client secrets, showing prefixes only.
func (u universal) listSecrets(ctx context.Context, c *service.Caller, identityID string) (*api.ClientSecretList, error) {
	ua, err := u.load(ctx, c, identityID, api.ActionRead)
	if err != nil {
		return nil, err
	}
	var rows []store.ClientSecret
	if err := u.core.DB(ctx).Where("universal_auth_id = ? AND revoked_at IS NULL", ua.ID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list client secrets: %w", err)
	}
	out := &api.ClientSecretList{ClientSecrets: make([]api.ClientSecret, 0, len(rows))}
	for _, r := range rows {
		out.ClientSecrets = append(out.ClientSecrets, clientSecretToAPI(r))
	}
	return out, nil
}

// createSecret creates a client secret and returns its value once; only its
// keyed hash is stored. A value the caller supplied (a write-only argument
// in Terraform) is not returned: the caller has it.
func (u universal) createSecret(ctx context.Context, c *service.Caller, identityID string, in *api.ClientSecretInput) (*api.ClientSecretCreated, error) {
	ua, err := u.load(ctx, c, identityID, api.ActionEdit)
	if err != nil {
		return nil, err
	}
	value, returned := in.ClientSecret, ""
	if value == "" {
		if value, err = secret.Generate(secret.ClientSecretPrefix); err != nil {
			return nil, err
		}
		returned = value
	}
	now := u.core.Now()
	row := store.ClientSecret{ID: service.NewID(), OrganizationID: c.OrgID(), IdentityID: identityID, UniversalAuthID: ua.ID,
		Description: in.Description, Prefix: u.core.Keys().Lookup(value), Hash: u.core.Keys().Hash(value), TTL: in.TTL,
		NumUsesLimit: in.NumUsesLimit, CreatedAt: now}
	if in.TTL > 0 {
		exp := now.Add(time.Duration(in.TTL) * time.Second)
		row.ExpiresAt = &exp
	}
	err = u.core.Change(ctx, c, func(tx *gorm.DB) (service.Event, error) {
		if err := tx.Create(&row).Error; err != nil {
			return service.Event{}, store.Translate(err, "create client secret")
		}
		return service.Event{Action: "client-secret.create", TargetType: "client-secret", TargetID: row.ID,
			Metadata: map[string]string{"identityId": identityID, "prefix": row.Prefix}}, nil
	})
	if err != nil {
		return nil, err
	}
	u.cache.evict(ua.ClientID)
	return &api.ClientSecretCreated{ClientSecret: returned, ClientSecretData: clientSecretToAPI(row)}, nil
}

func (u universal) secret(ctx context.Context, c *service.Caller, identityID, id, action string) (store.ClientSecret, error) {
	var cs store.ClientSecret
	if _, err := u.load(ctx, c, identityID, action); err != nil {
		return cs, err
	}
	err := u.core.DB(ctx).Where("id = ? AND identity_id = ? AND revoked_at IS NULL", id, identityID).Take(&cs).Error
	return cs, store.Translate(err, "client secret "+id)
}

// getSecret returns a live client secret's details; revoked ones are gone.
func (u universal) getSecret(ctx context.Context, c *service.Caller, identityID, id string) (*api.ClientSecret, error) {
	cs, err := u.secret(ctx, c, identityID, id, api.ActionRead)
	if err != nil {
		return nil, err
	}
	out := clientSecretToAPI(cs)
	return &out, nil
}

// revokeSecret revokes a client secret and the tokens it issued.
func (u universal) revokeSecret(ctx context.Context, c *service.Caller, identityID, id string) error {
	cs, err := u.secret(ctx, c, identityID, id, api.ActionEdit)
	if err != nil {
		return err
	}
	return u.core.Revoke(ctx, c, store.Revocation{Kind: store.RevokeCredential, RefID: cs.ID}, func(tx *gorm.DB) (service.Event, error) {
		if err := tx.Model(&store.ClientSecret{}).Where("id = ?", cs.ID).Update("revoked_at", u.core.Now()).Error; err != nil {
			return service.Event{}, fmt.Errorf("revoke client secret: %w", err)
		}
		return service.Event{Action: "client-secret.revoke", TargetType: "client-secret", TargetID: cs.ID,
			Metadata: map[string]string{"identityId": identityID, "prefix": cs.Prefix}}, nil
	})
}
