package project

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

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

// NewProjectDataSource is the idplane_project data source.
func NewProjectDataSource() datasource.DataSource {
	return &tfutil.DataSource[projectModel]{
		Suffix: "_project",
		Noun:   "project",
		Spec: schema.Schema{
			MarkdownDescription: "Looks up a project by `id` or by `slug` (exactly one of them).",
			Attributes: map[string]schema.Attribute{
				"id": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Project ID to look up.",
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				"slug": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Project slug to look up.",
					Validators: []validator.String{validators.Slug()}},
				"name":        schema.StringAttribute{Computed: true, MarkdownDescription: "Display name."},
				"description": schema.StringAttribute{Computed: true, MarkdownDescription: "Free-form description."},
				"version":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Server-side version of the project."},
			},
		},
		Validators: []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("slug"))},
		Fetch:      findProject,
	}
}

// findProject looks the configured project up by ID, or by slug in the
// list of projects.
func findProject(ctx context.Context, c *tfutil.Client, cfg projectModel, diags *diag.Diagnostics) (projectModel, error) {
	if id := cfg.ID.ValueString(); id != "" {
		p, err := c.API.GetProject(ctx, id)
		if api.IsNotFound(err) {
			diags.AddAttributeError(path.Root("id"), "Project not found", fmt.Sprintf("No project with ID %q exists in the organization (or the provider's identity may not read it).", id))
			return cfg, nil
		}
		return tfutil.Mapped(p, tfutil.CouldNot("read project "+id, err), projectFromAPI)
	}
	slug := cfg.Slug.ValueString()
	list, err := c.API.ListProjects(ctx)
	if err != nil {
		return cfg, tfutil.CouldNot("list projects", err)
	}
	for i := range list.Projects {
		if list.Projects[i].Slug == slug {
			return projectFromAPI(&list.Projects[i]), nil
		}
	}
	diags.AddAttributeError(path.Root("slug"), "Project not found", fmt.Sprintf("No project with slug %q exists in the organization (or the provider's identity may not read it).", slug))
	return cfg, nil
}
