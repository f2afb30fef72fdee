package methodconfig

import (
	"context"
	"net/http"
	"time"

	"github.com/idplane/idplane/server/api"
)

// Method is an auth method whose configuration methodconfig keeps. Its
// package states what is its own: its kind, its routes, its configuration
// type C with how a PUT body In is taken apart and how the API object Res
// is built, and its login of request L. methodhost.Mount makes it the
// authmethod.Method the app registers.
type Method[C, In, Res, L any] struct {
	Name string // its kind, as identities list it and tokens carry it: "oidc-auth"
	Noun string // in messages: "OIDC auth"
	API  Routes
	// Split takes a PUT body apart into token settings and the method's
	// configuration; Wire builds the API object from the part every method
	// shares and the configuration.
	Split func(*In) (api.TokenSettingsInput, C)
	Wire  func(api.AuthMethodBase, C) *Res
	// Seal names C's Sealed field when the method keeps a secret.
	Seal  func(*C) *Sealed
	Login Login[C, L]
}

// Routes are a method's routes, from the route table: its configuration's
// and its login's.
type Routes struct{ Get, Put, Delete, Login *api.Route }

// Login is a method's login: the identity its request names, and the
// verifier of the request against that identity's configuration.
type Login[C, L any] struct {
	Identity func(*L) string
	// Verify checks the workload's proof. A refusal is a
	// login.Refused error naming the check that failed; any other
	// error is the server's.
	Verify func(ctx context.Context, a Attempt[C, L]) (Verified, error)
}

// Attempt is one login as a method's verifier sees it.
type Attempt[C, L any] struct {
	// Config is the configuration of the identity the request names.
	Config[C]
	In *L
	// HTTP is the request, for what the connection itself proves (a TLS
	// client certificate).
	HTTP *http.Request
	// Core is the clock and the single-use proofs.
	Core Core
}

// Core is what a verifier reaches of the core: never the database, so a
// verifier is tested against an in-memory Core (methodtest.Core).
type Core interface {
	Now() time.Time
	// Used reports whether a single-use proof was already used.
	Used(ctx context.Context, proof []byte) (bool, error)
	// UseOnce spends a proof until it expires; a proof already spent is
	// login.ErrProofUsed.
	UseOnce(ctx context.Context, proof []byte, until time.Time) error
}

// TokenLogin is the login of a method whose workloads send a token
// (api.TokenAuthLoginRequest): verify gets the identity's configuration
// and the token.
func TokenLogin[C any](verify func(ctx context.Context, cfg Config[C], token string) (Verified, error)) Login[C, api.TokenAuthLoginRequest] {
	return Login[C, api.TokenAuthLoginRequest]{
		Identity: func(in *api.TokenAuthLoginRequest) string { return in.IdentityID },
		Verify: func(ctx context.Context, a Attempt[C, api.TokenAuthLoginRequest]) (Verified, error) {
			return verify(ctx, a.Config, a.In.JWT)
		},
	}
}
