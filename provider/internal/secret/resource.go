package secret

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	_ resource.ResourceWithConfigure      = &secretResource{}
	_ resource.ResourceWithImportState    = &secretResource{}
	_ resource.ResourceWithModifyPlan     = &secretResource{}
	_ resource.ResourceWithValidateConfig = &secretResource{}
)

// NewResource is the idplane_secret resource.
func NewResource() resource.Resource { return &secretResource{} }

type secretResource struct{ client *tfutil.Client }

type model struct {
	ID             types.String `tfsdk:"id"`
	ProjectID      types.String `tfsdk:"project_id"`
	Environment    types.String `tfsdk:"environment"`
	SecretPath     types.String `tfsdk:"secret_path"`
	Key            types.String `tfsdk:"key"`
	Comment        types.String `tfsdk:"comment"`
	Value          types.String `tfsdk:"value"`
	ValueWO        types.String `tfsdk:"value_wo"`
	ValueWOVersion types.Int64  `tfsdk:"value_wo_version"`
	Version        types.Int64  `tfsdk:"version"`
}

func (m model) place() place {
	return place{project: m.ProjectID.ValueString(), environment: m.Environment.ValueString(),
		secretPath: m.SecretPath.ValueString(), key: m.Key.ValueString()}
}

// writeOnly says whether the value comes from value_wo: value_wo_version
// is required with it and meaningless without it.
func (m model) writeOnly() bool { return !m.ValueWOVersion.IsNull() }

// fromAPI is the one mapper of Create, Read, Update and import. The project
// stays as configured (ID or slug). The value is read back into state only
// when state holds one already, that is when the configuration sets
// `value`: with value_wo it never reaches state, and neither does it after
// import, which cannot know which of the two the configuration uses (the
// next apply then writes the configured value).
func fromAPI(s *api.Secret, prior model) model {
	m := model{ProjectID: prior.ProjectID, Environment: types.StringValue(s.Environment),
		SecretPath: types.StringValue(s.SecretPath), Key: types.StringValue(s.SecretKey),
		Comment: types.StringValue(s.SecretComment), Value: types.StringNull(), ValueWO: types.StringNull(),
		ValueWOVersion: prior.ValueWOVersion, Version: types.Int64Value(s.Version)}
	m.ID = types.StringValue(m.place().id())
	switch {
	case prior.Value.IsNull():
	case s.SecretValueHidden: // an update that kept the value answers without it
		m.Value = prior.Value
	default:
		m.Value = types.StringValue(s.SecretValue)
	}
	return m
}

func (r *secretResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret"
}

func (r *secretResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A secret in a project's environment, under a folder path, as the secrets API " +
			"(`/api/v3/secrets/raw`) keeps it: encrypted at rest, versioned, every read and write audited. " +
			"Set its value with exactly one of `value` (sensitive, kept in Terraform's state; any Terraform release) and " +
			"`value_wo` with `value_wo_version` (write-only, never in plan or state; Terraform 1.11 or OpenTofu 1.11 and later).\n\n" +
			"A change made outside Terraform shows in the next plan: with `value` the value is read back and compared; " +
			"with `value_wo` the provider remembers the server's version it wrote, and a newer one on the server plans an " +
			"update that writes `value_wo` again. A secret deleted outside Terraform is created again. " +
			"An identity that may not read the secret (the `auditor` role planning in CI, a pipeline that only writes " +
			"secrets) plans without refreshing it, and a warning says so.\n\n" +
			"Import with `terraform import idplane_secret.<name> " + importIDFormat + "`. " +
			"Import never reads the value into state: the next apply writes the configured one (`value` or `value_wo`), " +
			"and `project_id` must be given in the same form (ID or slug) as in the configuration.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true,
				MarkdownDescription: "Where the secret is, in the import ID's form: `<project_id>/<environment>/<secret_path without its leading />/<key>`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"project_id": schema.StringAttribute{Required: true,
				MarkdownDescription: "ID of the project (its slug is accepted too, as by the API's `workspaceId`). Changing it replaces the secret.",
				PlanModifiers:       replace, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"environment": schema.StringAttribute{Required: true,
				MarkdownDescription: "Slug of the project's environment, such as `prod`. Changing it replaces the secret.",
				PlanModifiers:       replace, Validators: []validator.String{validators.Slug()}},
			"secret_path": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("/"),
				MarkdownDescription: "Folder path of the secret, such as `/db/api`; defaults to `/`. Roles grant access by path " +
					"(`secret_paths` globs). Changing it replaces the secret.",
				PlanModifiers: replace, Validators: []validator.String{validators.SecretPath()}},
			"key": schema.StringAttribute{Required: true,
				MarkdownDescription: "The secret's key (its name), which " + api.SecretKeyRule + ". Changing it replaces the secret.",
				PlanModifiers:       replace, Validators: []validator.String{validators.SecretKey()}},
			"comment": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Free-form comment; changing it writes a new version.",
				Validators:          []validator.String{validators.SecretComment()}},
			"value": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "The value, kept in Terraform's state (sensitive). Conflicts with `value_wo`; " +
					"prefer `value_wo` where the release supports it.",
				Validators: []validator.String{validators.SecretValue()}},
			"value_wo": schema.StringAttribute{Optional: true, Sensitive: true, WriteOnly: true,
				MarkdownDescription: "Write-only: the value, never stored in Terraform's plan or state; it can come from an " +
					"ephemeral resource. Sent when the secret is created, when `value_wo_version` changes, and when the " +
					"server's version moved on outside Terraform. Needs Terraform 1.11 or OpenTofu 1.11 or later. Conflicts with `value`.",
				Validators: []validator.String{validators.SecretValue()}},
			"value_wo_version": schema.Int64Attribute{Optional: true,
				MarkdownDescription: "Version of `value_wo`, required with it: Terraform never sees a write-only value change, " +
					"so changing this number is what sends the current value.",
			},
			"version": schema.Int64Attribute{Computed: true,
				MarkdownDescription: "The secret's current version on the server: 1 when created, one more at every write (value or comment). " +
					"Sent as `If-Match` on update and delete."},
		},
	}
}

