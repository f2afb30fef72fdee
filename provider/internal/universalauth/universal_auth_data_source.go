package universalauth

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/api"
)

// NewUniversalAuthDataSource is the idplane_identity_universal_auth data
// source: an identity's universal auth settings and client ID, never a
// client secret.
func NewUniversalAuthDataSource() datasource.DataSource {
	computedInt := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: desc}
	}
	computedSet := func(desc string) schema.SetAttribute {
		return schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	return &tfutil.DataSource[universalAuthModel]{
		Suffix: "_identity_universal_auth",
		Noun:   "universal auth",
		Spec: schema.Schema{
			MarkdownDescription: "Reads an identity's universal auth: its `client_id` (to hand to a workload with a client secret) and its settings. " +
				"Client secrets are never readable.",
			Attributes: map[string]schema.Attribute{
				"identity_id": schema.StringAttribute{Required: true, MarkdownDescription: "ID of the identity.",
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				"id":                          schema.StringAttribute{Computed: true, MarkdownDescription: "The identity ID."},
				"client_id":                   schema.StringAttribute{Computed: true, MarkdownDescription: "Client ID to log in with, together with a client secret."},
				"access_token_ttl":            computedInt("Lifetime of an access token in seconds."),
				"access_token_max_ttl":        computedInt("Maximum lifetime of an access token in seconds, renewals included."),
				"access_token_num_uses_limit": computedInt("Number of API calls an access token may make; `0` is unlimited."),
				"access_token_trusted_ips":    computedSet("Source addresses access tokens may be used from."),
				"client_secret_trusted_ips":   computedSet("Source addresses that may log in with a client secret."),
				"lockout": schema.SingleNestedAttribute{Computed: true, MarkdownDescription: "Lockout after repeated failed logins.",
					Attributes: map[string]schema.Attribute{
						"enabled":               schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether lockout is enabled."},
						"threshold":             computedInt("Failed logins before the lockout."),
						"duration_seconds":      computedInt("How long the lockout lasts."),
						"counter_reset_seconds": computedInt("Quiet time after which failures are forgotten."),
					}},
				"version": computedInt("Server-side version of the universal auth."),
			},
		},
		Fetch: readUniversalAuth,
	}
}

// readUniversalAuth reads the universal auth of the configured identity.
func readUniversalAuth(ctx context.Context, c *tfutil.Client, cfg universalAuthModel, diags *diag.Diagnostics) (universalAuthModel, error) {
	identityID := cfg.IdentityID.ValueString()
	ua, err := c.API.GetUniversalAuth(ctx, identityID)
	if api.IsNotFound(err) {
		diags.AddAttributeError(path.Root("identity_id"), "Universal auth not found",
			fmt.Sprintf("Identity %q does not exist in the organization or has no universal auth (attach it with idplane_identity_universal_auth).", identityID))
		return cfg, nil
	}
	return tfutil.Mapped(ua, tfutil.CouldNot("read universal auth of identity "+identityID, err), universalAuthFromAPI)
}
