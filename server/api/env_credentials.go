package api

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Credential variables every idplane client reads: the Terraform provider
// (for what its auth block leaves out) and `idplane audit`.
const (
	EnvHost          = "IDPLANE_HOST"
	EnvAuthMethod    = "IDPLANE_AUTH_METHOD"
	EnvClientID      = "IDPLANE_CLIENT_ID"
	EnvClientSecret  = "IDPLANE_CLIENT_SECRET"
	EnvToken         = "IDPLANE_TOKEN"
	EnvIdentityID    = "IDPLANE_IDENTITY_ID"
	EnvOIDCToken     = "IDPLANE_OIDC_TOKEN"
	EnvOIDCTokenFile = EnvOIDCToken + "_FILE"
	EnvOIDCAudience  = "IDPLANE_OIDC_AUDIENCE"
	EnvJWT           = "IDPLANE_JWT"
	EnvJWTFile       = EnvJWT + "_FILE"

	EnvKubernetesTokenPath = "IDPLANE_KUBERNETES_TOKEN_PATH"
	EnvAWSServerID         = "IDPLANE_AWS_SERVER_ID"
	EnvAWSSTSEndpoint      = "IDPLANE_AWS_STS_ENDPOINT"
	EnvTLSCertFile         = "IDPLANE_TLS_CERT_FILE"
	EnvTLSKeyFile          = "IDPLANE_TLS_KEY_FILE"
	EnvTLSCAFile           = "IDPLANE_TLS_CA_FILE"
)

// Client login methods, as IDPLANE_AUTH_METHOD names them.
const (
	LoginUniversal  = "universal"
	LoginToken      = "token"
	LoginOIDC       = "oidc"
	LoginJWT        = "jwt"
	LoginKubernetes = "kubernetes"
	LoginAWS        = "aws"
	LoginTLSCert    = "tls_cert"
)

// Credentials are the settings a client logs in with, one for each
// IDPLANE_* variable: a setting left empty takes its variable's value, so
// a caller (the provider's auth block) supplies only what overrides the
// environment.
type Credentials struct {
	Method                      string // IDPLANE_AUTH_METHOD
	ClientID, ClientSecret      string // IDPLANE_CLIENT_ID, IDPLANE_CLIENT_SECRET
	Token                       string // IDPLANE_TOKEN
	IdentityID                  string // IDPLANE_IDENTITY_ID
	OIDCToken, OIDCTokenFile    string // IDPLANE_OIDC_TOKEN, IDPLANE_OIDC_TOKEN_FILE
	JWT, JWTFile                string // IDPLANE_JWT, IDPLANE_JWT_FILE
	Audience                    string // IDPLANE_OIDC_AUDIENCE, of a token requested from GitHub Actions
	KubernetesTokenPath         string // IDPLANE_KUBERNETES_TOKEN_PATH
	AWSServerID, AWSSTSEndpoint string // IDPLANE_AWS_SERVER_ID, IDPLANE_AWS_STS_ENDPOINT
	TLSCertFile, TLSKeyFile     string // IDPLANE_TLS_CERT_FILE, IDPLANE_TLS_KEY_FILE
	TLSCAFile                   string // IDPLANE_TLS_CA_FILE
}

// Login is how a client logs in.
type Login struct {
	Method string // as IDPLANE_AUTH_METHOD names it
	Option Option
	// Transport, for a login proven on the connection itself (tls_cert),
	// is the HTTP client every client of the server must use with it.
	Transport Option
}

// CredentialsProblem is a rule of Credentials.Resolve the settings break.
type CredentialsProblem int

// The problems, each for the method being set up.
const (
	NoCredentials            CredentialsProblem = iota + 1 // nothing says how to log in
	UnknownMethod                                          // IDPLANE_AUTH_METHOD names no method
	MissingClientCredentials                               // universal auth without its client ID or secret
	MissingToken                                           // token auth without a token
	MissingIdentity                                        // a workload login without its identity ID
	ConflictingTokenSources                                // OIDC or JWT auth given both a token and a token file
	MissingTokenSource                                     // OIDC or JWT auth without a token, a token file or GitHub Actions
	MissingClientCertificate                               // TLS certificate auth without its certificate or key file
	InvalidCAFile                                          // TLS certificate auth's CA file does not load
	InvalidClientCertificate                               // TLS certificate auth's certificate does not load
	InvalidAWSConfiguration                                // the AWS credential chain does not load
)

