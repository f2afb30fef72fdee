package api

import (
	"context"
	"fmt"
	"os"
	"slices"
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

// Credentials are the settings a client logs in with: Method, or else
// IDPLANE_AUTH_METHOD, names the entry of Logins, and Settings override
// its variables, so a caller (the provider's auth block) supplies only what
// overrides the environment.
type Credentials struct {
	Method   string // IDPLANE_AUTH_METHOD
	Settings Settings
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
// names them from Problem and Vars.
type CredentialsError struct {
	Method  string // the method being set up; for UnknownMethod, what IDPLANE_AUTH_METHOD holds
	Problem CredentialsProblem
	// Vars are the variables the problem is about, in the order the
	// message names them.
	Vars []string
	Err  error // the cause of an Invalid problem
	msg  string
}

func (e *CredentialsError) Error() string {
	if e.msg == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.msg
}

func (e *CredentialsError) Unwrap() error { return e.Err }

// Resolve chooses how to log in, the empty settings taken from the
// variables: Method (an entry of Logins) when set, else the first entry of
// Logins one of whose SelectedBy variables is set (universal auth when a
// client ID or secret is, else a token, else OIDC when an identity ID is).
// What is missing or wrong is a *CredentialsError, several joined when a
// method lacks more than one setting.
func (c Credentials) Resolve(ctx context.Context) (Login, error) {
	name := c.Method
	if name == "" {
		name = os.Getenv(EnvAuthMethod)
	}
	if name == "" {
		for _, l := range Logins {
			if slices.ContainsFunc(l.SelectedBy, func(v string) bool { return c.Settings.Get(v) != "" }) {
				name = l.Name
				break
			}
		}
	}
	if name == "" {
		return Login{}, credsProblem("", NoCredentials, fmt.Sprintf("no credentials: set %s and %s, or %s, or %s with %s (or %s, or inside GitHub Actions)",
			EnvClientID, EnvClientSecret, EnvToken, EnvIdentityID, EnvOIDCToken, EnvOIDCTokenFile))
	}
	l, ok := LookupLogin(name)
	if !ok {
		return Login{}, credsProblem(name, UnknownMethod, fmt.Sprintf("%s must be %s, got %q", EnvAuthMethod, loginNames(), name), EnvAuthMethod)
	}
	login, err := l.Setup(ctx, c.Settings)
	if err != nil {
		return Login{}, err
	}
	login.Method = l.Name
	return login, nil
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
