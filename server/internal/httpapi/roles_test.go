package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// roleOps are the role operations of one scope, so that organization and
// project roles run through the same contract.
type roleOps struct {
	scope    api.Scope
	builtins []string
	// basePath is the listing's URL path.
	basePath string
	list     func(c *api.Client, ctx context.Context) (*api.RoleList, error)
	create   func(c *api.Client, ctx context.Context, in api.RoleInput) (*api.Role, error)
	get      func(c *api.Client, ctx context.Context, id string) (*api.Role, error)
	update   func(c *api.Client, ctx context.Context, id string, v int64, in api.RoleInput) (*api.Role, error)
	del      func(c *api.Client, ctx context.Context, id string, v int64) error
	// grant makes something in the organization refer to slug; ungrant stops it.
	grant, ungrant func(t *testing.T, slug string)
}

func orgRoleOps(c *api.Client) roleOps {
	var holder string
	return roleOps{
		scope: api.ScopeOrganization, builtins: []string{"admin", "member", "no-access", "auditor"}, basePath: "/api/v1/org-roles",
		list:   (*api.Client).ListOrgRoles,
		create: (*api.Client).CreateOrgRole,
		get:    (*api.Client).GetOrgRole,
		update: (*api.Client).UpdateOrgRole,
		del:    (*api.Client).DeleteOrgRole,
		grant: func(t *testing.T, slug string) {
			holder = must(c.CreateIdentity(t.Context(), api.IdentityInput{Name: "holder", Role: slug}))(t).ID
		},
		ungrant: func(t *testing.T, slug string) {
			must(c.UpdateIdentity(t.Context(), holder, 0, api.IdentityInput{Name: "holder", Role: "member"}))(t)
		},
	}
}

func projectRoleOps(t *testing.T, c *api.Client) roleOps {
	ctx := t.Context()
	proj := must(c.CreateProject(ctx, api.ProjectInput{Name: "Roles", Slug: "roles"}))(t)
	ident := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "member-of-roles", Role: "member"}))(t)
	return roleOps{
		scope: api.ScopeProject, builtins: []string{"admin", "member", "viewer", "no-access"}, basePath: "/api/v1/projects/" + proj.ID + "/roles",
		list: func(c *api.Client, ctx context.Context) (*api.RoleList, error) {
			return c.ListProjectRoles(ctx, proj.ID)
		},
		create: func(c *api.Client, ctx context.Context, in api.RoleInput) (*api.Role, error) {
			return c.CreateProjectRole(ctx, proj.ID, in)
		},
		get: func(c *api.Client, ctx context.Context, id string) (*api.Role, error) {
			return c.GetProjectRole(ctx, proj.ID, id)
		},
		update: func(c *api.Client, ctx context.Context, id string, v int64, in api.RoleInput) (*api.Role, error) {
			return c.UpdateProjectRole(ctx, proj.ID, id, v, in)
		},
		del: func(c *api.Client, ctx context.Context, id string, v int64) error {
			return c.DeleteProjectRole(ctx, proj.ID, id, v)
		},
		grant: func(t *testing.T, slug string) {
			must(c.CreateMembership(t.Context(), proj.ID, ident.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}, {RoleSlug: slug}}}))(t)
		},
		ungrant: func(t *testing.T, slug string) {
			must(c.UpdateMembership(t.Context(), proj.ID, ident.ID, 0, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}}))(t)
		},
	}
}

func roleSlugs(l *api.RoleList) []string {
	var out []string
	for _, r := range l.Roles {
		out = append(out, r.Slug)
	}
	return out
}

func TestOrgRolesContract(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		a := firstTenant(t, srv)
		testRoles(t, srv, a, orgRoleOps(a.c), api.PermissionRule{Subject: "identities", Actions: []string{"read", "edit"}})
	})
}

