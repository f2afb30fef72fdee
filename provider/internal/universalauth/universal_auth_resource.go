package universalauth

import (
	"context"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/tokensettings"
	"github.com/idplane/idplane/server/api"
)

var (
	_ resource.ResourceWithConfigure      = &universalAuthResource{}
	_ resource.ResourceWithImportState    = &universalAuthResource{}
	_ resource.ResourceWithValidateConfig = &universalAuthResource{}
)

// NewUniversalAuthResource is the idplane_identity_universal_auth resource.
func NewUniversalAuthResource() resource.Resource { return &universalAuthResource{} }

type universalAuthResource struct{ client *tfutil.Client }

func (r *universalAuthResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_universal_auth"
}

func (r *universalAuthResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The identity ID; also the import ID.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"identity_id": schema.StringAttribute{Required: true, MarkdownDescription: "ID of the identity to attach universal auth to. Changing it replaces the resource.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"client_id": schema.StringAttribute{Computed: true, MarkdownDescription: "Client ID to log in with, together with a client secret.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"client_secret_trusted_ips": tokensettings.TrustedIPsAttribute("Source addresses that may log in with a client secret."),
		"lockout": schema.SingleNestedAttribute{
			Optional: true, Computed: true, Default: objectdefault.StaticValue(lockoutValue(api.DefaultLockout())),
			MarkdownDescription: "Locks out logins from a source address after repeated failures. Defaults to enabled, 3 failures, 300 seconds.",
			Attributes: map[string]schema.Attribute{
				"enabled": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
					MarkdownDescription: "Whether lockout is enabled. Defaults to `true`."},
				"threshold": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(api.DefaultLockoutThreshold),
					MarkdownDescription: fmt.Sprintf("Failed logins before the lockout, 1 to 30. Defaults to `%d`.", api.DefaultLockoutThreshold)},
				"duration_seconds": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(api.DefaultLockoutDuration),
					MarkdownDescription: fmt.Sprintf("How long the lockout lasts, 30 to 86400 seconds. Defaults to `%d`.", api.DefaultLockoutDuration)},
				"counter_reset_seconds": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(api.DefaultLockoutCounterReset),
					MarkdownDescription: fmt.Sprintf("Quiet period after which failed logins are forgotten, 5 to 3600 seconds. Defaults to `%d`.", api.DefaultLockoutCounterReset)},
			},
		},
		"version": tfutil.VersionAttribute(),
	}
	maps.Copy(attrs, tokensettings.Attributes())
	resp.Schema = schema.Schema{
		MarkdownDescription: "Universal auth of an identity: a client ID, plus client secrets managed with " +
			"`idplane_identity_universal_auth_client_secret`, exchanged for short-lived access tokens. " +
			"An identity has at most one universal auth; one attached outside Terraform is adopted with " +
			"`terraform import idplane_identity_universal_auth.<name> <identity_id>`. Destroying it revokes " +
			"every client secret and access token it issued.",
		Attributes: attrs,
	}
}

func (r *universalAuthResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

// crud is the resource's client calls; every one maps through
// universalAuthFromAPI.
func (r *universalAuthResource) crud() tfutil.CRUD[universalAuthModel] {
	return tfutil.CRUD[universalAuthModel]{
		Noun: "universal auth", CreateVerb: "attach", DeleteVerb: "detach",
		Create: r.create,
		Read: func(ctx context.Context, state universalAuthModel, _ *diag.Diagnostics) (universalAuthModel, error) {
			ua, err := r.client.API.GetUniversalAuth(ctx, state.IdentityID.ValueString())
			return tfutil.Mapped(ua, err, universalAuthFromAPI)
		},
		Update: func(ctx context.Context, plan, state universalAuthModel, diags *diag.Diagnostics) (universalAuthModel, error) {
			in := plan.input(ctx, diags)
			if diags.HasError() {
				return plan, nil
			}
			ua, err := r.client.API.PutUniversalAuth(ctx, state.IdentityID.ValueString(), tfutil.Version(state.Version), in)
			return tfutil.Mapped(ua, err, universalAuthFromAPI)
		},
		Delete: func(ctx context.Context, state universalAuthModel, _ *diag.Diagnostics) error {
			return r.client.API.DeleteUniversalAuth(ctx, state.IdentityID.ValueString(), tfutil.Version(state.Version))
		},
	}
}

// create attaches universal auth to an identity that has none. PUT would
// silently take over universal auth attached outside Terraform; adopting
// it must be a deliberate import.
func (r *universalAuthResource) create(ctx context.Context, plan universalAuthModel, diags *diag.Diagnostics) (universalAuthModel, error) {
	identityID := plan.IdentityID.ValueString()
	_, err := r.client.API.GetUniversalAuth(ctx, identityID)
	if err == nil {
		diags.AddAttributeError(path.Root("identity_id"), "Universal auth already attached",
			fmt.Sprintf("Identity %s already has universal auth; import it with `terraform import idplane_identity_universal_auth.<name> %s` instead of creating it.", identityID, identityID))
		return plan, nil
	}
	if !api.IsNotFound(err) {
		tfutil.AddAPIError(diags, "check for existing universal auth", err)
		return plan, nil
	}
	in := plan.input(ctx, diags)
	if diags.HasError() {
		return plan, nil
	}
	ua, err := r.client.API.PutUniversalAuth(ctx, identityID, 0, in)
	return tfutil.Mapped(ua, err, universalAuthFromAPI)
}

func (r *universalAuthResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.crud().DoCreate(ctx, req, resp)
}

func (r *universalAuthResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.crud().DoRead(ctx, req, resp)
}

func (r *universalAuthResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.crud().DoUpdate(ctx, req, resp)
}

func (r *universalAuthResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.crud().DoDelete(ctx, req, resp)
}

// ImportState takes the identity ID.
func (r *universalAuthResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
	resource.ImportStatePassthroughID(ctx, path.Root("identity_id"), req, resp)
}
