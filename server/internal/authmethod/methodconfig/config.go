// Package methodconfig is what an auth method package states about itself
// when its configuration is kept for it, as every method's but universal
// auth's is: a Method (its kind, routes, configuration type C and login
// verifier), the Config of an identity its verifier gets in an Attempt,
// with the Core it may reach (the clock, single-use proofs), and what it
// answers (Verified, or a login.Refused error). A secret part of C may be
// kept sealed (Sealed).
//
// methodhost runs a Method: the configuration API (get, attach or
// replace, detach: authorized, versioned, audited, detaching revokes the
// method's tokens) and the login route, which reads the identity's
// configuration (cached for a second), verifies, issues the token and
// audits refusals. This package depends on neither the core nor its
// storage, so a method's verifier is unit-tested in its package against
// an in-memory Core.
package methodconfig

import (
	"time"

	"github.com/idplane/idplane/server/api"
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

// Verified is what a method's verifier learned about a workload that
// proved itself.
type Verified struct {
	// Subject names the workload in the method's terms (a token's sub, a
	// service account), for the audit event.
	Subject string
	// Metadata is copied into the access token, token/self and the audit
	// event (OIDC and JWT claim_metadata).
	Metadata map[string]string
}
