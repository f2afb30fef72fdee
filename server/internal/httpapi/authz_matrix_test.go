package httpapi_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// The authorization matrix: every management route × every kind of caller →
// the HTTP status the caller gets. A route added to api.Routes without a row
// here fails TestAuthzMatrixCoversEveryRoute (and TestAuthzMatrix).
//
// The callers, all but the last four in the fixture organization:
//
//	admin      built-in org role admin (admin of every project through it)
//	member     built-in org role member; project member of the fixture project
//	no-access  built-in org role no-access; in no project
//	custom     custom org role "identities-reader" (identities: read) and, in
//	           the fixture project, custom project role "env-manager"
//	           (project: read; environments: create, delete, edit, read)
//	auditor    built-in org role auditor; in no project: reads every route's
//	           object (GET), in every project, and changes nothing (403 on
//	           every other method, client secrets included), unless a row
//	           sets auditor
//	other-org  admin of ANOTHER organization: objects of the fixture
//	           organization are 404 to it, listings never show them
//	no-token, expired, revoked: 401 on every route (the expired and the
//	           revoked tokens belong to org admins, so nothing but the
//	           token's state can refuse them)
//
// Expectations follow the built-in role definitions in
// server/internal/authz/role.go; 403 wherever a role does not grant the
// action. Objects of the fixture organization that a caller of the same
// organization may not touch are 403 (not 404): tenancy is what 404 hides.

type matrixCaller string

const (
	matrixAdmin    matrixCaller = "admin"
	matrixMember   matrixCaller = "member"
	matrixNoAccess matrixCaller = "no-access"
	matrixCustom   matrixCaller = "custom"
	matrixAuditor  matrixCaller = "auditor"
	matrixOtherOrg matrixCaller = "other-org"
	matrixNoToken  matrixCaller = "no-token"
	matrixExpired  matrixCaller = "expired"
	matrixRevoked  matrixCaller = "revoked"
)

var matrixCallers = []matrixCaller{matrixAdmin, matrixMember, matrixNoAccess, matrixCustom, matrixAuditor,
	matrixOtherOrg, matrixNoToken, matrixExpired, matrixRevoked}

// matrixOutcome is what a row expects of one caller.
type matrixOutcome int

const (
	_           matrixOutcome = iota // unset: the row is incomplete
	matrixAllow                      // the route's success status
	matrixDeny                       // 403
	matrixGone                       // 404: the object is another organization's
)

// matrixRow is one route's line of the matrix. The admin always gets the
// route's success status; no-token, expired and revoked always get 401.
type matrixRow struct {
	member, noAccess, custom, otherOrg matrixOutcome
	// auditor is unset for the auditor's contract: every GET allowed,
	// every other method refused.
	auditor matrixOutcome
	// req builds the request: path parameters pointing at fixture objects,
	// and a valid body. It runs once per caller, so a mutating row creates
	// fresh throwaway objects for each and no cell depends on another.
	req   func(t *testing.T, f *matrixFixture) (params []string, body any)
	query url.Values
	// check inspects a successful response, e.g. that a listing shows the
	// fixture to its organization and hides it from another.
	check func(t *testing.T, f *matrixFixture, who matrixCaller, out any)
}

func (r *matrixRow) want(route *api.Route, who matrixCaller) int {
	var o matrixOutcome
	switch who {
	case matrixAdmin:
		o = matrixAllow
	case matrixMember:
		o = r.member
	case matrixNoAccess:
		o = r.noAccess
	case matrixCustom:
		o = r.custom
	case matrixAuditor:
		o = r.auditor
		if o == 0 && route.Method == http.MethodGet {
			o = matrixAllow
		} else if o == 0 {
			o = matrixDeny
		}
	case matrixOtherOrg:
		o = r.otherOrg
	case matrixNoToken, matrixExpired, matrixRevoked:
		return http.StatusUnauthorized
	}
	switch o {
	case matrixAllow:
		return route.Status
	case matrixDeny:
		return http.StatusForbidden
	case matrixGone:
		return http.StatusNotFound
	}
	return 0
}

func (r *matrixRow) complete() bool {
	return r.req != nil && r.member != 0 && r.noAccess != 0 && r.custom != 0 && r.otherOrg != 0
}

