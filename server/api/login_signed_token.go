package api

import (
	"context"
	"fmt"
	"os"
)

// oidcLogin logs in with an OpenID Connect ID token.
var oidcLogin = signedTokenLogin(LoginOIDC, RouteOIDCAuthLogin, EnvOIDCToken, []string{EnvIdentityID})

// jwtLogin logs in with a JWT.
var jwtLogin = signedTokenLogin(LoginJWT, RouteJWTAuthLogin, EnvJWT, nil)

// signedTokenLogin logs in through login with a token from tokenEnv, the
// file of tokenEnv_FILE, or GitHub Actions' ID-token endpoint, asked again
// at every login.
func signedTokenLogin(name string, login *Route, tokenEnv string, selectedBy []string) LoginMethod {
	fileEnv := tokenEnv + "_FILE"
	return LoginMethod{
		Name:       name,
		Route:      login,
		Env:        []string{EnvIdentityID, tokenEnv, fileEnv, EnvOIDCAudience},
		SelectedBy: selectedBy,
		Setup: func(_ context.Context, s Settings) (Login, error) {
			identity := s.Get(EnvIdentityID)
			if identity == "" {
				return Login{}, credsProblem(name, MissingIdentity, fmt.Sprintf("%s is required to log in with a signed token", EnvIdentityID), EnvIdentityID)
			}
			token, file := s.Get(tokenEnv), s.Get(fileEnv)
			ghURL, ghToken := os.Getenv(EnvGitHubTokenURL), os.Getenv(EnvGitHubRequestToken)
			var source TokenSource
			switch {
			case token != "" && file != "":
				return Login{}, credsProblem(name, ConflictingTokenSources, fmt.Sprintf("set %s or %s, not both", tokenEnv, fileEnv), tokenEnv, fileEnv)
			case token != "":
				source = StaticTokenSource(token)
			case file != "":
				source = FileTokenSource(file)
			case ghURL != "" && ghToken != "":
				source = GitHubActionsTokenSource(ghURL, ghToken, s.Get(EnvOIDCAudience), nil)
			default:
				return Login{}, credsProblem(name, MissingTokenSource,
					fmt.Sprintf("set %s or %s, or run inside GitHub Actions with id-token: write", tokenEnv, fileEnv), tokenEnv, fileEnv)
			}
			return Login{Option: WithSignedTokenLogin(login, identity, source)}, nil
		},
	}
}
