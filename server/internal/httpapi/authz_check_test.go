package httpapi_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authz"
	"github.com/idplane/idplane/server/servertest"
)

// decisionEnv is an organization with a project, its environments, custom
// project roles with allow and deny rules over environment and path globs,
// and a "checker": an identity whose only permissions are authz check and
// token-introspection read, as a gateway's would be.
type decisionEnv struct {
	a       *tenant
	srv     *servertest.Server
	project api.Project
	roles   map[string][]api.PermissionRule
	checker *api.Client
}

var decisionRoles = map[string][]api.PermissionRule{
	"db-reader": {{Subject: api.SubjectSecrets, Actions: []string{api.ActionDescribe, api.ActionRead},
		Conditions: &api.PermissionConditions{Environments: []string{"prod"}, SecretPaths: []string{"/db/**"}}}},
	"app-writer": {{Subject: api.SubjectSecrets, Actions: []string{api.ActionCreate, api.ActionEdit, api.ActionRead},
		Conditions: &api.PermissionConditions{Environments: []string{"dev", "staging-*"}, SecretPaths: []string{"/app/*"}}}},
	"no-root": {{Subject: api.SubjectSecrets, Actions: []string{api.ActionEdit, api.ActionRead}, Inverted: true,
		Conditions: &api.PermissionConditions{SecretPaths: []string{"/db/root/**", "/app/secret"}}}},
	"folders": {{Subject: api.SubjectSecretFolders, Actions: []string{api.ActionRead},
		Conditions: &api.PermissionConditions{Environments: []string{"prod"}}}},
}

func newDecisionEnv(t *testing.T, srv *servertest.Server) *decisionEnv {
	t.Helper()
	ctx := t.Context()
	e := &decisionEnv{a: firstTenant(t, srv), srv: srv, roles: decisionRoles}
	c := e.a.c
	e.project = *must(c.CreateProject(ctx, api.ProjectInput{Name: "Shop", Slug: "shop"}))(t)
	for i, env := range []string{"dev", "staging-eu", "prod"} {
		must(c.CreateEnvironment(ctx, e.project.ID, api.EnvironmentInput{Name: env, Slug: env, Position: i}))(t)
	}
	for slug, rules := range e.roles {
		must(c.CreateProjectRole(ctx, e.project.ID, api.RoleInput{Slug: slug, Name: slug, Permissions: rules}))(t)
	}
	must(c.CreateOrgRole(ctx, api.RoleInput{Slug: "gatekeeper", Name: "Gatekeeper", Permissions: []api.PermissionRule{
		{Subject: api.SubjectAuthz, Actions: []string{api.ActionCheck}},
		{Subject: api.SubjectTokenIntrospection, Actions: []string{api.ActionRead}},
	}}))(t)
	checker := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "gateway", Role: "gatekeeper"}))(t)
	e.checker = srv.Client(t, api.WithToken(e.login(t, checker.ID, api.UniversalAuthInput{})))
	return e
}

// login gives the identity universal auth with in's settings and a client
// secret, and returns a fresh access token.
func (e *decisionEnv) login(t *testing.T, identityID string, in api.UniversalAuthInput) string {
	t.Helper()
	ctx := t.Context()
	ua := must(e.a.c.PutUniversalAuth(ctx, identityID, 0, in))(t)
	cs := must(e.a.c.CreateClientSecret(ctx, identityID, api.ClientSecretInput{Description: "decision"}))(t)
	return must(e.a.c.Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret}))(t).AccessToken
}

func (e *decisionEnv) member(t *testing.T, name, orgRole string, grants []api.MembershipRole) api.Identity {
	t.Helper()
	ctx := t.Context()
	id := must(e.a.c.CreateIdentity(ctx, api.IdentityInput{Name: name, Role: orgRole}))(t)
	if len(grants) > 0 {
		must(e.a.c.CreateMembership(ctx, e.project.ID, id.ID, api.ProjectMembershipInput{Roles: grants}))(t)
	}
	return *id
}

func window(start time.Time, d time.Duration) *api.TemporaryAccess {
	return &api.TemporaryAccess{StartTime: start, DurationSeconds: int(d.Seconds())}
}

