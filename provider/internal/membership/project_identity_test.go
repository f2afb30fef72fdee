package membership_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

// Grants, each list out of the server's order (by slug). rolesV1 is spelled
// as the server answers, so that import matches it.
const (
	rolesV1 = `[
    { role_slug = "viewer" },
    { role_slug = "member", temporary_access = { start_time = "2030-01-01T00:00:00Z", duration = "24h" } },
  ]`
	// rolesV2 adds a custom role, permanently, and admin for a window
	// written with an offset and in minutes: the server answers
	// 2030-01-01T00:00:00Z and 5400 seconds, the state keeps this spelling.
	rolesV2 = `[
    { role_slug = "viewer" },
    { role_slug = "member", temporary_access = { start_time = "2030-01-01T00:00:00Z", duration = "24h" } },
    { role_slug = "admin", temporary_access = { start_time = "2030-01-01T02:00:00+02:00", duration = "1h30m" } },
    { role_slug = idplane_project_role.deployer.slug },
  ]`
	rolesV2Reordered = `[
    { role_slug = idplane_project_role.deployer.slug },
    { role_slug = "admin", temporary_access = { duration = "1h30m", start_time = "2030-01-01T02:00:00+02:00" } },
    { role_slug = "member", temporary_access = { start_time = "2030-01-01T00:00:00Z", duration = "24h" } },
    { role_slug = "viewer" },
  ]`
)

func TestProjectIdentityResource(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	const addr = "idplane_project_identity.ci"
	var projectID, identityID string
	config := func(project, roles string) string {
		return env.Config(`
resource "idplane_project" "a" {
  name = "A"
  slug = "a"
}

resource "idplane_project" "b" {
  name = "B"
  slug = "b"
}

resource "idplane_identity" "ci" {
  name = "ci"
  role = "no-access"
}

resource "idplane_project_role" "deployer" {
  project_id  = idplane_project.` + project + `.id
  slug        = "deployer"
  name        = "Deployer"
  permissions = [{ subject = "secrets", actions = ["read"], conditions = { environments = ["prod"] } }]
}

resource "idplane_project_identity" "ci" {
  project_id  = idplane_project.` + project + `.id
  identity_id = idplane_identity.ci.id
  roles       = ` + roles + `
}
`)
	}
	planned := func(action plancheck.ResourceActionType) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy: env.CheckDestroyed("idplane_project_identity", func(ctx context.Context, c *api.Client, a map[string]string) error {
			_, err := c.GetMembership(ctx, a["project_id"], a["identity_id"])
			return err
		}),
		Steps: []resource.TestStep{
			{
				Config: config("a", rolesV1),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(addr, "project_id", "idplane_project.a", "id"),
					resource.TestCheckResourceAttrPair(addr, "identity_id", "idplane_identity.ci", "id"),
					resource.TestCheckResourceAttr(addr, "version", "1"),
					resource.TestCheckResourceAttr(addr, "roles.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs(addr, "roles.*", map[string]string{"role_slug": "viewer"}),
					resource.TestCheckTypeSetElemNestedAttrs(addr, "roles.*", map[string]string{"role_slug": "member",
						"temporary_access.start_time": "2030-01-01T00:00:00Z", "temporary_access.duration": "24h"}),
					acctest.Capture("idplane_project.a", "id", &projectID),
					acctest.Capture("idplane_identity.ci", "id", &identityID),
					func(s *terraform.State) error {
						id, err := acctest.Attr(s, addr, "id")
						if want := projectID + "/" + identityID; err == nil && id != want {
							return fmt.Errorf("id = %q, want %q", id, want)
						}
						return err
					},
				),
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			{ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID},
			{
				Config: config("a", rolesV2), ConfigPlanChecks: planned(plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "roles.#", "4"),
					resource.TestCheckTypeSetElemNestedAttrs(addr, "roles.*", map[string]string{"role_slug": "admin",
						"temporary_access.start_time": "2030-01-01T02:00:00+02:00", "temporary_access.duration": "1h30m"}),
					func(*terraform.State) error {
						m, err := env.API.GetMembership(ctx, projectID, identityID)
						if err != nil {
							return err
						}
						for _, g := range m.Roles {
							if g.RoleSlug == "admin" && g.TemporaryAccess.DurationSeconds != 5400 {
								return fmt.Errorf("admin grant lasts %d seconds, want 5400", g.TemporaryAccess.DurationSeconds)
							}
						}
						return nil
					},
				),
			},
			{
				Config:           config("a", rolesV2Reordered),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Changed outside Terraform: the plan puts the grants back.
				PreConfig: func() {
					m, err := env.API.GetMembership(ctx, projectID, identityID)
					if err != nil {
						t.Fatal(err)
					}
					in := api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}}
					if _, err := env.API.UpdateMembership(ctx, projectID, identityID, m.Version, in); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("a", rolesV2Reordered), ConfigPlanChecks: planned(plancheck.ResourceActionUpdate),
				Check: resource.TestCheckResourceAttr(addr, "roles.#", "4"),
			},
			{
				// Deleted outside Terraform: removed from state and created again.
				PreConfig: func() {
					if err := env.API.DeleteMembership(ctx, projectID, identityID, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("a", rolesV2Reordered), ConfigPlanChecks: planned(plancheck.ResourceActionCreate),
			},
			{
				// Another project: a new membership there, the old one deleted.
				Config: config("b", rolesV2Reordered), ConfigPlanChecks: planned(plancheck.ResourceActionDestroyBeforeCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(addr, "project_id", "idplane_project.b", "id"),
					func(*terraform.State) error {
						if _, err := env.API.GetMembership(ctx, projectID, identityID); !api.IsNotFound(err) {
							return fmt.Errorf("membership of the old project: expected 404, got %v", err)
						}
						return nil
					},
				),
			},
		},
	})
}
