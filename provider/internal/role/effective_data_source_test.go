package role_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/provider/internal/acctest"
)

func TestEffectivePermissionsDataSource(t *testing.T) {
	env := acctest.New(t)
	const ds = "data.idplane_identity_effective_permissions.job"
	config := func(grants string) string {
		return env.Config(`
resource "idplane_project" "shop" {
  name = "Shop"
  slug = "shop"
}

resource "idplane_identity" "job" {
  name = "job"
  role = "auditor"
}

resource "idplane_project_identity" "job" {
  project_id  = idplane_project.shop.id
  identity_id = idplane_identity.job.id
  roles       = ` + grants + `
}

data "idplane_identity_effective_permissions" "job" {
  identity_id = idplane_identity.job.id
  depends_on  = [idplane_project_identity.job]
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				// A grant whose window has passed is not effective.
				Config: config(`[
    { role_slug = "viewer" },
    { role_slug = "admin", temporary_access = { start_time = "2020-01-01T00:00:00Z", duration = "1h" } },
  ]`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(ds, "organization_role", "auditor"),
					resource.TestCheckTypeSetElemNestedAttrs(ds, "organization.*", map[string]string{"subject": "all-projects", "actions.#": "1", "actions.0": "read"}),
					resource.TestCheckTypeSetElemNestedAttrs(ds, "organization.*", map[string]string{"subject": "audit-logs", "inverted": "false"}),
					resource.TestCheckResourceAttr(ds, "projects.#", "1"),
					resource.TestCheckResourceAttrPair(ds, "projects.0.project_id", "idplane_project.shop", "id"),
					resource.TestCheckResourceAttr(ds, "projects.0.roles.#", "1"),
					resource.TestCheckResourceAttr(ds, "projects.0.roles.0", "viewer"),
					resource.TestCheckTypeSetElemNestedAttrs(ds, "projects.0.permissions.*", map[string]string{"subject": "secrets", "actions.#": "2"}),
				),
			},
			{
				Config: config(`[{ role_slug = "member" }, { role_slug = "viewer" }]`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(ds, "projects.0.roles.#", "2"),
					resource.TestCheckTypeSetElemAttr(ds, "projects.0.roles.*", "member"),
					resource.TestCheckTypeSetElemNestedAttrs(ds, "projects.0.permissions.*", map[string]string{"subject": "secrets", "actions.#": "5"}),
				),
			},
			{
				Config:      env.Config(`data "idplane_identity_effective_permissions" "x" { identity_id = "00000000-0000-0000-0000-000000000000" }`),
				ExpectError: regexp.MustCompile(`No identity with ID "00000000-0000-0000-0000-000000000000"`),
			},
		},
	})
}
