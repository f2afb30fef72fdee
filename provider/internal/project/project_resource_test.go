package project_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

func TestProjectResource(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	var id string
	config := func(name, desc string) string {
		return env.Config(`
resource "idplane_project" "app" {
  name        = "` + name + `"
  slug        = "app"
  description = "` + desc + `"
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy: env.CheckDestroyed("idplane_project", func(ctx context.Context, c *api.Client, a map[string]string) error {
			_, err := c.GetProject(ctx, a["id"])
			return err
		}),
		Steps: []resource.TestStep{
			{
				Config: config("App", "first"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("idplane_project.app", "name", "App"),
					resource.TestCheckResourceAttr("idplane_project.app", "description", "first"),
					resource.TestCheckResourceAttr("idplane_project.app", "version", "1"),
					acctest.Capture("idplane_project.app", "id", &id),
				),
			},
			{ResourceName: "idplane_project.app", ImportState: true, ImportStateVerify: true},
			// An import block: the plan that imports must change nothing.
			{ResourceName: "idplane_project.app", ImportState: true, ImportStateKind: resource.ImportBlockWithID},
			{
				Config: config("App renamed", "second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("idplane_project.app", plancheck.ResourceActionUpdate)},
				},
				Check: resource.TestCheckResourceAttr("idplane_project.app", "name", "App renamed"),
			},
			{
				Config:           config("App renamed", "second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Changed outside Terraform: the plan puts it back.
				PreConfig: func() {
					p, err := env.API.GetProject(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := env.API.UpdateProject(ctx, id, p.Version, api.ProjectInput{Name: "drifted", Slug: "app", Description: "second"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("App renamed", "second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("idplane_project.app", plancheck.ResourceActionUpdate)},
				},
				Check: resource.TestCheckResourceAttr("idplane_project.app", "name", "App renamed"),
			},
			{
				// Deleted outside Terraform: removed from state and created again.
				PreConfig: func() {
					if err := env.API.DeleteProject(ctx, id, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("App renamed", "second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("idplane_project.app", plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}
