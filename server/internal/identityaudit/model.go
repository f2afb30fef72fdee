// Package identityaudit computes the identity audit: how many machine
// identities an organization has, how many distinct permission sets they
// hold (each distinct combination of project, environment and secret path
// access is one identity the organization needs), which identities could
// share one, each identity's blast radius and hygiene findings.
//
// It works on a neutral Model, fed either from `terraform show -json` of a
// state or a saved plan (Terraform) or from the live database (the service
// behind GET /api/v1/identity-audit). Permissions are resolved and evaluated
// with authz, the code that authorizes every request.
package identityaudit

import (
	"time"

	"github.com/idplane/idplane/server/api"
)

// Model is one organization as the audit sees it. IDs are whatever links
// the objects together (database IDs, or Terraform addresses for objects a
// plan has yet to create); names and slugs are what the report shows.
type Model struct {
	Identities []Identity
	Projects   []Project
	// Roles are the custom roles; built-in roles come from authz.
	Roles       []Role
	Memberships []Membership
	// Activity is the live server's login activity; nil elsewhere.
	Activity *Activity
	// Use is what the live server's audit log says identities did with
	// secrets in the audit's window; nil elsewhere: a Terraform state or
	// plan has no use, and the audit then judges no grant by it.
	Use *Use
}

// Use is the successful secret reads and writes from Since (the start of
// the window, Options.UseSince) to the audit, grouped by identity, project,
// environment, folder and action.
type Use struct {
	Since  time.Time
	Events []SecretUse
	// LogStart is the time of the organization's oldest secret event the
	// audit log holds (zero: none). Use before it is unknown (retention
	// deleted it, or the secrets came later), so while it is after Since
	// no grant is judged.
	LogStart time.Time
}

// SecretUse is how often an identity exercised one secrets action (read,
// create, edit, delete) on the secrets of one folder, and when last.
type SecretUse struct {
	IdentityID, ProjectID, Environment, SecretPath, Action string
	Count                                                  int
	Last                                                   time.Time
}

// Activity is what the live server knows of logins: the month counted and
// how many identities logged in during it.
type Activity struct {
	Month         string
	MonthlyActive int
}

// Identity is a machine identity and its auth methods.
type Identity struct {
	ID, Name string
	// OrgRole is the slug of the organization role.
	OrgRole     string
	AuthMethods []AuthMethod
	// LastLogin is the time of the last successful login (live only; zero
	// when it never logged in); Known says whether the source knows it.
	LastLogin      time.Time
	LastLoginKnown bool
	// MethodLogins is the last successful login per auth method kind (live).
	MethodLogins map[string]time.Time
	CreatedAt    time.Time
	// SecretsInState names the client secrets whose values the Terraform
	// state or plan holds (Terraform addresses).
	SecretsInState []string
}

// AuthMethod is one auth method of an identity.
type AuthMethod struct {
	// Kind as identities list it: "universal-auth", "kubernetes-auth", ...
	Kind string
	// AccessTokenTTL and AccessTokenMaxTTL in seconds.
	AccessTokenTTL, AccessTokenMaxTTL int
	AccessTokenTrustedIPs             []string
	// ClientSecretTrustedIPs: universal auth only.
	ClientSecretTrustedIPs []string
	// AllowedNamespaces: Kubernetes auth only.
	AllowedNamespaces []string
	// AllowAnyPrincipal: AWS and GCP auth that bind no principal.
	AllowAnyPrincipal bool
	// Unmanaged: the identity lists the method but the Terraform
	// configuration does not hold it, so its settings are unknown.
	Unmanaged     bool
	ClientSecrets []ClientSecret
}

// ClientSecret is a universal auth client secret.
type ClientSecret struct {
	// Name identifies it in findings: its description, prefix or address.
	Name string
	// TTL in seconds; 0 never expires.
	TTL            int
	CreatedAt      time.Time
	LastLogin      time.Time
	LastLoginKnown bool
}

// Project is a project and its environments.
type Project struct {
	ID, Slug, Name string
	Environments   []Environment
}

// Environment of a project.
type Environment struct {
	Slug, Name string
}

// Role is a custom role: ProjectID "" for an organization role.
type Role struct {
	ProjectID, Slug string
	Rules           []api.PermissionRule
}

// Membership places an identity in a project with role grants.
type Membership struct {
	ProjectID, IdentityID string
	Roles                 []api.MembershipRole
	// Since is when its roles were last set (live; zero elsewhere): use
	// before then says nothing about the grants it holds now.
	Since time.Time
}

// Options tune an audit.
type Options struct {
	// At is the instant temporary grants are evaluated at; zero is Now.
	At time.Time
	// Now is the current time (unused identities); zero is time.Now.
	Now time.Time
	// ProductionEnvironments are environment slugs treated as production
	// besides those whose slug or name says prod.
	ProductionEnvironments []string
	// UnusedDays: a live identity or client secret without a login for
	// this long is unused, and secret grants are compared with their use
	// over as many days; 0 is api.DefaultUnusedDays.
	UnusedDays int
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now().UTC()
	}
	return o.Now
}

// UseSince is the start of the window over which the live audit compares
// secret grants with their use: UnusedDays days before Now.
func (o Options) UseSince() time.Time {
	return o.now().AddDate(0, 0, -o.unusedDays())
}

func (o Options) at() time.Time {
	if o.At.IsZero() {
		return o.now()
	}
	return o.At
}

func (o Options) unusedDays() int {
	if o.UnusedDays <= 0 {
		return api.DefaultUnusedDays
	}
	return o.UnusedDays
}
