package api

import (
	"context"
	"fmt"
)

// universalLogin logs in with universal auth's client ID and secret.
var universalLogin = LoginMethod{
	Name:       LoginUniversal,
	Route:      RouteUniversalAuthLogin,
	Env:        []string{EnvClientID, EnvClientSecret},
	SelectedBy: []string{EnvClientID, EnvClientSecret},
	Setup: func(_ context.Context, s Settings) (Login, error) {
		id, secret := s.Get(EnvClientID), s.Get(EnvClientSecret)
		if id == "" || secret == "" {
			return Login{}, credsProblem(LoginUniversal, MissingClientCredentials,
				fmt.Sprintf("universal auth needs both %s and %s", EnvClientID, EnvClientSecret), EnvClientID, EnvClientSecret)
		}
		return Login{Option: WithUniversalAuth(id, secret)}, nil
	},
}
