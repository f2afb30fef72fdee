// Package membership manages bindings: a member placed in a scope with a
// set of role grants. The resource is written once, generically; each
// concrete binding (project_identity.go) only says how to address the
// scope and the member and which client calls to make.
package membership

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

// scope describes one kind of binding. Scope and Member name the objects
// ("project", "identity"), which gives the attribute names (project_id,
// identity_id) and the type name (project_identity); the calls are
// method expressions of api.Client addressing (scope ID, member ID).
type scope struct {
	Scope, Member string
	Roles         string // the grantable roles, for documentation
	MaxGrants     int
	Get           func(*api.Client, context.Context, string, string) (*api.ProjectMembership, error)
	Create        func(*api.Client, context.Context, string, string, api.ProjectMembershipInput) (*api.ProjectMembership, error)
	Update        func(*api.Client, context.Context, string, string, int64, api.ProjectMembershipInput) (*api.ProjectMembership, error)
	Delete        func(*api.Client, context.Context, string, string, int64) error
}

func (s *scope) scopeAttr() string  { return s.Scope + "_id" }
func (s *scope) memberAttr() string { return s.Member + "_id" }
func (s *scope) noun() string       { return s.Scope + " membership" }

var (
	_ resource.ResourceWithConfigure   = &binding{}
	_ resource.ResourceWithImportState = &binding{}
)

// binding is the resource for one scope.
type binding struct {
	scope  scope
	client *tfutil.Client
}

type bindingModel struct {
	ID       types.String
	ScopeID  types.String
	MemberID types.String
	Roles    types.Set
	Version  types.Int64
}

func (m *bindingModel) fields(s *scope) map[string]any {
	return map[string]any{"id": &m.ID, s.scopeAttr(): &m.ScopeID, s.memberAttr(): &m.MemberID, "roles": &m.Roles, "version": &m.Version}
}

// bindingFromAPI is the state after create, update, refresh and import
// alike; prior (plan or state) only decides how equal grants are spelled.
func bindingFromAPI(ctx context.Context, b *api.ProjectMembership, scopeID, memberID string, prior types.Set, diags *diag.Diagnostics) bindingModel {
	return bindingModel{ID: types.StringValue(scopeID + "/" + memberID), ScopeID: types.StringValue(scopeID), MemberID: types.StringValue(memberID),
		Roles: grantsToSet(ctx, b.Roles, prior, diags), Version: types.Int64Value(b.Version)}
}

func (r *binding) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.scope.Scope + "_" + r.scope.Member
}

func (r *binding) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	s := &r.scope
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("Places the %s in the %s with a set of %s roles, each granted permanently or for a window of time. "+
			"Import with `<%s>/<%s>`.", s.Member, s.Scope, s.Scope, s.scopeAttr(), s.memberAttr()),
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: fmt.Sprintf("`<%s>/<%s>`; also the import ID.", s.scopeAttr(), s.memberAttr()),
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			s.scopeAttr(): schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: fmt.Sprintf("ID of the %s. Changing it replaces the membership.", s.Scope)},
			s.memberAttr(): schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: fmt.Sprintf("ID of the %s. Changing it replaces the membership.", s.Member)},
			"roles": schema.SetNestedAttribute{Required: true,
				MarkdownDescription: fmt.Sprintf("Role grants, 1 to %d. A set: order does not matter.", s.MaxGrants),
				Validators:          []validator.Set{setvalidator.SizeBetween(1, s.MaxGrants)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"role_slug": schema.StringAttribute{Required: true, Validators: []validator.String{validators.Slug()},
						MarkdownDescription: fmt.Sprintf("Slug of the %s role: %s.", s.Scope, s.Roles)},
					"temporary_access": schema.SingleNestedAttribute{Optional: true,
						MarkdownDescription: "Limits the grant to `[start_time, start_time + duration)`. Absent: the grant is permanent.",
						Attributes: map[string]schema.Attribute{
							"start_time": schema.StringAttribute{Required: true, Validators: []validator.String{validators.RFC3339()},
								MarkdownDescription: "Start of the grant, an RFC 3339 time such as `2026-01-02T15:04:05Z`. Any offset may be used; the same instant written differently causes no diff."},
							"duration": schema.StringAttribute{Required: true,
								Validators:          []validator.String{validators.Duration(time.Second, maxTemporary), wholeSeconds{}},
								MarkdownDescription: "Length of the grant, a duration such as `90m` or `24h`, whole seconds from `1s` to `8760h`. Equal durations written differently (`1h`, `60m`) cause no diff."},
						}},
				}}},
			"version": tfutil.VersionAttribute(),
		},
	}
}

