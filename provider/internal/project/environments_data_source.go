package project

import (
	"cmp"
	"context"
	"fmt"
	"slices"

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

// NewEnvironmentsDataSource is the idplane_project_environments data source.
func NewEnvironmentsDataSource() datasource.DataSource {
	return &tfutil.DataSource[environmentsModel]{
		Suffix: "_project_environments",
		Noun:   "project environments",
		Spec: schema.Schema{
			MarkdownDescription: "Lists the environments of a project, ordered by `position`, then `slug`.",
			Attributes: map[string]schema.Attribute{
				"project_id": schema.StringAttribute{Required: true, MarkdownDescription: "ID of the project.",
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				"environments": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The project's environments.",
					NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
						"id":       schema.StringAttribute{Computed: true, MarkdownDescription: "Environment ID."},
						"name":     schema.StringAttribute{Computed: true, MarkdownDescription: "Display name."},
						"slug":     schema.StringAttribute{Computed: true, MarkdownDescription: "Slug, as permission conditions name it."},
						"position": schema.Int64Attribute{Computed: true, MarkdownDescription: "Sort position."},
					}}},
			},
		},
		Fetch: listEnvironments,
	}
}

type environmentsModel struct {
	ProjectID    types.String              `tfsdk:"project_id"`
	Environments []environmentSummaryModel `tfsdk:"environments"`
}

type environmentSummaryModel struct {
	ID       types.String `tfsdk:"id"`
	Name     types.String `tfsdk:"name"`
	Slug     types.String `tfsdk:"slug"`
	Position types.Int64  `tfsdk:"position"`
}

// listEnvironments lists the environments of the configured project,
// ordered by position, then slug.
func listEnvironments(ctx context.Context, c *tfutil.Client, cfg environmentsModel, diags *diag.Diagnostics) (environmentsModel, error) {
	projectID := cfg.ProjectID.ValueString()
	list, err := c.API.ListEnvironments(ctx, projectID)
	if api.IsNotFound(err) {
		diags.AddAttributeError(path.Root("project_id"), "Project not found",
			fmt.Sprintf("No project with ID %q exists in the organization.", projectID))
		return cfg, nil
	}
	if err != nil {
		return cfg, tfutil.CouldNot("list environments of project "+projectID, err)
	}
	envs := slices.Clone(list.Environments)
	slices.SortFunc(envs, func(a, b api.Environment) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.Slug, b.Slug))
	})
	out := environmentsModel{ProjectID: cfg.ProjectID, Environments: make([]environmentSummaryModel, len(envs))}
	for i, e := range envs {
		out.Environments[i] = environmentSummaryModel{ID: types.StringValue(e.ID), Name: types.StringValue(e.Name),
			Slug: types.StringValue(e.Slug), Position: types.Int64Value(int64(e.Position))}
	}
	return out, nil
}
