package role_test

import (
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

func TestRoleDataSources(t *testing.T) {
	env := acctest.New(t)
	config := env.Config(`
resource "idplane_project" "p" {
  name = "P"
  slug = "p"
}

resource "idplane_project_role" "custom" {
  project_id  = idplane_project.p.id
  slug        = "custom"
  name        = "Custom"
  description = "reads prod secrets"
  permissions = [{ subject = "secrets", actions = ["read"], conditions = { environments = ["prod"] } }]
}

data "idplane_org_role" "admin" {
  slug = "admin"
}

data "idplane_org_role" "member" {
  slug = "member"
}

data "idplane_org_role" "no_access" {
  slug = "no-access"
}

data "idplane_project_role" "admin" {
  project_id = idplane_project.p.id
  slug       = "admin"
}

data "idplane_project_role" "member" {
  project_id = idplane_project.p.id
  slug       = "member"
}

data "idplane_project_role" "viewer" {
  project_id = idplane_project.p.id
  slug       = "viewer"
}

data "idplane_project_role" "no_access" {
  project_id = idplane_project.p.id
  slug       = "no-access"
}

data "idplane_project_role" "custom" {
  project_id = idplane_project.p.id
  slug       = idplane_project_role.custom.slug
}
`)
	const org, proj = "data.idplane_org_role.", "data.idplane_project_role."
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(org+"admin", "id", "admin"),
					resource.TestCheckResourceAttr(org+"admin", "name", "Admin"),
					resource.TestCheckResourceAttr(org+"admin", "builtin", "true"),
					// One rule per organization subject.
					resource.TestCheckResourceAttr(org+"admin", "permissions.#", strconv.Itoa(len(api.Subjects(api.ScopeOrganization)))),
					resource.TestCheckTypeSetElemNestedAttrs(org+"admin", "permissions.*", map[string]string{
						"subject": "identities", "actions.#": "4", "inverted": "false"}),
					resource.TestCheckResourceAttr(org+"member", "builtin", "true"),
					resource.TestCheckResourceAttr(org+"member", "permissions.#", "3"),
					resource.TestCheckTypeSetElemNestedAttrs(org+"member", "permissions.*", map[string]string{
						"subject": "projects", "actions.#": "2"}),
					resource.TestCheckResourceAttr(org+"no_access", "id", "no-access"),
					resource.TestCheckResourceAttr(org+"no_access", "permissions.#", "0"),

					resource.TestCheckResourceAttr(proj+"admin", "builtin", "true"),
					resource.TestCheckResourceAttr(proj+"admin", "permissions.#", "6"),
					resource.TestCheckResourceAttr(proj+"member", "id", "member"),
					resource.TestCheckTypeSetElemNestedAttrs(proj+"member", "permissions.*", map[string]string{
						"subject": "secrets", "actions.#": "5"}),
					resource.TestCheckResourceAttr(proj+"viewer", "name", "Viewer"),
					resource.TestCheckTypeSetElemNestedAttrs(proj+"viewer", "permissions.*", map[string]string{
						"subject": "secrets", "actions.#": "2"}),
					resource.TestCheckTypeSetElemAttr(proj+"viewer", "permissions.*.actions.*", "describe"),
					resource.TestCheckResourceAttr(proj+"no_access", "permissions.#", "0"),

					resource.TestCheckResourceAttrPair(proj+"custom", "id", "idplane_project_role.custom", "id"),
					resource.TestCheckResourceAttr(proj+"custom", "builtin", "false"),
					resource.TestCheckResourceAttr(proj+"custom", "description", "reads prod secrets"),
					resource.TestCheckTypeSetElemNestedAttrs(proj+"custom", "permissions.*", map[string]string{
						"subject": "secrets", "conditions.environments.#": "1", "conditions.environments.0": "prod"}),
				),
			},
			{
				Config: env.Config(`
data "idplane_org_role" "missing" {
  slug = "owner"
}
`),
				ExpectError: message(`No organization role with slug "owner" exists. Built-in roles are ` + "`admin`, `member`, `no-access`, `auditor`."),
			},
			{
				Config: env.Config(`
resource "idplane_project" "p" {
  name = "P"
  slug = "p"
}

data "idplane_project_role" "missing" {
  project_id = idplane_project.p.id
  slug       = "owner"
}
`),
				ExpectError: message(`No project role with slug "owner" exists in project`),
			},
		},
	})
}