func (r *secretResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *secretResource) get(ctx context.Context, m model, withoutValue bool) (*api.Secret, error) {
	p := m.place()
	return r.client.API.GetSecret(ctx, p.key, api.SecretGetQuery{WorkspaceID: p.project, Environment: p.environment,
		SecretPath: p.secretPath, WithoutValues: withoutValue})
}

// refresh asks for what state needs. A value in state is read; without
// one (value_wo, an import) the secret is only described, since its
// version tells a change outside Terraform (writeonly.go) and reading a
// value the provider throws away would put a read in the audit log.
// Refused, it asks the other way: an identity may hold read without
// describe, or describe without read, in which case a value in state is
// kept when the version shows it unchanged (every change makes a version).
func (r *secretResource) refresh(ctx context.Context, state model) (*api.Secret, error) {
	describe := state.Value.IsNull()
	s, err := r.get(ctx, state, describe)
	if !api.IsStatus(err, http.StatusForbidden) {
		return s, err
	}
	if other, otherErr := r.get(ctx, state, !describe); otherErr == nil {
		return other, nil
	}
	return nil, err
}

// crud is the resource's client calls; each maps the answer through
// fromAPI. Create, Read and Update need the configuration (value_wo) or the
// private state, so the methods below complete it.
func (r *secretResource) crud() tfutil.CRUD[model] {
	return tfutil.CRUD[model]{
		Noun: "secret",
		Delete: func(ctx context.Context, state model, _ *diag.Diagnostics) error {
			p := state.place()
			return r.client.API.DeleteSecret(ctx, p.key, state.Version.ValueInt64(),
				api.SecretDelete{WorkspaceID: p.project, Environment: p.environment, SecretPath: p.secretPath})
		},
	}
}

// configValue reads value_wo from the configuration, the only place it is.
func configValue(ctx context.Context, cfg interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}, diags *diag.Diagnostics) types.String {
	var v types.String
	diags.Append(cfg.GetAttribute(ctx, path.Root("value_wo"), &v)...)
	return v
}

func (r *secretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	crud := r.crud()
	crud.Create = func(ctx context.Context, plan model, diags *diag.Diagnostics) (model, error) {
		value := plan.Value
		if plan.writeOnly() {
			value = configValue(ctx, req.Config, diags)
		}
		if diags.HasError() {
			return plan, nil
		}
		p := plan.place()
		s, err := r.client.API.CreateSecret(ctx, p.key, api.SecretCreate{WorkspaceID: p.project, Environment: p.environment,
			SecretPath: p.secretPath, SecretValue: value.ValueString(), SecretComment: plan.Comment.ValueString()})
		if err != nil {
			return plan, err
		}
		diags.Append(remember(ctx, resp.Private, writtenKey, s)...)
		return fromAPI(s, plan), nil
	}
	crud.DoCreate(ctx, req, resp)
}

