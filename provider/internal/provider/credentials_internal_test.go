package provider

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
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
		auth    blocks
		env     map[string]string
		method  string
		wantErr string
	}{
		{name: "universal from env", env: map[string]string{"IDPLANE_CLIENT_ID": "id", "IDPLANE_CLIENT_SECRET": "s"}, method: api.LoginUniversal},
		{name: "token from env", env: map[string]string{"IDPLANE_TOKEN": "t"}, method: api.LoginToken},
		{name: "oidc from env", env: map[string]string{"IDPLANE_IDENTITY_ID": "i", "IDPLANE_OIDC_TOKEN": "jwt"}, method: api.LoginOIDC},
		{name: "jwt chosen by IDPLANE_AUTH_METHOD", env: map[string]string{"IDPLANE_AUTH_METHOD": "jwt", "IDPLANE_IDENTITY_ID": "i", "IDPLANE_JWT_FILE": "/x"}, method: api.LoginJWT},
		{name: "jwt block", auth: blocks{"jwt": {"identity_id": "i", "token": "jwt"}}, method: api.LoginJWT},
		{name: "block wins over env", auth: blocks{"token": {"": "t"}}, env: map[string]string{"IDPLANE_CLIENT_ID": "id", "IDPLANE_CLIENT_SECRET": "s"}, method: api.LoginToken},
		{name: "nothing", wantErr: "Set one of auth.universal"},
		{name: "unknown method", env: map[string]string{"IDPLANE_AUTH_METHOD": "kerberos"}, wantErr: `got "kerberos"`},
		{name: "oidc without identity", env: map[string]string{"IDPLANE_AUTH_METHOD": "oidc", "IDPLANE_OIDC_TOKEN": "jwt"}, wantErr: "IDPLANE_IDENTITY_ID"},
		{name: "oidc without token outside GitHub", env: map[string]string{"IDPLANE_IDENTITY_ID": "i"}, wantErr: "id-token: write"},
		{name: "universal without secret", env: map[string]string{"IDPLANE_CLIENT_ID": "id"}, wantErr: "IDPLANE_CLIENT_SECRET"},
		{name: "kubernetes from env, default token path", env: map[string]string{"IDPLANE_AUTH_METHOD": "kubernetes", "IDPLANE_IDENTITY_ID": "i"}, method: api.LoginKubernetes},
		{name: "kubernetes block", auth: blocks{"kubernetes": {"identity_id": "i",
			"service_account_token_path": "/var/run/secrets/tokens/idplane"}}, method: api.LoginKubernetes},
		{name: "kubernetes without identity", auth: blocks{"kubernetes": {}}, wantErr: "auth.kubernetes.identity_id or IDPLANE_IDENTITY_ID"},
		{name: "aws from env", env: map[string]string{"IDPLANE_AUTH_METHOD": "aws", "IDPLANE_IDENTITY_ID": "i", "IDPLANE_AWS_SERVER_ID": "idplane.example.com"}, method: api.LoginAWS},
		{name: "aws without identity", env: map[string]string{"IDPLANE_AUTH_METHOD": "aws"}, wantErr: "auth.aws.identity_id or IDPLANE_IDENTITY_ID"},
		{name: "tls_cert from env", env: tlsEnv, method: api.LoginTLSCert},
		{name: "tls_cert block with the server's CA", auth: blocks{"tls_cert": {"identity_id": "i",
			"cert_file": certFile, "key_file": keyFile, "ca_cert_file": caFile}}, method: api.LoginTLSCert},
		{name: "tls_cert without key", env: with(tlsEnv, "IDPLANE_TLS_KEY_FILE", ""), wantErr: "IDPLANE_TLS_CERT_FILE and IDPLANE_TLS_KEY_FILE"},
		{name: "tls_cert with a missing file", env: with(tlsEnv, "IDPLANE_TLS_CERT_FILE", filepath.Join(dir, "missing.crt")), wantErr: "load the client certificate"},
		{name: "tls_cert key of another certificate", env: with(tlsEnv, "IDPLANE_TLS_KEY_FILE", caFile), wantErr: "load the client certificate"},
		{name: "tls_cert CA file without certificates", env: with(tlsEnv, "IDPLANE_TLS_CA_FILE", keyFile), wantErr: "holds no PEM certificate"},
		{name: "two platform blocks", auth: blocks{"kubernetes": {}, "aws": {}},
			wantErr: "this configuration sets auth.kubernetes, auth.aws"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []string{"IDPLANE_AUTH_METHOD", "IDPLANE_CLIENT_ID", "IDPLANE_CLIENT_SECRET", "IDPLANE_TOKEN", "IDPLANE_IDENTITY_ID",
				"IDPLANE_OIDC_TOKEN", "IDPLANE_OIDC_TOKEN_FILE", "IDPLANE_JWT", "IDPLANE_JWT_FILE", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
				"IDPLANE_KUBERNETES_TOKEN_PATH", "IDPLANE_AWS_SERVER_ID", "IDPLANE_AWS_STS_ENDPOINT", "IDPLANE_TLS_CERT_FILE", "IDPLANE_TLS_KEY_FILE", "IDPLANE_TLS_CA_FILE"} {
				t.Setenv(v, tc.env[v])
			}
			var diags diag.Diagnostics
			opt, method, transport := credentialsFrom(t.Context(), tc.auth.value(), &diags)
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

// blocks are the blocks set in the provider's auth attribute, each mapping
// its attributes to their values; auth.token, a string, maps "" to its own.
type blocks map[string]map[string]string

// value is the auth attribute as Terraform hands it to Configure.
func (bs blocks) value() types.Object {
	authType := authSchema().GetType().(types.ObjectType)
	if bs == nil {
		return types.ObjectNull(authType.AttrTypes)
	}
	vals := map[string]attr.Value{}
	for name, typ := range authType.AttrTypes {
		set, ok := bs[name]
		ot, isObject := typ.(types.ObjectType)
		switch {
		case !isObject && ok:
			vals[name] = types.StringValue(set[""])
		case !isObject:
			vals[name] = types.StringNull()
		case !ok:
			vals[name] = types.ObjectNull(ot.AttrTypes)
		default:
			inner := map[string]attr.Value{}
			for a := range ot.AttrTypes {
				inner[a] = types.StringNull()
				if v, ok := set[a]; ok {
					inner[a] = types.StringValue(v)
				}
			}
			vals[name] = types.ObjectValueMust(ot.AttrTypes, inner)
		}
	}
	return types.ObjectValueMust(authType.AttrTypes, vals)
}