// matrixRows is the matrix, keyed by route ID.
func matrixRows() map[string]*matrixRow {
	const (
		allow = matrixAllow
		deny  = matrixDeny
		gone  = matrixGone
	)
	none := func(*testing.T, *matrixFixture) ([]string, any) { return nil, nil }
	rows := map[string]*matrixRow{
		// Every valid token may describe itself; another organization's
		// token describes its own organization.
		api.RouteTokenSelf.ID: {member: allow, noAccess: allow, custom: allow, otherOrg: allow,
			req: none,
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				self := out.(*api.TokenSelf)
				if self.IdentityID != f.identityOf[who] || self.OrganizationID != f.orgOf(who) {
					t.Errorf("token/self = identity %s in %s, want identity %s in %s", self.IdentityID, self.OrganizationID, f.identityOf[who], f.orgOf(who))
				}
			}},

		// Decisions and introspection are organization permissions of their
		// own (authz check, token-introspection read), which among the
		// built-in roles only admin holds. Another organization's caller
		// asking about the fixture project gets 404; a fixture token it
		// introspects is inactive.
		api.RouteAuthzCheck.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return nil, f.check() },
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				if d := out.(*api.AuthzDecision); !d.Allowed || d.Role != "viewer" || d.IdentityID != f.target.ID {
					t.Errorf("decision %+v, want allowed by the target's viewer grant", d)
				}
			}},
		api.RouteAuthzCheckBatch.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				edit := f.check()
				edit.Action = api.ActionEdit
				return nil, api.AuthzCheckBatch{Checks: []api.AuthzCheck{f.check(), edit}}
			},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				l := out.(*api.AuthzDecisionList)
				if len(l.Decisions) != 2 || !l.Decisions[0].Allowed || l.Decisions[1].Allowed || l.Decisions[1].DecidedBy != api.DecidedByNoRule {
					t.Errorf("decisions %+v, want allow then deny (no rule)", l.Decisions)
				}
			}},
		api.RouteIntrospectToken.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: allow,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return nil, api.TokenIntrospectionRequest{Token: f.targetToken(t)}
			},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				ti := out.(*api.TokenIntrospection)
				if want := who != matrixOtherOrg; ti.Active != want || (ti.Sub == f.target.ID) != want {
					t.Errorf("%s introspects the fixture token: active %v sub %q, want active %v", who, ti.Active, ti.Sub, want)
				}
			}},

		// Projects. The listing is filtered, not refused: org projects:read
		// (admin, member) lists all, a project role with project:read
		// (custom) lists that project, no-access lists nothing.
		api.RouteListProjects.ID: {member: allow, noAccess: allow, custom: allow, otherOrg: allow,
			req: none,
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				l := out.(*api.ProjectList)
				for _, p := range l.Projects {
					if p.OrganizationID != f.orgOf(who) {
						t.Errorf("listed project %s of organization %s", p.Slug, p.OrganizationID)
					}
				}
				shown := slices.ContainsFunc(l.Projects, func(p api.Project) bool { return p.ID == f.project.ID })
				wantShown := who != matrixOtherOrg && who != matrixNoAccess
				if shown != wantShown {
					t.Errorf("fixture project listed = %v, want %v", shown, wantShown)
				}
				if who == matrixNoAccess && len(l.Projects) != 0 {
					t.Errorf("no-access lists %d projects, want none", len(l.Projects))
				}
			}},
		// Org member may create projects (and becomes the new project's admin).
		// Another organization's admin creates one in its own organization.
		api.RouteCreateProject.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: allow,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				s := f.slug("proj")
				return nil, api.ProjectInput{Name: s, Slug: s}
			},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				if p := out.(*api.Project); p.OrganizationID != f.orgOf(who) {
					t.Errorf("project created in organization %s, want %s", p.OrganizationID, f.orgOf(who))
				}
			}},
		api.RouteGetProject.ID: {member: allow, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.project.ID}, nil }},
		// Project member (built-in) and env-manager only read the project.
		api.RouteUpdateProject.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				p := f.newProject(t)
				return []string{p.ID}, api.ProjectInput{Name: p.Name + " renamed", Slug: p.Slug, Description: "changed"}
			}},
		api.RouteDeleteProject.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.newProject(t).ID}, nil }},

		// Environments: project member reads them; env-manager manages them.
		api.RouteListEnvironments.ID: {member: allow, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.project.ID}, nil },
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				l := out.(*api.EnvironmentList)
				if !slices.ContainsFunc(l.Environments, func(e api.Environment) bool { return e.ID == f.env.ID }) {
					t.Errorf("fixture environment %s not listed", f.env.Slug)
				}
			}},
		api.RouteCreateEnvironment.ID: {member: deny, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				s := f.slug("env")
				return []string{f.project.ID}, api.EnvironmentInput{Name: s, Slug: s, Position: 5}
			}},
		api.RouteGetEnvironment.ID: {member: allow, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.project.ID, f.env.Slug}, nil }},
		api.RouteUpdateEnvironment.ID: {member: deny, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				e := f.newEnvironment(t)
				return []string{f.project.ID, e.Slug}, api.EnvironmentInput{Name: e.Name + " renamed", Slug: e.Slug, Position: 7}
			}},
		api.RouteDeleteEnvironment.ID: {member: deny, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.project.ID, f.newEnvironment(t).Slug}, nil
			}},

		// Identities: org member and identities-reader read them; only the
		// admin changes them.
		api.RouteListIdentities.ID: {member: allow, noAccess: deny, custom: allow, otherOrg: allow,
			req: none,
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				l := out.(*api.IdentityList)
				for _, i := range l.Identities {
					if i.OrganizationID != f.orgOf(who) {
						t.Errorf("listed identity %s of organization %s", i.Name, i.OrganizationID)
					}
				}
				shown := slices.ContainsFunc(l.Identities, func(i api.Identity) bool { return i.ID == f.target.ID })
				if want := who != matrixOtherOrg; shown != want {
					t.Errorf("fixture identity listed = %v, want %v", shown, want)
				}
			}},
		api.RouteCreateIdentity.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: allow,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return nil, api.IdentityInput{Name: f.slug("ident"), Role: "no-access"}
			},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				if i := out.(*api.Identity); i.OrganizationID != f.orgOf(who) {
					t.Errorf("identity created in organization %s, want %s", i.OrganizationID, f.orgOf(who))
				}
			}},
		api.RouteGetIdentity.ID: {member: allow, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.target.ID}, nil }},
		api.RouteUpdateIdentity.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				i := f.newIdentity(t, false)
				return []string{i.ID}, api.IdentityInput{Name: i.Name, Role: i.Role, Description: "changed"}
			}},
		api.RouteDeleteIdentity.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.newIdentity(t, false).ID}, nil }},
		// Whoever may read identities may read what they are allowed to do.
		api.RouteEffectivePerms.ID: {member: allow, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.target.ID}, nil }},

		// Universal auth is part of the identity: identities read to see its
		// settings and secret prefixes, identities edit to change anything.
		api.RouteGetUniversal.ID: {member: allow, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.target.ID}, nil }},
		api.RoutePutUniversal.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.newIdentity(t, false).ID}, api.UniversalAuthInput{
					TokenSettingsInput: api.TokenSettingsInput{AccessTokenTTL: matrixInt(600)}}
			}},
		api.RoutePatchUniversal.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.newIdentity(t, true).ID}, api.UniversalAuthInput{
					TokenSettingsInput: api.TokenSettingsInput{AccessTokenTTL: matrixInt(900)}}
			}},
		api.RouteDeleteUniversal.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.newIdentity(t, true).ID}, nil }},
		api.RouteListClientSecrets.ID: {member: allow, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.target.ID}, nil },
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				l := out.(*api.ClientSecretList)
				if !slices.ContainsFunc(l.ClientSecrets, func(cs api.ClientSecret) bool { return cs.ID == f.targetSecret.ID }) {
					t.Errorf("fixture client secret not listed")
				}
			}},
		// Minting a client secret is logging in as the identity: edit only.
		api.RouteCreateClientSecret.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.newIdentity(t, true).ID}, api.ClientSecretInput{Description: "matrix"}
			}},
		api.RouteGetClientSecret.ID: {member: allow, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.target.ID, f.targetSecret.ID}, nil
			}},
		api.RouteRevokeClientSecret.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				cs := matrixMust[*api.ClientSecretCreated](t, "create client secret")(f.admin.CreateClientSecret(t.Context(), f.target.ID, api.ClientSecretInput{Description: "throwaway"}))
				return []string{f.target.ID, cs.ClientSecretData.ID}, nil
			}},

		// Organization roles: org member reads them; identities-reader
		// grants nothing on roles.
		api.RouteListOrgRoles.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: allow,
			req: none,
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				l := out.(*api.RoleList)
				shown := slices.ContainsFunc(l.Roles, func(r api.Role) bool { return r.ID == f.orgRole.ID })
				if want := who != matrixOtherOrg; shown != want {
					t.Errorf("fixture org role listed = %v, want %v", shown, want)
				}
			}},
		api.RouteCreateOrgRole.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: allow,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return nil, f.orgRoleInput(f.slug("orole")) },
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				// Created in the caller's own organization: the fixture
				// organization does not see another's role.
				_, err := f.admin.GetOrgRole(t.Context(), out.(*api.Role).ID)
				if sameOrg := who != matrixOtherOrg; (err == nil) != sameOrg {
					t.Errorf("fixture admin reads the new role: err = %v, want found = %v", err, sameOrg)
				}
			}},
		api.RouteGetOrgRole.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.orgRole.ID}, nil }},
		api.RouteUpdateOrgRole.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				r := f.newOrgRole(t)
				in := f.orgRoleInput(r.Slug)
				in.Name = "renamed"
				return []string{r.ID}, in
			}},
		api.RouteDeleteOrgRole.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.newOrgRole(t).ID}, nil }},

		// Project roles: project member reads them; env-manager does not.
		api.RouteListProjectRoles.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.project.ID}, nil },
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				l := out.(*api.RoleList)
				if !slices.ContainsFunc(l.Roles, func(r api.Role) bool { return r.ID == f.projectRole.ID }) {
					t.Errorf("fixture project role not listed")
				}
			}},
		api.RouteCreateProjectRole.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.project.ID}, f.projectRoleInput(f.slug("prole"))
			}},
		api.RouteGetProjectRole.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.project.ID, f.projectRole.ID}, nil
			}},
		api.RouteUpdateProjectRole.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				r := f.newProjectRole(t, f.project.ID, f.slug("prole"))
				in := f.projectRoleInput(r.Slug)
				in.Name = "renamed"
				return []string{f.project.ID, r.ID}, in
			}},
		api.RouteDeleteProjectRole.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.project.ID, f.newProjectRole(t, f.project.ID, f.slug("prole")).ID}, nil
			}},

		// Memberships are the project-scope "identities" subject: project
		// member reads them; env-manager does not; only admins change them.
		api.RouteListMemberships.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.project.ID}, nil },
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				l := out.(*api.ProjectMembershipList)
				if !slices.ContainsFunc(l.Memberships, func(m api.ProjectMembership) bool { return m.IdentityID == f.target.ID }) {
					t.Errorf("fixture membership not listed")
				}
			}},
		api.RouteGetMembership.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.project.ID, f.target.ID}, nil }},
		api.RouteCreateMembership.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.project.ID, f.newIdentity(t, false).ID}, matrixGrant("viewer")
			}},
		api.RouteUpdateMembership.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.project.ID, f.newProjectMember(t).ID}, matrixGrant("member")
			}},
		api.RouteDeleteMembership.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.project.ID, f.newProjectMember(t).ID}, nil
			}},

		// Audit: only roles with audit-logs:read, which built-in member lacks
		// (as its definition says). Another organization reads only its own.
		api.RouteListAuditEvents.ID: {member: deny, noAccess: deny, custom: deny, otherOrg: allow,
			req: none, query: url.Values{"limit": {"1000"}},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				l := out.(*api.AuditEventList)
				if len(l.Events) == 0 {
					t.Errorf("no audit events")
				}
				for _, e := range l.Events {
					if e.OrganizationID != f.orgOf(who) {
						t.Fatalf("audit event %s (%s) of organization %s, want only %s", e.ID, e.Action, e.OrganizationID, f.orgOf(who))
					}
				}
			}},
		// The identity audit shows identities and what their roles grant:
		// it needs both identities read and roles read.
		api.RouteIdentityAudit.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: allow,
			req: none, query: url.Values{"unusedDays": {"30"}},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				a := out.(*api.IdentityAudit)
				listed := false
				for _, g := range a.Groups {
					listed = listed || slices.Contains(g.Identities, f.target.Name)
				}
				if listed != (who != matrixOtherOrg) || a.Source != api.AuditSourceLive {
					t.Errorf("%s: audit (source %s) lists the fixture organization's %s: %t", who, a.Source, f.target.Name, listed)
				}
			}},
	}
	// The signed-token methods are part of the identity like universal auth:
	// identities read to see them, identities edit to change them.
	for _, m := range signedTokenMethods {
		rows[m.get.ID] = &matrixRow{member: allow, noAccess: deny, custom: allow, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{f.target.ID}, nil }}
		rows[m.put.ID] = &matrixRow{member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{f.newIdentity(t, false).ID}, m.input
			}}
		rows[m.del.ID] = &matrixRow{member: deny, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				i := f.newIdentity(t, false)
				if err := f.admin.Call(t.Context(), m.put, []string{i.ID}, nil, 0, m.input, nil); err != nil {
					t.Fatalf("attach %s: %v", m.put.ID, err)
				}
				return []string{i.ID}, nil
			}}
	}
	maps.Copy(rows, secretMatrixRows())
	return rows
}

