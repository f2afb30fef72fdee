package httpapi_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

func grantSlugs(m *api.ProjectMembership) []string {
	var out []string
	for _, r := range m.Roles {
		out = append(out, r.RoleSlug)
	}
	return out
}

func TestMembershipsContract(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		c := a.c
		proj := must(c.CreateProject(ctx, api.ProjectInput{Name: "Apps", Slug: "apps"}))(t)
		ident := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "app", Role: "no-access"}))(t)
		must(c.CreateProjectRole(ctx, proj.ID, api.RoleInput{Slug: "db-reader", Name: "DB reader", Permissions: []api.PermissionRule{
			{Subject: "secrets", Actions: []string{"read"}, Conditions: &api.PermissionConditions{SecretPaths: []string{"/db/*"}}},
		}}))(t)

		// several roles, one of them temporary; answered in canonical order
		start := time.Now().UTC().Truncate(time.Second)
		in := api.ProjectMembershipInput{Roles: []api.MembershipRole{
			{RoleSlug: "viewer"},
			{RoleSlug: "db-reader"},
			{RoleSlug: "admin", TemporaryAccess: &api.TemporaryAccess{StartTime: start, DurationSeconds: 600}},
		}}
		created := must(c.CreateMembership(ctx, proj.ID, ident.ID, in))(t)
		if created.ProjectID != proj.ID || created.IdentityID != ident.ID || created.Version != 1 {
			t.Fatalf("created membership %+v", created)
		}
		if got := grantSlugs(created); !slices.Equal(got, []string{"admin", "db-reader", "viewer"}) {
			t.Errorf("grants = %v, want [admin db-reader viewer]", got)
		}
		got := must(c.GetMembership(ctx, proj.ID, ident.ID))(t)
		if ta := got.Roles[0].TemporaryAccess; ta == nil || !ta.StartTime.Equal(start) || ta.DurationSeconds != 600 || got.Roles[1].TemporaryAccess != nil {
			t.Errorf("get membership roles = %+v, want admin temporary from %s for 600s", got.Roles, start)
		}
		a.raw(t, "GET", "/api/v1/projects/"+proj.ID+"/identity-memberships/"+ident.ID, "", "").wantETag(t, http.StatusOK)

		// duplicate membership
		_, err := c.CreateMembership(ctx, proj.ID, ident.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}})
		wantProblem(t, err, http.StatusConflict, api.CodeConflict)

		// update, stale update
		up := must(c.UpdateMembership(ctx, proj.ID, ident.ID, 1, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "member"}}}))(t)
		if up.Version != 2 || !slices.Equal(grantSlugs(up), []string{"member"}) {
			t.Errorf("updated membership = %+v", up)
		}
		_, err = c.UpdateMembership(ctx, proj.ID, ident.ID, 1, in)
		wantProblem(t, err, http.StatusPreconditionFailed, api.CodeVersionMismatch)
		wantProblem(t, c.DeleteMembership(ctx, proj.ID, ident.ID, 1), http.StatusPreconditionFailed, api.CodeVersionMismatch)

		// list
		second := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "second", Role: "member"}))(t)
		must(c.CreateMembership(ctx, proj.ID, second.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}}))(t)
		list := must(c.ListMemberships(ctx, proj.ID))(t)
		var ids []string
		for _, m := range list.Memberships {
			ids = append(ids, m.IdentityID)
		}
		if !slices.Equal(slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values([]string{ident.ID, second.ID}))) {
			t.Errorf("memberships of %v, want %s and %s", ids, ident.ID, second.ID)
		}

		// unknown roles are validation errors naming the grant
		_, err = c.UpdateMembership(ctx, proj.ID, ident.ID, 0, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "ghost"}}})
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "roles[0].roleSlug", `"ghost"`, "viewer")
		third := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "third", Role: "member"}))(t)
		_, err = c.CreateMembership(ctx, proj.ID, third.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}, {RoleSlug: "ghost"}}})
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "roles[1].roleSlug", `"ghost"`)
		_, err = c.CreateMembership(ctx, proj.ID, third.ID, api.ProjectMembershipInput{})
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "roles", "at least one")
		_, err = c.CreateMembership(ctx, proj.ID, third.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{
			{RoleSlug: "viewer", TemporaryAccess: &api.TemporaryAccess{StartTime: start, DurationSeconds: 0}}}})
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "roles[0].temporaryAccess.durationSeconds")
		_, err = c.GetMembership(ctx, proj.ID, third.ID)
		wantNotFound(t, err)
		_, err = c.CreateMembership(ctx, proj.ID, "00000000-0000-0000-0000-000000000000", api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}})
		wantNotFound(t, err)

		// delete → 404
		if err := c.DeleteMembership(ctx, proj.ID, ident.ID, 2); err != nil {
			t.Fatalf("delete membership: %v", err)
		}
		_, err = c.GetMembership(ctx, proj.ID, ident.ID)
		wantNotFound(t, err)
		wantNotFound(t, c.DeleteMembership(ctx, proj.ID, ident.ID, 0))
		if l := must(c.ListMemberships(ctx, proj.ID))(t); len(l.Memberships) != 1 || l.Memberships[0].IdentityID != second.ID {
			t.Errorf("memberships after delete = %+v, want only %s", l.Memberships, second.ID)
		}

		// tenant isolation: B can neither see A's memberships nor put its
		// identities into A's project, and A cannot add B's identities
		b := otherTenant(t, srv, "tenant-b")
		_, err = b.c.GetMembership(ctx, proj.ID, second.ID)
		wantNotFound(t, err)
		_, err = b.c.ListMemberships(ctx, proj.ID)
		wantNotFound(t, err)
		_, err = b.c.UpdateMembership(ctx, proj.ID, second.ID, 0, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "admin"}}})
		wantNotFound(t, err)
		wantNotFound(t, b.c.DeleteMembership(ctx, proj.ID, second.ID, 0))
		_, err = b.c.CreateMembership(ctx, proj.ID, b.boot.IdentityID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "admin"}}})
		wantNotFound(t, err)
		_, err = c.CreateMembership(ctx, proj.ID, b.boot.IdentityID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}})
		wantNotFound(t, err)
		if got := must(c.GetMembership(ctx, proj.ID, second.ID))(t); !slices.Equal(grantSlugs(got), []string{"viewer"}) {
			t.Errorf("A's membership after B's attempts = %+v", got)
		}
	})
}

