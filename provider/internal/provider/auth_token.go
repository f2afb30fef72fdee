package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/idplane/idplane/server/api"
)

// tokenBlock is auth.token, an attribute rather than a block.
var tokenBlock = authBlock{
	name:       api.LoginToken,
	attrs:      map[string]string{api.EnvToken: ""},
	selectedBy: "IDPLANE_TOKEN",
	schema: schema.StringAttribute{
		Optional:            true,
		Sensitive:           true,
		MarkdownDescription: "An access token obtained elsewhere. Defaults to `IDPLANE_TOKEN`.",
	},
}