// signedTokenMethods are the routes and a valid configuration of the
// methods whose configuration the matrix covers generically.
var signedTokenMethods = []struct {
	get, put, del *api.Route
	input         any
}{
	{api.RouteGetOIDCAuth, api.RoutePutOIDCAuth, api.RouteDeleteOIDCAuth, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{
		OIDCDiscoveryURL: "https://token.actions.githubusercontent.com", TokenBindings: api.TokenBindings{BoundAudiences: []string{"idplane"}}}}},
	{api.RouteGetJWTAuth, api.RoutePutJWTAuth, api.RouteDeleteJWTAuth, api.JWTAuthInput{JWTAuthConfig: api.JWTAuthConfig{
		ConfigurationType: api.JWTConfigJWKS, JWKSURL: "https://idp.example.com/jwks.json"}}},
	{api.RouteGetGCPAuth, api.RoutePutGCPAuth, api.RouteDeleteGCPAuth, api.GCPAuthInput{GCPAuthConfig: api.GCPAuthConfig{Type: api.GCPTypeGCE, AllowedProjects: []string{"acme"}}}},
	{api.RouteGetAzureAuth, api.RoutePutAzureAuth, api.RouteDeleteAzureAuth, api.AzureAuthInput{AzureAuthConfig: api.AzureAuthConfig{
		TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ResourceURL: api.DefaultAzureResourceURL}}},
	{api.RouteGetKubernetesAuth, api.RoutePutKubernetesAuth, api.RouteDeleteKubernetesAuth, api.KubernetesAuthInput{KubernetesAuthConfig: api.KubernetesAuthConfig{
		KubernetesHost: "https://k8s.example.com:6443"}}},
	{api.RouteGetAWSAuth, api.RoutePutAWSAuth, api.RouteDeleteAWSAuth, api.AWSAuthInput{AWSAuthConfig: api.AWSAuthConfig{AllowedAccountIDs: []string{"123456789012"}}}},
	{api.RouteGetTLSCertAuth, api.RoutePutTLSCertAuth, api.RouteDeleteTLSCertAuth, api.TLSCertAuthInput{TLSCertAuthConfig: api.TLSCertAuthConfig{
		CACertificate: stCertPEM}}},
}

