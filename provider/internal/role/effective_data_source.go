package role

import (
	"context"
	"fmt"
	"slices"
	"strings"

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

// NewEffectivePermissionsDataSource is the
// idplane_identity_effective_permissions data source: what an identity may
// do now, as the server authorizes it.
func NewEffectivePermissionsDataSource() datasource.DataSource {
	return &tfutil.DataSource[effectivePermissionsModel]{
		Suffix: "_identity_effective_permissions",
		Noun:   "effective permissions",
		Spec: schema.Schema{
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
		},
		Fetch: readEffectivePermissions,
	}
}

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

// readEffectivePermissions reads what the configured identity may do now,
// with its projects ordered by ID.
func readEffectivePermissions(ctx context.Context, c *tfutil.Client, cfg effectivePermissionsModel, diags *diag.Diagnostics) (effectivePermissionsModel, error) {
	identityID := cfg.IdentityID.ValueString()
	ep, err := c.API.EffectivePermissions(ctx, identityID)
	if api.IsNotFound(err) {
		diags.AddAttributeError(path.Root("identity_id"), "Identity not found",
			fmt.Sprintf("No identity with ID %q exists in the organization.", identityID))
		return cfg, nil
	}
	if err != nil {
		return cfg, tfutil.CouldNot("read effective permissions of identity "+identityID, err)
	}
	projects := slices.Clone(ep.Projects)
	slices.SortFunc(projects, func(a, b api.ProjectPermissions) int { return strings.Compare(a.ProjectID, b.ProjectID) })
	out := effectivePermissionsModel{IdentityID: cfg.IdentityID, OrganizationRole: types.StringValue(ep.OrganizationRole),
		Organization: rulesToSet(ctx, ep.Organization, types.SetNull(ruleType), diags),
		Projects:     make([]projectPermissionsModel, len(projects))}
	for i, p := range projects {
		out.Projects[i] = projectPermissionsModel{ProjectID: types.StringValue(p.ProjectID), Roles: tfutil.StringSet(p.Roles),
			Permissions: rulesToSet(ctx, p.Permissions, types.SetNull(ruleType), diags)}
	}
	return out, nil
}
