package service

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/store"
)

func universalToAPI(u store.UniversalAuth) api.UniversalAuth {
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

func universalColumns(a api.UniversalAuth) map[string]any {
	return map[string]any{
		"access_token_ttl": a.AccessTokenTTL, "access_token_max_ttl": a.AccessTokenMaxTTL,
		"access_token_num_uses_limit": a.AccessTokenNumUsesLimit,
		"access_token_trusted_ips":    store.JSON[[]string]{V: sortedCopy(a.AccessTokenTrustedIPs)},
		"client_secret_trusted_ips":   store.JSON[[]string]{V: sortedCopy(a.ClientSecretTrustedIPs)},
		"lockout_enabled":             a.Lockout.Enabled, "lockout_threshold": a.Lockout.Threshold,
		"lockout_duration": a.Lockout.DurationSeconds, "lockout_counter_reset": a.Lockout.CounterResetSeconds,
	}
}

func (s *Service) universal(ctx context.Context, c *Caller, identityID, action string) (store.Identity, store.UniversalAuth, error) {
	var u store.UniversalAuth
	ident, err := s.identity(ctx, c, identityID, action)
	if err != nil {
		return ident, u, err
	}
	err = s.db.WithContext(ctx).Where("identity_id = ?", identityID).Take(&u).Error
	return ident, u, store.Translate(err, "universal auth of identity "+identityID)
}

// GetUniversalAuth returns an identity's universal auth.
func (s *Service) GetUniversalAuth(ctx context.Context, c *Caller, identityID string) (*api.UniversalAuth, error) {
	_, u, err := s.universal(ctx, c, identityID, api.ActionRead)
	if err != nil {
		return nil, err
	}
	out := universalToAPI(u)
	return &out, nil
}

// PutUniversalAuth attaches universal auth, or replaces all its settings
// (missing fields take their defaults).
func (s *Service) PutUniversalAuth(ctx context.Context, c *Caller, identityID string, version int64, in *api.UniversalAuthInput) (*api.UniversalAuth, error) {
	return s.writeUniversal(ctx, c, identityID, version, in, true)
}

// PatchUniversalAuth changes only the given settings.
func (s *Service) PatchUniversalAuth(ctx context.Context, c *Caller, identityID string, version int64, in *api.UniversalAuthInput) (*api.UniversalAuth, error) {
	return s.writeUniversal(ctx, c, identityID, version, in, false)
}

func (s *Service) writeUniversal(ctx context.Context, c *Caller, identityID string, version int64, in *api.UniversalAuthInput, replace bool) (*api.UniversalAuth, error) {
	if _, err := s.identity(ctx, c, identityID, api.ActionEdit); err != nil {
		return nil, err
	}
	var cur store.UniversalAuth
	err := s.db.WithContext(ctx).Where("identity_id = ?", identityID).Take(&cur).Error
	exists := err == nil
	if err != nil && !replace {
		return nil, store.Translate(err, "universal auth of identity "+identityID)
	}
	if err != nil && !isNotFound(err) {
		return nil, fmt.Errorf("load universal auth: %w", err)
	}
	next := api.UniversalAuth{TokenSettings: api.DefaultTokenSettings(), ClientSecretTrustedIPs: []string{"0.0.0.0/0", "::/0"}, Lockout: api.DefaultLockout()}
	if exists && !replace {
		next = universalToAPI(cur)
	}
	in.Apply(&next)
	var errs api.FieldErrors
	next.Validate(&errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	cols := universalColumns(next)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if !exists {
			if version != 0 {
				return staleError(version, 0)
			}
			cur = store.UniversalAuth{ID: newID(), OrganizationID: c.OrgID(), IdentityID: identityID, ClientID: uuid.NewString(),
				Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&cur).Error; err != nil {
				return conflictOr(store.Translate(err, "attach universal auth"), "identity %s already has universal auth", identityID)
			}
			if err := tx.Model(&store.UniversalAuth{}).Where("id = ?", cur.ID).Updates(cols).Error; err != nil {
				return fmt.Errorf("configure universal auth: %w", err)
			}
			return s.record(tx, c, "universal-auth.attach", "identity", identityID, nil)
		}
		v, err := updateVersioned(tx, &store.UniversalAuth{}, cur.ID, version, cur.Version, cols, now)
		if err != nil {
			return err
		}
		cur.Version, cur.UpdatedAt = v, now
		return s.record(tx, c, "universal-auth.update", "identity", identityID, nil)
	})
	if err != nil {
		return nil, err
	}
	if err := s.db.WithContext(ctx).Where("id = ?", cur.ID).Take(&cur).Error; err != nil {
		return nil, store.Translate(err, "universal auth")
	}
	out := universalToAPI(cur)
	return &out, nil
}