func TestEffectivePermissionsContract(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		c := a.c
		proj := must(c.CreateProject(ctx, api.ProjectInput{Name: "Data", Slug: "data"}))(t)
		must(c.CreateEnvironment(ctx, proj.ID, api.EnvironmentInput{Name: "Prod", Slug: "prod"}))(t)
		dbRule := api.PermissionRule{Subject: "secrets", Actions: []string{"read"}, Conditions: &api.PermissionConditions{
			Environments: []string{"prod"}, SecretPaths: []string{"/db/**"}}}
		must(c.CreateProjectRole(ctx, proj.ID, api.RoleInput{Slug: "db-reader", Name: "DB reader", Permissions: []api.PermissionRule{dbRule}}))(t)
		ident := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "etl", Role: "member"}))(t)

		now := time.Now().UTC()
		must(c.CreateMembership(ctx, proj.ID, ident.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{
			{RoleSlug: "viewer"},
			// ended an hour ago
			{RoleSlug: "admin", TemporaryAccess: &api.TemporaryAccess{StartTime: now.Add(-2 * time.Hour), DurationSeconds: 3600}},
			// starts tomorrow
			{RoleSlug: "member", TemporaryAccess: &api.TemporaryAccess{StartTime: now.Add(24 * time.Hour), DurationSeconds: 3600}},
			// active now
			{RoleSlug: "db-reader", TemporaryAccess: &api.TemporaryAccess{StartTime: now.Add(-time.Minute), DurationSeconds: 3600}},
		}}))(t)

		eff := must(c.EffectivePermissions(ctx, ident.ID))(t)
		if eff.IdentityID != ident.ID || eff.OrganizationRole != "member" {
			t.Errorf("effective permissions of %s with role %s, want %s with member", eff.IdentityID, eff.OrganizationRole, ident.ID)
		}
		orgMember := must(c.GetOrgRole(ctx, "member"))(t)
		if !samePerms(eff.Organization, orgMember.Permissions) {
			t.Errorf("organization rules %+v, want the member role's %+v", eff.Organization, orgMember.Permissions)
		}
		if len(eff.Projects) != 1 || eff.Projects[0].ProjectID != proj.ID {
			t.Fatalf("projects = %+v, want exactly %s", eff.Projects, proj.ID)
		}
		pp := eff.Projects[0]
		if !slices.Equal(pp.Roles, []string{"db-reader", "viewer"}) {
			t.Errorf("active roles = %v, want [db-reader viewer]: ended and future grants do not count", pp.Roles)
		}
		viewer := must(c.GetProjectRole(ctx, proj.ID, "viewer"))(t)
		want := api.NormalizeRules(append(slices.Clone(viewer.Permissions), dbRule))
		if !samePerms(pp.Permissions, want) {
			t.Errorf("project rules %+v, want viewer's plus db-reader's %+v", pp.Permissions, want)
		}
		for _, r := range pp.Permissions {
			if slices.Contains(r.Actions, "delete") || slices.Contains(r.Actions, "create") {
				t.Errorf("rule %+v grants a write, which only the ended admin grant (or the future member grant) holds", r)
			}
		}

		// the ended grant does not authorize either: as the identity, reading
		// the project works, creating an environment is forbidden
		ua := must(c.PutUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{}))(t)
		cs := must(c.CreateClientSecret(ctx, ident.ID, api.ClientSecretInput{}))(t)
		as := srv.Client(t, api.WithUniversalAuth(ua.ClientID, cs.ClientSecret))
		must(as.GetProject(ctx, proj.ID))(t)
		_, err := as.CreateEnvironment(ctx, proj.ID, api.EnvironmentInput{Name: "Dev", Slug: "dev"})
		wantProblem(t, err, http.StatusForbidden, api.CodeForbidden)

		// once the membership is gone, no project rules remain
		if err := c.DeleteMembership(ctx, proj.ID, ident.ID, 0); err != nil {
			t.Fatal(err)
		}
		if eff := must(c.EffectivePermissions(ctx, ident.ID))(t); len(eff.Projects) != 0 {
			t.Errorf("projects after removing the membership = %+v, want none", eff.Projects)
		}
		_, err = c.EffectivePermissions(ctx, "00000000-0000-0000-0000-000000000000")
		wantNotFound(t, err)
	})
}
