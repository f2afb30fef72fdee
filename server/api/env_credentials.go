package api

import (
	"context"
	"fmt"
	"os"
)

// Credential variables every idplane client reads: the Terraform provider
// (when its auth block leaves them out) and `idplane audit`.
const (
	EnvHost         = "IDPLANE_HOST"
	EnvAuthMethod   = "IDPLANE_AUTH_METHOD"
	EnvClientID     = "IDPLANE_CLIENT_ID"
	EnvClientSecret = "IDPLANE_CLIENT_SECRET"
	EnvToken        = "IDPLANE_TOKEN"
	EnvIdentityID   = "IDPLANE_IDENTITY_ID"
	EnvOIDCToken    = "IDPLANE_OIDC_TOKEN"
	EnvOIDCAudience = "IDPLANE_OIDC_AUDIENCE"
	EnvJWT          = "IDPLANE_JWT"

	EnvKubernetesTokenPath = "IDPLANE_KUBERNETES_TOKEN_PATH"
	EnvAWSServerID         = "IDPLANE_AWS_SERVER_ID"
	EnvAWSSTSEndpoint      = "IDPLANE_AWS_STS_ENDPOINT"
	EnvTLSCertFile         = "IDPLANE_TLS_CERT_FILE"
	EnvTLSKeyFile          = "IDPLANE_TLS_KEY_FILE"
	EnvTLSCAFile           = "IDPLANE_TLS_CA_FILE"
)

// CredentialsFromEnv chooses how to log in from the IDPLANE_* variables, as
// the provider does without an auth block: IDPLANE_AUTH_METHOD (universal,
// token, oidc, jwt, kubernetes, aws or tls_cert) when set, else universal auth when a client ID or
// secret is set, else a token, else OIDC when an identity ID is set. It
// returns the client option and the method's name.
func CredentialsFromEnv() (Option, string, error) {
	method := os.Getenv(EnvAuthMethod)
	switch {
	case method != "":
	case os.Getenv(EnvClientID) != "" || os.Getenv(EnvClientSecret) != "":
		method = "universal"
	case os.Getenv(EnvToken) != "":
		method = "token"
	case os.Getenv(EnvIdentityID) != "":
		method = "oidc"
	default:
		return nil, "", fmt.Errorf("no credentials: set %s and %s, or %s, or %s with %s (or %s_FILE, or inside GitHub Actions)",
			EnvClientID, EnvClientSecret, EnvToken, EnvIdentityID, EnvOIDCToken, EnvOIDCToken)
	}
	switch method {
	case "universal":
		id, secret := os.Getenv(EnvClientID), os.Getenv(EnvClientSecret)
		if id == "" || secret == "" {
			return nil, "", fmt.Errorf("universal auth needs both %s and %s", EnvClientID, EnvClientSecret)
		}
		return WithUniversalAuth(id, secret), method, nil
	case "token":
		if os.Getenv(EnvToken) == "" {
			return nil, "", fmt.Errorf("token auth needs %s", EnvToken)
		}
		return WithToken(os.Getenv(EnvToken)), method, nil
	case "oidc":
		opt, err := signedTokenFromEnv(RouteOIDCAuthLogin, EnvOIDCToken)
		return opt, method, err
	case "jwt":
		opt, err := signedTokenFromEnv(RouteJWTAuthLogin, EnvJWT)
		return opt, method, err
	case "kubernetes", "aws", "tls_cert":
		opt, err := platformFromEnv(method)
		return opt, method, err
	}
	return nil, "", fmt.Errorf("%s must be universal, token, oidc, jwt, kubernetes, aws or tls_cert, got %q", EnvAuthMethod, method)
}

// platformFromEnv logs in with the platform's proof of the workload: its
// Kubernetes service account token, its AWS credentials or its client
// certificate.
func platformFromEnv(method string) (Option, error) {
	identityID := os.Getenv(EnvIdentityID)
	if identityID == "" {
		return nil, fmt.Errorf("%s is required to log in with %s auth", EnvIdentityID, method)
	}
	switch method {
	case "kubernetes":
		path := os.Getenv(EnvKubernetesTokenPath)
		if path == "" {
			path = DefaultKubernetesTokenPath
		}
		return WithKubernetesLogin(identityID, path), nil
	case "aws":
		a, err := AWSLoginFromDefaultChain(context.Background(), identityID, os.Getenv(EnvAWSServerID), os.Getenv(EnvAWSSTSEndpoint))
		if err != nil {
			return nil, err
		}
		return WithAWSLogin(a), nil
	}
	certFile, keyFile := os.Getenv(EnvTLSCertFile), os.Getenv(EnvTLSKeyFile)
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("TLS certificate auth needs %s and %s", EnvTLSCertFile, EnvTLSKeyFile)
	}
	roots, err := RootsFromFile(os.Getenv(EnvTLSCAFile))
	if err != nil {
		return nil, err
	}
	hc, err := ClientCertificateHTTPClient(certFile, keyFile, roots)
	if err != nil {
		return nil, err
	}
	return func(c *Client) {
		WithHTTPClient(hc)(c)
		WithTLSCertLogin(identityID)(c)
	}, nil
}

// signedTokenFromEnv logs in with a token from tokenEnv, the file named by
// tokenEnv_FILE, or GitHub Actions' ID-token endpoint.
func signedTokenFromEnv(login *Route, tokenEnv string) (Option, error) {
	identityID := os.Getenv(EnvIdentityID)
	if identityID == "" {
		return nil, fmt.Errorf("%s is required to log in with a signed token", EnvIdentityID)
	}
	token, file := os.Getenv(tokenEnv), os.Getenv(tokenEnv+"_FILE")
	ghURL, ghToken := os.Getenv(EnvGitHubTokenURL), os.Getenv(EnvGitHubRequestToken)
	var source TokenSource
	switch {
	case token != "" && file != "":
		return nil, fmt.Errorf("set %s or %s_FILE, not both", tokenEnv, tokenEnv)
	case token != "":
		source = StaticTokenSource(token)
	case file != "":
		source = FileTokenSource(file)
	case ghURL != "" && ghToken != "":
		source = GitHubActionsTokenSource(ghURL, ghToken, os.Getenv(EnvOIDCAudience), nil)
	default:
		return nil, fmt.Errorf("set %s or %s_FILE, or run inside GitHub Actions with id-token: write", tokenEnv, tokenEnv)
	}
	return WithSignedTokenLogin(login, identityID, source), nil
}
