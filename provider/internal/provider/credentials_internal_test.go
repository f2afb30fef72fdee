package provider

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/platformtest"
)

// Which credentials the provider picks from its block and the environment,
// and what it says when it cannot.
func TestCredentialsChoice(t *testing.T) {
	dir := t.TempDir()
	ca := platformtest.NewCA(t, "workload CA")
	cert, key := ca.Issue(t, platformtest.Leaf{CommonName: "ci"})
	certFile, keyFile, caFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"), filepath.Join(dir, "ca.crt")
	for f, data := range map[string]string{certFile: platformtest.CertPEM(cert), keyFile: platformtest.KeyPEM(t, key), caFile: ca.PEM()} {
		if err := os.WriteFile(f, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tlsEnv := map[string]string{"IDPLANE_AUTH_METHOD": "tls_cert", "IDPLANE_IDENTITY_ID": "i", "IDPLANE_TLS_CERT_FILE": certFile, "IDPLANE_TLS_KEY_FILE": keyFile}
	with := func(env map[string]string, k, v string) map[string]string {
		out := maps.Clone(env)
		out[k] = v
		return out
	}
	for _, tc := range []struct {
		name    string
		auth    *authModel
		env     map[string]string
		method  string
		wantErr string
	}{
		{name: "universal from env", env: map[string]string{"IDPLANE_CLIENT_ID": "id", "IDPLANE_CLIENT_SECRET": "s"}, method: api.LoginUniversal},
		{name: "token from env", env: map[string]string{"IDPLANE_TOKEN": "t"}, method: api.LoginToken},
		{name: "oidc from env", env: map[string]string{"IDPLANE_IDENTITY_ID": "i", "IDPLANE_OIDC_TOKEN": "jwt"}, method: api.LoginOIDC},
		{name: "jwt chosen by IDPLANE_AUTH_METHOD", env: map[string]string{"IDPLANE_AUTH_METHOD": "jwt", "IDPLANE_IDENTITY_ID": "i", "IDPLANE_JWT_FILE": "/x"}, method: api.LoginJWT},
		{name: "jwt block", auth: &authModel{Token: types.StringNull(), JWT: &signedTokenModel{IdentityID: types.StringValue("i"), Token: types.StringValue("jwt")}}, method: api.LoginJWT},
		{name: "block wins over env", auth: &authModel{Token: types.StringValue("t")}, env: map[string]string{"IDPLANE_CLIENT_ID": "id", "IDPLANE_CLIENT_SECRET": "s"}, method: api.LoginToken},
		{name: "nothing", wantErr: "Set one of auth.universal"},
		{name: "unknown method", env: map[string]string{"IDPLANE_AUTH_METHOD": "kerberos"}, wantErr: `got "kerberos"`},
		{name: "oidc without identity", env: map[string]string{"IDPLANE_AUTH_METHOD": "oidc", "IDPLANE_OIDC_TOKEN": "jwt"}, wantErr: "IDPLANE_IDENTITY_ID"},
		{name: "oidc without token outside GitHub", env: map[string]string{"IDPLANE_IDENTITY_ID": "i"}, wantErr: "id-token: write"},
		{name: "universal without secret", env: map[string]string{"IDPLANE_CLIENT_ID": "id"}, wantErr: "IDPLANE_CLIENT_SECRET"},
		{name: "kubernetes from env, default token path", env: map[string]string{"IDPLANE_AUTH_METHOD": "kubernetes", "IDPLANE_IDENTITY_ID": "i"}, method: api.LoginKubernetes},
		{name: "kubernetes block", auth: &authModel{Token: types.StringNull(), Kubernetes: &kubernetesModel{IdentityID: types.StringValue("i"),
			ServiceAccountTokenPath: types.StringValue("/var/run/secrets/tokens/idplane")}}, method: api.LoginKubernetes},
		{name: "kubernetes without identity", auth: &authModel{Token: types.StringNull(), Kubernetes: &kubernetesModel{}}, wantErr: "auth.kubernetes.identity_id or IDPLANE_IDENTITY_ID"},
		{name: "aws from env", env: map[string]string{"IDPLANE_AUTH_METHOD": "aws", "IDPLANE_IDENTITY_ID": "i", "IDPLANE_AWS_SERVER_ID": "idplane.example.com"}, method: api.LoginAWS},
		{name: "aws without identity", env: map[string]string{"IDPLANE_AUTH_METHOD": "aws"}, wantErr: "auth.aws.identity_id or IDPLANE_IDENTITY_ID"},
		{name: "tls_cert from env", env: tlsEnv, method: api.LoginTLSCert},
		{name: "tls_cert block with the server's CA", auth: &authModel{Token: types.StringNull(), TLSCert: &tlsCertModel{IdentityID: types.StringValue("i"),
			CertFile: types.StringValue(certFile), KeyFile: types.StringValue(keyFile), CACertFile: types.StringValue(caFile)}}, method: api.LoginTLSCert},
		{name: "tls_cert without key", env: with(tlsEnv, "IDPLANE_TLS_KEY_FILE", ""), wantErr: "IDPLANE_TLS_CERT_FILE and IDPLANE_TLS_KEY_FILE"},
		{name: "tls_cert with a missing file", env: with(tlsEnv, "IDPLANE_TLS_CERT_FILE", filepath.Join(dir, "missing.crt")), wantErr: "load the client certificate"},
		{name: "tls_cert key of another certificate", env: with(tlsEnv, "IDPLANE_TLS_KEY_FILE", caFile), wantErr: "load the client certificate"},
		{name: "tls_cert CA file without certificates", env: with(tlsEnv, "IDPLANE_TLS_CA_FILE", keyFile), wantErr: "holds no PEM certificate"},
		{name: "two platform blocks", auth: &authModel{Token: types.StringNull(), Kubernetes: &kubernetesModel{}, AWS: &awsModel{}},
			wantErr: "this configuration sets auth.kubernetes, auth.aws"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []string{"IDPLANE_AUTH_METHOD", "IDPLANE_CLIENT_ID", "IDPLANE_CLIENT_SECRET", "IDPLANE_TOKEN", "IDPLANE_IDENTITY_ID",
				"IDPLANE_OIDC_TOKEN", "IDPLANE_OIDC_TOKEN_FILE", "IDPLANE_JWT", "IDPLANE_JWT_FILE", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
				"IDPLANE_KUBERNETES_TOKEN_PATH", "IDPLANE_AWS_SERVER_ID", "IDPLANE_AWS_STS_ENDPOINT", "IDPLANE_TLS_CERT_FILE", "IDPLANE_TLS_KEY_FILE", "IDPLANE_TLS_CA_FILE"} {
				t.Setenv(v, tc.env[v])
			}
			var diags diag.Diagnostics
			opt, method, transport := credentialsFrom(t.Context(), tc.auth, &diags)
			if tc.wantErr != "" {
				if !diags.HasError() || !strings.Contains(diags[0].Detail(), tc.wantErr) {
					t.Fatalf("diagnostics %v, want an error mentioning %q", diags, tc.wantErr)
				}
				return
			}
			if diags.HasError() || opt == nil || method != tc.method {
				t.Fatalf("method %q (option %v), diagnostics %v; want %q", method, opt != nil, diags, tc.method)
			}
			// Only a client certificate needs its own HTTP client.
			if (transport != nil) != (method == api.LoginTLSCert) {
				t.Fatalf("method %q with transport option %v", method, transport != nil)
			}
		})
	}
}
