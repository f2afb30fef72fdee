package accesstoken_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/provider/internal/acctest"
)

// The credentials blocks exclude each other at plan time; a release
// without ephemeral resources refuses the block itself. (The token's life,
// used by another provider configuration, is tested by applying the
// example in provider/internal/acctest, where each provider configuration
// runs in its own plugin process, as it does for users.)
func TestAccessTokenValidation(t *testing.T) {
	env := acctest.New(t)
	want := `Attribute "jwt" cannot be specified when "universal" is specified`
	if !acctest.SupportsWriteOnly() {
		want = `Blocks of type "ephemeral" are not expected here`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config: env.Config(`
ephemeral "idplane_access_token" "t" {
  universal = { client_id = "a", client_secret = "b" }
  jwt       = { identity_id = "x", token = "y" }
}
`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(want),
			},
			{Config: env.Config(`data "idplane_identities" "all" {}`)},
		},
	})
}
