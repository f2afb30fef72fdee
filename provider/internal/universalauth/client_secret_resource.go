package universalauth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
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
	_ resource.ResourceWithConfigure      = &clientSecretResource{}
	_ resource.ResourceWithImportState    = &clientSecretResource{}
	_ resource.ResourceWithModifyPlan     = &clientSecretResource{}
	_ resource.ResourceWithValidateConfig = &clientSecretResource{}
)

// NewClientSecretResource is the idplane_identity_universal_auth_client_secret resource.
func NewClientSecretResource() resource.Resource { return &clientSecretResource{} }

type clientSecretResource struct{ client *tfutil.Client }

type clientSecretModel struct {
	ID                 types.String `tfsdk:"id"`
	IdentityID         types.String `tfsdk:"identity_id"`
	Description        types.String `tfsdk:"description"`
	TTL                types.Int64  `tfsdk:"ttl"`
	NumUsesLimit       types.Int64  `tfsdk:"num_uses_limit"`
	RenewBefore        types.Int64  `tfsdk:"renew_before"`
	ClientSecretWO     types.String `tfsdk:"client_secret_wo"`
	ClientSecretWOVer  types.Int64  `tfsdk:"client_secret_wo_version"`
	ClientSecret       types.String `tfsdk:"client_secret"`
	ClientSecretID     types.String `tfsdk:"client_secret_id"`
	ClientSecretPrefix types.String `tfsdk:"client_secret_prefix"`
	ExpiresAt          types.String `tfsdk:"expires_at"`
}

