package methodhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store/dbtext"
)

// Repository is where configurations are kept: loaded, attached or
// replaced, and detached per identity and kind, with the organization of
// an identity that has none. The core implements it on auth_method_configs,
// in transactions with their audit events; methods never see the database.
type Repository interface {
	MethodConfig(ctx context.Context, kind service.MethodKind, identityID string) (service.MethodConfig, error)
	SaveMethodConfig(ctx context.Context, c *service.Caller, kind service.MethodKind, identityID string, version int64, w service.MethodConfigWrite) (service.MethodConfig, error)
	DeleteMethodConfig(ctx context.Context, c *service.Caller, kind service.MethodKind, identityID string, version int64) error
	IdentityOrganization(ctx context.Context, identityID string) (string, error)
}

var _ Repository = (*service.Core)(nil)

// configs is the configurations of one kind of auth method.
type configs[C any] struct {
	kind  service.MethodKind // "oidc-auth", as tokens and identities name it; "OIDC auth" in messages
	core  *service.Core
	repo  Repository
	cache *loginCache[C]
	// sealed is the configuration's secret, when the method keeps one.
	sealed func(*C) *methodconfig.Sealed
}

// newConfigs returns kind's configurations, kept in repo; sealed, when not
// nil, names C's methodconfig.Sealed field.
func newConfigs[C any](core *service.Core, repo Repository, kind service.MethodKind, sealed func(*C) *methodconfig.Sealed) *configs[C] {
	return &configs[C]{kind: kind, core: core, repo: repo, cache: newLoginCache[C](), sealed: sealed}
}

func (s *configs[C]) decode(r service.MethodConfig) (methodconfig.Config[C], error) {
	out := methodconfig.Config[C]{ID: r.ID, OrganizationID: r.OrganizationID, IdentityID: r.IdentityID, Settings: r.Settings,
		Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal(r.Config, &out.C); err != nil {
		return out, fmt.Errorf("decode %s configuration %s: %w", s.kind.Name, r.ID, err)
	}
	if s.sealed != nil {
		*s.sealed(&out.C) = methodconfig.Sealed{Stored: r.Sealed != nil}
	}
	return out, nil
}

// Get returns the identity's configuration once the caller may read it.
func (s *configs[C]) Get(ctx context.Context, c *service.Caller, identityID string) (methodconfig.Config[C], error) {
	if _, err := s.core.Identity(ctx, c, identityID, api.ActionRead); err != nil {
		return methodconfig.Config[C]{}, err
	}
	r, err := s.repo.MethodConfig(ctx, s.kind, identityID)
	if err != nil {
		return methodconfig.Config[C]{}, err
	}
	return s.decode(r)
}

// Put attaches the method or replaces all its settings: omitted token
// settings take their defaults. cfg has been validated by the caller (the
// route's input type validates itself).
func (s *configs[C]) Put(ctx context.Context, c *service.Caller, identityID string, version int64, in api.TokenSettingsInput, cfg C) (methodconfig.Config[C], error) {
	if _, err := s.core.Identity(ctx, c, identityID, api.ActionEdit); err != nil {
		return methodconfig.Config[C]{}, err
	}
	settings := api.DefaultTokenSettings()
	in.Apply(&settings)
	var errs api.FieldErrors
	settings.Validate(&errs)
	if err := errs.Err(); err != nil {
		return methodconfig.Config[C]{}, err
	}
	doc := cfg
	if s.sealed != nil {
		*s.sealed(&doc) = methodconfig.Sealed{}
	}
	docJSON, err := json.Marshal(doc)
	if err != nil {
		return methodconfig.Config[C]{}, fmt.Errorf("encode %s: %w", s.kind.Noun, err)
	}
	r, err := s.repo.SaveMethodConfig(ctx, c, s.kind, identityID, version,
		service.MethodConfigWrite{Settings: settings, Config: docJSON, Seal: s.seal(&cfg)})
	if err != nil {
		return methodconfig.Config[C]{}, err
	}
	s.cache.evict(identityID)
	return s.decode(r)
}

// Delete detaches the method, revoking every token it issued.
func (s *configs[C]) Delete(ctx context.Context, c *service.Caller, identityID string, version int64) error {
	if _, err := s.core.Identity(ctx, c, identityID, api.ActionEdit); err != nil {
		return err
	}
	defer s.cache.evict(identityID)
	return s.repo.DeleteMethodConfig(ctx, c, s.kind, identityID, version)
}

// ForLogin returns the configuration a login of identityID needs, without
// authorization (the login proves itself). A configuration read within the
// last second is reused unless this replica changed it or its tokens were
// revoked since; another replica's change arrives within that second, as
// revocations do. Not attached is a LoginError.
func (s *configs[C]) ForLogin(ctx context.Context, identityID string) (methodconfig.Config[C], error) {
	now := s.core.Now()
	if cfg, ok := s.cache.get(identityID, now, s.core.RevokedSince); ok {
		return cfg, nil
	}
	r, err := s.repo.MethodConfig(ctx, s.kind, identityID)
	if errors.Is(err, service.ErrNotFound) {
		// The refusal is audited in the identity's organization when the
		// identity exists, so its admins see logins tried with a method it
		// does not have.
		org, err := s.repo.IdentityOrganization(ctx, identityID)
		if err != nil {
			return methodconfig.Config[C]{}, err
		}
		var cfg methodconfig.Config[C]
		if org != "" {
			cfg.OrganizationID, cfg.IdentityID = org, identityID
		}
		return cfg, login.Refused("the identity has no "+s.kind.Noun+" (or does not exist)",
			"no "+s.kind.Noun+" attached to identity "+dbtext.Truncate(identityID, 64))
	}
	if err != nil {
		return methodconfig.Config[C]{}, fmt.Errorf("load %s: %w", s.kind.Noun, err)
	}
	cfg, err := s.decode(r)
	if err == nil {
		err = s.unseal(r, &cfg.C)
	}
	if err != nil {
		return cfg, err
	}
	s.cache.put(identityID, cfg, now)
	return cfg, nil
}
