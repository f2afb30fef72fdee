package role_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/provider/internal/acctest"
)

// message matches text however terraform wraps it.
func message(text string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(text), " ", `\s+`))
}

// TestRolePermissionsPlanErrors: what the server would reject fails at plan
// time, with the attribute named and the allowed values listed.
func TestRolePermissionsPlanErrors(t *testing.T) {
	env := acctest.New(t)
	org := func(rule string) string {
		return env.Config(`
resource "idplane_org_role" "r" {
  slug        = "r"
  name        = "R"
  permissions = [` + rule + `]
}
`)
	}
	project := func(rule string) string {
		return env.Config(`
resource "idplane_project_role" "r" {
  project_id  = "p"
  slug        = "r"
  name        = "R"
  permissions = [` + rule + `]
}
`)
	}
	planError := func(config, text string) resource.TestStep {
		return resource.TestStep{Config: config, PlanOnly: true, ExpectError: message(text)}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			planError(org(`{ subject = "secrets", actions = ["read"] }`),
				`permissions[subject = "secrets"].subject: unknown subject "secrets" for organization scope; allowed: all-projects, audit-logs, authz, identities, projects, roles, settings, token-introspection`),
			planError(project(`{ subject = "secret", actions = ["read"] }`),
				`permissions[subject = "secret"].subject: unknown subject "secret" for project scope; allowed: environments, identities, project, roles, secret-folders, secrets`),
			planError(org(`{ subject = "audit-logs", actions = ["read", "delete"] }`),
				`permissions[subject = "audit-logs"].actions: unknown action "delete" for subject "audit-logs"; allowed: read`),
			planError(project(`{ subject = "secrets", actions = ["fly"] }`),
				`permissions[subject = "secrets"].actions: unknown action "fly" for subject "secrets"; allowed: create, delete, describe, edit, read`),
			planError(project(`{ subject = "secrets", actions = [] }`),
				`permissions[subject = "secrets"].actions: must hold at least one action; allowed: create, delete, describe, edit, read`),
			planError(project(`{ subject = "secrets", actions = ["read"], conditions = { secret_paths = ["/db/{a,b"] } }`),
				`permissions[subject = "secrets"].conditions.secret_paths: glob "/db/{a,b" has an unclosed "{"`),
			planError(project(`{ subject = "secrets", actions = ["read"], conditions = { secret_paths = ["database/*"] } }`),
				`permissions[subject = "secrets"].conditions.secret_paths: secret path glob "database/*" must start with "/"`),
			planError(project(`{ subject = "secret-folders", actions = ["read"], conditions = { environments = ["Prod"] } }`),
				`permissions[subject = "secret-folders"].conditions.environments: "Prod" is not a valid slug`),
			planError(project(`{ subject = "roles", actions = ["read"], conditions = { environments = ["prod"] } }`),
				`permissions[subject = "roles"].conditions: not allowed on subject "roles"; only on: secret-folders, secrets`),
			planError(org(`{ subject = "projects", actions = ["read"], conditions = { environments = ["prod"] } }`),
				`permissions[subject = "projects"].conditions: not allowed in organization scope`),
		},
	})
}
