package identity_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/provider/internal/acctest"
)

const identities = `
resource "idplane_identity" "a" {
  name        = "alpha"
  role        = "member"
  description = "first"
  metadata    = { team = "platform" }
}

resource "idplane_identity" "b" {
  name = "beta"
  role = "no-access"
}
`

func TestIdentityDataSource(t *testing.T) {
	env := acctest.New(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config:      env.Config(identities + `data "idplane_identity" "x" { name = "missing" }`),
				ExpectError: regexp.MustCompile(`No identity named "missing"`),
			},
			{
				Config:      env.Config(identities + `data "idplane_identity" "x" { id = "00000000-0000-0000-0000-000000000000" }`),
				ExpectError: regexp.MustCompile(`No identity with ID "00000000-0000-0000-0000-000000000000"`),
			},
			{
				Config:      env.Config(identities + `data "idplane_identity" "x" {}`),
				ExpectError: regexp.MustCompile(`(?s)Exactly one of these attributes must be configured.*\[id,name\]`),
			},
			{
				Config:      env.Config(identities + "data \"idplane_identity\" \"x\" {\n  id   = \"x\"\n  name = \"alpha\"\n}\n"),
				ExpectError: regexp.MustCompile(`(?s)Exactly one of these attributes must be configured.*\[id,name\]`),
			},
			{
				Config: env.Config(identities + `
data "idplane_identity" "by_name" {
  name       = idplane_identity.a.name
  depends_on = [idplane_identity.a]
}

data "idplane_identity" "by_id" {
  id = idplane_identity.b.id
}
`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.idplane_identity.by_name", "id", "idplane_identity.a", "id"),
					resource.TestCheckResourceAttr("data.idplane_identity.by_name", "role", "member"),
					resource.TestCheckResourceAttr("data.idplane_identity.by_name", "description", "first"),
					resource.TestCheckResourceAttr("data.idplane_identity.by_name", "metadata.team", "platform"),
					resource.TestCheckResourceAttr("data.idplane_identity.by_name", "delete_protection", "false"),
					resource.TestCheckResourceAttr("data.idplane_identity.by_name", "auth_methods.#", "0"),
					resource.TestCheckResourceAttr("data.idplane_identity.by_id", "name", "beta"),
					resource.TestCheckResourceAttr("data.idplane_identity.by_id", "role", "no-access"),
					resource.TestCheckResourceAttr("data.idplane_identity.by_id", "metadata.%", "0"),
				),
			},
		},
	})
}

func TestIdentitiesDataSource(t *testing.T) {
	env := acctest.New(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config:      env.Config(`data "idplane_identities" "x" { role = "Not_A_Slug" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`"Not_A_Slug" is not a valid slug`),
			},
			{
				Config: env.Config(identities + `
data "idplane_identities" "all" {
  depends_on = [idplane_identity.a, idplane_identity.b]
}

data "idplane_identities" "members" {
  role       = "member"
  depends_on = [idplane_identity.a, idplane_identity.b]
}
`),
				Check: resource.ComposeAggregateTestCheckFunc(
					// The bootstrap admin identity is listed too: check the
					// elements by content, not by position.
					resource.TestCheckTypeSetElemNestedAttrs("data.idplane_identities.all", "identities.*", map[string]string{
						"name": "alpha", "role": "member", "description": "first", "metadata.team": "platform", "auth_methods.#": "0"}),
					resource.TestCheckTypeSetElemNestedAttrs("data.idplane_identities.all", "identities.*", map[string]string{
						"name": "beta", "role": "no-access", "description": "", "metadata.%": "0"}),
					resource.TestCheckTypeSetElemNestedAttrs("data.idplane_identities.all", "identities.*", map[string]string{
						"role": "admin", "auth_methods.#": "1", "auth_methods.0": "universal-auth"}),
					resource.TestCheckResourceAttr("data.idplane_identities.members", "identities.#", "1"),
					resource.TestCheckResourceAttrPair("data.idplane_identities.members", "identities.0.id", "idplane_identity.a", "id"),
					resource.TestCheckResourceAttr("data.idplane_identities.members", "identities.0.name", "alpha"),
				),
			},
		},
	})
}
