package membership_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

func TestProjectIdentitiesDataSource(t *testing.T) {
	env := acctest.New(t)
	const ds = "data.idplane_project_identities.shop"
	config := env.Config(`
resource "idplane_project" "shop" {
  name = "Shop"
  slug = "shop"
}

resource "idplane_identity" "api" {
  name = "shop-api"
  role = "no-access"
}

resource "idplane_project_identity" "api" {
  project_id  = idplane_project.shop.id
  identity_id = idplane_identity.api.id
  roles = [
    { role_slug = "viewer" },
    { role_slug = "admin", temporary_access = { start_time = "2030-01-01T02:00:00+02:00", duration = "90m" } },
  ]
}

data "idplane_project_identities" "shop" {
  project_id = idplane_project.shop.id
  depends_on = [idplane_project_identity.api]
}
`)
	var projectID, other string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(ds, "memberships.#", "1"),
					resource.TestCheckResourceAttrPair(ds, "memberships.0.identity_id", "idplane_identity.api", "id"),
					resource.TestCheckResourceAttr(ds, "memberships.0.roles.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs(ds, "memberships.0.roles.*", map[string]string{"role_slug": "viewer"}),
					resource.TestCheckTypeSetElemNestedAttrs(ds, "memberships.0.roles.*", map[string]string{"role_slug": "admin",
						"temporary_access.start_time": "2030-01-01T00:00:00Z", "temporary_access.duration": "90m"}),
					acctest.Capture("idplane_project.shop", "id", &projectID),
				),
			},
			{
				// A member added outside Terraform is listed too.
				PreConfig: func() {
					i, err := env.API.CreateIdentity(t.Context(), api.IdentityInput{Name: "added-by-hand", Role: "no-access"})
					if err != nil {
						t.Fatal(err)
					}
					other = i.ID
					in := api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "member"}}}
					if _, err := env.API.CreateMembership(t.Context(), projectID, i.ID, in); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(ds, "memberships.#", "2"),
					func(s *terraform.State) error {
						a := s.RootModule().Resources[ds].Primary.Attributes
						for _, i := range []string{"0", "1"} {
							if a["memberships."+i+".identity_id"] == other {
								if a["memberships."+i+".roles.#"] != "1" || a["memberships."+i+".roles.0.role_slug"] != "member" {
									return fmt.Errorf("the member added by hand is listed with %s roles", a["memberships."+i+".roles.#"])
								}
								return nil
							}
						}
						return fmt.Errorf("the member added by hand (%s) is not listed: %v", other, a)
					},
				),
			},
			{
				Config:      env.Config(`data "idplane_project_identities" "x" { project_id = "00000000-0000-0000-0000-000000000000" }`),
				ExpectError: regexp.MustCompile(`No project with ID "00000000-0000-0000-0000-000000000000"`),
			},
		},
	})
}
