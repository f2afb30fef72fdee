package api

import "context"

// kubernetesLogin logs in with the pod's service account token.
var kubernetesLogin = LoginMethod{
	Name:  LoginKubernetes,
	Route: RouteKubernetesAuthLogin,
	Env:   []string{EnvIdentityID, EnvKubernetesTokenPath},
	Setup: func(_ context.Context, s Settings) (Login, error) {
		identity, err := workloadIdentity(LoginKubernetes, s)
		if err != nil {
			return Login{}, err
		}
		path := s.Get(EnvKubernetesTokenPath)
		if path == "" {
			path = DefaultKubernetesTokenPath
		}
		return Login{Option: WithKubernetesLogin(identity, path)}, nil
	},
}