// TestAuthzMatrixCoversEveryRoute fails when a management route has no row,
// so that a new route cannot ship without its authorization expectations.
func TestAuthzMatrixCoversEveryRoute(t *testing.T) {
	rows := matrixRows()
	known := map[string]bool{}
	for _, r := range api.Routes {
		known[r.ID] = true
		row, ok := rows[r.ID]
		switch {
		case r.Public && ok:
			t.Errorf("route %s is public: it has no authorization to test, remove its matrix row", r.ID)
		case !r.Public && !ok:
			t.Errorf("route %s (%s %s) has no row in the authorization matrix (authz_matrix_test.go)", r.ID, r.Method, r.Path)
		case ok && !row.complete():
			t.Errorf("matrix row %s must set req and the outcome of member, noAccess, custom and otherOrg", r.ID)
		}
	}
	for id := range rows {
		if !known[id] {
			t.Errorf("matrix row %s names no route of api.Routes", id)
		}
	}
}

func TestAuthzMatrix(t *testing.T) {
	rows := matrixRows()
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	f := newMatrixFixture(t, srv)

	for _, route := range api.Routes {
		if route.Public {
			continue
		}
		row, ok := rows[route.ID]
		if !ok || !row.complete() {
			t.Errorf("route %s has no complete matrix row", route.ID)
			continue
		}
		t.Run(route.ID, func(t *testing.T) {
			for _, who := range matrixCallers {
				t.Run(string(who), func(t *testing.T) {
					want := row.want(route, who)
					params, body := row.req(t, f)
					var out any
					if route.Response != nil {
						out = reflect.New(reflect.TypeOf(route.Response)).Interface()
					}
					c := f.clients[who]
					c.rec.status = 0
					err := c.Call(t.Context(), route, params, row.query, 0, body, out)
					if got := c.rec.status; got != want {
						t.Fatalf("%s %s as %s: status %d, want %d (error: %v)", route.Method, route.Path, who, got, want, err)
					}
					if err != nil {
						if want < 300 {
							t.Fatalf("%s %s as %s: %v", route.Method, route.Path, who, err)
						}
						return
					}
					if row.check != nil {
						row.check(t, f, who, out)
					}
				})
			}
		})
	}

	t.Run("no-escalation", func(t *testing.T) { testMatrixNoEscalation(t, srv, f) })
}