// DeleteUniversalAuth detaches universal auth, revoking its client secrets
// and every token it issued.
func (s *Service) DeleteUniversalAuth(ctx context.Context, c *Caller, identityID string, version int64) error {
	_, u, err := s.universal(ctx, c, identityID, api.ActionEdit)
	if err != nil {
		return err
	}
	if version != 0 && version != u.Version {
		return staleError(version, u.Version)
	}
	return s.revokeAfter(ctx, store.Revocation{Kind: store.RevokeAuthMethod, RefID: u.ID}, func(tx *gorm.DB) error {
		if err := tx.Delete(&store.UniversalAuth{}, "id = ?", u.ID).Error; err != nil {
			return fmt.Errorf("detach universal auth: %w", err)
		}
		return s.record(tx, c, "universal-auth.detach", "identity", identityID, nil)
	})
}

func clientSecretToAPI(cs store.ClientSecret) api.ClientSecret {
	return api.ClientSecret{ID: cs.ID, IdentityID: cs.IdentityID, Description: cs.Description, Prefix: cs.Prefix,
		TTL: cs.TTL, NumUsesLimit: cs.NumUsesLimit, NumUses: cs.NumUses, ExpiresAt: cs.ExpiresAt, CreatedAt: cs.CreatedAt}
}

// ListClientSecrets lists the live client secrets, showing prefixes only.
func (s *Service) ListClientSecrets(ctx context.Context, c *Caller, identityID string) (*api.ClientSecretList, error) {
	_, u, err := s.universal(ctx, c, identityID, api.ActionRead)
	if err != nil {
		return nil, err
	}
	var rows []store.ClientSecret
	if err := s.db.WithContext(ctx).Where("universal_auth_id = ? AND revoked_at IS NULL", u.ID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list client secrets: %w", err)
	}
	out := &api.ClientSecretList{ClientSecrets: make([]api.ClientSecret, 0, len(rows))}
	for _, r := range rows {
		out.ClientSecrets = append(out.ClientSecrets, clientSecretToAPI(r))
	}
	return out, nil
}

// CreateClientSecret creates a client secret and returns its value once;
// only its keyed hash is stored.
func (s *Service) CreateClientSecret(ctx context.Context, c *Caller, identityID string, in *api.ClientSecretInput) (*api.ClientSecretCreated, error) {
	_, u, err := s.universal(ctx, c, identityID, api.ActionEdit)
	if err != nil {
		return nil, err
	}
	value, err := secret.Generate(secret.ClientSecretPrefix)
	if err != nil {
		return nil, err
	}
	now := s.now()
	row := store.ClientSecret{ID: newID(), OrganizationID: c.OrgID(), IdentityID: identityID, UniversalAuthID: u.ID,
		Description: in.Description, Prefix: secret.LookupPrefix(value), Hash: s.keys.Hash(value), TTL: in.TTL,
		NumUsesLimit: in.NumUsesLimit, CreatedAt: now}
	if in.TTL > 0 {
		exp := now.Add(time.Duration(in.TTL) * time.Second)
		row.ExpiresAt = &exp
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return store.Translate(err, "create client secret")
		}
		return s.record(tx, c, "client-secret.create", "client-secret", row.ID, map[string]string{"identityId": identityID, "prefix": row.Prefix})
	})
	if err != nil {
		return nil, err
	}
	return &api.ClientSecretCreated{ClientSecret: value, ClientSecretData: clientSecretToAPI(row)}, nil
}

func (s *Service) clientSecret(ctx context.Context, c *Caller, identityID, id, action string) (store.ClientSecret, error) {
	var cs store.ClientSecret
	if _, _, err := s.universal(ctx, c, identityID, action); err != nil {
		return cs, err
	}
	err := s.db.WithContext(ctx).Where("id = ? AND identity_id = ? AND revoked_at IS NULL", id, identityID).Take(&cs).Error
	return cs, store.Translate(err, "client secret "+id)
}

// GetClientSecret returns a live client secret's details; revoked ones are gone.
func (s *Service) GetClientSecret(ctx context.Context, c *Caller, identityID, id string) (*api.ClientSecret, error) {
	cs, err := s.clientSecret(ctx, c, identityID, id, api.ActionRead)
	if err != nil {
		return nil, err
	}
	out := clientSecretToAPI(cs)
	return &out, nil
}

// RevokeClientSecret revokes a client secret and the tokens it issued.
func (s *Service) RevokeClientSecret(ctx context.Context, c *Caller, identityID, id string) error {
	cs, err := s.clientSecret(ctx, c, identityID, id, api.ActionEdit)
	if err != nil {
		return err
	}
	return s.revokeAfter(ctx, store.Revocation{Kind: store.RevokeCredential, RefID: cs.ID}, func(tx *gorm.DB) error {
		if err := tx.Model(&store.ClientSecret{}).Where("id = ?", cs.ID).Update("revoked_at", s.now()).Error; err != nil {
			return fmt.Errorf("revoke client secret: %w", err)
		}
		return s.record(tx, c, "client-secret.revoke", "client-secret", cs.ID, map[string]string{"identityId": identityID, "prefix": cs.Prefix})
	})
}
