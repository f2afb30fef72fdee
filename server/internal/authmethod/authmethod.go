// Package authmethod is the seam between the core and the auth methods
// (universal, later Kubernetes, AWS, GCP, Azure, OIDC, JWT, TLS certificate).
// Each method is its own package under this one; the core knows no kind.
//
// A method package implements Method:
//   - Kind names it as identities list it and tokens carry it
//     ("universal-auth");
//   - Attached reports which of the given identities have it attached, from
//     the method's own tables;
//   - Routes registers its configuration and login routes (declared with
//     their wire types in server/api) with httpapi.Handle, the generic
//     wrapper every route goes through.
//
// From the core it gets service.Core, through httpapi.Registrar.Core: the
// database, the keys and the clock; an identity loaded for an action with
// the caller's authorization, including the "at least as privileged" check;
// changes and revocations run in one transaction with their audit event;
// Issue, which ends every successful login with the token, its audit event
// and the method's own writes in one group commit; and RecordFailedLogin
// for the failed ones, which audits and counts them.
//
// Universal auth implements Method by hand. Every other method keeps its
// configuration in methodconfig and is a methodconfig.Method: its package
// states its kind, routes, configuration type and login verifier, and
// methodconfig does the rest.
//
// Adding a method is a new package here, its routes and types in
// server/api, and one entry in the Registry built in server/internal/app.
package authmethod

import (
	"gorm.io/gorm"

	"github.com/idplane/idplane/server/internal/httpapi"
)

// Method is one way for a workload to prove it is an identity.
type Method interface {
	Kind() string
	Attached(db *gorm.DB, identityIDs []string) (map[string]bool, error)
	Routes(r *httpapi.Registrar)
}

// Registry is every auth method the server offers. The core asks it which
// methods identities have; the HTTP layer asks it for their routes.
type Registry []Method

// AttachedTo maps identity IDs to the kinds of the methods attached to them,
// in registry order.
func (rg Registry) AttachedTo(db *gorm.DB, identityIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, m := range rg {
		attached, err := m.Attached(db, identityIDs)
		if err != nil {
			return nil, err
		}
		for _, id := range identityIDs {
			if attached[id] {
				out[id] = append(out[id], m.Kind())
			}
		}
	}
	return out, nil
}

// Routes registers every method's routes.
func (rg Registry) Routes(r *httpapi.Registrar) {
	for _, m := range rg {
		m.Routes(r)
	}
}
