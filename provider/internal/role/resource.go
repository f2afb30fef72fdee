package role

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

var (
	_ resource.ResourceWithConfigure      = &roleResource{}
	_ resource.ResourceWithImportState    = &roleResource{}
	_ resource.ResourceWithValidateConfig = &roleResource{}
)

// roleResource is idplane_org_role or idplane_project_role, by scope.
type roleResource struct {
	scope  *scope
	client *tfutil.Client
}

// roleModel holds the resource's attributes; ProjectID only in project scope.
type roleModel struct {
	ProjectID   types.String
	ID          types.String
	Slug        types.String
	Name        types.String
	Description types.String
	Permissions types.Set
	Version     types.Int64
}

func (m *roleModel) fields(s *scope) map[string]any {
	f := map[string]any{"id": &m.ID, "slug": &m.Slug, "name": &m.Name, "description": &m.Description,
		"permissions": &m.Permissions, "version": &m.Version}
	if s.parent != "" {
		f[s.parent] = &m.ProjectID
	}
	return f
}

// modelFromAPI is the state after create, update, refresh and import alike;
// prior (plan or state) only decides how equal rules are spelled.
func modelFromAPI(ctx context.Context, role *api.Role, parent types.String, prior types.Set, diags *diag.Diagnostics) roleModel {
	return roleModel{ProjectID: parent, ID: types.StringValue(role.ID), Slug: types.StringValue(role.Slug),
		Name: types.StringValue(role.Name), Description: types.StringValue(role.Description),
		Permissions: rulesToSet(ctx, role.Permissions, prior, diags), Version: types.Int64Value(role.Version)}
}

func (m roleModel) input(ctx context.Context, diags *diag.Diagnostics) api.RoleInput {
	return api.RoleInput{Slug: m.Slug.ValueString(), Name: m.Name.ValueString(), Description: m.Description.ValueString(),
		Permissions: rulesFromSet(ctx, m.Permissions, diags)}
}

func (r *roleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.scope.typeName
}

func (r *roleResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	s := r.scope
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Role ID.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"slug": schema.StringAttribute{Required: true,
			MarkdownDescription: fmt.Sprintf("Unique slug of the %s, used to grant it: lowercase letters, digits and hyphens; not one of the built-in %s. It can change only while nothing holds the role.", s.noun, s.builtins),
			Validators:          []validator.String{validators.Slug()}},
		"name": schema.StringAttribute{Required: true, MarkdownDescription: "Display name.",
			Validators: []validator.String{validators.Name()}},
		"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
			MarkdownDescription: "Free-form description.",
			Validators:          []validator.String{validators.Description()}},
		"permissions": permissionsAttribute(s),
		"version":     tfutil.VersionAttribute(),
	}
	if s.parent != "" {
		attrs[s.parent] = schema.StringAttribute{Required: true, MarkdownDescription: "ID of the project the role belongs to. Changing it replaces the role.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("A custom %s: a named set of permission rules. Built-in roles (%s) cannot be managed; read them with the `idplane_%s` data source. "+
			"Import with %s.", s.noun, s.builtins, s.typeName, importHelp(s)),
		Attributes: attrs,
	}
}

func importHelp(s *scope) string {
	if s.parent == "" {
		return "the role ID"
	}
	return fmt.Sprintf("`<%s>/<role_id>`", s.parent)
}

func permissionsAttribute(s *scope) schema.SetNestedAttribute {
	conditions := "Not allowed in organization scope."
	if s.kind == api.ScopeProject {
		conditions = "Narrows a rule on `secrets` or `secret-folders` to environments and secret paths; not allowed on other subjects. An empty or absent list places no restriction."
	}
	return schema.SetNestedAttribute{
		Optional: true, Computed: true,
		Default:             setdefault.StaticValue(types.SetValueMust(ruleType, nil)),
		MarkdownDescription: fmt.Sprintf("Permission rules, at most %d. A set: order does not matter.", api.MaxPermissionRules),
		Validators:          []validator.Set{setvalidator.SizeAtMost(api.MaxPermissionRules)},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"subject": schema.StringAttribute{Required: true,
				MarkdownDescription: "What the rule governs. Subjects and their actions: " + catalogDescription(s.kind) + "."},
			"actions": schema.SetAttribute{Required: true, ElementType: types.StringType,
				MarkdownDescription: "Actions on the subject, at least one; see `subject` for those allowed."},
			"inverted": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Whether the rule denies the actions instead of granting them. Defaults to `false`."},
			"conditions": schema.SingleNestedAttribute{Optional: true, MarkdownDescription: conditions,
				Attributes: map[string]schema.Attribute{
					"environments": schema.SetAttribute{Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Environment slugs or globs (`*`, `?`), e.g. `prod` or `dev-*`."},
					"secret_paths": schema.SetAttribute{Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Secret path globs starting with `/`: `*` within a segment, `**` across segments, e.g. `/database/**`."},
				}},
		}},
	}
}

func (r *roleResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *roleResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validatePermissions(ctx, r.scope.kind, req.Config, &resp.Diagnostics)
}

// crud is the scope's client calls; every one maps through modelFromAPI,
// with rules spelled as in the plan (create, update) or the state (read).
func (r *roleResource) crud() tfutil.CRUD[roleModel] {
	s := r.scope
	return tfutil.CRUD[roleModel]{
		Noun:   s.noun,
		Fields: func(m *roleModel) map[string]any { return m.fields(s) },
		Create: func(ctx context.Context, plan roleModel, diags *diag.Diagnostics) (roleModel, error) {
			in := plan.input(ctx, diags)
			if diags.HasError() {
				return plan, nil
			}
			role, err := s.create(r.client.API, ctx, plan.ProjectID.ValueString(), in)
			if err != nil {
				return plan, err
			}
			return modelFromAPI(ctx, role, plan.ProjectID, plan.Permissions, diags), nil
		},
		Read: func(ctx context.Context, state roleModel, diags *diag.Diagnostics) (roleModel, error) {
			role, err := s.get(r.client.API, ctx, state.ProjectID.ValueString(), state.ID.ValueString())
			if err != nil {
				return state, err
			}
			return modelFromAPI(ctx, role, state.ProjectID, state.Permissions, diags), nil
		},
		Update: func(ctx context.Context, plan, state roleModel, diags *diag.Diagnostics) (roleModel, error) {
			in := plan.input(ctx, diags)
			if diags.HasError() {
				return plan, nil
			}
			role, err := s.update(r.client.API, ctx, state.ProjectID.ValueString(), state.ID.ValueString(), tfutil.Version(state.Version), in)
			if err != nil {
				return plan, err
			}
			return modelFromAPI(ctx, role, plan.ProjectID, plan.Permissions, diags), nil
		},
		Delete: func(ctx context.Context, state roleModel, _ *diag.Diagnostics) error {
			return s.remove(r.client.API, ctx, state.ProjectID.ValueString(), state.ID.ValueString(), tfutil.Version(state.Version))
		},
	}
}

func (r *roleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.crud().DoCreate(ctx, req, resp)
}

func (r *roleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.crud().DoRead(ctx, req, resp)
}

func (r *roleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.crud().DoUpdate(ctx, req, resp)
}

func (r *roleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.crud().DoDelete(ctx, req, resp)
}

// ImportState takes the role ID, or `<project_id>/<role_id>` for project roles.
func (r *roleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parent, id, err := r.scope.importID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	if r.scope.parent != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(r.scope.parent), parent)...)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}