// The decision endpoint gives, over a generated matrix of role grants
// (allow rules, deny rules, environment and path globs, temporary grants
// before, inside and after their window, the organization admin), the
// answer of authz evaluated directly on the same roles at the decision's
// instant, and says why in the same terms.
func TestAuthzCheckAgreesWithAuthz(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newDecisionEnv(t, srv)
		now := time.Now().UTC().Truncate(time.Second)
		choices := []api.MembershipRole{
			{RoleSlug: "db-reader"},
			{RoleSlug: "app-writer", TemporaryAccess: window(now.Add(-3*time.Hour), time.Hour)}, // over
			{RoleSlug: "app-writer", TemporaryAccess: window(now.Add(-time.Hour), 3*time.Hour)}, // current
			{RoleSlug: "app-writer", TemporaryAccess: window(now.Add(2*time.Hour), time.Hour)},  // not yet
			{RoleSlug: "no-root"},
			{RoleSlug: "viewer", TemporaryAccess: window(now.Add(-time.Minute), time.Hour)},
			{RoleSlug: "folders"},
			{RoleSlug: "member"},
		}
		type subject struct {
			identity api.Identity
			grants   []api.MembershipRole
		}
		rng := rand.New(rand.NewPCG(15, 2))
		var subjects []subject
		for i := range 14 {
			var grants []api.MembershipRole
			for _, g := range choices {
				if rng.IntN(5) < 2 {
					grants = append(grants, g)
				}
			}
			orgRole := "no-access"
			if i%5 == 4 {
				orgRole = "admin"
			}
			subjects = append(subjects, subject{e.member(t, fmt.Sprintf("matrix-%d", i), orgRole, grants), grants})
		}

		var checks []api.AuthzCheck
		for _, s := range subjects {
			for _, env := range []string{"dev", "staging-eu", "prod"} {
				for _, path := range []string{"/", "/app/api", "/app/secret", "/db/orders", "/db/root/key"} {
					for _, sa := range []struct{ subject, action string }{
						{"", api.ActionDescribe}, {"", api.ActionRead}, {api.SubjectSecrets, api.ActionEdit}, {"", api.ActionDelete},
						{api.SubjectSecretFolders, api.ActionRead}, {api.SubjectSecretFolders, api.ActionCreate},
					} {
						checks = append(checks, api.AuthzCheck{IdentityID: s.identity.ID, Project: e.project.Slug,
							Environment: env, SecretPath: path, Subject: sa.subject, Action: sa.action})
					}
				}
			}
		}
		var decisions []api.AuthzDecision
		for batch := range slices.Chunk(checks, api.MaxAuthzBatch) {
			decisions = append(decisions, must(e.checker.CheckAuthzBatch(t.Context(), batch))(t).Decisions...)
		}
		if len(decisions) != len(checks) {
			t.Fatalf("%d decisions for %d checks", len(decisions), len(checks))
		}

		custom := func(_, slug string) ([]api.PermissionRule, error) { return e.roles[slug], nil }
		seen := map[string]int{}
		for i, d := range decisions {
			in := checks[i]
			s := subjects[slices.IndexFunc(subjects, func(s subject) bool { return s.identity.ID == in.IdentityID })]
			p, _, err := authz.Effective(s.identity.Role, []authz.Membership{{ProjectID: e.project.ID, Roles: s.grants}}, d.DecidedAt, custom)
			if err != nil {
				t.Fatal(err)
			}
			want := p.DecidePath(e.project.ID, in.SubjectOrDefault(), in.Action, in.Environment, in.SecretPath)
			what := fmt.Sprintf("%s (%v) %s %s at %s:%s", s.identity.Name, s.grants, in.Action, in.SubjectOrDefault(), in.Environment, in.SecretPath)
			if d.Allowed != want.Allowed || (d.Decision == api.DecisionAllow) != want.Allowed || d.DecidedBy != decidedBy(want.Why) {
				t.Fatalf("%s: %s by %s (%s), authz says allowed %v by %v", what, d.Decision, d.DecidedBy, d.Reason, want.Allowed, want.Why)
			}
			if d.IdentityID != s.identity.ID || d.ProjectID != e.project.ID || d.Subject != in.SubjectOrDefault() || d.Action != in.Action {
				t.Fatalf("%s: decision names %s %s %s %s", what, d.IdentityID, d.ProjectID, d.Subject, d.Action)
			}
			switch {
			case want.Grant != nil:
				g := want.Grant
				if d.Role != g.RoleSlug || d.Membership == nil || d.Membership.IdentityID != s.identity.ID || d.Rule == nil ||
					d.Rule.Inverted != want.Rule.Inverted || !slices.Equal(d.Rule.Actions, want.Rule.Actions) {
					t.Fatalf("%s: role %q membership %+v rule %+v, want role %q rule %+v", what, d.Role, d.Membership, d.Rule, g.RoleSlug, want.Rule)
				}
				if (d.TemporaryAccess != nil) != (g.Window != nil) || (g.Window != nil && !d.TemporaryAccess.EndTime.Equal(g.Window.End)) {
					t.Fatalf("%s: temporary access %+v, want window %+v", what, d.TemporaryAccess, g.Window)
				}
				if g.Window != nil {
					seen["temporary"]++
				}
			case want.Why == authz.WhyOrgAdmin:
				if d.Role != "admin" || d.Rule != nil {
					t.Fatalf("%s: role %q rule %+v, want the organization admin", what, d.Role, d.Rule)
				}
			default:
				if d.Role != "" || d.Rule != nil || d.TemporaryAccess != nil || !strings.HasPrefix(d.Reason, "no rule grants") {
					t.Fatalf("%s: %+v, want no rule named", what, d)
				}
			}
			seen[d.DecidedBy]++
		}
		// The generated matrix exercises every kind of answer.
		for _, k := range []string{api.DecidedByAllowRule, api.DecidedByDenyRule, api.DecidedByOrgAdmin, api.DecidedByNoRule, "temporary"} {
			if seen[k] == 0 {
				t.Errorf("no decision of kind %s in the matrix: %v", k, seen)
			}
		}
		t.Logf("%d decisions: %v", len(decisions), seen)
	})
}

