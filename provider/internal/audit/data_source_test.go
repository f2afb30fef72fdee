package audit_test

import (
	"regexp"
	"testing"

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