// testMatrixNoEscalation: whoever controls an identity's credentials acts as
// it, so identities edit/delete reach only identities that hold no more than
// the caller (as in Infisical). An identities-editor that is not an admin
// must not mint a client secret for the admin and log in as it.
func testMatrixNoEscalation(t *testing.T, srv *servertest.Server, f *matrixFixture) {
	ctx := t.Context()
	in := api.RoleInput{Slug: "identities-editor", Name: "Identities editor", Permissions: []api.PermissionRule{
		{Subject: api.SubjectIdentities, Actions: []string{api.ActionCreate, api.ActionDelete, api.ActionEdit, api.ActionRead}}}}
	matrixMust[*api.Role](t, "create org role")(f.admin.CreateOrgRole(ctx, in))
	ed := matrixMust[*api.Identity](t, "create editor")(f.admin.CreateIdentity(ctx, api.IdentityInput{Name: "matrix-editor", Role: in.Slug}))
	ua := matrixMust[*api.UniversalAuth](t, "attach universal auth")(f.admin.PutUniversalAuth(ctx, ed.ID, 0, api.UniversalAuthInput{}))
	cs := matrixMust[*api.ClientSecretCreated](t, "create client secret")(f.admin.CreateClientSecret(ctx, ed.ID, api.ClientSecretInput{}))
	editor := srv.Client(t, api.WithUniversalAuth(ua.ClientID, cs.ClientSecret))

	admin := f.identityOf[matrixAdmin]
	lesser := f.newIdentity(t, true) // org no-access, in no project: the editor covers it
	viewer := f.newProjectMember(t)  // viewer of the project, where the editor holds nothing
	matrixMust[*api.UniversalAuth](t, "attach universal auth")(f.admin.PutUniversalAuth(ctx, viewer.ID, 0, api.UniversalAuthInput{}))
	secret := api.ClientSecretInput{Description: "escalation"}
	for _, c := range []struct {
		name string
		call func() error
		want int // 0: allowed
	}{
		{"mint a secret for the admin", func() error { _, err := editor.CreateClientSecret(ctx, admin, secret); return err }, http.StatusForbidden},
		{"change the admin's universal auth", func() error {
			_, err := editor.PatchUniversalAuth(ctx, admin, 0, api.UniversalAuthInput{ClientSecretTrustedIPs: &[]string{"192.0.2.1/32"}})
			return err
		}, http.StatusForbidden},
		{"detach the admin's universal auth", func() error { return editor.DeleteUniversalAuth(ctx, admin, 0) }, http.StatusForbidden},
		{"rename the admin", func() error {
			_, err := editor.UpdateIdentity(ctx, admin, 0, api.IdentityInput{Name: "renamed", Role: "admin"})
			return err
		}, http.StatusForbidden},
		{"delete the admin", func() error { return editor.DeleteIdentity(ctx, admin, 0) }, http.StatusForbidden},
		{"mint a secret for a project viewer", func() error { _, err := editor.CreateClientSecret(ctx, viewer.ID, secret); return err }, http.StatusForbidden},
		{"mint a secret for a no-access identity", func() error { _, err := editor.CreateClientSecret(ctx, lesser.ID, secret); return err }, 0},
		{"change a no-access identity", func() error {
			_, err := editor.UpdateIdentity(ctx, lesser.ID, 0, api.IdentityInput{Name: lesser.Name, Role: "no-access", Description: "changed"})
			return err
		}, 0},
		{"delete a no-access identity", func() error { return editor.DeleteIdentity(ctx, lesser.ID, 0) }, 0},
	} {
		err := c.call()
		var got int
		if err != nil {
			p, ok := err.(*api.Problem)
			if !ok {
				t.Fatalf("%s: %v", c.name, err)
			}
			got = p.Status
		}
		if got != c.want {
			t.Errorf("identities-editor may %s: status %d, want %d (0: allowed) (error: %v)", c.name, got, c.want, err)
		}
	}
}

