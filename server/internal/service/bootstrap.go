package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/store"
)

// BootstrapResult is printed by `idplane bootstrap`.
type BootstrapResult struct {
	OrganizationID string `json:"organizationId"`
	IdentityID     string `json:"identityId"`
	ClientID       string `json:"clientId"`
	ClientSecret   string `json:"clientSecret"`
}

// Bootstrap creates an organization and its admin identity with universal
// auth and one client secret. It refuses an organization name that exists.
func Bootstrap(ctx context.Context, st *store.Store, keys *secret.Keys, orgName string) (*BootstrapResult, error) {
	orgName = strings.TrimSpace(orgName)
	if orgName == "" || len(orgName) > api.MaxNameLength {
		return nil, fmt.Errorf("organization name must be 1 to %d characters", api.MaxNameLength)
	}
	value, err := secret.Generate(secret.ClientSecretPrefix)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	org := store.Organization{ID: NewID(), Name: orgName, CreatedAt: now}
	ident := store.Identity{ID: NewID(), OrganizationID: org.ID, Name: "admin", Role: "admin",
		Description: "Created by idplane bootstrap", Metadata: store.JSON[map[string]string]{V: map[string]string{}},
		Version: 1, CreatedAt: now, UpdatedAt: now}
	ts := api.DefaultTokenSettings()
	lo := api.DefaultLockout()
	ua := store.UniversalAuth{ID: NewID(), OrganizationID: org.ID, IdentityID: ident.ID, ClientID: uuid.NewString(),
		AccessTokenTTL: ts.AccessTokenTTL, AccessTokenMaxTTL: ts.AccessTokenMaxTTL,
		AccessTokenTrustedIPs:  store.JSON[[]string]{V: SortedCopy(ts.AccessTokenTrustedIPs)},
		ClientSecretTrustedIPs: store.JSON[[]string]{V: SortedCopy(ts.AccessTokenTrustedIPs)},
		LockoutEnabled:         lo.Enabled, LockoutThreshold: lo.Threshold, LockoutDuration: lo.DurationSeconds,
		LockoutCounterReset: lo.CounterResetSeconds, Version: 1, CreatedAt: now, UpdatedAt: now}
	cs := store.ClientSecret{ID: NewID(), OrganizationID: org.ID, IdentityID: ident.ID, UniversalAuthID: ua.ID,
		Description: "bootstrap", Prefix: secret.LookupPrefix(value), Hash: keys.Hash(value), CreatedAt: now}
	ev := store.AuditEvent{OrganizationID: org.ID, Time: now, ActorType: ActorSystem, Action: "organization.bootstrap",
		TargetType: "identity", TargetID: ident.ID, Outcome: api.OutcomeSuccess,
		Metadata: store.JSON[map[string]string]{V: map[string]string{"organization": orgName}}}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&org).Error; err != nil {
			if err := store.Translate(err, "create organization"); errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("organization %q: %w", orgName, ErrAlreadyBootstrapped)
			}
			return err
		}
		for _, row := range []any{&ident, &ua, &cs, &ev} {
			if err := tx.Create(row).Error; err != nil {
				return store.Translate(err, "bootstrap")
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &BootstrapResult{OrganizationID: org.ID, IdentityID: ident.ID, ClientID: ua.ClientID, ClientSecret: value}, nil
}
