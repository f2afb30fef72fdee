package identity

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
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

// NewIdentityDataSource is the idplane_identity data source.
func NewIdentityDataSource() datasource.DataSource {
	return &tfutil.DataSource[identityModel]{
		Suffix: "_identity",
		Noun:   "identity",
		Spec: schema.Schema{
			MarkdownDescription: "Looks up an identity by `id` or by `name` (exactly one of them).",
			Attributes: map[string]schema.Attribute{
				"id": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Identity ID to look up.",
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				"name": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Identity name to look up.",
					Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, api.MaxNameLength)}},
				"role":              schema.StringAttribute{Computed: true, MarkdownDescription: "Slug of the organization role."},
				"description":       schema.StringAttribute{Computed: true, MarkdownDescription: "Free-form description."},
				"metadata":          schema.MapAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Key/value metadata."},
				"delete_protection": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the server refuses to delete the identity."},
				"auth_methods":      schema.SetAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Kinds of auth method attached (e.g. `universal-auth`)."},
				"version":           schema.Int64Attribute{Computed: true, MarkdownDescription: "Server-side version of the identity."},
			},
		},
		Validators: []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name"))},
		Fetch:      findIdentity,
	}
}

// findIdentity looks the configured identity up by ID, or by name in the
// list of identities.
func findIdentity(ctx context.Context, c *tfutil.Client, cfg identityModel, diags *diag.Diagnostics) (identityModel, error) {
	if id := cfg.ID.ValueString(); id != "" {
		i, err := c.API.GetIdentity(ctx, id)
		if api.IsNotFound(err) {
			diags.AddAttributeError(path.Root("id"), "Identity not found",
				fmt.Sprintf("No identity with ID %q exists in the organization (or the provider's identity may not read it).", id))
			return cfg, nil
		}
		return tfutil.Mapped(i, tfutil.CouldNot("read identity "+id, err), identityFromAPI)
	}
	name := cfg.Name.ValueString()
	list, err := c.API.ListIdentities(ctx)
	if err != nil {
		return cfg, tfutil.CouldNot("list identities", err)
	}
	for i := range list.Identities {
		if list.Identities[i].Name == name {
			return identityFromAPI(&list.Identities[i]), nil
		}
	}
	diags.AddAttributeError(path.Root("name"), "Identity not found",
		fmt.Sprintf("No identity named %q exists in the organization (or the provider's identity may not read it).", name))
	return cfg, nil
}
