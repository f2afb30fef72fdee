package api

import (
	"context"
	"fmt"
)

// tokenLogin does not log in: it uses an access token obtained elsewhere.
var tokenLogin = LoginMethod{
	Name:       LoginToken,
	Env:        []string{EnvToken},
	SelectedBy: []string{EnvToken},
	Setup: func(_ context.Context, s Settings) (Login, error) {
		token := s.Get(EnvToken)
		if token == "" {
			return Login{}, credsProblem(LoginToken, MissingToken, fmt.Sprintf("token auth needs %s", EnvToken), EnvToken)
		}
		return Login{Option: WithToken(token)}, nil
	},
}
