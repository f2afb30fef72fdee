package project

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

var (
	_ resource.ResourceWithConfigure   = &environmentResource{}
	_ resource.ResourceWithImportState = &environmentResource{}
)

// maxEnvironmentPosition is the largest position the server accepts.
const maxEnvironmentPosition = 1000

// NewEnvironmentResource is the idplane_project_environment resource.
func NewEnvironmentResource() resource.Resource { return &environmentResource{} }

type environmentResource struct{ client *tfutil.Client }

type environmentModel struct {
	ID        types.String `tfsdk:"id"`
	ProjectID types.String `tfsdk:"project_id"`
	Name      types.String `tfsdk:"name"`
	Slug      types.String `tfsdk:"slug"`
	Position  types.Int64  `tfsdk:"position"`
	Version   types.Int64  `tfsdk:"version"`
}

func environmentFromAPI(e *api.Environment) environmentModel {
	return environmentModel{ID: types.StringValue(e.ID), ProjectID: types.StringValue(e.ProjectID), Name: types.StringValue(e.Name),
		Slug: types.StringValue(e.Slug), Position: types.Int64Value(int64(e.Position)), Version: types.Int64Value(e.Version)}
}

func (m environmentModel) input() api.EnvironmentInput {
	return api.EnvironmentInput{Name: m.Name.ValueString(), Slug: m.Slug.ValueString(), Position: int(m.Position.ValueInt64())}
}

func (r *environmentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project_environment"
}

func (r *environmentResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An environment of a project (dev, staging, prod). " +
			"Import with `terraform import idplane_project_environment.NAME <project_id>/<slug>`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Environment ID; it stays the same when the slug changes.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"project_id": schema.StringAttribute{Required: true, MarkdownDescription: "ID of the project the environment belongs to. Changing it replaces the environment.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)}},
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "Display name, 1 to 128 characters.",
				Validators: []validator.String{validators.Name()}},
			"slug": schema.StringAttribute{Required: true,
				MarkdownDescription: "Unique slug within the project: lowercase letters, digits and single hyphens. It can be changed in place.",
				Validators:          []validator.String{validators.Slug()}},
			"position": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: fmt.Sprintf("Sort position among the project's environments, 0 to %d. Defaults to `0`.", maxEnvironmentPosition),
				Validators:          []validator.Int64{int64validator.Between(0, maxEnvironmentPosition)}},
			"version": tfutil.VersionAttribute(),
		},
	}
}

func (r *environmentResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

// crud is the resource's client calls; every one maps through
// environmentFromAPI. The API addresses an environment by its slug: Read
// follows a slug changed outside Terraform (lookup); Update and Delete use
// the slug in state, the one the environment has now.
func (r *environmentResource) crud() tfutil.CRUD[environmentModel] {
	return tfutil.CRUD[environmentModel]{
		Noun: "environment",
		Create: func(ctx context.Context, plan environmentModel, _ *diag.Diagnostics) (environmentModel, error) {
			e, err := r.client.API.CreateEnvironment(ctx, plan.ProjectID.ValueString(), plan.input())
			return tfutil.Mapped(e, err, environmentFromAPI)
		},
		Read: func(ctx context.Context, state environmentModel, _ *diag.Diagnostics) (environmentModel, error) {
			e, err := r.lookup(ctx, state.ProjectID.ValueString(), state.Slug.ValueString(), state.ID.ValueString())
			return tfutil.Mapped(e, err, environmentFromAPI)
		},
		Update: func(ctx context.Context, plan, state environmentModel, _ *diag.Diagnostics) (environmentModel, error) {
			e, err := r.client.API.UpdateEnvironment(ctx, state.ProjectID.ValueString(), state.Slug.ValueString(), tfutil.Version(state.Version), plan.input())
			return tfutil.Mapped(e, err, environmentFromAPI)
		},
		Delete: func(ctx context.Context, state environmentModel, _ *diag.Diagnostics) error {
			return r.client.API.DeleteEnvironment(ctx, state.ProjectID.ValueString(), state.Slug.ValueString(), tfutil.Version(state.Version))
		},
	}
}

// lookup finds the environment kept in state. The API addresses
// environments by slug, but the slug may have been changed outside
// Terraform (or given to another environment): when the slug does not lead
// to the environment with the ID in state, it is looked for by ID. An empty
// id (right after import) accepts whatever the slug leads to.
func (r *environmentResource) lookup(ctx context.Context, projectID, slug, id string) (*api.Environment, error) {
	e, err := r.client.API.GetEnvironment(ctx, projectID, slug)
	switch {
	case err == nil && (id == "" || e.ID == id):
		return e, nil
	case err != nil && (!api.IsNotFound(err) || id == ""):
		return nil, err
	}
	list, err := r.client.API.ListEnvironments(ctx, projectID)
	if err != nil {
		return nil, err
	}
	for i := range list.Environments {
		if list.Environments[i].ID == id {
			tflog.Info(ctx, "environment slug changed outside Terraform", map[string]any{
				"id": id, "state_slug": slug, "server_slug": list.Environments[i].Slug})
			return &list.Environments[i], nil
		}
	}
	return nil, api.NewProblem(http.StatusNotFound, api.CodeNotFound, "environment %s no longer exists in project %s", id, projectID)
}

func (r *environmentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.crud().DoCreate(ctx, req, resp)
}

func (r *environmentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.crud().DoRead(ctx, req, resp)
}

func (r *environmentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.crud().DoUpdate(ctx, req, resp)
}

func (r *environmentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.crud().DoDelete(ctx, req, resp)
}

// ImportState takes "<project_id>/<slug>"; Read then fills in the rest.
func (r *environmentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	projectID, slug, ok := strings.Cut(req.ID, "/")
	if !ok || projectID == "" || strings.Contains(slug, "/") {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected <project_id>/<slug>, e.g. 0190f5a2-8c1e-7c3a-9d4b-2f6e1a0b3c4d/prod; got %q.", req.ID))
		return
	}
	if err := api.ValidateSlug(slug); err != nil {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Expected <project_id>/<slug>: %s.", err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project_id"), projectID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("slug"), slug)...)
}
