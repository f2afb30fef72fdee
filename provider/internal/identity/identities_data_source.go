package identity

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

// NewIdentitiesDataSource is the idplane_identities data source.
func NewIdentitiesDataSource() datasource.DataSource {
	return &tfutil.DataSource[identitiesModel]{
		Suffix: "_identities",
		Noun:   "identities",
		Spec: schema.Schema{
			MarkdownDescription: "Lists the organization's identities by name, optionally only those holding one organization role.",
			Attributes: map[string]schema.Attribute{
				"role": schema.StringAttribute{Optional: true, MarkdownDescription: "Only list identities holding this organization role (a slug such as `admin`).",
					Validators: []validator.String{validators.Slug()}},
				"identities": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The identities, ordered by name.",
					NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
						"id":           schema.StringAttribute{Computed: true, MarkdownDescription: "Identity ID."},
						"name":         schema.StringAttribute{Computed: true, MarkdownDescription: "Name."},
						"role":         schema.StringAttribute{Computed: true, MarkdownDescription: "Slug of the organization role."},
						"description":  schema.StringAttribute{Computed: true, MarkdownDescription: "Free-form description."},
						"metadata":     schema.MapAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Key/value metadata."},
						"auth_methods": schema.SetAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Kinds of auth method attached."},
					}}},
			},
		},
		Fetch: listIdentities,
	}
}

type identitiesModel struct {
	Role       types.String           `tfsdk:"role"`
	Identities []identitySummaryModel `tfsdk:"identities"`
}

type identitySummaryModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Role        types.String `tfsdk:"role"`
	Description types.String `tfsdk:"description"`
	Metadata    types.Map    `tfsdk:"metadata"`
	AuthMethods types.Set    `tfsdk:"auth_methods"`
}

func identitySummaryFromAPI(i *api.Identity) identitySummaryModel {
	return identitySummaryModel{ID: types.StringValue(i.ID), Name: types.StringValue(i.Name), Role: types.StringValue(i.Role),
		Description: types.StringValue(i.Description), Metadata: tfutil.StringMap(i.Metadata), AuthMethods: tfutil.StringSet(i.AuthMethods)}
}

// listIdentities lists the identities holding the configured role, or all.
func listIdentities(ctx context.Context, c *tfutil.Client, cfg identitiesModel, _ *diag.Diagnostics) (identitiesModel, error) {
	list, err := c.API.ListIdentities(ctx)
	if err != nil {
		return cfg, tfutil.CouldNot("list identities", err)
	}
	role := cfg.Role.ValueString()
	out := identitiesModel{Role: cfg.Role, Identities: []identitySummaryModel{}}
	for i := range list.Identities {
		if role == "" || list.Identities[i].Role == role {
			out.Identities = append(out.Identities, identitySummaryFromAPI(&list.Identities[i]))
		}
	}
	return out, nil
}