// matrixFixture holds the objects the rows point at and a client per caller.
type matrixFixture struct {
	admin       *api.Client // the fixture organization's admin, for setup
	orgID       string
	otherOrgID  string
	project     api.Project
	env         api.Environment
	orgRole     api.Role // identities-reader
	projectRole api.Role // env-manager in project
	// target is the identity read-only rows address: universal auth, one
	// client secret, viewer in project.
	target       api.Identity
	targetSecret api.ClientSecret
	identityOf   map[matrixCaller]string
	clients      map[matrixCaller]*matrixClient
	seq          int
}

type matrixClient struct {
	*api.Client
	rec *matrixRecorder
}

// matrixRecorder remembers the status of the last response, so a cell
// asserts the exact success status, not just "no error".
type matrixRecorder struct {
	base   http.RoundTripper
	status int
}

func (r *matrixRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := r.base.RoundTrip(req)
	if err == nil {
		r.status = res.StatusCode
	}
	return res, err
}

func matrixMust[T any](t *testing.T, what string) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func matrixInt(v int) *int { return &v }

func matrixGrant(slugs ...string) api.ProjectMembershipInput {
	in := api.ProjectMembershipInput{}
	for _, s := range slugs {
		in.Roles = append(in.Roles, api.MembershipRole{RoleSlug: s})
	}
	return in
}

