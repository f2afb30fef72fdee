package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Which credentials the provider picks from its block and the environment,
// and what it says when it cannot.
func TestCredentialsChoice(t *testing.T) {
	for _, tc := range []struct {
		name    string
		auth    *authModel
		env     map[string]string
		method  string
		wantErr string
	}{
		{name: "universal from env", env: map[string]string{"IDPLANE_CLIENT_ID": "id", "IDPLANE_CLIENT_SECRET": "s"}, method: authUniversal},
		{name: "token from env", env: map[string]string{"IDPLANE_TOKEN": "t"}, method: authToken},
		{name: "oidc from env", env: map[string]string{"IDPLANE_IDENTITY_ID": "i", "IDPLANE_OIDC_TOKEN": "jwt"}, method: authOIDC},
		{name: "jwt chosen by IDPLANE_AUTH_METHOD", env: map[string]string{"IDPLANE_AUTH_METHOD": "jwt", "IDPLANE_IDENTITY_ID": "i", "IDPLANE_JWT_FILE": "/x"}, method: authJWT},
		{name: "jwt block", auth: &authModel{Token: types.StringNull(), JWT: &signedTokenModel{IdentityID: types.StringValue("i"), Token: types.StringValue("jwt")}}, method: authJWT},
		{name: "block wins over env", auth: &authModel{Token: types.StringValue("t")}, env: map[string]string{"IDPLANE_CLIENT_ID": "id", "IDPLANE_CLIENT_SECRET": "s"}, method: authToken},
		{name: "nothing", wantErr: "Set one of auth.universal"},
		{name: "unknown method", env: map[string]string{"IDPLANE_AUTH_METHOD": "kerberos"}, wantErr: `got "kerberos"`},
		{name: "oidc without identity", env: map[string]string{"IDPLANE_AUTH_METHOD": "oidc", "IDPLANE_OIDC_TOKEN": "jwt"}, wantErr: "IDPLANE_IDENTITY_ID"},
		{name: "oidc without token outside GitHub", env: map[string]string{"IDPLANE_IDENTITY_ID": "i"}, wantErr: "id-token: write"},
		{name: "universal without secret", env: map[string]string{"IDPLANE_CLIENT_ID": "id"}, wantErr: "IDPLANE_CLIENT_SECRET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []string{"IDPLANE_AUTH_METHOD", "IDPLANE_CLIENT_ID", "IDPLANE_CLIENT_SECRET", "IDPLANE_TOKEN", "IDPLANE_IDENTITY_ID",
				"IDPLANE_OIDC_TOKEN", "IDPLANE_OIDC_TOKEN_FILE", "IDPLANE_JWT", "IDPLANE_JWT_FILE", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"} {
				t.Setenv(v, tc.env[v])
			}
			var diags diag.Diagnostics
			opt, method := credentialsFrom(tc.auth, &diags)
			if tc.wantErr != "" {
				if !diags.HasError() || !strings.Contains(diags[0].Detail(), tc.wantErr) {
					t.Fatalf("diagnostics %v, want an error mentioning %q", diags, tc.wantErr)
				}
				return
			}
			if diags.HasError() || opt == nil || method != tc.method {
				t.Fatalf("method %q (option %v), diagnostics %v; want %q", method, opt != nil, diags, tc.method)
			}
		})
	}
}
