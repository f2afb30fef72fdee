package project_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

func TestEnvironmentsDataSource(t *testing.T) {
	env := acctest.New(t)
	const ds = "data.idplane_project_environments.shop"
	config := env.Config(`
resource "idplane_project" "shop" {
  name = "Shop"
  slug = "shop"
}

resource "idplane_project_environment" "prod" {
  project_id = idplane_project.shop.id
  name       = "Production"
  slug       = "prod"
  position   = 2
}

resource "idplane_project_environment" "dev" {
  project_id = idplane_project.shop.id
  name       = "Development"
  slug       = "dev"
  position   = 1
}

data "idplane_project_environments" "shop" {
  project_id = idplane_project.shop.id
  depends_on = [idplane_project_environment.prod, idplane_project_environment.dev]
}
`)
	var projectID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(ds, "environments.#", "2"),
					resource.TestCheckResourceAttr(ds, "environments.0.slug", "dev"),
					resource.TestCheckResourceAttr(ds, "environments.0.name", "Development"),
					resource.TestCheckResourceAttr(ds, "environments.0.position", "1"),
					resource.TestCheckResourceAttrPair(ds, "environments.0.id", "idplane_project_environment.dev", "id"),
					resource.TestCheckResourceAttr(ds, "environments.1.slug", "prod"),
					acctest.Capture("idplane_project.shop", "id", &projectID),
				),
			},
			{
				// An environment created outside Terraform is listed too,
				// in position order.
				PreConfig: func() {
					_, err := env.API.CreateEnvironment(t.Context(), projectID, api.EnvironmentInput{Name: "Staging", Slug: "staging", Position: 1})
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(ds, "environments.#", "3"),
					resource.TestCheckResourceAttr(ds, "environments.0.slug", "dev"),
					resource.TestCheckResourceAttr(ds, "environments.1.slug", "staging"),
					resource.TestCheckResourceAttr(ds, "environments.2.slug", "prod"),
				),
			},
			{
				Config:      env.Config(`data "idplane_project_environments" "x" { project_id = "00000000-0000-0000-0000-000000000000" }`),
				ExpectError: regexp.MustCompile(`No project with ID "00000000-0000-0000-0000-000000000000"`),
			},
		},
	})
}