func TestProjectRolesContract(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		a := firstTenant(t, srv)
		testRoles(t, srv, a, projectRoleOps(t, a.c), api.PermissionRule{Subject: "secrets", Actions: []string{"read", "describe"},
			Conditions: &api.PermissionConditions{Environments: []string{"prod"}, SecretPaths: []string{"/db/**"}}})
	})
}

func testRoles(t *testing.T, srv *servertest.Server, a *tenant, ops roleOps, rule api.PermissionRule) {
	ctx := t.Context()
	c := a.c

	// built-ins come first and are read-only
	list := must(ops.list(c, ctx))(t)
	if got := roleSlugs(list); !slices.Equal(got, ops.builtins) {
		t.Fatalf("roles = %v, want the built-ins %v", got, ops.builtins)
	}
	for _, r := range list.Roles {
		if !r.Builtin || r.ID != r.Slug {
			t.Errorf("built-in role %+v: want builtin with its slug as ID", r)
		}
	}
	admin := must(ops.get(c, ctx, "admin"))(t)
	if !admin.Builtin || len(admin.Permissions) == 0 {
		t.Errorf("get admin = %+v, want a built-in with permissions", admin)
	}
	for _, slug := range ops.builtins {
		_, err := ops.update(c, ctx, slug, 0, api.RoleInput{Slug: "renamed", Name: "Renamed"})
		wantProblem(t, err, http.StatusConflict, api.CodeConflict)
		wantProblem(t, ops.del(c, ctx, slug, 0), http.StatusConflict, api.CodeConflict)
	}
	_, err := ops.create(c, ctx, api.RoleInput{Slug: "admin", Name: "My admin"})
	wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "slug", "built-in")

	// create → get (by ID and by slug)
	in := api.RoleInput{Slug: "reviewer", Name: "Reviewer", Description: "reads", Permissions: []api.PermissionRule{rule}}
	created := must(ops.create(c, ctx, in))(t)
	want := api.NormalizeRules(in.Permissions)
	if created.ID == "" || created.ID == created.Slug || created.Builtin || created.Version != 1 || !samePerms(created.Permissions, want) {
		t.Fatalf("created role %+v, want a custom role with %+v", created, want)
	}
	for _, key := range []string{created.ID, "reviewer"} {
		got := must(ops.get(c, ctx, key))(t)
		if got.ID != created.ID || got.Name != "Reviewer" || got.Description != "reads" || !samePerms(got.Permissions, want) {
			t.Errorf("get %s = %+v", key, got)
		}
	}
	a.raw(t, "GET", ops.basePath+"/"+created.ID, "", "").wantETag(t, http.StatusOK)

	// update, stale update, list
	in.Name, in.Description = "Reviewers", ""
	up := must(ops.update(c, ctx, created.ID, 1, in))(t)
	if up.Version != 2 || up.Name != "Reviewers" || up.Description != "" {
		t.Errorf("updated role = %+v", up)
	}
	_, err = ops.update(c, ctx, created.ID, 1, in)
	wantProblem(t, err, http.StatusPreconditionFailed, api.CodeVersionMismatch)
	wantProblem(t, ops.del(c, ctx, created.ID, 1), http.StatusPreconditionFailed, api.CodeVersionMismatch)
	must(ops.create(c, ctx, api.RoleInput{Slug: "aaa-first", Name: "A"}))(t)
	if got, want := roleSlugs(must(ops.list(c, ctx))(t)), append(slices.Clone(ops.builtins), "aaa-first", "reviewer"); !slices.Equal(got, want) {
		t.Errorf("roles = %v, want %v (built-ins first)", got, want)
	}

	// duplicate slug
	_, err = ops.create(c, ctx, api.RoleInput{Slug: "reviewer", Name: "Again"})
	wantProblem(t, err, http.StatusConflict, api.CodeConflict)
	_, err = ops.update(c, ctx, "aaa-first", 0, api.RoleInput{Slug: "reviewer", Name: "A"})
	wantProblem(t, err, http.StatusConflict, api.CodeConflict)

	// validation names the rule's path and lists what is allowed
	bad := api.RoleInput{Slug: "bad", Name: "Bad", Permissions: []api.PermissionRule{
		{Subject: rule.Subject, Actions: []string{"fly"}},
		{Subject: "spaceships", Actions: []string{"read"}},
	}}
	_, err = ops.create(c, ctx, bad)
	p := wantProblem(t, err, http.StatusBadRequest, api.CodeValidation)
	wantFieldError(t, p, "permissions[0].actions[0]", append([]string{`"fly"`}, api.Actions(ops.scope, rule.Subject)...)...)
	wantFieldError(t, p, "permissions[1].subject", append([]string{`"spaceships"`}, api.Subjects(ops.scope)...)...)
	_, err = ops.update(c, ctx, created.ID, 0, bad)
	wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "permissions[0].actions[0]", "allowed")
	if _, err := ops.get(c, ctx, "bad"); !api.IsNotFound(err) {
		t.Errorf("invalid role was created: %v", err)
	}

	// in use: no delete, no slug change; free again once ungranted
	ops.grant(t, "reviewer")
	wantProblem(t, ops.del(c, ctx, created.ID, 0), http.StatusConflict, api.CodeConflict)
	_, err = ops.update(c, ctx, created.ID, 0, api.RoleInput{Slug: "reviewer-2", Name: "Reviewers"})
	wantProblem(t, err, http.StatusConflict, api.CodeConflict)
	must(ops.get(c, ctx, created.ID))(t)
	ops.ungrant(t, "reviewer")

	// delete → 404
	if err := ops.del(c, ctx, created.ID, 2); err != nil {
		t.Fatalf("delete role: %v", err)
	}
	_, err = ops.get(c, ctx, created.ID)
	wantNotFound(t, err)
	_, err = ops.get(c, ctx, "reviewer")
	wantNotFound(t, err)
	wantNotFound(t, ops.del(c, ctx, created.ID, 0))
	_, err = ops.update(c, ctx, created.ID, 0, in)
	wantNotFound(t, err)

	// tenant isolation
	mine := must(ops.create(c, ctx, api.RoleInput{Slug: "private", Name: "Private"}))(t)
	b := otherTenant(t, srv, "tenant-b")
	_, err = ops.get(b.c, ctx, mine.ID)
	wantNotFound(t, err)
	_, err = ops.update(b.c, ctx, mine.ID, 0, api.RoleInput{Slug: "private", Name: "Mine now"})
	wantNotFound(t, err)
	wantNotFound(t, ops.del(b.c, ctx, mine.ID, 0))
	if ops.scope == api.ScopeOrganization {
		if got := roleSlugs(must(ops.list(b.c, ctx))(t)); !slices.Equal(got, ops.builtins) {
			t.Errorf("B lists roles %v, want only the built-ins", got)
		}
		must(ops.create(b.c, ctx, api.RoleInput{Slug: "private", Name: "B's own"}))(t)
	} else {
		_, err = ops.list(b.c, ctx)
		wantNotFound(t, err)
		_, err = ops.create(b.c, ctx, api.RoleInput{Slug: "intruder", Name: "Intruder"})
		wantNotFound(t, err)
	}
	if got := must(ops.get(c, ctx, mine.ID))(t); got.Name != "Private" {
		t.Errorf("A's role after B's attempts = %+v", got)
	}
}

func samePerms(a, b []api.PermissionRule) bool {
	return len(a) == len(b) && slices.EqualFunc(a, b, func(x, y api.PermissionRule) bool {
		if x.Subject != y.Subject || x.Inverted != y.Inverted || !slices.Equal(x.Actions, y.Actions) {
			return false
		}
		if x.Conditions.IsEmpty() || y.Conditions.IsEmpty() {
			return x.Conditions.IsEmpty() == y.Conditions.IsEmpty()
		}
		return slices.Equal(x.Conditions.Environments, y.Conditions.Environments) &&
			slices.Equal(x.Conditions.SecretPaths, y.Conditions.SecretPaths)
	})
}
