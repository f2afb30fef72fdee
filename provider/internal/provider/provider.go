// Package provider is the idplane Terraform provider: its configuration and
// the list of its resources and data sources.
package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/api"
)

// Address is the provider's registry address.
const Address = "registry.terraform.io/idplane/idplane"

var _ provider.ProviderWithEphemeralResources = &idplaneProvider{}

type idplaneProvider struct {
	version string
}

// New returns the provider factory for the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &idplaneProvider{version: version} }
}

type providerModel struct {
	Host types.String `tfsdk:"host"`
	// Auth has an attribute per authBlocks entry.
	Auth types.Object `tfsdk:"auth"`
}

func (p *idplaneProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "idplane"
	resp.Version = p.version
}

func (p *idplaneProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages machine identities, their authentication and their access on an idplane server.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "URL of the idplane server, e.g. `http://127.0.0.1:8080`. Defaults to `IDPLANE_HOST`.",
			},
			"auth": authSchema(),
		},
	}
}

func (p *idplaneProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if unknownConfig(cfg) {
		// A value known only after apply (an ephemeral token, another
		// resource's attribute): Terraform configures the provider again
		// once it is known, and defers what depends on it.
		tflog.Info(ctx, "idplane provider configuration not yet known; configuring later")
		return
	}
	host := cfg.Host.ValueString()
	if host == "" {
		host = os.Getenv(api.EnvHost)
	}
	if host == "" {
		resp.Diagnostics.AddAttributeError(path.Root("host"), "Missing idplane host",
			"Set `host` in the provider block or the IDPLANE_HOST environment variable, e.g. http://127.0.0.1:8080.")
		return
	}
	creds, method, transport := credentialsFrom(ctx, cfg.Auth, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	opts := []api.Option{
		api.WithUserAgent("terraform-provider-idplane/" + p.version),
		api.WithLogger(func(ctx context.Context, msg string, fields map[string]any) { tflog.Debug(ctx, msg, fields) }),
	}
	if transport != nil {
		opts = append(opts, transport)
	}
	c, err := api.NewClient(host, append(opts, creds)...)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("host"), "Invalid idplane host", err.Error())
		return
	}
	if err := c.Authenticate(ctx); err != nil {
		tfutil.AddAPIError(&resp.Diagnostics, fmt.Sprintf("authenticate to %s with %s", host, method), err)
		return
	}
	if method == api.LoginToken {
		if _, err := c.TokenSelf(ctx); err != nil {
			tfutil.AddAPIError(&resp.Diagnostics, "authenticate to "+host+" with the given token", err)
			return
		}
	}
	tflog.Info(ctx, "configured idplane provider", map[string]any{"host": host, "auth_method": method})
	client := &tfutil.Client{API: c, Host: host, Options: opts}
	resp.ResourceData = client
	resp.DataSourceData = client
	resp.EphemeralResourceData = client
}

func (p *idplaneProvider) Resources(context.Context) []func() resource.Resource {
	return resources
}

func (p *idplaneProvider) DataSources(context.Context) []func() datasource.DataSource {
	return dataSources
}

func (p *idplaneProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return ephemeralResources
}
