// Package tokenauth manages the auth methods an identity logs in with by
// presenting a proof of what it is: a signed token (OIDC, JWT, GCP, Azure,
// Kubernetes), a signed AWS request or a client certificate. The resource is
// written once, generically (this file and validate.go); each method's file
// only says which attributes it adds to the token settings every method
// has, how its model maps from and to the API, and which client calls to
// make.
package tokenauth

import (
	"context"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/tokensettings"
	"github.com/idplane/idplane/server/api"
)

// base is the part of every method's model that the generic resource
// reads: a method's model embeds it by value.
type base struct {
	ID         types.String `tfsdk:"id"`
	IdentityID types.String `tfsdk:"identity_id"`
	tokensettings.Model
	Version types.Int64 `tfsdk:"version"`
}

func (b base) common() base { return b }

func baseFromAPI(b api.AuthMethodBase) base {
	return base{ID: types.StringValue(b.IdentityID), IdentityID: types.StringValue(b.IdentityID),
		Model: tokensettings.FromAPI(b.TokenSettings), Version: types.Int64Value(b.Version)}
}

// model is a method's model: base plus the method's own attributes.
type model interface{ common() base }

// method describes one auth method: M is its model, T the API object and
// In the input of its PUT. The calls are method expressions of api.Client
// addressing the identity.
type method[M model, T, In any] struct {
	kind        string // "oidc": the resource is idplane_identity_oidc_auth
	noun        string // "OIDC auth"
	description string // what a login presents and what is checked, for the documentation

	// attributes are the method's own, besides id, identity_id, version
	// and the token settings.
	attributes map[string]schema.Attribute

	// fromAPI is the one mapper: the state after create, update, refresh
	// and import alike.
	fromAPI func(*T) M
	// input builds the PUT body from a plan, or from a configuration whose
	// own attributes are all known (omitted ones are null, and count with
	// their defaults).
	input func(context.Context, M, api.TokenSettingsInput, *diag.Diagnostics) In
	// validate is the server's validation of In, run at plan time.
	validate func(*In, *api.FieldErrors)

	// keep, when set, carries into a model mapped from obj what the API
	// never answers (a credential), from the plan or the prior state.
	keep func(prior M, obj *T, mapped *M)
	// writeOnly, when set, adds the write-only arguments of cfg (the
	// configuration: plans never hold them) to in, on create (state nil)
	// and on an update whose plan asks for them to be sent again.
	writeOnly func(cfg, plan M, state *M, in *In)

	get    func(*api.Client, context.Context, string) (*T, error)
	put    func(*api.Client, context.Context, string, int64, In) (*T, error)
	remove func(*api.Client, context.Context, string, int64) error
}

func (m *method[M, T, In]) typeName() string { return "idplane_identity_" + m.kind + "_auth" }

var (
	_ resource.ResourceWithConfigure      = &authResource[oidcModel, api.OIDCAuth, api.OIDCAuthInput]{}
	_ resource.ResourceWithImportState    = &authResource[oidcModel, api.OIDCAuth, api.OIDCAuthInput]{}
	_ resource.ResourceWithValidateConfig = &authResource[oidcModel, api.OIDCAuth, api.OIDCAuthInput]{}
)

// authResource is the resource of one method.
type authResource[M model, T, In any] struct {
	method method[M, T, In]
	client *tfutil.Client
}

func newResource[M model, T, In any](m method[M, T, In]) resource.Resource {
	return &authResource[M, T, In]{method: m}
}

func (r *authResource[M, T, In]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_" + r.method.kind + "_auth"
}

func (r *authResource[M, T, In]) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	m := &r.method
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The identity ID; also the import ID.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"identity_id": schema.StringAttribute{Required: true,
			MarkdownDescription: fmt.Sprintf("ID of the identity to attach %s to. Changing it replaces the resource.", m.noun),
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"version": tfutil.VersionAttribute(),
	}
	maps.Copy(attrs, tokensettings.Attributes())
	maps.Copy(attrs, m.attributes)
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("%s of an identity: %s A successful login returns an access token with the token settings below. "+
			"An identity has at most one %s; one attached outside Terraform is adopted with `terraform import %s.<name> <identity_id>`. "+
			"Changes are made in place, all settings at once; destroying it detaches it and revokes every access token it issued.",
			m.noun, m.description, m.noun, m.typeName()),
		Attributes: attrs,
	}
}

