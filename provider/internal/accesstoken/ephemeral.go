// Package accesstoken is the ephemeral idplane_access_token: an access
// token for the length of one Terraform run, never written to state or
// plan, revoked when Terraform closes it.
package accesstoken

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/api"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = &accessToken{}
	_ ephemeral.EphemeralResourceWithClose     = &accessToken{}
)

// NewEphemeralResource is the idplane_access_token ephemeral resource.
func NewEphemeralResource() ephemeral.EphemeralResource { return &accessToken{} }

type accessToken struct{ client *tfutil.Client }

type universalModel struct {
	ClientID     types.String `tfsdk:"client_id"`
	ClientSecret types.String `tfsdk:"client_secret"`
}

type signedTokenModel struct {
	IdentityID types.String `tfsdk:"identity_id"`
	Token      types.String `tfsdk:"token"`
}

type model struct {
	Universal   *universalModel   `tfsdk:"universal"`
	OIDC        *signedTokenModel `tfsdk:"oidc"`
	JWT         *signedTokenModel `tfsdk:"jwt"`
	AccessToken types.String      `tfsdk:"access_token"`
	ExpiresAt   types.String      `tfsdk:"expires_at"`
	IdentityID  types.String      `tfsdk:"identity_id"`
	AuthMethod  types.String      `tfsdk:"auth_method"`
}

// privateKey holds the token between Open and Close, in Terraform's
// private data for the run (never in state).
const privateKey = "access_token"

func (r *accessToken) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_access_token"
}

func signedTokenBlock(kind string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional:            true,
		MarkdownDescription: fmt.Sprintf("Log in as another identity with a token its `idplane_identity_%s_auth` trusts.", kind),
		Attributes: map[string]schema.Attribute{
			"identity_id": schema.StringAttribute{Required: true, MarkdownDescription: "ID of the identity to log in as."},
			"token":       schema.StringAttribute{Required: true, Sensitive: true, MarkdownDescription: "The signed token, e.g. from an ephemeral variable."},
		},
	}
}

func (r *accessToken) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	exactlyOne := []validator.Object{objectvalidator.ConflictsWith(path.MatchRoot("universal"), path.MatchRoot("oidc"), path.MatchRoot("jwt"))}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived access token for the length of one Terraform run, to hand to another provider " +
			"or a `local-exec` without persisting it: it is never written to the plan or the state, and it is revoked when " +
			"Terraform closes it at the end of the run. Without a block it logs in as the provider's own identity (a token " +
			"separate from the provider's); with `universal`, `oidc` or `jwt` it logs in as another identity. " +
			"Needs Terraform 1.10 or OpenTofu 1.11 or later.",
		Attributes: map[string]schema.Attribute{
			"universal": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Log in as another identity with its universal auth credentials.",
				Validators:          exactlyOne,
				Attributes: map[string]schema.Attribute{
					"client_id":     schema.StringAttribute{Required: true, MarkdownDescription: "Client ID."},
					"client_secret": schema.StringAttribute{Required: true, Sensitive: true, MarkdownDescription: "Client secret."},
				},
			},
			"oidc":         signedTokenBlock("oidc"),
			"jwt":          signedTokenBlock("jwt"),
			"access_token": schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The access token, a bearer token for the idplane API."},
			"expires_at":   schema.StringAttribute{Computed: true, MarkdownDescription: "When the token expires (RFC 3339)."},
			"identity_id":  schema.StringAttribute{Computed: true, MarkdownDescription: "The identity the token acts as."},
			"auth_method":  schema.StringAttribute{Computed: true, MarkdownDescription: "The auth method that issued it, e.g. `universal-auth`."},
		},
	}
}

func (r *accessToken) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.client = tfutil.ClientFrom(req.ProviderData, &resp.Diagnostics)
}

// login obtains the token with the configured credentials, or as the
// provider's identity.
func (r *accessToken) login(ctx context.Context, m model) (*api.LoginResponse, error) {
	var creds api.Option
	switch {
	case m.Universal != nil:
		creds = api.WithUniversalAuth(m.Universal.ClientID.ValueString(), m.Universal.ClientSecret.ValueString())
	case m.OIDC != nil:
		creds = api.WithSignedTokenLogin(api.RouteOIDCAuthLogin, m.OIDC.IdentityID.ValueString(), api.StaticTokenSource(m.OIDC.Token.ValueString()))
	case m.JWT != nil:
		creds = api.WithSignedTokenLogin(api.RouteJWTAuthLogin, m.JWT.IdentityID.ValueString(), api.StaticTokenSource(m.JWT.Token.ValueString()))
	default:
		return r.client.API.NewAccessToken(ctx)
	}
	c, err := r.client.With(creds)
	if err != nil {
		return nil, err
	}
	return c.NewAccessToken(ctx)
}

func (r *accessToken) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m model
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.client == nil {
		resp.Diagnostics.AddError("Provider not configured", "idplane_access_token needs a configured idplane provider.")
		return
	}
	opened := time.Now()
	res, err := r.login(ctx, m)
	if err != nil {
		tfutil.AddAPIError(&resp.Diagnostics, "obtain an access token", err)
		return
	}
	// The token's own claims say whom it acts as: it came from the server
	// just now, and asking the server again could race a revocation that a
	// concurrent destroy of its credential makes in the same run.
	who, err := tokenClaims(res.AccessToken)
	if err != nil {
		resp.Diagnostics.AddError("Could not read the new access token", err.Error())
		return
	}
	m.IdentityID, m.AuthMethod = types.StringValue(who.Subject), types.StringValue(who.AuthMethod)
	m.AccessToken = types.StringValue(res.AccessToken)
	m.ExpiresAt = types.StringValue(opened.Add(time.Duration(res.ExpiresIn) * time.Second).UTC().Format(time.RFC3339))
	raw, err := json.Marshal(res.AccessToken)
	if err != nil {
		resp.Diagnostics.AddError("Could not keep the access token for Close", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateKey, raw)...)
	resp.Diagnostics.Append(resp.Result.Set(ctx, m)...)
	tflog.Info(ctx, "opened an idplane access token", map[string]any{"identity_id": m.IdentityID.ValueString(), "expires_at": m.ExpiresAt.ValueString()})
}

// Close revokes the token: it is of no use once the run is over.
func (r *accessToken) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, diags := req.Private.GetKey(ctx, privateKey)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || len(raw) == 0 || r.client == nil {
		return
	}
	var token string
	if err := json.Unmarshal(raw, &token); err != nil {
		resp.Diagnostics.AddError("Could not revoke the access token", "its private data is unreadable: "+err.Error())
		return
	}
	c, err := r.client.With(api.WithToken(token))
	if err == nil {
		err = c.RevokeToken(ctx, token)
	}
	if err != nil && !api.IsStatus(err, 401) {
		tfutil.AddAPIError(&resp.Diagnostics, "revoke the access token", err)
	}
}

// claims are the parts of an access token's payload the result shows.
type claims struct {
	Subject    string `json:"sub"`
	AuthMethod string `json:"auth_method"`
}

// tokenClaims decodes an access token's payload (a JWT the server signed).
func tokenClaims(token string) (claims, error) {
	var c claims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errors.New("the server answered an access token that is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err == nil {
		err = json.Unmarshal(payload, &c)
	}
	if err != nil || c.Subject == "" {
		return c, fmt.Errorf("the access token's claims do not decode: %v", err)
	}
	return c, nil
}
