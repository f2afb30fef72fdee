package service

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/revocation"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/store"
)

// AuthMethods are the registered auth methods (authmethod.Registry): the
// core lists the kinds attached to identities in their order.
type AuthMethods interface {
	Kinds() []string
}

// Writes are what a login writes beside its token or its refusal, in the
// same group commit: client secret uses, lockout counts.
type Writes = store.Writes

// LockoutChange counts a failed login against a source, or resets it.
type LockoutChange = store.LockoutChange

// What a revocation names, for Core.RevokedSince.
const (
	RevokeIdentity   = store.RevokeIdentity
	RevokeAuthMethod = store.RevokeAuthMethod
	RevokeCredential = store.RevokeCredential
)

// Core is what an auth method package gets from the core service: the keys
// and the clock, identities loaded with the caller's authorization, the
// repositories of the methods' configurations (methodconfigs.go,
// universalauths.go) whose writes are audited changes and revocations,
// single-use proofs, and token issuance. Never the database: a method
// reaches storage only through these calls.
type Core struct{ s *Service }

// Core returns the core API for auth method packages.
func (s *Service) Core() *Core { return &Core{s: s} }

// db is the database, bound to ctx.
func (k *Core) db(ctx context.Context) *gorm.DB { return k.s.db.WithContext(ctx) }

// Keys hash and compare stored secrets.
func (k *Core) Keys() *secret.Keys { return k.s.keys }

// Now is the service clock.
func (k *Core) Now() time.Time { return k.s.now() }

// RevokedSince reports whether any of refs (kind, ID pairs from
// revocation) was revoked at or after since, on this replica or, within the
// revocation poll interval, on any other.
func (k *Core) RevokedSince(since time.Time, refs ...revocation.Ref) bool {
	return k.s.revocations.Revoked(since, refs...)
}

// Identity loads an identity of the caller's organization once the caller
// may do action on identities; for any action but read, the caller must
// also be at least as privileged as the identity.
func (k *Core) Identity(ctx context.Context, c *Caller, identityID, action string) (store.Identity, error) {
	return k.s.identity(ctx, c, identityID, action)
}

// Event is the audit event of a change the caller made.
type Event struct {
	Action, TargetType, TargetID string
	Metadata                     map[string]string
}

// change runs fn in a transaction and writes the event it returns in the
// same transaction.
func (k *Core) change(ctx context.Context, c *Caller, fn func(tx *gorm.DB) (Event, error)) error {
	return k.s.tx(ctx, k.recorded(c, fn))
}

// revoke is change for a change that revokes tokens: it also records r, and
// applies it to this replica once committed.
func (k *Core) revoke(ctx context.Context, c *Caller, r store.Revocation, fn func(tx *gorm.DB) (Event, error)) error {
	return k.s.revokeAfter(ctx, r, k.recorded(c, fn))
}

func (k *Core) recorded(c *Caller, fn func(tx *gorm.DB) (Event, error)) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error {
		ev, err := fn(tx)
		if err != nil {
			return err
		}
		return k.s.record(tx, c, ev.Action, ev.TargetType, ev.TargetID, ev.Metadata)
	}
}

// Issue describes a successful login of any auth method.
type Issue struct {
	OrgID, IdentityID string
	// Method is the auth method's kind; MethodID its row, whose revocation
	// revokes the token; CredentialID the credential used, likewise.
	Method, MethodID string
	CredentialID     string
	Settings         api.TokenSettings
	// Metadata is copied from the workload's credential into the token,
	// token/self and the login's audit event (OIDC claim_metadata).
	Metadata map[string]string
	// Subject names who logged in, in the method's terms (a token's sub, a
	// service account), for the audit event.
	Subject string
}

// Issue signs an access token and makes it, its audit event and the
// method's other writes durable in one group commit. Every auth method
// ends its login here.
func (k *Core) Issue(ctx context.Context, meta Meta, in Issue, writes store.Writes) (*api.LoginResponse, error) {
	return k.s.issue(ctx, meta, in, writes)
}

// RecordFailedLogin audits a failed login of method (reason as the
// LoginError says it) and counts it; the audit event and the method's
// writes (lockout counts) are durable in one group commit when it returns.
func (k *Core) RecordFailedLogin(ctx context.Context, meta Meta, orgID, identityID, method, reason string, md map[string]string, writes store.Writes) error {
	ev := k.s.newEvent(meta, orgID, ActorAnonymous, "", "login."+method, "identity", identityID, api.OutcomeFailure, reason, md)
	k.s.observer.Login(method, api.OutcomeFailure)
	writes.Events = append(writes.Events, ev)
	if err := k.s.writes.Write(ctx, writes); err != nil {
		return fmt.Errorf("audit failed login: %w", err)
	}
	return nil
}
