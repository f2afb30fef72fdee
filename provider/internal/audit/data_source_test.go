package audit_test

import (
	"regexp"
	"testing"

	"github.com/idplane/idplane/server/api"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/provider/internal/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }

// The data source shows the live audit: two identities with the same
// access form one group besides the bootstrapped admin, whose organization
// admin role is a high finding.
func TestAccIdentityAuditDataSource(t *testing.T) {
	env := acctest.New(t)
	config := env.Config(`
resource "idplane_project" "p" {
  name = "Audit"
  slug = "audit"
}

resource "idplane_identity" "vm" {
  count = 2
  name  = "vm-${count.index}"
  role  = "no-access"
}

resource "idplane_project_identity" "vm" {
  count       = 2
  project_id  = idplane_project.p.id
  identity_id = idplane_identity.vm[count.index].id
  roles       = [{ role_slug = "viewer" }]
}

data "idplane_identity_audit" "this" {
  unused_days = 30
  depends_on  = [idplane_project_identity.vm]
}
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.idplane_identity_audit.this", "machine_identities", "3"),
				resource.TestCheckResourceAttr("data.idplane_identity_audit.this", "distinct_permission_sets", "2"),
				resource.TestCheckResourceAttr("data.idplane_identity_audit.this", "groups.0.identities.#", "2"),
				resource.TestCheckResourceAttr("data.idplane_identity_audit.this", "groups.0.identities.0", "vm-0"),
				resource.TestMatchResourceAttr("data.idplane_identity_audit.this", "groups.0.permission_set", regexp.MustCompile(`^ps-[0-9a-f]{16}$`)),
				resource.TestCheckTypeSetElemNestedAttrs("data.idplane_identity_audit.this", "findings.*",
					map[string]string{"identity": "admin", "code": "org-admin", "severity": "high"}),
			),
		}},
	})
}

// The data source shows what identities did with their secret grants in
// the window: the admin's create (Terraform's) and reads show as used, with
// the rule they need; the viewer's grant is unused and not judged yet (it
// is younger than the window).
func TestAccIdentityAuditDataSourceSecretUse(t *testing.T) {
	env := acctest.New(t)
	config := env.Config(`
resource "idplane_project" "p" {
  name = "Use"
  slug = "use"
}

resource "idplane_project_environment" "dev" {
  project_id = idplane_project.p.id
  name       = "Dev"
  slug       = "dev"
}

resource "idplane_secret" "db" {
  project_id  = idplane_project.p.id
  environment = idplane_project_environment.dev.slug
  secret_path = "/db"
  key         = "DB_URL"
  value       = "postgres://dev"
}

resource "idplane_identity" "vm" {
  name = "vm"
  role = "no-access"
}

resource "idplane_project_identity" "vm" {
  project_id  = idplane_project.p.id
  identity_id = idplane_identity.vm.id
  roles       = [{ role_slug = "viewer" }]
}

data "idplane_identity_audit" "this" {
  unused_days = 30
  depends_on  = [idplane_project_identity.vm, idplane_secret.db]
}
`)
	const ds = "data.idplane_identity_audit.this"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestMatchResourceAttr(ds, "use_since", regexp.MustCompile(`^\d{4}-\d\d-\d\dT`)),
				resource.TestCheckTypeSetElemNestedAttrs(ds, "secret_use.*", map[string]string{"identity": "vm", "project": "use", "judged": "false", "used.#": "0"}),
			),
		}, {
			PreConfig: func() {
				if _, err := env.API.GetSecret(t.Context(), "DB_URL", api.SecretGetQuery{WorkspaceSlug: "use", Environment: "dev", SecretPath: "/db"}); err != nil {
					t.Fatalf("read the secret as the admin: %v", err)
				}
			},
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckTypeSetElemNestedAttrs(ds, "secret_use.*", map[string]string{"identity": "admin", "project": "use", "judged": "false",
					"used.0.environment": "dev", "used.0.secret_path": "/db", "used.0.action": "create", "used.0.count": "1",
					"used.1.environment": "dev", "used.1.secret_path": "/db", "used.1.action": "read",
					"suggested.#": "1", "suggested.0.subject": "secrets", "suggested.0.environments.0": "dev", "suggested.0.secret_paths.0": "/db",
					"suggested.0.actions.#": "2", "suggested.0.inverted": "false"}),
				resource.TestCheckTypeSetElemNestedAttrs(ds, "secret_use.*", map[string]string{"identity": "vm", "used.#": "0"}),
			),
		}},
	})
}

func TestAccIdentityAuditDataSourceRejectsBadTime(t *testing.T) {
	env := acctest.New(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{{
			Config:      env.Config(`data "idplane_identity_audit" "this" { at = "yesterday" }`),
			ExpectError: regexp.MustCompile(`RFC 3339`),
		}},
	})
}