func (r *binding) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

// crud is the scope's client calls; every one maps through bindingFromAPI,
// with grants spelled as in the plan (create, update) or the state (read).
func (r *binding) crud() tfutil.CRUD[bindingModel] {
	s := &r.scope
	return tfutil.CRUD[bindingModel]{
		Noun:   s.noun(),
		Fields: func(m *bindingModel) map[string]any { return m.fields(s) },
		Create: func(ctx context.Context, plan bindingModel, diags *diag.Diagnostics) (bindingModel, error) {
			in := api.ProjectMembershipInput{Roles: grantsFromSet(ctx, plan.Roles, diags)}
			if diags.HasError() {
				return plan, nil
			}
			scopeID, memberID := plan.ScopeID.ValueString(), plan.MemberID.ValueString()
			b, err := s.Create(r.client.API, ctx, scopeID, memberID, in)
			if err != nil {
				return plan, err
			}
			return bindingFromAPI(ctx, b, scopeID, memberID, plan.Roles, diags), nil
		},
		Read: func(ctx context.Context, state bindingModel, diags *diag.Diagnostics) (bindingModel, error) {
			scopeID, memberID := state.ScopeID.ValueString(), state.MemberID.ValueString()
			b, err := s.Get(r.client.API, ctx, scopeID, memberID)
			if err != nil {
				return state, err
			}
			return bindingFromAPI(ctx, b, scopeID, memberID, state.Roles, diags), nil
		},
		Update: func(ctx context.Context, plan, state bindingModel, diags *diag.Diagnostics) (bindingModel, error) {
			in := api.ProjectMembershipInput{Roles: grantsFromSet(ctx, plan.Roles, diags)}
			if diags.HasError() {
				return plan, nil
			}
			scopeID, memberID := state.ScopeID.ValueString(), state.MemberID.ValueString()
			b, err := s.Update(r.client.API, ctx, scopeID, memberID, tfutil.Version(state.Version), in)
			if err != nil {
				return plan, err
			}
			return bindingFromAPI(ctx, b, scopeID, memberID, plan.Roles, diags), nil
		},
		Delete: func(ctx context.Context, state bindingModel, _ *diag.Diagnostics) error {
			return s.Delete(r.client.API, ctx, state.ScopeID.ValueString(), state.MemberID.ValueString(), tfutil.Version(state.Version))
		},
	}
}

func (r *binding) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.crud().DoCreate(ctx, req, resp)
}

func (r *binding) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.crud().DoRead(ctx, req, resp)
}

func (r *binding) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.crud().DoUpdate(ctx, req, resp)
}

func (r *binding) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.crud().DoDelete(ctx, req, resp)
}

// ImportState takes `<scope_id>/<member_id>`, the resource's id.
func (r *binding) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	scopeID, memberID, ok := strings.Cut(req.ID, "/")
	if !ok || scopeID == "" || memberID == "" || strings.Contains(memberID, "/") {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("expected <%s>/<%s>, got %q", r.scope.scopeAttr(), r.scope.memberAttr(), req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(r.scope.scopeAttr()), scopeID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(r.scope.memberAttr()), memberID)...)
}
