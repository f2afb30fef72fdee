package role

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

var _ datasource.DataSourceWithConfigure = &roleDataSource{}

// roleDataSource is the idplane_org_role or idplane_project_role data
// source, by scope: a role, built-in or custom, looked up by slug.
type roleDataSource struct {
	scope  *scope
	client *tfutil.Client
}

type roleDataModel struct {
	ProjectID   types.String
	Slug        types.String
	ID          types.String
	Name        types.String
	Description types.String
	Builtin     types.Bool
	Permissions types.Set
}

func (m *roleDataModel) fields(s *scope) map[string]any {
	f := map[string]any{"slug": &m.Slug, "id": &m.ID, "name": &m.Name, "description": &m.Description,
		"builtin": &m.Builtin, "permissions": &m.Permissions}
	if s.parent != "" {
		f[s.parent] = &m.ProjectID
	}
	return f
}

func (d *roleDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.scope.typeName
}

func (d *roleDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	s := d.scope
	attrs := map[string]schema.Attribute{
		"slug": schema.StringAttribute{Required: true,
			MarkdownDescription: fmt.Sprintf("Slug of the %s: a built-in one (%s) or a custom one.", s.noun, s.builtins),
			Validators:          []validator.String{validators.Slug()}},
		"id":          schema.StringAttribute{Computed: true, MarkdownDescription: "Role ID; the slug for built-in roles."},
		"name":        schema.StringAttribute{Computed: true, MarkdownDescription: "Display name."},
		"description": schema.StringAttribute{Computed: true, MarkdownDescription: "Description."},
		"builtin":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the role is built in (and read-only)."},
		"permissions": computedRules("The role's permission rules."),
	}
	if s.parent != "" {
		attrs[s.parent] = schema.StringAttribute{Required: true, MarkdownDescription: "ID of the project."}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("Looks up a %s by slug, built-in roles (%s) included.", s.noun, s.builtins),
		Attributes:          attrs,
	}
}

// computedRules is a read-only set of permission rules.
func computedRules(desc string) schema.SetNestedAttribute {
	computedSet := func(desc string) schema.SetAttribute {
		return schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	return schema.SetNestedAttribute{Computed: true, MarkdownDescription: desc,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"subject":  schema.StringAttribute{Computed: true, MarkdownDescription: "What the rule governs."},
			"actions":  computedSet("Actions on the subject."),
			"inverted": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the rule denies instead of granting."},
			"conditions": schema.SingleNestedAttribute{Computed: true, MarkdownDescription: "Environments and secret paths the rule is narrowed to; null when unrestricted.",
				Attributes: map[string]schema.Attribute{
					"environments": computedSet("Environment slugs or globs."),
					"secret_paths": computedSet("Secret path globs."),
				}},
		}}}
}

func (d *roleDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *roleDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m roleDataModel
	resp.Diagnostics.Append(tfutil.GetAttrs(ctx, req.Config, m.fields(d.scope))...)
	if resp.Diagnostics.HasError() {
		return
	}
	slug := m.Slug.ValueString()
	role, err := d.scope.get(d.client.API, ctx, m.ProjectID.ValueString(), slug)
	// The endpoint also answers to IDs; this data source looks up slugs only.
	if api.IsNotFound(err) || (err == nil && role.Slug != slug) {
		where := ""
		if d.scope.parent != "" {
			where = fmt.Sprintf(" in project %q (or the project does not exist)", m.ProjectID.ValueString())
		}
		resp.Diagnostics.AddAttributeError(path.Root("slug"), "Role not found",
			fmt.Sprintf("No %s with slug %q exists%s. Built-in roles are %s.", d.scope.noun, slug, where, d.scope.builtins))
		return
	}
	if err != nil {
		tfutil.AddAPIError(&resp.Diagnostics, "read "+d.scope.noun, err)
		return
	}
	m.ID, m.Name, m.Description = types.StringValue(role.ID), types.StringValue(role.Name), types.StringValue(role.Description)
	m.Builtin = types.BoolValue(role.Builtin)
	m.Permissions = rulesToSet(ctx, role.Permissions, types.SetNull(ruleType), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(tfutil.SetAttrs(ctx, &resp.State, m.fields(d.scope))...)
}
