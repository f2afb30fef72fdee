// Package identity manages machine identities.
package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
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
	_ resource.ResourceWithConfigure   = &identityResource{}
	_ resource.ResourceWithImportState = &identityResource{}
)

const authMethodsDescription = "Kinds of auth method attached to the identity (e.g. `universal-auth`). " +
	"Read from the server: attaching a method with another resource changes it without a plan diff here."

// NewIdentityResource is the idplane_identity resource.
func NewIdentityResource() resource.Resource { return &identityResource{} }

type identityResource struct{ client *tfutil.Client }

type identityModel struct {
	ID               types.String `tfsdk:"id"`
	Name             types.String `tfsdk:"name"`
	Role             types.String `tfsdk:"role"`
	Description      types.String `tfsdk:"description"`
	Metadata         types.Map    `tfsdk:"metadata"`
	DeleteProtection types.Bool   `tfsdk:"delete_protection"`
	AuthMethods      types.Set    `tfsdk:"auth_methods"`
	Version          types.Int64  `tfsdk:"version"`
}

func identityFromAPI(i *api.Identity) identityModel {
	return identityModel{ID: types.StringValue(i.ID), Name: types.StringValue(i.Name), Role: types.StringValue(i.Role),
		Description: types.StringValue(i.Description), Metadata: tfutil.StringMap(i.Metadata),
		DeleteProtection: types.BoolValue(i.DeleteProtection), AuthMethods: tfutil.StringSet(i.AuthMethods),
		Version: types.Int64Value(i.Version)}
}

func (m identityModel) input(ctx context.Context, diags *diag.Diagnostics) api.IdentityInput {
	return api.IdentityInput{Name: m.Name.ValueString(), Role: m.Role.ValueString(), Description: m.Description.ValueString(),
		Metadata: tfutil.Map(ctx, m.Metadata, diags), DeleteProtection: m.DeleteProtection.ValueBool()}
}

func (r *identityResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity"
}

func (r *identityResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A machine identity: a workload that authenticates with one or more auth methods and is granted " +
			"an organization role and project memberships. Import with `terraform import idplane_identity.NAME <id>`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Identity ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "Name, unique within the organization, 1 to 128 characters.",
				Validators: []validator.String{validators.Name()}},
			"role": schema.StringAttribute{Required: true,
				MarkdownDescription: "Slug of the organization role: `admin`, `member`, `no-access`, `auditor` or a custom role's slug.",
				Validators:          []validator.String{validators.Slug()}},
			"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Free-form description, at most 1024 characters.",
				Validators:          []validator.String{validators.Description()}},
			"metadata": schema.MapAttribute{ElementType: types.StringType, Optional: true, Computed: true,
				Default:             mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				MarkdownDescription: fmt.Sprintf("Free-form key/value metadata: at most %d entries, keys of 1 to %d characters, values of at most %d characters.", api.MaxMetadataEntries, api.MaxMetadataKeyLength, api.MaxMetadataValLength),
				Validators: []validator.Map{
					mapvalidator.SizeAtMost(api.MaxMetadataEntries),
					mapvalidator.NoNullValues(),
					mapvalidator.KeysAre(validators.MetadataKey()),
					mapvalidator.ValueStringsAre(validators.MetadataValue()),
				}},
			"delete_protection": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "When true the server refuses to delete the identity; set it to false and apply before destroying it."},
			"auth_methods": schema.SetAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: authMethodsDescription},
			"version":      tfutil.VersionAttribute(),
		},
	}
}

func (r *identityResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

// crud is the resource's client calls; every one maps through identityFromAPI.
func (r *identityResource) crud() tfutil.CRUD[identityModel] {
	return tfutil.CRUD[identityModel]{
		Noun: "identity",
		Create: func(ctx context.Context, plan identityModel, diags *diag.Diagnostics) (identityModel, error) {
			in := plan.input(ctx, diags)
			if diags.HasError() {
				return plan, nil
			}
			i, err := r.client.API.CreateIdentity(ctx, in)
			return tfutil.Mapped(i, err, identityFromAPI)
		},
		Read: func(ctx context.Context, state identityModel, _ *diag.Diagnostics) (identityModel, error) {
			i, err := r.client.API.GetIdentity(ctx, state.ID.ValueString())
			return tfutil.Mapped(i, err, identityFromAPI)
		},
		Update: func(ctx context.Context, plan, state identityModel, diags *diag.Diagnostics) (identityModel, error) {
			in := plan.input(ctx, diags)
			if diags.HasError() {
				return plan, nil
			}
			i, err := r.client.API.UpdateIdentity(ctx, state.ID.ValueString(), tfutil.Version(state.Version), in)
			return tfutil.Mapped(i, err, identityFromAPI)
		},
		Delete: func(ctx context.Context, state identityModel, diags *diag.Diagnostics) error {
			err := r.client.API.DeleteIdentity(ctx, state.ID.ValueString(), tfutil.Version(state.Version))
			var p *api.Problem
			if errors.As(err, &p) && p.Code == api.CodeDeleteProtected {
				diags.AddError("Identity is delete-protected",
					fmt.Sprintf("Could not delete identity %s: set delete_protection = false and apply before destroying it.\n\nServer: %s", state.ID.ValueString(), p.Detail))
				return nil
			}
			return err
		},
	}
}

func (r *identityResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.crud().DoCreate(ctx, req, resp)
}

func (r *identityResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.crud().DoRead(ctx, req, resp)
}

func (r *identityResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.crud().DoUpdate(ctx, req, resp)
}

func (r *identityResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.crud().DoDelete(ctx, req, resp)
}

func (r *identityResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
