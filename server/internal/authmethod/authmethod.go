// Package authmethod is the seam between the core and the auth methods
// (universal, Kubernetes, AWS, GCP, Azure, OIDC, JWT, TLS certificate).
// Each method is its own package under this one; the core knows no kind.
//
// A method package implements Method:
//   - Kind names it as identities list it and tokens carry it
//     ("universal-auth");
//   - Routes registers its configuration and login routes (declared with
//     their wire types in server/api) with httpapi.Handle, the generic
//     wrapper every route goes through.
//
// From the core it gets service.Core, through httpapi.Registrar.Core, and
// never the database: no method package imports gorm, database/sql or the
// store (seam_test.go). It gets the keys and the clock; an identity loaded
// for an action with the caller's authorization, including the "at least
// as privileged" check; its storage as a small repository the core
// implements (methodconfig.Repository, universal.Repository), whose writes
// run in one transaction with their audit event and revoke what they must;
// single-use proofs (Used, UseOnce); Issue, which ends every successful
// login with the token, its audit event and the method's own writes in one
// group commit; and RecordFailedLogin for the failed ones, which audits and
// counts them. The core lists the kinds attached to identities from the
// same tables, in Registry order.
//
// Universal auth implements Method by hand. Every other method keeps its
// configuration in methodconfig and is a methodconfig.Method: its package
// states its kind, routes, configuration type and login verifier, and
// methodconfig does the rest. A verifier sees a methodconfig.Attempt whose
// Core is an interface (the clock and single-use proofs), so it is unit
// tested in its own package against an in-memory one.
//
// Adding a method is a new package here, its routes and types in
// server/api, and one entry in the Registry built in server/internal/app.
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
