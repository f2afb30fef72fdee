// Package project manages projects and their environments.
package project

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

var (
	_ resource.ResourceWithConfigure   = &projectResource{}
	_ resource.ResourceWithImportState = &projectResource{}
)

// NewProjectResource is the idplane_project resource.
func NewProjectResource() resource.Resource { return &projectResource{} }

type projectResource struct{ client *tfutil.Client }

type projectModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Slug        types.String `tfsdk:"slug"`
	Description types.String `tfsdk:"description"`
	Version     types.Int64  `tfsdk:"version"`
}

func projectFromAPI(p *api.Project) projectModel {
	return projectModel{ID: types.StringValue(p.ID), Name: types.StringValue(p.Name), Slug: types.StringValue(p.Slug),
		Description: types.StringValue(p.Description), Version: types.Int64Value(p.Version)}
}

func (m projectModel) input() api.ProjectInput {
	return api.ProjectInput{Name: m.Name.ValueString(), Slug: m.Slug.ValueString(), Description: m.Description.ValueString()}
}

func (r *projectResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project"
}

func (r *projectResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A project: a group of environments whose secrets identities are granted access to through project memberships.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Project ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "Display name.",
				Validators: []validator.String{validators.Name()}},
			"slug": schema.StringAttribute{Required: true, MarkdownDescription: "Unique slug within the organization: lowercase letters, digits and hyphens.",
				Validators: []validator.String{validators.Slug()}},
			"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Free-form description.",
				Validators:          []validator.String{validators.Description()}},
			"version": tfutil.VersionAttribute(),
		},
	}
}

func (r *projectResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

// crud is the resource's client calls; every one maps through projectFromAPI.
func (r *projectResource) crud() tfutil.CRUD[projectModel] {
	return tfutil.CRUD[projectModel]{
		Noun: "project",
		Create: func(ctx context.Context, plan projectModel, _ *diag.Diagnostics) (projectModel, error) {
			p, err := r.client.API.CreateProject(ctx, plan.input())
			return tfutil.Mapped(p, err, projectFromAPI)
		},
		Read: func(ctx context.Context, state projectModel, _ *diag.Diagnostics) (projectModel, error) {
			p, err := r.client.API.GetProject(ctx, state.ID.ValueString())
			return tfutil.Mapped(p, err, projectFromAPI)
		},
		Update: func(ctx context.Context, plan, state projectModel, _ *diag.Diagnostics) (projectModel, error) {
			p, err := r.client.API.UpdateProject(ctx, state.ID.ValueString(), tfutil.Version(state.Version), plan.input())
			return tfutil.Mapped(p, err, projectFromAPI)
		},
		Delete: func(ctx context.Context, state projectModel, _ *diag.Diagnostics) error {
			return r.client.API.DeleteProject(ctx, state.ID.ValueString(), tfutil.Version(state.Version))
		},
	}
}

func (r *projectResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.crud().DoCreate(ctx, req, resp)
}

func (r *projectResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.crud().DoRead(ctx, req, resp)
}

func (r *projectResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.crud().DoUpdate(ctx, req, resp)
}

func (r *projectResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.crud().DoDelete(ctx, req, resp)
}

func (r *projectResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
