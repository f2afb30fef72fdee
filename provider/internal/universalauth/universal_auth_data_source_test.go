package universalauth_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/provider/internal/acctest"
)

func TestUniversalAuthDataSource(t *testing.T) {
	env := acctest.New(t)
	const ds = "data.idplane_identity_universal_auth.ci"
	withUA := identityConfig(env) + `
resource "idplane_identity_universal_auth" "ci" {
  identity_id               = idplane_identity.ci.id
  access_token_ttl          = 600
  client_secret_trusted_ips = ["10.0.0.0/8"]
}

data "idplane_identity_universal_auth" "ci" {
  identity_id = idplane_identity_universal_auth.ci.identity_id
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				// An identity without universal auth.
				Config: identityConfig(env) + `
data "idplane_identity_universal_auth" "ci" {
  identity_id = idplane_identity.ci.id
}
`,
				ExpectError: regexp.MustCompile(`has no universal auth`),
			},
			{
				Config: withUA,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(ds, "client_id", uaAddr, "client_id"),
					resource.TestCheckResourceAttrPair(ds, "id", identityAddr, "id"),
					resource.TestCheckResourceAttr(ds, "access_token_ttl", "600"),
					resource.TestCheckResourceAttr(ds, "client_secret_trusted_ips.#", "1"),
					resource.TestCheckResourceAttr(ds, "client_secret_trusted_ips.0", "10.0.0.0/8"),
					resource.TestCheckResourceAttr(ds, "lockout.enabled", "true"),
					resource.TestCheckNoResourceAttr(ds, "client_secret"),
				),
			},
		},
	})
}
