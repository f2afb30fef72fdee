package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/idplane/idplane/server/api"
)

// universalBlock is auth.universal.
var universalBlock = authBlock{
	name:       api.LoginUniversal,
	attrs:      map[string]string{api.EnvClientID: "client_id", api.EnvClientSecret: "client_secret"},
	selectedBy: "IDPLANE_CLIENT_ID and IDPLANE_CLIENT_SECRET",
	schema: schema.SingleNestedAttribute{
		Optional:            true,
		MarkdownDescription: "Universal auth: a machine identity's client ID and client secret. The provider logs in once and renews its token.",
		Attributes: map[string]schema.Attribute{
			"client_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Client ID. Defaults to `IDPLANE_CLIENT_ID`.",
			},
			"client_secret": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Client secret. Defaults to `IDPLANE_CLIENT_SECRET`.",
			},
		},
	},
}