func (r *secretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	crud := r.crud()
	crud.Read = func(ctx context.Context, state model, diags *diag.Diagnostics) (model, error) {
		s, err := r.refresh(ctx, state)
		if api.IsStatus(err, http.StatusForbidden) && !state.Version.IsNull() {
			// An identity that plans but may neither read nor describe
			// secrets (the auditor role in CI) keeps the plan working; what
			// it cannot check, it says. An import, which has nothing to
			// keep, fails.
			diags.AddWarning("Secret not refreshed",
				fmt.Sprintf("The provider's identity may not read secret %s (%v), so the plan keeps it as Terraform last wrote it "+
					"and a change made outside Terraform does not show. Plan with an identity granted describe (or read) on "+
					"secrets at this environment and path to check it.", state.ID.ValueString(), err))
			return state, nil
		}
		if err != nil {
			return state, err
		}
		if seen, known := recall(ctx, req.Private, seenKey); s.SecretValueHidden && !state.Value.IsNull() &&
			(s.Version != state.Version.ValueInt64() || known && seen.ID != s.ID) {
			// Described, not read: the value moved on and cannot be shown.
			diags.AddWarning("Secret changed outside Terraform",
				fmt.Sprintf("Secret %s is at version %d on the server, Terraform last saw version %d, and the provider's identity "+
					"may describe it but not read it, so the plan cannot show the new value. Plan with an identity granted read "+
					"on secrets at this environment and path to see it.", state.ID.ValueString(), s.Version, state.Version.ValueInt64()))
			return state, nil
		}
		diags.Append(remember(ctx, resp.Private, seenKey, s)...)
		return fromAPI(s, state), nil
	}
	crud.DoRead(ctx, req, resp)
}

// Update writes what changed: the value when `value` changed, when
// value_wo_version changed, or when the server's version moved on outside
// Terraform since the provider wrote value_wo (see ModifyPlan); the comment
// when it changed. Nothing to write (a plan that only refreshes): it reads.
func (r *secretResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	crud := r.crud()
	crud.Update = func(ctx context.Context, plan, state model, diags *diag.Diagnostics) (model, error) {
		p := plan.place()
		in := api.SecretUpdate{WorkspaceID: p.project, Environment: p.environment, SecretPath: p.secretPath}
		switch {
		case !plan.writeOnly() && !plan.Value.Equal(state.Value):
			in.SecretValue = plan.Value.ValueStringPointer()
		case plan.writeOnly() && (!plan.ValueWOVersion.Equal(state.ValueWOVersion) || changedOutside(ctx, req.Private, state) != ""):
			in.SecretValue = configValue(ctx, req.Config, diags).ValueStringPointer()
		}
		if !plan.Comment.Equal(state.Comment) {
			in.SecretComment = plan.Comment.ValueStringPointer()
		}
		if diags.HasError() {
			return plan, nil
		}
		if in.SecretValue == nil && in.SecretComment == nil {
			s, err := r.refresh(ctx, plan)
			return tfutil.Mapped(s, err, func(s *api.Secret) model { return fromAPI(s, plan) })
		}
		s, err := r.client.API.UpdateSecret(ctx, p.key, state.Version.ValueInt64(), in)
		if err != nil {
			return plan, err
		}
		diags.Append(remember(ctx, resp.Private, writtenKey, s)...)
		return fromAPI(s, plan), nil
	}
	crud.DoUpdate(ctx, req, resp)
}

func (r *secretResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.crud().DoDelete(ctx, req, resp)
}

// ImportState takes the ID's form (importIDFormat); Read then loads the rest.
func (r *secretResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	p, err := parseID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	for name, v := range map[string]string{"id": p.id(), "project_id": p.project, "environment": p.environment,
		"secret_path": p.secretPath, "key": p.key} {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...)
	}
}

// ValidateConfig insists on exactly one of value and value_wo, and on
// value_wo_version with value_wo only.
func (r *secretResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg model
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	const both = "Set exactly one of value (sensitive, kept in state) and value_wo with value_wo_version " +
		"(write-only, never in state; Terraform 1.11 or OpenTofu 1.11 and later)"
	switch hasValue, hasWO := !cfg.Value.IsNull(), !cfg.ValueWO.IsNull(); {
	case hasValue && hasWO:
		resp.Diagnostics.AddAttributeError(path.Root("value_wo"), "Conflicting value and value_wo", both+"; this configuration sets both.")
	case !hasValue && !hasWO:
		resp.Diagnostics.AddAttributeError(path.Root("value"), "Missing value or value_wo", both+"; this configuration sets neither.")
	case hasWO && cfg.ValueWOVersion.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("value_wo_version"), "Missing value_wo_version",
			"Set value_wo_version (e.g. 1) with value_wo, and change it whenever the value changes: "+
				"Terraform never sees a write-only value, so the version is what tells it to send the value again.")
	case hasValue && !cfg.ValueWOVersion.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("value_wo_version"), "value_wo_version without value_wo",
			fmt.Sprintf("value_wo_version goes with value_wo only; with value, remove it. %s.", both))
	}
}
