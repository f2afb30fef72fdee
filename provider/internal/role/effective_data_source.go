package role

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/api"
)

var _ datasource.DataSourceWithConfigure = &effectivePermissionsDataSource{}

// NewEffectivePermissionsDataSource is the
// idplane_identity_effective_permissions data source: what an identity may
// do now, as the server authorizes it.
func NewEffectivePermissionsDataSource() datasource.DataSource {
	return &effectivePermissionsDataSource{}
}

type effectivePermissionsDataSource struct{ client *tfutil.Client }

type effectivePermissionsModel struct {
	IdentityID       types.String              `tfsdk:"identity_id"`
	OrganizationRole types.String              `tfsdk:"organization_role"`
	Organization     types.Set                 `tfsdk:"organization"`
	Projects         []projectPermissionsModel `tfsdk:"projects"`
}

type projectPermissionsModel struct {
	ProjectID   types.String `tfsdk:"project_id"`
	Roles       types.Set    `tfsdk:"roles"`
	Permissions types.Set    `tfsdk:"permissions"`
}

func (d *effectivePermissionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_effective_permissions"
}

func (d *effectivePermissionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "What an identity may do now: the rules of its organization role and, per project, the project roles " +
			"active at the time of the read (temporary grants outside their window excluded) with the union of their rules. " +
			"`projects` lists memberships only: what the organization role grants in every project (the built-in `admin`, or " +
			"`all-projects`) is in `organization`.",
		Attributes: map[string]schema.Attribute{
			"identity_id": schema.StringAttribute{Required: true, MarkdownDescription: "ID of the identity.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"organization_role": schema.StringAttribute{Computed: true, MarkdownDescription: "Slug of the identity's organization role."},
			"organization":      computedRules("The rules of the organization role."),
			"projects": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The projects the identity is a member of, ordered by `project_id`.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"project_id":  schema.StringAttribute{Computed: true, MarkdownDescription: "ID of the project."},
					"roles":       schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Slugs of the active project roles."},
					"permissions": computedRules("The union of those roles' rules."),
				}}},
		},
	}
}

func (d *effectivePermissionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *effectivePermissionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var identityID types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("identity_id"), &identityID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ep, err := d.client.API.EffectivePermissions(ctx, identityID.ValueString())
	if api.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("identity_id"), "Identity not found",
			fmt.Sprintf("No identity with ID %q exists in the organization.", identityID.ValueString()))
		return
	}
	if err != nil {
		tfutil.AddAPIError(&resp.Diagnostics, "read effective permissions of identity "+identityID.ValueString(), err)
		return
	}
	projects := slices.Clone(ep.Projects)
	slices.SortFunc(projects, func(a, b api.ProjectPermissions) int { return strings.Compare(a.ProjectID, b.ProjectID) })
	out := effectivePermissionsModel{IdentityID: identityID, OrganizationRole: types.StringValue(ep.OrganizationRole),
		Organization: rulesToSet(ctx, ep.Organization, types.SetNull(ruleType), &resp.Diagnostics),
		Projects:     make([]projectPermissionsModel, len(projects))}
	for i, p := range projects {
		out.Projects[i] = projectPermissionsModel{ProjectID: types.StringValue(p.ProjectID), Roles: tfutil.StringSet(p.Roles),
			Permissions: rulesToSet(ctx, p.Permissions, types.SetNull(ruleType), &resp.Diagnostics)}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, out)...)
}
