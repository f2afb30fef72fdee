package project

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

var (
	_ datasource.DataSourceWithConfigure        = &projectDataSource{}
	_ datasource.DataSourceWithConfigValidators = &projectDataSource{}
)

// NewProjectDataSource is the idplane_project data source.
func NewProjectDataSource() datasource.DataSource { return &projectDataSource{} }

type projectDataSource struct{ client *tfutil.Client }

func (d *projectDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project"
}

func (d *projectDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
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
	}
}

func (d *projectDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("slug"))}
}

func (d *projectDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *projectDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg projectModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var p *api.Project
	if id := cfg.ID.ValueString(); id != "" {
		var err error
		p, err = d.client.API.GetProject(ctx, id)
		if api.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Project not found", fmt.Sprintf("No project with ID %q exists in the organization (or the provider's identity may not read it).", id))
			return
		}
		if err != nil {
			tfutil.AddAPIError(&resp.Diagnostics, "read project "+id, err)
			return
		}
	} else {
		slug := cfg.Slug.ValueString()
		list, err := d.client.API.ListProjects(ctx)
		if err != nil {
			tfutil.AddAPIError(&resp.Diagnostics, "list projects", err)
			return
		}
		for i := range list.Projects {
			if list.Projects[i].Slug == slug {
				p = &list.Projects[i]
				break
			}
		}
		if p == nil {
			resp.Diagnostics.AddAttributeError(path.Root("slug"), "Project not found", fmt.Sprintf("No project with slug %q exists in the organization (or the provider's identity may not read it).", slug))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, projectFromAPI(p))...)
}