func newMatrixFixture(t *testing.T, srv *servertest.Server) *matrixFixture {
	ctx := t.Context()
	f := &matrixFixture{admin: srv.Admin(t), orgID: srv.Bootstrap.OrganizationID,
		identityOf: map[matrixCaller]string{}, clients: map[matrixCaller]*matrixClient{}}
	newClient := func(who matrixCaller, token string) {
		rec := &matrixRecorder{base: http.DefaultTransport}
		opts := []api.Option{api.WithHTTPClient(&http.Client{Transport: rec, Timeout: 30 * time.Second})}
		if token != "" {
			opts = append(opts, api.WithToken(token))
		}
		f.clients[who] = &matrixClient{Client: srv.Client(t, opts...), rec: rec}
	}
	anon := srv.Client(t)
	login := func(clientID, secret string) string {
		res := matrixMust[*api.LoginResponse](t, "login")(anon.Login(ctx, api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: secret}))
		return res.AccessToken
	}
	// loginAs gives identity universal auth (with ttl, 0 for the default)
	// and a client secret, and logs in.
	loginAs := func(identityID string, ttl int) string {
		in := api.UniversalAuthInput{}
		if ttl > 0 {
			in.AccessTokenTTL = &ttl
		}
		ua := matrixMust[*api.UniversalAuth](t, "attach universal auth")(f.admin.PutUniversalAuth(ctx, identityID, 0, in))
		cs := matrixMust[*api.ClientSecretCreated](t, "create client secret")(f.admin.CreateClientSecret(ctx, identityID, api.ClientSecretInput{Description: "matrix"}))
		return login(ua.ClientID, cs.ClientSecret)
	}
	identity := func(name, role string) api.Identity {
		return *matrixMust[*api.Identity](t, "create identity "+name)(f.admin.CreateIdentity(ctx, api.IdentityInput{Name: name, Role: role}))
	}

	// The expired token first, so that it has expired by the end of setup.
	expired := identity("matrix-expired", "admin")
	expiredToken := loginAs(expired.ID, 1)
	expiresBy := time.Now().Add(2 * time.Second)

	f.project = *matrixMust[*api.Project](t, "create project")(f.admin.CreateProject(ctx, api.ProjectInput{Name: "Matrix", Slug: "matrix"}))
	f.env = *matrixMust[*api.Environment](t, "create environment")(f.admin.CreateEnvironment(ctx, f.project.ID, api.EnvironmentInput{Name: "Development", Slug: "dev"}))
	f.orgRole = *matrixMust[*api.Role](t, "create org role")(f.admin.CreateOrgRole(ctx, f.orgRoleInput("identities-reader")))
	f.projectRole = f.newProjectRole(t, f.project.ID, "env-manager")

	f.identityOf[matrixAdmin] = srv.Bootstrap.IdentityID
	newClient(matrixAdmin, login(srv.Bootstrap.ClientID, srv.Bootstrap.ClientSecret))
	for who, role := range map[matrixCaller]string{matrixMember: "member", matrixNoAccess: "no-access", matrixCustom: f.orgRole.Slug, matrixAuditor: "auditor"} {
		i := identity("matrix-"+string(who), role)
		f.identityOf[who] = i.ID
		newClient(who, loginAs(i.ID, 0))
	}
	matrixMust[*api.ProjectMembership](t, "add member")(f.admin.CreateMembership(ctx, f.project.ID, f.identityOf[matrixMember], matrixGrant("member")))
	matrixMust[*api.ProjectMembership](t, "add custom")(f.admin.CreateMembership(ctx, f.project.ID, f.identityOf[matrixCustom], matrixGrant(f.projectRole.Slug)))

	f.target = identity("matrix-target", "member")
	matrixMust[*api.UniversalAuth](t, "attach universal auth")(f.admin.PutUniversalAuth(ctx, f.target.ID, 0, api.UniversalAuthInput{}))
	f.targetSecret = matrixMust[*api.ClientSecretCreated](t, "create client secret")(f.admin.CreateClientSecret(ctx, f.target.ID, api.ClientSecretInput{Description: "target"})).ClientSecretData
	matrixMust[*api.ProjectMembership](t, "add target")(f.admin.CreateMembership(ctx, f.project.ID, f.target.ID, matrixGrant("viewer")))
	for _, m := range signedTokenMethods {
		if err := f.admin.Call(ctx, m.put, []string{f.target.ID}, nil, 0, m.input, nil); err != nil {
			t.Fatalf("attach %s: %v", m.put.ID, err)
		}
	}

	other := srv.NewOrganization(t, "matrix-other")
	f.otherOrgID = other.OrganizationID
	f.identityOf[matrixOtherOrg] = other.IdentityID
	newClient(matrixOtherOrg, login(other.ClientID, other.ClientSecret))

	newClient(matrixNoToken, "")

	revoked := identity("matrix-revoked", "admin")
	revokedToken := loginAs(revoked.ID, 0)
	newClient(matrixRevoked, revokedToken)
	if _, err := f.clients[matrixRevoked].TokenSelf(ctx); err != nil {
		t.Fatalf("the token to revoke does not work before revocation: %v", err)
	}
	if err := anon.RevokeToken(ctx, revokedToken); err != nil {
		t.Fatalf("revoke token: %v", err)
	}

	newClient(matrixExpired, expiredToken)
	time.Sleep(time.Until(expiresBy))
	return f
}

