package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"

	"github.com/idplane/idplane/provider/internal/accesstoken"
	"github.com/idplane/idplane/provider/internal/secret"
)

// ephemeralResources exist only during a run (Terraform 1.10+, OpenTofu 1.11+);
// older releases ignore them and the rest of the provider works as before.
var ephemeralResources = []func() ephemeral.EphemeralResource{
	accesstoken.NewEphemeralResource,
	secret.NewEphemeralResource,
}
