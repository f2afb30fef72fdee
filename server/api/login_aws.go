package api

import "context"

// awsLogin logs in with a request signed with the standard AWS chain's
// credentials.
var awsLogin = LoginMethod{
	Name:  LoginAWS,
	Route: RouteAWSAuthLogin,
	Env:   []string{EnvIdentityID, EnvAWSServerID, EnvAWSSTSEndpoint},
	Setup: func(ctx context.Context, s Settings) (Login, error) {
		identity, err := workloadIdentity(LoginAWS, s)
		if err != nil {
			return Login{}, err
		}
		a, err := AWSLoginFromDefaultChain(ctx, identity, s.Get(EnvAWSServerID), s.Get(EnvAWSSTSEndpoint))
		if err != nil {
			return Login{}, credsInvalid(LoginAWS, InvalidAWSConfiguration, err)
		}
		return Login{Option: WithAWSLogin(a)}, nil
	},
}
