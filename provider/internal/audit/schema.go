package audit

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/server/api"
)

// auditSchema is the schema of idplane_identity_audit.
func auditSchema() schema.Schema {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	return schema.Schema{
		MarkdownDescription: "The identity audit of the organization on the live server: how many machine identities exist, " +
			"how many distinct permission sets they hold (the number of identities the organization needs: identities with " +
			"equal access could share one), what each set grants, and hygiene findings. The same audit as `idplane audit` " +
			"without input and `GET /api/v1/identity-audit`; the caller needs to read identities and roles.",
		Attributes: map[string]schema.Attribute{
			"at": schema.StringAttribute{Optional: true, MarkdownDescription: "Evaluate temporary role grants at this RFC 3339 time instead of now."},
			"production_environments": schema.SetAttribute{ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Environment slugs to treat as production besides those whose slug or name says prod (`prod`, `eu-prod`, `Production`)."},
			"unused_days": schema.Int64Attribute{Optional: true,
				MarkdownDescription: "Identities and client secrets without a login for this many days are reported unused, and secret grants are compared with the secret reads and writes of as many days (`grant-unused`, `grant-broader-than-use`). Defaults to `90`.",
				Validators:          []validator.Int64{int64validator.Between(1, api.MaxUnusedDays)}},
			"machine_identities":       schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of machine identities."},
			"distinct_permission_sets": schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of distinct permission sets: the identities the organization needs."},
			"groups": schema.ListNestedAttribute{Computed: true,
				MarkdownDescription: "Identities grouped by permission set, largest group first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"permission_set": str("Stable ID of the permission set: a hash of its normalised grants."),
					"identities":     schema.ListAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Names of the identities holding it, sorted."},
					"grants": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "What the permission set grants.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"project":     str("Project slug; empty for the organization."),
							"environment": str("Environment slug; empty for subjects without environments."),
							"secret_path": str("Secret path glob (`/**` when unrestricted); empty for subjects without paths."),
							"subject":     str("Subject of the actions."),
							"actions":     schema.ListAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Actions, sorted."},
							"deny":        schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the row denies the actions."},
						}}},
				}}},
			"use_since":     str("Start of the window (`unused_days` up to now) in which secret grants are compared with their use (RFC 3339); empty when the caller may not read the audit log, which the comparison needs."),
			"use_log_start": str("The organization's oldest secret event in the audit log (RFC 3339; empty: none). When it is after `use_since` no grant is judged: the log cannot tell an unused grant from a used one."),
			"secret_use": schema.ListNestedAttribute{Computed: true,
				MarkdownDescription: "Per identity and project where it may read or change secrets: what it used in the window and the narrower rules that use suggests (the `use` section of the live audit). Empty when the caller may not read the audit log.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"identity": str("Name of the identity."),
					"project":  str("Project slug."),
					"judged":   schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the use was judged: false when the identity or its membership is younger than the window, or the audit log starts after it."},
					"finding":  str("Code of the finding drawn from it (`grant-unused`, `grant-broader-than-use`); empty for none."),
					"used": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "Successful secret reads and writes of the window, per environment, folder and action.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"environment": str("Environment slug."),
							"secret_path": str("Folder path."),
							"action":      str("`read`, `create`, `edit` or `delete`."),
							"count":       schema.Int64Attribute{Computed: true, MarkdownDescription: "How many in the window."},
							"last_at":     str("The last one (RFC 3339)."),
						}}},
					"suggested": schema.ListNestedAttribute{Computed: true,
						MarkdownDescription: "The rules the use needs, ready for a custom project role (`idplane_project_role`'s `permissions`); empty when nothing was used.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"subject":      str("Subject of the actions (`secrets`)."),
							"actions":      schema.ListAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Actions."},
							"environments": schema.ListAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Environment slugs or globs; empty for every environment."},
							"secret_paths": schema.ListAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Secret path globs; empty for every path."},
							"inverted":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the rule denies (a deny rule of the identity kept for the places used)."},
						}}},
				}}},
			"findings": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "Hygiene findings, highest severity first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"severity": str("`high`, `medium` or `low`."),
					"code":     str("Stable code of the finding, e.g. `org-admin`."),
					"identity": str("Name of the identity."),
					"detail":   str("What was found."),
				}}},
		},
	}
}
