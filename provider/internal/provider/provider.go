// Package provider is the idplane Terraform provider: its configuration and
// the list of its resources and data sources.
package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
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

var _ provider.Provider = &idplaneProvider{}

type idplaneProvider struct {
	version string
}

// New returns the provider factory for the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &idplaneProvider{version: version} }
}

type providerModel struct {
	Host types.String `tfsdk:"host"`
	Auth *authModel   `tfsdk:"auth"`
}

type authModel struct {
	Universal *universalModel `tfsdk:"universal"`
	Token     types.String    `tfsdk:"token"`
}

type universalModel struct {
	ClientID     types.String `tfsdk:"client_id"`
	ClientSecret types.String `tfsdk:"client_secret"`
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
			"auth": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "How the provider authenticates. Without it, `IDPLANE_CLIENT_ID`/`IDPLANE_CLIENT_SECRET` or `IDPLANE_TOKEN` are used.",
				Attributes: map[string]schema.Attribute{
					"universal": schema.SingleNestedAttribute{
						Optional:            true,
						MarkdownDescription: "Universal auth: a machine identity's client ID and client secret. The provider logs in once and renews its token.",
						Attributes: map[string]schema.Attribute{
							"client_id": schema.StringAttribute{
								Optional:            true,
								MarkdownDescription: "Client ID. Defaults to `IDPLANE_CLIENT_ID`.",
							},
							"client_secret": schema.StringAttribute{
								Optional:            true,
								Sensitive:           true,
								MarkdownDescription: "Client secret. Defaults to `IDPLANE_CLIENT_SECRET`.",
							},
						},
					},
					"token": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "An access token obtained elsewhere. Defaults to `IDPLANE_TOKEN`.",
					},
				},
			},
		},
	}
}

func orEnv(v types.String, env string) string {
	if !v.IsNull() && !v.IsUnknown() && v.ValueString() != "" {
		return v.ValueString()
	}
	return os.Getenv(env)
}

func (p *idplaneProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	host := orEnv(cfg.Host, "IDPLANE_HOST")
	var clientID, clientSecret, token types.String
	if cfg.Auth != nil {
		token = cfg.Auth.Token
		if cfg.Auth.Universal != nil {
			clientID, clientSecret = cfg.Auth.Universal.ClientID, cfg.Auth.Universal.ClientSecret
		}
	}
	id, secret, tok := orEnv(clientID, "IDPLANE_CLIENT_ID"), orEnv(clientSecret, "IDPLANE_CLIENT_SECRET"), orEnv(token, "IDPLANE_TOKEN")
	if host == "" {
		resp.Diagnostics.AddAttributeError(path.Root("host"), "Missing idplane host",
			"Set `host` in the provider block or the IDPLANE_HOST environment variable, e.g. http://127.0.0.1:8080.")
		return
	}
	opts := []api.Option{
		api.WithUserAgent("terraform-provider-idplane/" + p.version),
		api.WithLogger(func(ctx context.Context, msg string, fields map[string]any) { tflog.Debug(ctx, msg, fields) }),
	}
	switch {
	case id != "" && secret != "":
		opts = append(opts, api.WithUniversalAuth(id, secret))
	case tok != "":
		opts = append(opts, api.WithToken(tok))
	default:
		resp.Diagnostics.AddAttributeError(path.Root("auth"), "Missing idplane credentials",
			"Set auth.universal.client_id and auth.universal.client_secret (or IDPLANE_CLIENT_ID and IDPLANE_CLIENT_SECRET), or auth.token (or IDPLANE_TOKEN).")
		return
	}
	c, err := api.NewClient(host, opts...)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("host"), "Invalid idplane host", err.Error())
		return
	}
	if err := c.Authenticate(ctx); err != nil {
		tfutil.AddAPIError(&resp.Diagnostics, "authenticate to "+host+" (check the client ID and secret or token)", err)
		return
	}
	if tok != "" && (id == "" || secret == "") {
		if _, err := c.TokenSelf(ctx); err != nil {
			tfutil.AddAPIError(&resp.Diagnostics, "authenticate to "+host+" with the given token", err)
			return
		}
	}
	tflog.Info(ctx, "configured idplane provider", map[string]any{"host": host})
	client := &tfutil.Client{API: c}
	resp.ResourceData = client
	resp.DataSourceData = client
}

func (p *idplaneProvider) Resources(context.Context) []func() resource.Resource {
	return resources
}

func (p *idplaneProvider) DataSources(context.Context) []func() datasource.DataSource {
	return dataSources
}