// CredentialsError is why Credentials.Resolve cannot log in. Its message
// names the variables; a caller with settings of its own (the provider)
// names them from Problem.
type CredentialsError struct {
	Method  string // the method being set up; for UnknownMethod, what IDPLANE_AUTH_METHOD holds
	Problem CredentialsProblem
	Err     error // the cause of an Invalid problem
}

func (e *CredentialsError) Error() string {
	tokenEnv := signedTokenEnv(e.Method)
	switch e.Problem {
	case NoCredentials:
		return fmt.Sprintf("no credentials: set %s and %s, or %s, or %s with %s (or %s, or inside GitHub Actions)",
			EnvClientID, EnvClientSecret, EnvToken, EnvIdentityID, EnvOIDCToken, EnvOIDCTokenFile)
	case UnknownMethod:
		return fmt.Sprintf("%s must be universal, token, oidc, jwt, kubernetes, aws or tls_cert, got %q", EnvAuthMethod, e.Method)
	case MissingClientCredentials:
		return fmt.Sprintf("universal auth needs both %s and %s", EnvClientID, EnvClientSecret)
	case MissingToken:
		return fmt.Sprintf("token auth needs %s", EnvToken)
	case MissingIdentity:
		if tokenEnv != "" {
			return fmt.Sprintf("%s is required to log in with a signed token", EnvIdentityID)
		}
		return fmt.Sprintf("%s is required to log in with %s auth", EnvIdentityID, e.Method)
	case ConflictingTokenSources:
		return fmt.Sprintf("set %s or %s_FILE, not both", tokenEnv, tokenEnv)
	case MissingTokenSource:
		return fmt.Sprintf("set %s or %s_FILE, or run inside GitHub Actions with id-token: write", tokenEnv, tokenEnv)
	case MissingClientCertificate:
		return fmt.Sprintf("TLS certificate auth needs %s and %s", EnvTLSCertFile, EnvTLSKeyFile)
	}
	return e.Err.Error()
}

func (e *CredentialsError) Unwrap() error { return e.Err }

// signedTokenEnv is the token variable of OIDC or JWT auth, "" for other
// methods.
func signedTokenEnv(method string) string {
	switch method {
	case LoginOIDC:
		return EnvOIDCToken
	case LoginJWT:
		return EnvJWT
	}
	return ""
}

func (c Credentials) problem(p CredentialsProblem, err error) *CredentialsError {
	return &CredentialsError{Method: c.Method, Problem: p, Err: err}
}

// withEnv fills the settings left empty from their variables.
func (c Credentials) withEnv() Credentials {
	for _, s := range []struct {
		v   *string
		env string
	}{
		{&c.Method, EnvAuthMethod}, {&c.ClientID, EnvClientID}, {&c.ClientSecret, EnvClientSecret}, {&c.Token, EnvToken},
		{&c.IdentityID, EnvIdentityID}, {&c.OIDCToken, EnvOIDCToken}, {&c.OIDCTokenFile, EnvOIDCTokenFile},
		{&c.JWT, EnvJWT}, {&c.JWTFile, EnvJWTFile}, {&c.Audience, EnvOIDCAudience},
		{&c.KubernetesTokenPath, EnvKubernetesTokenPath}, {&c.AWSServerID, EnvAWSServerID}, {&c.AWSSTSEndpoint, EnvAWSSTSEndpoint},
		{&c.TLSCertFile, EnvTLSCertFile}, {&c.TLSKeyFile, EnvTLSKeyFile}, {&c.TLSCAFile, EnvTLSCAFile},
	} {
		if *s.v == "" {
			*s.v = os.Getenv(s.env)
		}
	}
	return c
}

