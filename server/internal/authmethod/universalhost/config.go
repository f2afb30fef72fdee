package universalhost

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/service"
)

// load returns the identity's universal auth once the caller may do action
// on the identity.
func (u host) load(ctx context.Context, c *service.Caller, identityID, action string) (service.UniversalAuthRecord, error) {
	if _, err := u.core.Identity(ctx, c, identityID, action); err != nil {
		return service.UniversalAuthRecord{}, err
	}
	return u.repo.UniversalAuth(ctx, identityID)
}

// get returns an identity's universal auth.
func (u host) get(ctx context.Context, c *service.Caller, identityID string) (*api.UniversalAuth, error) {
	ua, err := u.load(ctx, c, identityID, api.ActionRead)
	if err != nil {
		return nil, err
	}
	return &ua.UniversalAuth, nil
}

// write attaches universal auth or, with replace, replaces all its settings
// (missing fields take their defaults); without replace it changes only the
// given settings of an attached one.
func (u host) write(ctx context.Context, c *service.Caller, identityID string, version int64, in *api.UniversalAuthInput, replace bool) (*api.UniversalAuth, error) {
	if _, err := u.core.Identity(ctx, c, identityID, api.ActionEdit); err != nil {
		return nil, err
	}
	cur, err := u.repo.UniversalAuth(ctx, identityID)
	exists := err == nil
	if err != nil && (!replace || !errors.Is(err, service.ErrNotFound)) {
		return nil, err
	}
	next := api.UniversalAuth{TokenSettings: api.DefaultTokenSettings(), ClientSecretTrustedIPs: []string{"0.0.0.0/0", "::/0"}, Lockout: api.DefaultLockout()}
	if exists && !replace {
		next = cur.UniversalAuth
	}
	in.Apply(&next)
	var errs api.FieldErrors
	next.Validate(&errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var saved service.UniversalAuthRecord
	if exists {
		saved, err = u.repo.SaveUniversalAuth(ctx, c, identityID, &cur, version, next)
	} else {
		next.ClientID = uuid.NewString()
		saved, err = u.repo.SaveUniversalAuth(ctx, c, identityID, nil, version, next)
	}
	if err != nil {
		return nil, err
	}
	u.cache.evict(saved.ClientID)
	return &saved.UniversalAuth, nil
}

// detach detaches universal auth, revoking its client secrets and every
// token it issued.
func (u host) detach(ctx context.Context, c *service.Caller, identityID string, version int64) error {
	ua, err := u.load(ctx, c, identityID, api.ActionEdit)
	if err != nil {
		return err
	}
	if version != 0 && version != ua.Version {
		return service.StaleError(version, ua.Version)
	}
	defer u.cache.evict(ua.ClientID)
	return u.repo.DeleteUniversalAuth(ctx, c, ua)
}

// listSecrets lists the live client secrets, showing prefixes only.
func (u host) listSecrets(ctx context.Context, c *service.Caller, identityID string) (*api.ClientSecretList, error) {
	ua, err := u.load(ctx, c, identityID, api.ActionRead)
	if err != nil {
		return nil, err
	}
	list, err := u.repo.ClientSecrets(ctx, ua.ID)
	if err != nil {
		return nil, err
	}
	return &api.ClientSecretList{ClientSecrets: list}, nil
}

// createSecret creates a client secret and returns its value once; only its
// keyed hash is stored. A value the caller supplied (a write-only argument
// in Terraform) is not returned: the caller has it.
func (u host) createSecret(ctx context.Context, c *service.Caller, identityID string, in *api.ClientSecretInput) (*api.ClientSecretCreated, error) {
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
	cs := service.NewClientSecret{ClientSecret: api.ClientSecret{ID: service.NewID(), IdentityID: identityID, Description: in.Description,
		Prefix: u.core.Keys().Lookup(value), TTL: in.TTL, NumUsesLimit: in.NumUsesLimit, CreatedAt: now},
		OrganizationID: c.OrgID(), UniversalAuthID: ua.ID, Hash: u.core.Keys().Hash(value)}
	if in.TTL > 0 {
		exp := now.Add(time.Duration(in.TTL) * time.Second)
		cs.ExpiresAt = &exp
	}
	if err := u.repo.CreateClientSecret(ctx, c, cs); err != nil {
		return nil, err
	}
	u.cache.evict(ua.ClientID)
	return &api.ClientSecretCreated{ClientSecret: returned, ClientSecretData: cs.ClientSecret}, nil
}

// secret returns a live client secret of the identity once the caller may
// do action on the identity.
func (u host) secret(ctx context.Context, c *service.Caller, identityID, id, action string) (api.ClientSecret, error) {
	if _, err := u.load(ctx, c, identityID, action); err != nil {
		return api.ClientSecret{}, err
	}
	return u.repo.ClientSecret(ctx, identityID, id)
}

// getSecret returns a live client secret's details; revoked ones are gone.
func (u host) getSecret(ctx context.Context, c *service.Caller, identityID, id string) (*api.ClientSecret, error) {
	cs, err := u.secret(ctx, c, identityID, id, api.ActionRead)
	if err != nil {
		return nil, err
	}
	return &cs, nil
}

// revokeSecret revokes a client secret and the tokens it issued.
func (u host) revokeSecret(ctx context.Context, c *service.Caller, identityID, id string) error {
	cs, err := u.secret(ctx, c, identityID, id, api.ActionEdit)
	if err != nil {
		return err
	}
	return u.repo.RevokeClientSecret(ctx, c, cs)
}