func (f *matrixFixture) orgOf(who matrixCaller) string {
	if who == matrixOtherOrg {
		return f.otherOrgID
	}
	return f.orgID
}

func (f *matrixFixture) slug(prefix string) string {
	f.seq++
	return fmt.Sprintf("mx-%s-%d", prefix, f.seq)
}

func (f *matrixFixture) orgRoleInput(slug string) api.RoleInput {
	return api.RoleInput{Slug: slug, Name: slug, Permissions: []api.PermissionRule{
		{Subject: api.SubjectIdentities, Actions: []string{api.ActionRead}}}}
}

func (f *matrixFixture) projectRoleInput(slug string) api.RoleInput {
	return api.RoleInput{Slug: slug, Name: slug, Permissions: []api.PermissionRule{
		{Subject: api.SubjectProject, Actions: []string{api.ActionRead}},
		{Subject: api.SubjectEnvironments, Actions: []string{api.ActionCreate, api.ActionDelete, api.ActionEdit, api.ActionRead}}}}
}

func (f *matrixFixture) newProjectRole(t *testing.T, projectID, slug string) api.Role {
	return *matrixMust[*api.Role](t, "create project role")(f.admin.CreateProjectRole(t.Context(), projectID, f.projectRoleInput(slug)))
}

func (f *matrixFixture) newOrgRole(t *testing.T) api.Role {
	return *matrixMust[*api.Role](t, "create org role")(f.admin.CreateOrgRole(t.Context(), f.orgRoleInput(f.slug("orole"))))
}

// newProject is a throwaway project where member and custom hold the same
// roles as in the fixture project, so a refusal there is the role's.
func (f *matrixFixture) newProject(t *testing.T) api.Project {
	ctx := t.Context()
	s := f.slug("proj")
	p := *matrixMust[*api.Project](t, "create project")(f.admin.CreateProject(ctx, api.ProjectInput{Name: s, Slug: s}))
	f.newProjectRole(t, p.ID, f.projectRole.Slug)
	matrixMust[*api.ProjectMembership](t, "add member")(f.admin.CreateMembership(ctx, p.ID, f.identityOf[matrixMember], matrixGrant("member")))
	matrixMust[*api.ProjectMembership](t, "add custom")(f.admin.CreateMembership(ctx, p.ID, f.identityOf[matrixCustom], matrixGrant(f.projectRole.Slug)))
	return p
}

func (f *matrixFixture) newEnvironment(t *testing.T) api.Environment {
	s := f.slug("env")
	return *matrixMust[*api.Environment](t, "create environment")(f.admin.CreateEnvironment(t.Context(), f.project.ID, api.EnvironmentInput{Name: s, Slug: s, Position: 9}))
}

// newIdentity is a throwaway no-access identity, with universal auth when ua.
func (f *matrixFixture) newIdentity(t *testing.T, ua bool) api.Identity {
	ctx := t.Context()
	i := *matrixMust[*api.Identity](t, "create identity")(f.admin.CreateIdentity(ctx, api.IdentityInput{Name: f.slug("ident"), Role: "no-access"}))
	if ua {
		matrixMust[*api.UniversalAuth](t, "attach universal auth")(f.admin.PutUniversalAuth(ctx, i.ID, 0, api.UniversalAuthInput{}))
	}
	return i
}

// check asks whether the target (a viewer of the project) may read secrets.
func (f *matrixFixture) check() api.AuthzCheck {
	return api.AuthzCheck{IdentityID: f.target.ID, Project: f.project.ID, Environment: f.env.Slug, SecretPath: "/app", Action: api.ActionRead}
}

// targetToken logs the target in with a new client secret.
func (f *matrixFixture) targetToken(t *testing.T) string {
	ctx := t.Context()
	ua := matrixMust[*api.UniversalAuth](t, "get universal auth")(f.admin.GetUniversalAuth(ctx, f.target.ID))
	cs := matrixMust[*api.ClientSecretCreated](t, "create client secret")(f.admin.CreateClientSecret(ctx, f.target.ID, api.ClientSecretInput{Description: "introspect"}))
	return matrixMust[*api.LoginResponse](t, "login")(f.admin.Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret})).AccessToken
}

// newProjectMember is a throwaway identity that is a viewer of the project.
func (f *matrixFixture) newProjectMember(t *testing.T) api.Identity {
	i := f.newIdentity(t, false)
	matrixMust[*api.ProjectMembership](t, "add viewer")(f.admin.CreateMembership(t.Context(), f.project.ID, i.ID, matrixGrant("viewer")))
	return i
}
