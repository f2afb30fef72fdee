package project_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

const envAddr = "idplane_project_environment.prod"

func TestEnvironmentResource(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	var id, projectID, firstID string
	config := func(project, name, slug string, position int) string {
		pos := ""
		if position >= 0 {
			pos = fmt.Sprintf("position = %d", position)
		}
		return env.Config(`
resource "idplane_project" "a" {
  name = "A"
  slug = "a"
}

resource "idplane_project" "b" {
  name = "B"
  slug = "b"
}

resource "idplane_project_environment" "prod" {
  project_id = idplane_project.` + project + `.id
  name       = "` + name + `"
  slug       = "` + slug + `"
  ` + pos + `
}
`)
	}
	final := config("b", "Production", "production", 5)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy: env.CheckDestroyed("idplane_project_environment", func(ctx context.Context, c *api.Client, a map[string]string) error {
			_, err := c.GetEnvironment(ctx, a["project_id"], a["slug"])
			return err
		}),
		Steps: []resource.TestStep{
			{
				// position omitted: it defaults to 0 without a diff.
				Config: config("a", "Prod", "prod", -1),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(envAddr, "project_id", "idplane_project.a", "id"),
					resource.TestCheckResourceAttr(envAddr, "name", "Prod"),
					resource.TestCheckResourceAttr(envAddr, "slug", "prod"),
					resource.TestCheckResourceAttr(envAddr, "position", "0"),
					resource.TestCheckResourceAttr(envAddr, "version", "1"),
					acctest.Capture(envAddr, "id", &firstID),
				),
			},
			{
				ResourceName:      envAddr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					pid, err := acctest.Attr(s, envAddr, "project_id")
					if err != nil {
						return "", err
					}
					slug, err := acctest.Attr(s, envAddr, "slug")
					return pid + "/" + slug, err
				},
			},
			{
				// Name, slug and position change in place; the ID stays.
				Config: config("a", "Production", "production", 5),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(envAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(envAddr, "name", "Production"),
					resource.TestCheckResourceAttr(envAddr, "slug", "production"),
					resource.TestCheckResourceAttr(envAddr, "position", "5"),
					resource.TestCheckResourceAttrPtr(envAddr, "id", &firstID),
				),
			},
			{
				// Moving to another project replaces the environment.
				Config: final,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(envAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(envAddr, "project_id", "idplane_project.b", "id"),
					acctest.Capture(envAddr, "id", &id),
					acctest.Capture(envAddr, "project_id", &projectID),
					func(*terraform.State) error {
						if id == firstID {
							return fmt.Errorf("environment ID %s kept across a project change", id)
						}
						return nil
					},
				),
			},
			{
				Config:           final,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Renamed outside Terraform, slug included: found again by ID
				// and planned back.
				PreConfig: func() {
					e, err := env.API.GetEnvironment(ctx, projectID, "production")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := env.API.UpdateEnvironment(ctx, projectID, "production", e.Version, api.EnvironmentInput{Name: "drifted", Slug: "drifted", Position: 7}); err != nil {
						t.Fatal(err)
					}
				},
				Config: final,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(envAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(envAddr, "name", "Production"),
					resource.TestCheckResourceAttr(envAddr, "slug", "production"),
					resource.TestCheckResourceAttr(envAddr, "position", "5"),
					resource.TestCheckResourceAttrPtr(envAddr, "id", &id),
				),
			},
			{
				// Deleted outside Terraform: removed from state and created again.
				PreConfig: func() {
					if err := env.API.DeleteEnvironment(ctx, projectID, "production", 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: final,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(envAddr, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

func TestEnvironmentResource_planTimeValidation(t *testing.T) {
	env := acctest.New(t)
	config := func(slug string, position int) string {
		return env.Config(fmt.Sprintf(`
resource "idplane_project_environment" "bad" {
  project_id = "00000000-0000-0000-0000-000000000000"
  name       = "Bad"
  slug       = %q
  position   = %d
}
`, slug, position))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{Config: config("Not_A_Slug", 0), PlanOnly: true, ExpectError: regexp.MustCompile(`"Not_A_Slug" is not a valid slug`)},
			{Config: config("ok", 1001), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)position.*between 0 and 1000`)},
		},
	})
}

func TestEnvironmentResource_importIDFormat(t *testing.T) {
	env := acctest.New(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config: env.Config(`
resource "idplane_project_environment" "x" {
  project_id = "p"
  name       = "X"
  slug       = "x"
}
`),
				ResourceName:  "idplane_project_environment.x",
				ImportState:   true,
				ImportStateId: "no-slash",
				ExpectError:   regexp.MustCompile(`Expected <project_id>/<slug>`),
			},
		},
	})
}