// clientSecretFromAPI is the one mapper for Create, Read and import; the
// secret value is known only to Create and otherwise kept from state, and
// the arguments that only Terraform knows (renew_before, the write-only
// version) come from prior.
func clientSecretFromAPI(cs *api.ClientSecret, value types.String, prior clientSecretModel) clientSecretModel {
	expires := types.StringNull()
	if cs.ExpiresAt != nil {
		expires = types.StringValue(cs.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return clientSecretModel{
		ID: types.StringValue(cs.ID), IdentityID: types.StringValue(cs.IdentityID),
		Description: types.StringValue(cs.Description), TTL: types.Int64Value(int64(cs.TTL)),
		NumUsesLimit: types.Int64Value(int64(cs.NumUsesLimit)), ClientSecret: value,
		RenewBefore: prior.RenewBefore, ClientSecretWO: types.StringNull(), ClientSecretWOVer: prior.ClientSecretWOVer,
		ClientSecretID: types.StringValue(cs.ID), ClientSecretPrefix: types.StringValue(cs.Prefix), ExpiresAt: expires,
	}
}

func (r *clientSecretResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_universal_auth_client_secret"
}

func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: desc,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
}

func (r *clientSecretResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceInt := []planmodifier.Int64{int64planmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A client secret of an identity's universal auth. Either the server generates it, returns it once, " +
			"and it is kept in state as a sensitive value (`client_secret`); or the configuration supplies it through the " +
			"write-only `client_secret_wo` (Terraform 1.11 or OpenTofu 1.11 and later), typically from an ephemeral " +
			"`random_password`, and nothing secret is ever written to state: the server keeps only its keyed hash.\n\n" +
			"Every argument is fixed for the life of the secret: changing one revokes the secret and issues a new one " +
			"(add `lifecycle { create_before_destroy = true }` to issue the new one first, so that consumers can switch " +
			"without a gap). With `renew_before`, a secret within that many seconds of its expiry is replaced by the " +
			"next plan, which says why. A secret that was revoked, expired or used up outside Terraform disappears from " +
			"state on refresh and is issued again by the next apply.\n\n" +
			"Import with `terraform import idplane_identity_universal_auth_client_secret.<name> <identity_id>/<client_secret_id>`. " +
			"The server never returns a secret again, so after import `client_secret` is null.",
		Attributes: map[string]schema.Attribute{
			"id": computedString("The client secret ID."),
			"identity_id": schema.StringAttribute{Required: true, MarkdownDescription: "ID of the identity whose universal auth issues the secret.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Free-form description, e.g. where the secret is used.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{validators.Description()}},
			"ttl": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "Lifetime of the secret in seconds from its creation; `0` (the default) never expires.",
				PlanModifiers:       replaceInt,
				Validators:          []validator.Int64{int64validator.Between(0, api.MaxTokenTTL)}},
			"num_uses_limit": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "Number of logins the secret allows; `0` (the default) is unlimited.",
				PlanModifiers:       replaceInt,
				Validators:          []validator.Int64{int64validator.Between(0, api.MaxNumUsesLimit)}},
			"renew_before": schema.Int64Attribute{Optional: true,
				MarkdownDescription: "Seconds before `expires_at` from which a plan replaces the secret (needs `ttl`); " +
					"with `create_before_destroy` consumers never see a gap. Changing it changes only state.",
				Validators: []validator.Int64{int64validator.Between(1, api.MaxTokenTTL)}},
			"client_secret_wo": schema.StringAttribute{Optional: true, Sensitive: true, WriteOnly: true,
				MarkdownDescription: fmt.Sprintf("Write-only: the secret value to use instead of a generated one, never stored in "+
					"state. %d to %d printable ASCII characters without spaces, with at least %d different characters. "+
					"Needs Terraform 1.11 or OpenTofu 1.11 or later; change `client_secret_wo_version` to rotate it.",
					api.MinSuppliedSecretLength, api.MaxSuppliedSecretLength, api.MinSuppliedSecretDistinct),
				Validators: []validator.String{suppliedSecret{}}},
			"client_secret_wo_version": schema.Int64Attribute{Optional: true,
				MarkdownDescription: "Version of `client_secret_wo`, required with it: Terraform cannot see a write-only " +
					"value change, so changing this number replaces the secret with the current value.",
				PlanModifiers: replaceInt},
			"client_secret": schema.StringAttribute{Computed: true, Sensitive: true,
				MarkdownDescription: "The generated secret value, known only when Terraform created the secret (null after " +
					"import, and with `client_secret_wo`).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"client_secret_id":     computedString("The client secret ID."),
			"client_secret_prefix": computedString("The first characters of the secret, to recognize it in listings and audit events."),
			"expires_at":           computedString("When the secret expires (RFC 3339), or null if it never does."),
		},
	}
}

func (r *clientSecretResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

// crud is the resource's client calls; every one maps through
// clientSecretFromAPI. There is no Update: every argument requires
// replacement.
func (r *clientSecretResource) crud() tfutil.CRUD[clientSecretModel] {
	return tfutil.CRUD[clientSecretModel]{
		Noun: "client secret", DeleteVerb: "revoke",
		Read: func(ctx context.Context, state clientSecretModel, _ *diag.Diagnostics) (clientSecretModel, error) {
			cs, err := r.client.API.GetClientSecret(ctx, state.IdentityID.ValueString(), state.ID.ValueString())
			if err != nil {
				return state, err
			}
			if !cs.Usable(tfutil.Now()) {
				// Expired or used up: it can never log in again, so the
				// next apply issues a new one.
				return state, fmt.Errorf("client secret %s expired or reached its use limit (num_uses %d, num_uses_limit %d): %w",
					cs.ID, cs.NumUses, cs.NumUsesLimit, tfutil.ErrGone)
			}
			return clientSecretFromAPI(cs, state.ClientSecret, state), nil
		},
		// Only renew_before, which lives in state alone, can change in place.
		Update: func(_ context.Context, plan, state clientSecretModel, _ *diag.Diagnostics) (clientSecretModel, error) {
			state.RenewBefore = plan.RenewBefore
			return state, nil
		},
		Delete: func(ctx context.Context, state clientSecretModel, _ *diag.Diagnostics) error {
			return r.client.API.RevokeClientSecret(ctx, state.IdentityID.ValueString(), state.ID.ValueString())
		},
	}
}

func (r *clientSecretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	crud := r.crud()
	crud.Create = func(ctx context.Context, plan clientSecretModel, diags *diag.Diagnostics) (clientSecretModel, error) {
		return r.create(ctx, req, plan, diags)
	}
	crud.DoCreate(ctx, req, resp)
}

func (r *clientSecretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.crud().DoRead(ctx, req, resp)
}

// Update changes renew_before; every other argument requires replacement.
func (r *clientSecretResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.crud().DoUpdate(ctx, req, resp)
}

func (r *clientSecretResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.crud().DoDelete(ctx, req, resp)
}

// ImportState takes `<identity_id>/<client_secret_id>`.
func (r *clientSecretResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	identityID, secretID, ok := strings.Cut(req.ID, "/")
	if !ok || identityID == "" || secretID == "" || strings.Contains(secretID, "/") {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected <identity_id>/<client_secret_id>, got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), secretID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("identity_id"), identityID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("client_secret_id"), secretID)...)
}
