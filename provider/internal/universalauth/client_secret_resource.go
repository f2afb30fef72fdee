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
	_ resource.ResourceWithConfigure   = &clientSecretResource{}
	_ resource.ResourceWithImportState = &clientSecretResource{}
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
	ClientSecret       types.String `tfsdk:"client_secret"`
	ClientSecretID     types.String `tfsdk:"client_secret_id"`
	ClientSecretPrefix types.String `tfsdk:"client_secret_prefix"`
	ExpiresAt          types.String `tfsdk:"expires_at"`
}

// clientSecretFromAPI is the one mapper for Create, Read and import; the
// secret value is known only to Create and otherwise kept from state.
func clientSecretFromAPI(cs *api.ClientSecret, value types.String) clientSecretModel {
	expires := types.StringNull()
	if cs.ExpiresAt != nil {
		expires = types.StringValue(cs.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return clientSecretModel{
		ID: types.StringValue(cs.ID), IdentityID: types.StringValue(cs.IdentityID),
		Description: types.StringValue(cs.Description), TTL: types.Int64Value(int64(cs.TTL)),
		NumUsesLimit: types.Int64Value(int64(cs.NumUsesLimit)), ClientSecret: value,
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
		MarkdownDescription: "A client secret of an identity's universal auth. The secret is returned once, when it is created, " +
			"and kept in state as a sensitive value. Every argument is fixed for the life of the secret: changing one " +
			"revokes the secret and issues a new one (add `lifecycle { create_before_destroy = true }` to issue the new " +
			"one first, so that consumers can switch without a gap). A secret that was revoked, expired or used up outside Terraform " +
			"disappears from state on refresh and is issued again by the next apply.\n\n" +
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
			"client_secret": schema.StringAttribute{Computed: true, Sensitive: true,
				MarkdownDescription: "The secret value, known only when Terraform created the secret (null after import).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
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
		Create: func(ctx context.Context, plan clientSecretModel, _ *diag.Diagnostics) (clientSecretModel, error) {
			created, err := r.client.API.CreateClientSecret(ctx, plan.IdentityID.ValueString(), api.ClientSecretInput{
				Description:  plan.Description.ValueString(),
				TTL:          int(plan.TTL.ValueInt64()),
				NumUsesLimit: int(plan.NumUsesLimit.ValueInt64()),
			})
			if err != nil {
				return plan, err
			}
			return clientSecretFromAPI(&created.ClientSecretData, types.StringValue(created.ClientSecret)), nil
		},
		Read: func(ctx context.Context, state clientSecretModel, _ *diag.Diagnostics) (clientSecretModel, error) {
			cs, err := r.client.API.GetClientSecret(ctx, state.IdentityID.ValueString(), state.ID.ValueString())
			if err != nil {
				return state, err
			}
			if !cs.Usable(time.Now()) {
				// Expired or used up: it can never log in again, so the
				// next apply issues a new one.
				return state, fmt.Errorf("client secret %s expired or reached its use limit (num_uses %d, num_uses_limit %d): %w",
					cs.ID, cs.NumUses, cs.NumUsesLimit, tfutil.ErrGone)
			}
			return clientSecretFromAPI(cs, state.ClientSecret), nil
		},
		Delete: func(ctx context.Context, state clientSecretModel, _ *diag.Diagnostics) error {
			return r.client.API.RevokeClientSecret(ctx, state.IdentityID.ValueString(), state.ID.ValueString())
		},
	}
}

func (r *clientSecretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.crud().DoCreate(ctx, req, resp)
}

func (r *clientSecretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.crud().DoRead(ctx, req, resp)
}

// Update is unreachable: every argument requires replacement.
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
