package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/idplane/idplane/server/api"
)

// oidcBlock is auth.oidc.
var oidcBlock = signedTokenBlock(api.LoginOIDC, "an OpenID Connect ID token (GitHub Actions, GitLab CI, any IdP)", api.EnvOIDCToken)

// jwtBlock is auth.jwt.
var jwtBlock = signedTokenBlock(api.LoginJWT, "a JWT signed by a key the identity trusts", api.EnvJWT)

func signedTokenBlock(kind, what, tokenEnv string) authBlock {
	return authBlock{
		name: kind,
		attrs: map[string]string{api.EnvIdentityID: "identity_id", tokenEnv: "token", tokenEnv + "_FILE": "token_file",
			api.EnvOIDCAudience: "audience"},
		// The variables choose OIDC, not JWT; the message has always named
		// the two blocks together.
		selectedBy: "IDPLANE_IDENTITY_ID with IDPLANE_OIDC_TOKEN, IDPLANE_OIDC_TOKEN_FILE, or inside GitHub Actions",
		identityIs: "trusts the token.",
		schema: schema.SingleNestedAttribute{
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
		},
	}
}
