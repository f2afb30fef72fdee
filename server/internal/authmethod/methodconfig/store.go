// Package methodconfig stores the configuration of every auth method but
// universal auth, written once for all of them: one row per identity and
// kind in auth_method_configs, holding the token settings every method has
// and the method's own settings as a JSON document of its API type C.
//
// A method package states what is its own as a Method (its kind, routes,
// configuration type and login verifier) and gets from it the
// authmethod.Method the app registers: the configuration API (get, attach
// or replace, detach: authorized, versioned, audited, detaching revokes the
// method's tokens), the Attached query, and the login route, which reads
// the identity's configuration (cached for a second), verifies, issues the
// token and audits refusals. A method may keep a secret part of its
// configuration sealed (Sealed).
package methodconfig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/internal/store/dbtext"
)

// Config is one identity's auth method of the store's kind.
type Config[C any] struct {
	ID, OrganizationID, IdentityID string
	Settings                       api.TokenSettings
	C                              C
	Version                        int64
	CreatedAt, UpdatedAt           time.Time
}

// Base is the part of the API object every method shares.
func (c Config[C]) Base() api.AuthMethodBase {
	s := c.Settings
	if s.AccessTokenTrustedIPs == nil {
		s.AccessTokenTrustedIPs = []string{}
	}
	return api.AuthMethodBase{IdentityID: c.IdentityID, TokenSettings: s, Version: c.Version,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// configs is the configurations of one kind of auth method.
type configs[C any] struct {
	kind  string // "oidc-auth", as tokens and identities name it
	noun  string // "OIDC auth", in messages
	core  *service.Core
	cache *loginCache[C]
	// sealed is the configuration's secret, when the method keeps one.
	sealed func(*C) *Sealed
}

// newConfigs returns kind's configurations; sealed, when not nil, names
// C's Sealed field.
func newConfigs[C any](core *service.Core, kind, noun string, sealed func(*C) *Sealed) *configs[C] {
	return &configs[C]{kind: kind, noun: noun, core: core, cache: newLoginCache[C](), sealed: sealed}
}

// attached reports which of the identities have this kind attached.
func attached(db *gorm.DB, kind string, identityIDs []string) (map[string]bool, error) {
	var ids []string
	if err := db.Model(&store.AuthMethodConfig{}).Where("kind = ? AND identity_id IN ?", kind, identityIDs).Pluck("identity_id", &ids).Error; err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

func (s *configs[C]) fromRow(r store.AuthMethodConfig) (Config[C], error) {
	out := Config[C]{ID: r.ID, OrganizationID: r.OrganizationID, IdentityID: r.IdentityID,
		Settings: api.TokenSettings{AccessTokenTTL: r.AccessTokenTTL, AccessTokenMaxTTL: r.AccessTokenMaxTTL,
			AccessTokenNumUsesLimit: r.AccessTokenNumUsesLimit, AccessTokenTrustedIPs: r.AccessTokenTrustedIPs.V},
		Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal(r.Config.V, &out.C); err != nil {
		return out, fmt.Errorf("decode %s configuration %s: %w", r.Kind, r.ID, err)
	}
	if s.sealed != nil {
		*s.sealed(&out.C) = Sealed{Stored: r.Sealed != nil}
	}
	return out, nil
}

func (s *configs[C]) what(identityID string) string {
	return s.noun + " of identity " + identityID
}

// row loads the identity's configuration row.
func (s *configs[C]) row(db *gorm.DB, identityID string) (store.AuthMethodConfig, error) {
	var r store.AuthMethodConfig
	err := db.Where("identity_id = ? AND kind = ?", identityID, s.kind).Take(&r).Error
	return r, store.Translate(err, s.what(identityID))
}

// Get returns the identity's configuration once the caller may read it.
func (s *configs[C]) Get(ctx context.Context, c *service.Caller, identityID string) (Config[C], error) {
	if _, err := s.core.Identity(ctx, c, identityID, api.ActionRead); err != nil {
		return Config[C]{}, err
	}
	r, err := s.row(s.core.DB(ctx), identityID)
	if err != nil {
		return Config[C]{}, err
	}
	return s.fromRow(r)
}

// Put attaches the method or replaces all its settings: omitted token
// settings take their defaults. cfg has been validated by the caller (the
// route's input type validates itself).
func (s *configs[C]) Put(ctx context.Context, c *service.Caller, identityID string, version int64, in api.TokenSettingsInput, cfg C) (Config[C], error) {
	if _, err := s.core.Identity(ctx, c, identityID, api.ActionEdit); err != nil {
		return Config[C]{}, err
	}
	settings := api.DefaultTokenSettings()
	in.Apply(&settings)
	var errs api.FieldErrors
	settings.Validate(&errs)
	if err := errs.Err(); err != nil {
		return Config[C]{}, err
	}
	doc := cfg
	if s.sealed != nil {
		*s.sealed(&doc) = Sealed{}
	}
	docJSON, err := json.Marshal(doc)
	if err != nil {
		return Config[C]{}, fmt.Errorf("encode %s: %w", s.noun, err)
	}
	now := s.core.Now()
	cols := map[string]any{
		"access_token_ttl": settings.AccessTokenTTL, "access_token_max_ttl": settings.AccessTokenMaxTTL,
		"access_token_num_uses_limit": settings.AccessTokenNumUsesLimit,
		"access_token_trusted_ips":    store.JSON[[]string]{V: service.SortedCopy(settings.AccessTokenTrustedIPs)},
		"config":                      store.JSON[json.RawMessage]{V: docJSON},
	}
	var id string
	err = s.core.Change(ctx, c, func(tx *gorm.DB) (service.Event, error) {
		cur, err := s.row(tx, identityID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if version != 0 {
				return service.Event{}, service.StaleError(version, 0)
			}
			row := store.AuthMethodConfig{ID: service.NewID(), OrganizationID: c.OrgID(), IdentityID: identityID, Kind: s.kind,
				AccessTokenTTL: settings.AccessTokenTTL, AccessTokenMaxTTL: settings.AccessTokenMaxTTL,
				Config: store.JSON[json.RawMessage]{V: json.RawMessage("{}")}, Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&row).Error; err != nil {
				return service.Event{}, service.ConflictOr(store.Translate(err, "attach "+s.noun), "identity %s already has %s", identityID, s.noun)
			}
			if err := s.sealInto(cols, row.ID, &cfg); err != nil {
				return service.Event{}, err
			}
			if err := tx.Model(&store.AuthMethodConfig{}).Where("id = ?", row.ID).Updates(cols).Error; err != nil {
				return service.Event{}, fmt.Errorf("configure %s: %w", s.noun, err)
			}
			id = row.ID
			return service.Event{Action: s.kind + ".attach", TargetType: "identity", TargetID: identityID}, nil
		case err != nil:
			return service.Event{}, err
		}
		if err := s.sealInto(cols, cur.ID, &cfg); err != nil {
			return service.Event{}, err
		}
		if _, err := service.UpdateVersioned(tx, &store.AuthMethodConfig{}, cur.ID, version, cur.Version, cols, now); err != nil {
			return service.Event{}, err
		}
		id = cur.ID
		return service.Event{Action: s.kind + ".update", TargetType: "identity", TargetID: identityID}, nil
	})
	if err != nil {
		return Config[C]{}, err
	}
	s.cache.evict(identityID)
	var r store.AuthMethodConfig
	if err := s.core.DB(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return Config[C]{}, store.Translate(err, s.noun)
	}
	return s.fromRow(r)
}

// Delete detaches the method, revoking every token it issued.
func (s *configs[C]) Delete(ctx context.Context, c *service.Caller, identityID string, version int64) error {
	if _, err := s.core.Identity(ctx, c, identityID, api.ActionEdit); err != nil {
		return err
	}
	r, err := s.row(s.core.DB(ctx), identityID)
	if err != nil {
		return err
	}
	if version != 0 && version != r.Version {
		return service.StaleError(version, r.Version)
	}
	defer s.cache.evict(identityID)
	return s.core.Revoke(ctx, c, store.Revocation{Kind: store.RevokeAuthMethod, RefID: r.ID}, func(tx *gorm.DB) (service.Event, error) {
		if err := tx.Delete(&store.AuthMethodConfig{}, "id = ?", r.ID).Error; err != nil {
			return service.Event{}, fmt.Errorf("detach %s: %w", s.noun, err)
		}
		return service.Event{Action: s.kind + ".detach", TargetType: "identity", TargetID: identityID}, nil
	})
}

// ForLogin returns the configuration a login of identityID needs, without
// authorization (the login proves itself). A configuration read within the
// last second is reused unless this replica changed it or its tokens were
// revoked since; another replica's change arrives within that second, as
// revocations do. Not attached is a LoginError.
func (s *configs[C]) ForLogin(ctx context.Context, identityID string) (Config[C], error) {
	now := s.core.Now()
	if cfg, ok := s.cache.get(identityID, now, s.core.RevokedSince); ok {
		return cfg, nil
	}
	r, err := s.row(s.core.DB(ctx), identityID)
	if errors.Is(err, store.ErrNotFound) {
		// The refusal is audited in the identity's organization when the
		// identity exists, so its admins see logins tried with a method it
		// does not have.
		var orgs []string
		if err := s.core.DB(ctx).Model(&store.Identity{}).Where("id = ?", identityID).Limit(1).Pluck("organization_id", &orgs).Error; err != nil {
			return Config[C]{}, fmt.Errorf("load identity %s: %w", dbtext.Truncate(identityID, 64), err)
		}
		var cfg Config[C]
		if len(orgs) == 1 {
			cfg.OrganizationID, cfg.IdentityID = orgs[0], identityID
		}
		return cfg, service.LoginRefused("the identity has no "+s.noun+" (or does not exist)",
			"no "+s.noun+" attached to identity "+dbtext.Truncate(identityID, 64))
	}
	if err != nil {
		return Config[C]{}, fmt.Errorf("load %s: %w", s.noun, err)
	}
	cfg, err := s.fromRow(r)
	if err == nil {
		err = s.unseal(r, &cfg.C)
	}
	if err != nil {
		return cfg, err
	}
	s.cache.put(identityID, cfg, now)
	return cfg, nil
}
