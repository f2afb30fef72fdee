package role_test

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

// Project role rules, each list out of the server's canonical order
// (environments, project, secrets, inverted secrets). The first secrets rule
// names an environment known only after apply, so plan-time validation
// must skip it on create.
const (
	rulesV1 = `[
    { subject = "secrets", actions = ["read", "describe"],
      conditions = { environments = [terraform_data.env.output, "staging"], secret_paths = ["/database/**"] } },
    { subject = "secrets", actions = ["delete"], inverted = true, conditions = { environments = ["prod"] } },
    { subject = "project", actions = ["read"] },
    { subject = "environments", actions = ["read"] },
  ]`
	// rulesV2 adds "edit" to the first rule.
	rulesV2 = `[
    { subject = "secrets", actions = ["read", "describe", "edit"],
      conditions = { environments = [terraform_data.env.output, "staging"], secret_paths = ["/database/**"] } },
    { subject = "secrets", actions = ["delete"], inverted = true, conditions = { environments = ["prod"] } },
    { subject = "project", actions = ["read"] },
    { subject = "environments", actions = ["read"] },
  ]`
	// rulesV2Reordered is rulesV2 with rules, actions and globs reordered.
	rulesV2Reordered = `[
    { subject = "environments", actions = ["read"] },
    { subject = "secrets", actions = ["delete"], inverted = true, conditions = { environments = ["prod"] } },
    { subject = "secrets", actions = ["edit", "describe", "read"],
      conditions = { secret_paths = ["/database/**"], environments = ["staging", terraform_data.env.output] } },
    { subject = "project", actions = ["read"], inverted = false },
  ]`
	// rulesV2Empty is rulesV2 with empty conditions spelled out, which the
	// server drops.
	rulesV2Empty = `[
    { subject = "secrets", actions = ["read", "describe", "edit"],
      conditions = { environments = [terraform_data.env.output, "staging"], secret_paths = ["/database/**"] } },
    { subject = "secrets", actions = ["delete"], inverted = true, conditions = { environments = ["prod"], secret_paths = [] } },
    { subject = "project", actions = ["read"], conditions = { environments = [], secret_paths = [] } },
    { subject = "environments", actions = ["read"], conditions = {} },
  ]`
)

func TestProjectRoleResource(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	const addr = "idplane_project_role.deployer"
	var id, projectID string
	config := func(project, rules string) string {
		return env.Config(`
resource "idplane_project" "a" {
  name = "A"
  slug = "a"
}

resource "idplane_project" "b" {
  name = "B"
  slug = "b"
}

resource "terraform_data" "env" {
  input = "prod"
}

resource "idplane_project_role" "deployer" {
  project_id  = idplane_project.` + project + `.id
  slug        = "deployer"
  name        = "Deployer"
  permissions = ` + rules + `
}
`)
	}
	planned := func(action plancheck.ResourceActionType) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
	}
	empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy: env.CheckDestroyed("idplane_project_role", func(ctx context.Context, c *api.Client, a map[string]string) error {
			_, err := c.GetProjectRole(ctx, a["project_id"], a["id"])
			return err
		}),
		Steps: []resource.TestStep{
			{
				Config: config("a", rulesV1),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(addr, "project_id", "idplane_project.a", "id"),
					resource.TestCheckResourceAttr(addr, "description", ""),
					resource.TestCheckResourceAttr(addr, "permissions.#", "4"),
					resource.TestCheckTypeSetElemNestedAttrs(addr, "permissions.*", map[string]string{
						"subject": "secrets", "inverted": "false", "actions.#": "2",
						"conditions.environments.#": "2", "conditions.secret_paths.#": "1", "conditions.secret_paths.0": "/database/**"}),
					resource.TestCheckTypeSetElemNestedAttrs(addr, "permissions.*", map[string]string{
						"subject": "secrets", "inverted": "true", "conditions.environments.#": "1"}),
					acctest.Capture(addr, "id", &id),
					acctest.Capture("idplane_project.a", "id", &projectID),
				),
			},
			{
				ResourceName: addr, ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) { return projectID + "/" + id, nil },
			},
			{
				ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID,
				ImportStateIdFunc: func(s *terraform.State) (string, error) { return projectID + "/" + id, nil },
			},
			{Config: config("a", rulesV2), ConfigPlanChecks: planned(plancheck.ResourceActionUpdate),
				Check: resource.TestCheckTypeSetElemNestedAttrs(addr, "permissions.*", map[string]string{
					"subject": "secrets", "inverted": "false", "actions.#": "3"})},
			{Config: config("a", rulesV2Reordered), ConfigPlanChecks: empty},
			{
				// Spelling out empty conditions changes the configuration, not
				// the role: one update, after which the plan stays empty.
				Config: config("a", rulesV2Empty), ConfigPlanChecks: planned(plancheck.ResourceActionUpdate),
				Check: resource.TestCheckResourceAttr(addr, "version", "3"),
			},
			{Config: config("a", rulesV2Empty), ConfigPlanChecks: empty},
			{
				// Changed outside Terraform: the plan puts the rules back.
				PreConfig: func() {
					r, err := env.API.GetProjectRole(ctx, projectID, id)
					if err != nil {
						t.Fatal(err)
					}
					perms := r.Permissions[:len(r.Permissions)-1]
					perms[0].Actions = []string{api.ActionCreate, api.ActionRead}
					in := api.RoleInput{Slug: r.Slug, Name: "Drifted", Description: r.Description, Permissions: perms}
					if _, err := env.API.UpdateProjectRole(ctx, projectID, id, r.Version, in); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("a", rulesV2Empty), ConfigPlanChecks: planned(plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "name", "Deployer"),
					resource.TestCheckResourceAttr(addr, "permissions.#", "4"),
				),
			},
			{
				// Deleted outside Terraform: removed from state and created again.
				PreConfig: func() {
					if err := env.API.DeleteProjectRole(ctx, projectID, id, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("a", rulesV2Empty), ConfigPlanChecks: planned(plancheck.ResourceActionCreate),
			},
			{
				// Another project: a new role there, the old one deleted.
				Config: config("b", rulesV2Empty), ConfigPlanChecks: planned(plancheck.ResourceActionDestroyBeforeCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(addr, "project_id", "idplane_project.b", "id"),
					func(*terraform.State) error {
						_, err := env.API.GetProjectRole(ctx, projectID, "deployer")
						if !api.IsNotFound(err) {
							return fmt.Errorf("role in the old project: expected 404, got %v", err)
						}
						return nil
					},
				),
			},
		},
	})
}