// Resolve chooses how to log in, the empty settings taken from the
// variables: Method (universal, token, oidc, jwt, kubernetes, aws or
// tls_cert) when set, else universal auth when a client ID or secret is
// set, else a token, else OIDC when an identity ID is set. What is missing
// or wrong is a *CredentialsError, several joined when a method lacks more
// than one setting.
func (c Credentials) Resolve(ctx context.Context) (Login, error) {
	c = c.withEnv()
	switch {
	case c.Method != "":
	case c.ClientID != "" || c.ClientSecret != "":
		c.Method = LoginUniversal
	case c.Token != "":
		c.Method = LoginToken
	case c.IdentityID != "":
		c.Method = LoginOIDC
	default:
		return Login{}, &CredentialsError{Problem: NoCredentials}
	}
	switch c.Method {
	case LoginUniversal:
		if c.ClientID == "" || c.ClientSecret == "" {
			return Login{}, c.problem(MissingClientCredentials, nil)
		}
		return Login{Method: c.Method, Option: WithUniversalAuth(c.ClientID, c.ClientSecret)}, nil
	case LoginToken:
		if c.Token == "" {
			return Login{}, c.problem(MissingToken, nil)
		}
		return Login{Method: c.Method, Option: WithToken(c.Token)}, nil
	case LoginOIDC, LoginJWT, LoginKubernetes, LoginAWS, LoginTLSCert:
		return c.workload(ctx)
	}
	return Login{}, c.problem(UnknownMethod, nil)
}

// workload logs in with a proof of the workload: a signed token, its
// Kubernetes service account token, its AWS credentials or its client
// certificate.
func (c Credentials) workload(ctx context.Context) (Login, error) {
	if c.IdentityID == "" && c.Method != LoginTLSCert {
		return Login{}, c.problem(MissingIdentity, nil)
	}
	switch c.Method {
	case LoginOIDC, LoginJWT:
		token, file, login := c.OIDCToken, c.OIDCTokenFile, RouteOIDCAuthLogin
		if c.Method == LoginJWT {
			token, file, login = c.JWT, c.JWTFile, RouteJWTAuthLogin
		}
		ghURL, ghToken := os.Getenv(EnvGitHubTokenURL), os.Getenv(EnvGitHubRequestToken)
		var source TokenSource
		switch {
		case token != "" && file != "":
			return Login{}, c.problem(ConflictingTokenSources, nil)
		case token != "":
			source = StaticTokenSource(token)
		case file != "":
			source = FileTokenSource(file)
		case ghURL != "" && ghToken != "":
			source = GitHubActionsTokenSource(ghURL, ghToken, c.Audience, nil)
		default:
			return Login{}, c.problem(MissingTokenSource, nil)
		}
		return Login{Method: c.Method, Option: WithSignedTokenLogin(login, c.IdentityID, source)}, nil
	case LoginKubernetes:
		path := c.KubernetesTokenPath
		if path == "" {
			path = DefaultKubernetesTokenPath
		}
		return Login{Method: c.Method, Option: WithKubernetesLogin(c.IdentityID, path)}, nil
	case LoginAWS:
		a, err := AWSLoginFromDefaultChain(ctx, c.IdentityID, c.AWSServerID, c.AWSSTSEndpoint)
		if err != nil {
			return Login{}, c.problem(InvalidAWSConfiguration, err)
		}
		return Login{Method: c.Method, Option: WithAWSLogin(a)}, nil
	}
	// Both settings a client certificate login lacks are said at once.
	var missing []error
	if c.IdentityID == "" {
		missing = append(missing, c.problem(MissingIdentity, nil))
	}
	if c.TLSCertFile == "" || c.TLSKeyFile == "" {
		missing = append(missing, c.problem(MissingClientCertificate, nil))
	}
	if missing != nil {
		return Login{}, errors.Join(missing...)
	}
	roots, err := RootsFromFile(c.TLSCAFile)
	if err != nil {
		return Login{}, c.problem(InvalidCAFile, err)
	}
	hc, err := ClientCertificateHTTPClient(c.TLSCertFile, c.TLSKeyFile, roots)
	if err != nil {
		return Login{}, c.problem(InvalidClientCertificate, err)
	}
	return Login{Method: c.Method, Option: WithTLSCertLogin(c.IdentityID), Transport: WithHTTPClient(hc)}, nil
}

// CredentialsFromEnv chooses how to log in from the IDPLANE_* variables
// alone (Credentials.Resolve), as `idplane audit` does. It returns the
// client option and the method's name.
func CredentialsFromEnv() (Option, string, error) {
	l, err := Credentials{}.Resolve(context.Background())
	if err != nil {
		return nil, "", err
	}
	if l.Transport == nil {
		return l.Option, l.Method, nil
	}
	return func(c *Client) {
		l.Transport(c)
		l.Option(c)
	}, l.Method, nil
}
