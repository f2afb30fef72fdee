package secret

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

var _ ephemeral.EphemeralResourceWithConfigure = &ephemeralSecret{}

// NewEphemeralResource is the ephemeral idplane_secret.
func NewEphemeralResource() ephemeral.EphemeralResource { return &ephemeralSecret{} }

type ephemeralSecret struct{ client *tfutil.Client }

type ephemeralModel struct {
	ProjectID   types.String `tfsdk:"project_id"`
	Environment types.String `tfsdk:"environment"`
	SecretPath  types.String `tfsdk:"secret_path"`
	Key         types.String `tfsdk:"key"`
	Version     types.Int64  `tfsdk:"version"`
	Value       types.String `tfsdk:"value"`
	Comment     types.String `tfsdk:"comment"`
}

func (r *ephemeralSecret) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret"
}

func (r *ephemeralSecret) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a secret's value for the length of one Terraform run, to hand to another provider's " +
			"configuration or to a write-only argument: it is never written to the plan or the state. The read is " +
			"authorized (`secrets` `read` at the secret's environment and path) and audited like any other. " +
			"Needs Terraform 1.10 or OpenTofu 1.11 or later.",
		Attributes: map[string]schema.Attribute{
			"project_id": schema.StringAttribute{Required: true, MarkdownDescription: "ID or slug of the project.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"environment": schema.StringAttribute{Required: true, MarkdownDescription: "Slug of the environment, such as `prod`.",
				Validators: []validator.String{validators.Slug()}},
			"secret_path": schema.StringAttribute{Optional: true, MarkdownDescription: "Folder path of the secret; `/` when not set.",
				Validators: []validator.String{validators.SecretPath()}},
			"key": schema.StringAttribute{Required: true, MarkdownDescription: "The secret's key.",
				Validators: []validator.String{validators.SecretKey()}},
			"version": schema.Int64Attribute{Optional: true, Computed: true,
				MarkdownDescription: "A past version to read; not set, the current one. Afterwards: the version read.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)}},
			"value":   schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The secret's value."},
			"comment": schema.StringAttribute{Computed: true, MarkdownDescription: "The secret's comment."},
		},
	}
}

func (r *ephemeralSecret) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *ephemeralSecret) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m ephemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.client == nil {
		resp.Diagnostics.AddError("Provider not configured", "The ephemeral idplane_secret needs a configured idplane provider.")
		return
	}
	if m.SecretPath.IsNull() {
		m.SecretPath = types.StringValue("/")
	}
	s, err := r.client.API.GetSecret(ctx, m.Key.ValueString(), api.SecretGetQuery{WorkspaceID: m.ProjectID.ValueString(),
		Environment: m.Environment.ValueString(), SecretPath: m.SecretPath.ValueString(), Version: m.Version.ValueInt64()})
	if err != nil {
		tfutil.AddAPIError(&resp.Diagnostics, "read secret", err)
		return
	}
	m.Version, m.Value, m.Comment = types.Int64Value(s.Version), types.StringValue(s.SecretValue), types.StringValue(s.SecretComment)
	resp.Diagnostics.Append(resp.Result.Set(ctx, m)...)
	tflog.Info(ctx, "read an idplane secret for the run", map[string]any{"environment": s.Environment, "secret_path": s.SecretPath,
		"key": s.SecretKey, "version": s.Version})
}
