package role

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

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

// newRoleDataSource is the idplane_org_role or idplane_project_role data
// source, by scope: a role, built-in or custom, looked up by slug.
func newRoleDataSource(s *scope) datasource.DataSource {
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
	return &tfutil.DataSource[roleDataModel]{
		Suffix: "_" + s.typeName,
		Noun:   s.noun,
		Spec: schema.Schema{
			MarkdownDescription: fmt.Sprintf("Looks up a %s by slug, built-in roles (%s) included.", s.noun, s.builtins),
			Attributes:          attrs,
		},
		Fields: func(m *roleDataModel) map[string]any { return m.fields(s) },
		Fetch:  s.findRole,
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

// findRole reads the role with the configured slug.
func (s *scope) findRole(ctx context.Context, c *tfutil.Client, m roleDataModel, diags *diag.Diagnostics) (roleDataModel, error) {
	slug := m.Slug.ValueString()
	role, err := s.get(c.API, ctx, m.ProjectID.ValueString(), slug)
	// The endpoint also answers to IDs; this data source looks up slugs only.
	if api.IsNotFound(err) || (err == nil && role.Slug != slug) {
		where := ""
		if s.parent != "" {
			where = fmt.Sprintf(" in project %q (or the project does not exist)", m.ProjectID.ValueString())
		}
		diags.AddAttributeError(path.Root("slug"), "Role not found",
			fmt.Sprintf("No %s with slug %q exists%s. Built-in roles are %s.", s.noun, slug, where, s.builtins))
		return m, nil
	}
	if err != nil {
		return m, err
	}
	m.ID, m.Name, m.Description = types.StringValue(role.ID), types.StringValue(role.Name), types.StringValue(role.Description)
	m.Builtin = types.BoolValue(role.Builtin)
	m.Permissions = rulesToSet(ctx, role.Permissions, types.SetNull(ruleType), diags)
	return m, nil
}
