package api

import (
	"testing"
)

// What `idplane audit` says when the variables do not say how to log in:
// the rules are the provider's, the wording names the variables only.
func TestCredentialsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		method  string
		wantErr string
	}{
		{name: "universal", env: map[string]string{EnvClientID: "id", EnvClientSecret: "s"}, method: LoginUniversal},
		{name: "token", env: map[string]string{EnvToken: "t"}, method: LoginToken},
		{name: "oidc", env: map[string]string{EnvIdentityID: "i", EnvOIDCToken: "jwt"}, method: LoginOIDC},
		{name: "nothing", wantErr: "no credentials: set IDPLANE_CLIENT_ID and IDPLANE_CLIENT_SECRET, or IDPLANE_TOKEN, or IDPLANE_IDENTITY_ID with IDPLANE_OIDC_TOKEN (or IDPLANE_OIDC_TOKEN_FILE, or inside GitHub Actions)"},
		{name: "unknown method", env: map[string]string{EnvAuthMethod: "kerberos"}, wantErr: `IDPLANE_AUTH_METHOD must be universal, token, oidc, jwt, kubernetes, aws or tls_cert, got "kerberos"`},
		{name: "universal without secret", env: map[string]string{EnvClientID: "id"}, wantErr: "universal auth needs both IDPLANE_CLIENT_ID and IDPLANE_CLIENT_SECRET"},
		{name: "jwt without identity", env: map[string]string{EnvAuthMethod: "jwt", EnvJWT: "x"}, wantErr: "IDPLANE_IDENTITY_ID is required to log in with a signed token"},
		{name: "jwt token and file", env: map[string]string{EnvAuthMethod: "jwt", EnvIdentityID: "i", EnvJWT: "x", EnvJWTFile: "/x"}, wantErr: "set IDPLANE_JWT or IDPLANE_JWT_FILE, not both"},
		{name: "kubernetes without identity", env: map[string]string{EnvAuthMethod: "kubernetes"}, wantErr: "IDPLANE_IDENTITY_ID is required to log in with kubernetes auth"},
		{name: "tls_cert without key", env: map[string]string{EnvAuthMethod: "tls_cert", EnvIdentityID: "i", EnvTLSCertFile: "/c"}, wantErr: "TLS certificate auth needs IDPLANE_TLS_CERT_FILE and IDPLANE_TLS_KEY_FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []string{EnvAuthMethod, EnvClientID, EnvClientSecret, EnvToken, EnvIdentityID, EnvOIDCToken, EnvOIDCTokenFile,
				EnvJWT, EnvJWTFile, EnvGitHubTokenURL, EnvGitHubRequestToken, EnvTLSCertFile, EnvTLSKeyFile, EnvTLSCAFile} {
				t.Setenv(v, tc.env[v])
			}
			opt, method, err := CredentialsFromEnv()
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || opt == nil || method != tc.method {
				t.Fatalf("method %q (option %v), error %v; want %q", method, opt != nil, err, tc.method)
			}
		})
	}
}
