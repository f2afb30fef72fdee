package identity

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/api"
)

var (
	_ datasource.DataSourceWithConfigure        = &identityDataSource{}
	_ datasource.DataSourceWithConfigValidators = &identityDataSource{}
)

// NewIdentityDataSource is the idplane_identity data source.
func NewIdentityDataSource() datasource.DataSource { return &identityDataSource{} }

type identityDataSource struct{ client *tfutil.Client }

func (d *identityDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity"
}

func (d *identityDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
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
	}
}

func (d *identityDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name"))}
}

func (d *identityDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *identityDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg identityModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var found *api.Identity
	if id := cfg.ID.ValueString(); id != "" {
		i, err := d.client.API.GetIdentity(ctx, id)
		if api.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Identity not found",
				fmt.Sprintf("No identity with ID %q exists in the organization (or the provider's identity may not read it).", id))
			return
		}
		if err != nil {
			tfutil.AddAPIError(&resp.Diagnostics, "read identity "+id, err)
			return
		}
		found = i
	} else {
		name := cfg.Name.ValueString()
		list, err := d.client.API.ListIdentities(ctx)
		if err != nil {
			tfutil.AddAPIError(&resp.Diagnostics, "list identities", err)
			return
		}
		for i := range list.Identities {
			if list.Identities[i].Name == name {
				found = &list.Identities[i]
				break
			}
		}
		if found == nil {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Identity not found",
				fmt.Sprintf("No identity named %q exists in the organization (or the provider's identity may not read it).", name))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, identityFromAPI(found))...)
}