func (r *authResource[M, T, In]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

// crud is the method's client calls; every one maps through fromAPI. cfg
// is the configuration of a create or an update (a zero Config otherwise),
// which alone holds write-only arguments.
func (r *authResource[M, T, In]) crud(cfg tfsdk.Config) tfutil.CRUD[M] {
	m := &r.method
	return tfutil.CRUD[M]{
		Noun: m.noun, CreateVerb: "attach", DeleteVerb: "detach",
		Create: func(ctx context.Context, plan M, diags *diag.Diagnostics) (M, error) {
			return r.create(ctx, cfg, plan, diags)
		},
		Read: func(ctx context.Context, state M, _ *diag.Diagnostics) (M, error) {
			obj, err := m.get(r.client.API, ctx, state.common().IdentityID.ValueString())
			return tfutil.Mapped(obj, err, r.mapper(state))
		},
		Update: func(ctx context.Context, plan, state M, diags *diag.Diagnostics) (M, error) {
			s := state.common()
			return r.put(ctx, cfg, plan, &state, s.IdentityID.ValueString(), tfutil.Version(s.Version), diags)
		},
		Delete: func(ctx context.Context, state M, _ *diag.Diagnostics) error {
			s := state.common()
			return m.remove(r.client.API, ctx, s.IdentityID.ValueString(), tfutil.Version(s.Version))
		},
	}
}

// mapper is fromAPI, followed by keep from prior when the method has it.
func (r *authResource[M, T, In]) mapper(prior M) func(*T) M {
	return func(obj *T) M {
		mapped := r.method.fromAPI(obj)
		if r.method.keep != nil {
			r.method.keep(prior, obj, &mapped)
		}
		return mapped
	}
}

// create attaches the method to an identity that has none. PUT would
// silently take over a method attached outside Terraform; adopting it must
// be a deliberate import.
func (r *authResource[M, T, In]) create(ctx context.Context, cfg tfsdk.Config, plan M, diags *diag.Diagnostics) (M, error) {
	m := &r.method
	identityID := plan.common().IdentityID.ValueString()
	_, err := m.get(r.client.API, ctx, identityID)
	if err == nil {
		diags.AddAttributeError(path.Root("identity_id"), m.noun+" already attached",
			fmt.Sprintf("Identity %s already has %s; import it with `terraform import %s.<name> %s` instead of creating it.",
				identityID, m.noun, m.typeName(), identityID))
		return plan, nil
	}
	if !api.IsNotFound(err) {
		tfutil.AddAPIError(diags, "check for existing "+m.noun, err)
		return plan, nil
	}
	return r.put(ctx, cfg, plan, nil, identityID, 0, diags)
}

// put sends every setting of plan, so that the PUT replaces all of them,
// and the write-only ones of cfg that are due.
func (r *authResource[M, T, In]) put(ctx context.Context, cfg tfsdk.Config, plan M, state *M, identityID string, version int64, diags *diag.Diagnostics) (M, error) {
	m := &r.method
	in := m.input(ctx, plan, plan.common().Input(ctx, diags), diags)
	if m.writeOnly != nil {
		var c M
		diags.Append(cfg.Get(ctx, &c)...)
		if diags.HasError() {
			return plan, nil
		}
		m.writeOnly(c, plan, state, &in)
	}
	if diags.HasError() {
		return plan, nil
	}
	obj, err := m.put(r.client.API, ctx, identityID, version, in)
	return tfutil.Mapped(obj, err, r.mapper(plan))
}

func (r *authResource[M, T, In]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.crud(req.Config).DoCreate(ctx, req, resp)
}

func (r *authResource[M, T, In]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.crud(tfsdk.Config{}).DoRead(ctx, req, resp)
}

func (r *authResource[M, T, In]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.crud(req.Config).DoUpdate(ctx, req, resp)
}

func (r *authResource[M, T, In]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.crud(tfsdk.Config{}).DoDelete(ctx, req, resp)
}

// ImportState takes the identity ID.
func (r *authResource[M, T, In]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
	resource.ImportStatePassthroughID(ctx, path.Root("identity_id"), req, resp)
}
