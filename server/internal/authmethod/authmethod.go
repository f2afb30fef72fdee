// Package authmethod is the seam between the core and the auth methods
// (universal, Kubernetes, AWS, GCP, Azure, OIDC, JWT, TLS certificate).
// Each method is its own package under this one; the core knows no kind.
//
// A method package states what is its own and verifies logins, and
// depends on nothing of the core's storage, not even transitively
// (seam_test.go): every method but universal auth is a
// methodconfig.Method (its kind, routes, configuration type and login
// verifier), whose verifier gets a methodconfig.Attempt: the identity's
// configuration, the request, and a methodconfig.Core that is only the
// clock and single-use proofs (Used, UseOnce). It answers
// methodconfig.Verified or a login.Refused error naming the check that
// failed. So each verifier is unit-tested in its own package against an
// in-memory core (methodtest), and end to end through httpapi.
//
// A host runs a method on the core and implements Method for the
// Registry: methodhost.Mount does it for every methodconfig.Method, and
// universalhost for universal auth, whose verifier (universal.Judge) it
// calls. A host gets service.Core through httpapi.Registrar.Core, never
// the database: its storage is a small repository the core implements
// (methodhost.Repository on auth_method_configs, universalhost.Repository
// on universal_auths and client_secrets), whose writes run in one
// transaction with their audit event and revoke what they must. It also
// gets the keys and the clock; an identity loaded for an action with the
// caller's authorization, including the "at least as privileged" check;
// Issue, which ends every successful login with the token, its audit event
// and the method's own writes in one group commit; and RecordFailedLogin
// for the failed ones, which audits and counts them. The core lists the
// kinds attached to identities from the same tables, in Registry order.
//
// A Method is a kind, as identities list it and tokens carry it
// ("universal-auth"), and Routes, which registers its configuration and
// login routes (declared with their wire types in server/api) with
// httpapi.Handle, the generic wrapper every route goes through.
//
// Adding a method is a new package here stating a methodconfig.Method,
// its routes and types in server/api, and one methodhost.Mount entry in
// the Registry built in server/internal/app.
package authmethod

import "github.com/idplane/idplane/server/internal/httpapi"

// Method is one way for a workload to prove it is an identity.
type Method interface {
	Kind() string
	Routes(r *httpapi.Registrar)
}

// Registry is every auth method the server offers. The core lists the kinds
// attached to identities in its order; the HTTP layer asks it for their
// routes.
type Registry []Method

// Kinds are the methods' kinds, in registry order.
func (rg Registry) Kinds() []string {
	out := make([]string, len(rg))
	for i, m := range rg {
		out[i] = m.Kind()
	}
	return out
}

// Routes registers every method's routes.
func (rg Registry) Routes(r *httpapi.Registrar) {
	for _, m := range rg {
		m.Routes(r)
	}
}
