package project_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/provider/internal/acctest"
)

func TestProjectDataSource(t *testing.T) {
	env := acctest.New(t)
	project := `
resource "idplane_project" "app" {
  name        = "App"
  slug        = "app"
  description = "the app"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config:      env.Config(project + `data "idplane_project" "x" { slug = "missing" }`),
				ExpectError: regexp.MustCompile(`No project with slug "missing"`),
			},
			{
				Config:      env.Config(project + `data "idplane_project" "x" { id = "00000000-0000-0000-0000-000000000000" }`),
				ExpectError: regexp.MustCompile(`No project with ID "00000000-0000-0000-0000-000000000000"`),
			},
			{
				Config:      env.Config(project + `data "idplane_project" "x" {}`),
				ExpectError: regexp.MustCompile(`(?s)Exactly one of these attributes must be configured.*\[id,slug\]`),
			},
			{
				Config:      env.Config(project + `data "idplane_project" "x" {` + "\n  id   = \"x\"\n  slug = \"app\"\n}\n"),
				ExpectError: regexp.MustCompile(`(?s)Exactly one of these attributes must be configured.*\[id,slug\]`),
			},
			{
				Config:      env.Config(project + `data "idplane_project" "x" { slug = "Not_A_Slug" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`"Not_A_Slug" is not a valid slug`),
			},
			{
				Config: env.Config(project + `
data "idplane_project" "by_slug" {
  slug       = idplane_project.app.slug
  depends_on = [idplane_project.app]
}

data "idplane_project" "by_id" {
  id = idplane_project.app.id
}
`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.idplane_project.by_slug", "id", "idplane_project.app", "id"),
					resource.TestCheckResourceAttr("data.idplane_project.by_slug", "name", "App"),
					resource.TestCheckResourceAttr("data.idplane_project.by_slug", "description", "the app"),
					resource.TestCheckResourceAttr("data.idplane_project.by_id", "slug", "app"),
					resource.TestCheckResourceAttr("data.idplane_project.by_id", "name", "App"),
					resource.TestCheckResourceAttr("data.idplane_project.by_id", "description", "the app"),
				),
			},
		},
	})
}
