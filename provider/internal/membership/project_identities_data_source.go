package membership

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

// NewProjectIdentitiesDataSource is the idplane_project_identities data
// source: every identity membership of a project.
func NewProjectIdentitiesDataSource() datasource.DataSource {
	return &tfutil.DataSource[projectIdentitiesModel]{
		Suffix: "_project_identities",
		Noun:   "project identities",
		Spec: schema.Schema{
			MarkdownDescription: "Lists the identities that are members of a project and the project roles each holds, " +
				"as `idplane_project_identity` grants them (temporary grants with their window, active or not).",
			Attributes: map[string]schema.Attribute{
				"project_id": schema.StringAttribute{Required: true, MarkdownDescription: "ID of the project.",
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				"memberships": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The memberships, ordered by `identity_id`.",
					NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
						"identity_id": schema.StringAttribute{Computed: true, MarkdownDescription: "ID of the member identity."},
						"roles": schema.SetNestedAttribute{Computed: true, MarkdownDescription: "The identity's role grants in the project.",
							NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
								"role_slug": schema.StringAttribute{Computed: true, MarkdownDescription: "Slug of the project role."},
								"temporary_access": schema.SingleNestedAttribute{Computed: true,
									MarkdownDescription: "The grant's window `[start_time, start_time + duration)`; null for a permanent grant.",
									Attributes: map[string]schema.Attribute{
										"start_time": schema.StringAttribute{Computed: true, MarkdownDescription: "Start of the grant (RFC 3339, UTC)."},
										"duration":   schema.StringAttribute{Computed: true, MarkdownDescription: "Length of the grant, such as `8h`."},
									}},
							}}},
					}}},
			},
		},
		Fetch: listProjectIdentities,
	}
}

type projectIdentitiesModel struct {
	ProjectID   types.String             `tfsdk:"project_id"`
	Memberships []membershipSummaryModel `tfsdk:"memberships"`
}

type membershipSummaryModel struct {
	IdentityID types.String `tfsdk:"identity_id"`
	Roles      types.Set    `tfsdk:"roles"`
}

// listProjectIdentities lists the memberships of the configured project,
// ordered by identity ID.
func listProjectIdentities(ctx context.Context, c *tfutil.Client, cfg projectIdentitiesModel, diags *diag.Diagnostics) (projectIdentitiesModel, error) {
	projectID := cfg.ProjectID.ValueString()
	list, err := c.API.ListMemberships(ctx, projectID)
	if api.IsNotFound(err) {
		diags.AddAttributeError(path.Root("project_id"), "Project not found",
			fmt.Sprintf("No project with ID %q exists in the organization.", projectID))
		return cfg, nil
	}
	if err != nil {
		return cfg, tfutil.CouldNot("list memberships of project "+projectID, err)
	}
	ms := slices.Clone(list.Memberships)
	slices.SortFunc(ms, func(a, b api.ProjectMembership) int { return strings.Compare(a.IdentityID, b.IdentityID) })
	out := projectIdentitiesModel{ProjectID: cfg.ProjectID, Memberships: make([]membershipSummaryModel, len(ms))}
	for i, m := range ms {
		out.Memberships[i] = membershipSummaryModel{IdentityID: types.StringValue(m.IdentityID),
			Roles: grantsToSet(ctx, m.Roles, types.SetNull(grantType), diags)}
	}
	return out, nil
}
