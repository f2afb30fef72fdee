package provider

import (
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/server/api"
)

// Authentication methods of the provider, as IDPLANE_AUTH_METHOD names them.
const (
	authUniversal = "universal"
	authToken     = "token"
	authOIDC      = "oidc"
	authJWT       = "jwt"
)

// credentialsFrom chooses how the provider logs in: the one auth block
// set, else IDPLANE_AUTH_METHOD, else the variables present. It returns
// the client option and the method's name.
func credentialsFrom(a *authModel, diags *diag.Diagnostics) (api.Option, string) {
	var set []string
	if a != nil {
		if a.Universal != nil {
			set = append(set, authUniversal)
		}
		if !a.Token.IsNull() {
			set = append(set, authToken)
		}
		if a.OIDC != nil {
			set = append(set, authOIDC)
		}
		if a.JWT != nil {
			set = append(set, authJWT)
		}
	} else {
		a = &authModel{}
	}
	method := ""
	switch {
	case len(set) > 1:
		diags.AddAttributeError(path.Root("auth"), "Conflicting idplane credentials",
			"Set exactly one of auth.universal, auth.token, auth.oidc and auth.jwt; this configuration sets "+blocks(set)+".")
		return nil, ""
	case len(set) == 1:
		method = set[0]
	case os.Getenv("IDPLANE_AUTH_METHOD") != "":
		method = os.Getenv("IDPLANE_AUTH_METHOD")
	case os.Getenv("IDPLANE_CLIENT_ID") != "" || os.Getenv("IDPLANE_CLIENT_SECRET") != "":
		method = authUniversal
	case os.Getenv("IDPLANE_TOKEN") != "":
		method = authToken
	case os.Getenv("IDPLANE_IDENTITY_ID") != "":
		method = authOIDC
	}
	switch method {
	case authUniversal:
		var u universalModel
		if a.Universal != nil {
			u = *a.Universal
		}
		id, secret := orEnv(u.ClientID, "IDPLANE_CLIENT_ID"), orEnv(u.ClientSecret, "IDPLANE_CLIENT_SECRET")
		if id == "" || secret == "" {
			diags.AddAttributeError(path.Root("auth").AtName("universal"), "Missing universal auth credentials",
				"Set auth.universal.client_id and auth.universal.client_secret, or IDPLANE_CLIENT_ID and IDPLANE_CLIENT_SECRET.")
			return nil, ""
		}
		return api.WithUniversalAuth(id, secret), method
	case authToken:
		tok := orEnv(a.Token, "IDPLANE_TOKEN")
		if tok == "" {
			diags.AddAttributeError(path.Root("auth").AtName("token"), "Missing access token", "Set auth.token or IDPLANE_TOKEN.")
			return nil, ""
		}
		return api.WithToken(tok), method
	case authOIDC:
		return signedTokenCredentials(a.OIDC, method, api.RouteOIDCAuthLogin, "IDPLANE_OIDC_TOKEN", diags), method
	case authJWT:
		return signedTokenCredentials(a.JWT, method, api.RouteJWTAuthLogin, "IDPLANE_JWT", diags), method
	case "":
		diags.AddAttributeError(path.Root("auth"), "Missing idplane credentials",
			"Set one of auth.universal (or IDPLANE_CLIENT_ID and IDPLANE_CLIENT_SECRET), auth.token (or IDPLANE_TOKEN), "+
				"auth.oidc or auth.jwt (or IDPLANE_IDENTITY_ID with IDPLANE_OIDC_TOKEN, IDPLANE_OIDC_TOKEN_FILE, or inside GitHub Actions).")
		return nil, ""
	}
	diags.AddError("Invalid IDPLANE_AUTH_METHOD", fmt.Sprintf("IDPLANE_AUTH_METHOD must be universal, token, oidc or jwt, got %q.", method))
	return nil, ""
}

// signedTokenCredentials logs in with an OIDC or JWT token from, in order:
// token, token_file, or GitHub Actions' ID-token endpoint.
func signedTokenCredentials(m *signedTokenModel, method string, login *api.Route, tokenEnv string, diags *diag.Diagnostics) api.Option {
	if m == nil {
		m = &signedTokenModel{}
	}
	block := path.Root("auth").AtName(method)
	identityID := orEnv(m.IdentityID, "IDPLANE_IDENTITY_ID")
	if identityID == "" {
		diags.AddAttributeError(block.AtName("identity_id"), "Missing identity ID",
			"Set auth."+method+".identity_id or IDPLANE_IDENTITY_ID to the ID of the identity whose "+method+" auth trusts the token.")
		return nil
	}
	token, file := orEnv(m.Token, tokenEnv), orEnv(m.TokenFile, tokenEnv+"_FILE")
	ghURL, ghToken := os.Getenv(api.EnvGitHubTokenURL), os.Getenv(api.EnvGitHubRequestToken)
	var source api.TokenSource
	switch {
	case token != "" && file != "":
		diags.AddAttributeError(block, "Conflicting token settings", "Set auth."+method+".token or auth."+method+".token_file, not both.")
		return nil
	case token != "":
		source = api.StaticTokenSource(token)
	case file != "":
		source = api.FileTokenSource(file)
	case ghURL != "" && ghToken != "":
		source = api.GitHubActionsTokenSource(ghURL, ghToken, orEnv(m.Audience, "IDPLANE_OIDC_AUDIENCE"), nil)
	default:
		diags.AddAttributeError(block, "Missing token",
			"Set auth."+method+".token ("+tokenEnv+") or auth."+method+".token_file ("+tokenEnv+"_FILE), or run inside GitHub Actions "+
				"with `permissions: id-token: write` so that the provider can request the token itself.")
		return nil
	}
	return api.WithSignedTokenLogin(login, identityID, source)
}

func blocks(methods []string) string {
	return "auth." + strings.Join(methods, ", auth.")
}

// unknownConfig reports whether any value of the provider block is not
// known yet.
func unknownConfig(cfg providerModel) bool {
	vals := []types.String{cfg.Host}
	if a := cfg.Auth; a != nil {
		vals = append(vals, a.Token)
		if u := a.Universal; u != nil {
			vals = append(vals, u.ClientID, u.ClientSecret)
		}
		for _, m := range []*signedTokenModel{a.OIDC, a.JWT} {
			if m != nil {
				vals = append(vals, m.IdentityID, m.Token, m.TokenFile, m.Audience)
			}
		}
	}
	for _, v := range vals {
		if v.IsUnknown() {
			return true
		}
	}
	return false
}
