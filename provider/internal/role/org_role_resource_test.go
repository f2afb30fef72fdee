package role_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

func TestOrgRoleResource(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	const addr = "idplane_org_role.log_reader"
	var id string
	// Rules and actions are listed out of the server's canonical order
	// (audit-logs, identities, projects; actions sorted).
	config := func(projectActions string) string {
		return env.Config(`
resource "idplane_org_role" "log_reader" {
  slug        = "log-reader"
  name        = "Log reader"
  description = "reads projects and the audit log"
  permissions = [
    { subject = "projects", actions = [` + projectActions + `] },
    { subject = "audit-logs", actions = ["read"], inverted = false },
    { subject = "identities", actions = ["edit", "create"], inverted = true },
  ]
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy: env.CheckDestroyed("idplane_org_role", func(ctx context.Context, c *api.Client, a map[string]string) error {
			_, err := c.GetOrgRole(ctx, a["id"])
			return err
		}),
		Steps: []resource.TestStep{
			{
				Config: config(`"read"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "slug", "log-reader"),
					resource.TestCheckResourceAttr(addr, "version", "1"),
					resource.TestCheckResourceAttr(addr, "permissions.#", "3"),
					resource.TestCheckTypeSetElemNestedAttrs(addr, "permissions.*", map[string]string{
						"subject": "identities", "actions.#": "2", "inverted": "true"}),
					resource.TestCheckTypeSetElemNestedAttrs(addr, "permissions.*", map[string]string{
						"subject": "projects", "actions.#": "1", "actions.0": "read", "inverted": "false"}),
					acctest.Capture(addr, "id", &id),
				),
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			{
				// Adding an action updates the role in place.
				Config: config(`"read", "create"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "version", "2"),
					resource.TestCheckTypeSetElemNestedAttrs(addr, "permissions.*", map[string]string{"subject": "projects", "actions.#": "2"}),
				),
			},
			{
				// Same rules, actions in yet another order: nothing to do.
				Config:           config(`"create", "read"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Changed outside Terraform: the plan puts the rules back.
				PreConfig: func() {
					r, err := env.API.GetOrgRole(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					in := api.RoleInput{Slug: r.Slug, Name: r.Name, Description: r.Description,
						Permissions: []api.PermissionRule{{Subject: api.SubjectProjects, Actions: []string{api.ActionDelete}}}}
					if _, err := env.API.UpdateOrgRole(ctx, id, r.Version, in); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(`"create", "read"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "permissions.#", "3"),
					resource.TestCheckTypeSetElemNestedAttrs(addr, "permissions.*", map[string]string{"subject": "projects", "actions.#": "2"}),
				),
			},
			{
				// Deleted outside Terraform: removed from state and created again.
				PreConfig: func() {
					if err := env.API.DeleteOrgRole(ctx, id, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(`"create", "read"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}