func decidedBy(w authz.Why) string {
	switch w {
	case authz.WhyAllowRule:
		return api.DecidedByAllowRule
	case authz.WhyDenyRule:
		return api.DecidedByDenyRule
	case authz.WhyOrgAdmin:
		return api.DecidedByOrgAdmin
	}
	return api.DecidedByNoRule
}

// Hand-written answers for one identity, by ID and by its access token:
// what decided, in words a reviewer can check against the roles above.
func TestAuthzCheckExplains(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newDecisionEnv(t, srv)
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Second)
		ci := e.member(t, "ci-deploy", "no-access", []api.MembershipRole{
			{RoleSlug: "db-reader"}, {RoleSlug: "no-root"},
			{RoleSlug: "app-writer", TemporaryAccess: window(now.Add(-time.Hour), 3*time.Hour)},
		})
		token := e.login(t, ci.ID, api.UniversalAuthInput{})
		for _, tc := range []struct {
			env, path, action string
			allowed           bool
			by, role, reason  string
			until             time.Time
		}{
			{"prod", "/db/orders", "read", true, api.DecidedByAllowRule, "db-reader",
				`a rule of project role "db-reader" allows read on secrets at prod:/db/orders`, time.Time{}},
			{"prod", "/db/root/key", "read", false, api.DecidedByDenyRule, "no-root",
				`a deny rule of project role "no-root" refuses read on secrets at prod:/db/root/key`, time.Time{}},
			{"staging-eu", "/app/secret", "edit", false, api.DecidedByDenyRule, "no-root", "refuses edit", time.Time{}},
			{"dev", "/app/api", "edit", true, api.DecidedByAllowRule, "app-writer",
				"(temporary grant, until " + now.Add(2*time.Hour).Format(time.RFC3339) + ")", now.Add(2 * time.Hour)},
			{"prod", "/app/api", "edit", false, api.DecidedByNoRule, "", "no rule grants edit on secrets at prod:/app/api", time.Time{}},
			// A path is data, never a format.
			{"dev", "/app/%s%d", "edit", true, api.DecidedByAllowRule, "app-writer",
				`a rule of project role "app-writer" allows edit on secrets at dev:/app/%s%d (temporary`, now.Add(2 * time.Hour)},
			{"prod", "/db", "read", false, api.DecidedByNoRule, "", "no rule grants read", time.Time{}},
		} {
			for _, by := range []string{"identity", "token"} {
				in := api.AuthzCheck{IdentityID: ci.ID, Project: e.project.ID, Environment: tc.env, SecretPath: tc.path, Action: tc.action}
				if by == "token" {
					in.IdentityID, in.AccessToken, in.Project = "", token, e.project.Slug
				}
				d := must(e.checker.CheckAuthz(ctx, in))(t)
				what := fmt.Sprintf("%s %s:%s by %s", tc.action, tc.env, tc.path, by)
				if d.Allowed != tc.allowed || d.DecidedBy != tc.by || d.Role != tc.role || !strings.Contains(d.Reason, tc.reason) {
					t.Errorf("%s: allowed %v by %s role %q (%s), want %v by %s role %q (%s)", what, d.Allowed, d.DecidedBy, d.Role, d.Reason,
						tc.allowed, tc.by, tc.role, tc.reason)
				}
				if d.IdentityID != ci.ID || d.ProjectID != e.project.ID {
					t.Errorf("%s: identity %s project %s, want %s %s", what, d.IdentityID, d.ProjectID, ci.ID, e.project.ID)
				}
				if got := d.TemporaryAccess; (got != nil) != !tc.until.IsZero() || (got != nil && !got.EndTime.Equal(tc.until)) {
					t.Errorf("%s: temporary access %+v, want until %v", what, got, tc.until)
				}
				if tc.by == api.DecidedByDenyRule && (d.Rule == nil || !d.Rule.Inverted) {
					t.Errorf("%s: rule %+v, want the inverted rule", what, d.Rule)
				}
			}
		}

		// A token that would not authenticate is a deny that says only that.
		other := otherTenant(t, srv, "decision-other")
		if err := e.a.c.RevokeToken(ctx, token); err != nil {
			t.Fatal(err)
		}
		for name, tok := range map[string]string{"revoked": token, "another organization's": other.token, "garbage": "not-a-token"} {
			d := must(e.checker.CheckAuthz(ctx, api.AuthzCheck{AccessToken: tok, Project: "shop", Environment: "prod", SecretPath: "/db/orders", Action: "read"}))(t)
			if d.Allowed || d.DecidedBy != api.DecidedByInactiveToken || d.IdentityID != "" || d.Role != "" {
				t.Errorf("%s token: %+v, want a deny for an inactive token naming no identity", name, d)
			}
		}
	})
}
