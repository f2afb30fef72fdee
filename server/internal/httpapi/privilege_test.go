package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// Nobody grants more than they hold, conditions included: a manager who may
// read secrets only in dev cannot hand out read access in prod.
func TestPrivilegeBoundaryHonoursConditions(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	admin := srv.Admin(t)
	ctx := t.Context()
	proj, err := admin.CreateProject(ctx, api.ProjectInput{Name: "P", Slug: "p"})
	if err != nil {
		t.Fatal(err)
	}
	read := func(env string) api.PermissionRule {
		return api.PermissionRule{Subject: api.SubjectSecrets, Actions: []string{"read"},
			Conditions: &api.PermissionConditions{Environments: []string{env}, SecretPaths: []string{"/app/**"}}}
	}
	for _, r := range []api.RoleInput{
		{Slug: "dev-manager", Name: "Dev manager", Permissions: []api.PermissionRule{read("dev"),
			{Subject: api.SubjectIdentities, Actions: []string{"read", "create", "edit", "delete"}}}},
		{Slug: "dev-reader", Name: "Dev reader", Permissions: []api.PermissionRule{read("dev")}},
		{Slug: "prod-reader", Name: "Prod reader", Permissions: []api.PermissionRule{read("prod")}},
	} {
		if _, err := admin.CreateProjectRole(ctx, proj.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	managerID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
	if _, err := admin.CreateMembership(ctx, proj.ID, managerID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "dev-manager"}}}); err != nil {
		t.Fatal(err)
	}
	manager := srv.Client(t, api.WithUniversalAuth(clientID, secSecret(t, admin, managerID, 0).ClientSecret))
	target, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: "target", Role: "no-access"})
	if err != nil {
		t.Fatal(err)
	}

	_, err = manager.CreateMembership(ctx, proj.ID, target.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "prod-reader"}}})
	secWant(t, err, http.StatusForbidden, api.CodeForbidden)
	if _, err := manager.CreateMembership(ctx, proj.ID, target.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "dev-reader"}}}); err != nil {
		t.Fatalf("granting what the manager holds: %v", err)
	}

}
