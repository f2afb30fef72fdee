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
	Auth *authModel   `tfsdk:"auth"`
}

type authModel struct {
	Universal *universalModel   `tfsdk:"universal"`
	Token     types.String      `tfsdk:"token"`
	OIDC      *signedTokenModel `tfsdk:"oidc"`
	JWT       *signedTokenModel `tfsdk:"jwt"`

	Kubernetes *kubernetesModel `tfsdk:"kubernetes"`
	AWS        *awsModel        `tfsdk:"aws"`
	TLSCert    *tlsCertModel    `tfsdk:"tls_cert"`
}

type universalModel struct {
	ClientID     types.String `tfsdk:"client_id"`
	ClientSecret types.String `tfsdk:"client_secret"`
}

// signedTokenModel is the auth.oidc and auth.jwt block.
type signedTokenModel struct {
	IdentityID types.String `tfsdk:"identity_id"`
	Token      types.String `tfsdk:"token"`
	TokenFile  types.String `tfsdk:"token_file"`
	Audience   types.String `tfsdk:"audience"`
}

func (p *idplaneProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "idplane"
	resp.Version = p.version
}

func signedTokenSchema(kind, what, tokenEnv string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("Log in with %s, exchanged for an access token through the identity's `idplane_identity_%s_auth`: no static secret. "+
			"The token is obtained again at every login, so a long apply outlives it.", what, kind),
		Attributes: map[string]schema.Attribute{
			"identity_id": schema.StringAttribute{Optional: true,
				MarkdownDescription: "ID of the identity to log in as. Defaults to `IDPLANE_IDENTITY_ID`."},
			"token": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: fmt.Sprintf("The token itself. Defaults to `%s`.", tokenEnv)},
			"token_file": schema.StringAttribute{Optional: true,
				MarkdownDescription: fmt.Sprintf("A file holding the token, read at every login (GitLab CI `id_tokens`, Kubernetes projected tokens). Defaults to `%s_FILE`.", tokenEnv)},
			"audience": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Audience to request when the provider fetches the token from GitHub Actions itself (when neither `token` nor `token_file` is set and `ACTIONS_ID_TOKEN_REQUEST_URL` is). Defaults to `IDPLANE_OIDC_AUDIENCE`."},
		},
	}
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
				Optional: true,
				MarkdownDescription: "How the provider authenticates: exactly one of `universal`, `token`, `oidc`, `jwt`, `kubernetes`, `aws` and `tls_cert`. Without it, " +
					"`IDPLANE_AUTH_METHOD` (`universal`, `token`, `oidc`, `jwt`, `kubernetes`, `aws` or `tls_cert`) chooses, or else the variables present do: " +
					"`IDPLANE_CLIENT_ID`/`IDPLANE_CLIENT_SECRET`, then `IDPLANE_TOKEN`, then `IDPLANE_IDENTITY_ID` with an OIDC token " +
					"(`IDPLANE_OIDC_TOKEN`, `IDPLANE_OIDC_TOKEN_FILE` or GitHub Actions' ID-token endpoint).",
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
					"oidc":       signedTokenSchema("oidc", "an OpenID Connect ID token (GitHub Actions, GitLab CI, any IdP)", "IDPLANE_OIDC_TOKEN"),
					"jwt":        signedTokenSchema("jwt", "a JWT signed by a key the identity trusts", "IDPLANE_JWT"),
					"kubernetes": kubernetesSchema(),
					"aws":        awsSchema(),
					"tls_cert":   tlsCertSchema(),
				},
			},
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
