package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/server/api"
)

// credentialsFrom chooses how the provider logs in: the one auth block set
// names the method and supplies the settings it overrides, and
// api.Credentials.Resolve takes the rest from the IDPLANE_* variables by
// the rules `idplane audit` follows too. It returns the client option, the
// method's name and, for a method that needs one (tls_cert), the HTTP
// client option every client of the server must use.
func credentialsFrom(ctx context.Context, a *authModel, diags *diag.Diagnostics) (api.Option, string, api.Option) {
	creds, ok := a.credentials(diags)
	if !ok {
		return nil, "", nil
	}
	login, err := creds.Resolve(ctx)
	if err != nil {
		errs := []error{err}
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			errs = joined.Unwrap()
		}
		for _, err := range errs {
			addCredentialsError(diags, err)
		}
		return nil, "", nil
	}
	return login.Option, login.Method, login.Transport
}

// credentials are the settings of the auth block set, if any; two blocks
// set are an error.
func (a *authModel) credentials(diags *diag.Diagnostics) (api.Credentials, bool) {
	var c api.Credentials
	if a == nil {
		return c, true
	}
	var set []string
	if u := a.Universal; u != nil {
		set = append(set, api.LoginUniversal)
		c.ClientID, c.ClientSecret = u.ClientID.ValueString(), u.ClientSecret.ValueString()
	}
	if !a.Token.IsNull() {
		set = append(set, api.LoginToken)
		c.Token = a.Token.ValueString()
	}
	if m := a.OIDC; m != nil {
		set = append(set, api.LoginOIDC)
		c.IdentityID, c.OIDCToken, c.OIDCTokenFile, c.Audience = m.IdentityID.ValueString(), m.Token.ValueString(), m.TokenFile.ValueString(), m.Audience.ValueString()
	}
	if m := a.JWT; m != nil {
		set = append(set, api.LoginJWT)
		c.IdentityID, c.JWT, c.JWTFile, c.Audience = m.IdentityID.ValueString(), m.Token.ValueString(), m.TokenFile.ValueString(), m.Audience.ValueString()
	}
	if m := a.Kubernetes; m != nil {
		set = append(set, api.LoginKubernetes)
		c.IdentityID, c.KubernetesTokenPath = m.IdentityID.ValueString(), m.ServiceAccountTokenPath.ValueString()
	}
	if m := a.AWS; m != nil {
		set = append(set, api.LoginAWS)
		c.IdentityID, c.AWSServerID, c.AWSSTSEndpoint = m.IdentityID.ValueString(), m.ServerID.ValueString(), m.STSEndpoint.ValueString()
	}
	if m := a.TLSCert; m != nil {
		set = append(set, api.LoginTLSCert)
		c.IdentityID, c.TLSCertFile, c.TLSKeyFile, c.TLSCAFile = m.IdentityID.ValueString(), m.CertFile.ValueString(), m.KeyFile.ValueString(), m.CACertFile.ValueString()
	}
	switch len(set) {
	case 0:
	case 1:
		c.Method = set[0]
	default:
		diags.AddAttributeError(path.Root("auth"), "Conflicting idplane credentials",
			"Set exactly one of auth.universal, auth.token, auth.oidc, auth.jwt, auth.kubernetes, auth.aws and auth.tls_cert; this configuration sets "+blocks(set)+".")
		return c, false
	}
	return c, true
}

// addCredentialsError says what the credentials lack, naming the auth
// block's attributes beside the variables.
func addCredentialsError(diags *diag.Diagnostics, err error) {
	var e *api.CredentialsError
	if !errors.As(err, &e) {
		diags.AddError("Invalid idplane credentials", err.Error())
		return
	}
	m := e.Method
	block := path.Root("auth").AtName(m)
	switch e.Problem {
	case api.NoCredentials:
		diags.AddAttributeError(path.Root("auth"), "Missing idplane credentials",
			"Set one of auth.universal (or IDPLANE_CLIENT_ID and IDPLANE_CLIENT_SECRET), auth.token (or IDPLANE_TOKEN), "+
				"auth.oidc or auth.jwt (or IDPLANE_IDENTITY_ID with IDPLANE_OIDC_TOKEN, IDPLANE_OIDC_TOKEN_FILE, or inside GitHub Actions), "+
				"auth.kubernetes, auth.aws or auth.tls_cert (or IDPLANE_AUTH_METHOD with IDPLANE_IDENTITY_ID).")
	case api.UnknownMethod:
		diags.AddError("Invalid IDPLANE_AUTH_METHOD", fmt.Sprintf("IDPLANE_AUTH_METHOD must be universal, token, oidc, jwt, kubernetes, aws or tls_cert, got %q.", m))
	case api.MissingClientCredentials:
		diags.AddAttributeError(block, "Missing universal auth credentials",
			"Set auth.universal.client_id and auth.universal.client_secret, or IDPLANE_CLIENT_ID and IDPLANE_CLIENT_SECRET.")
	case api.MissingToken:
		diags.AddAttributeError(block, "Missing access token", "Set auth.token or IDPLANE_TOKEN.")
	case api.MissingIdentity:
		whose := "auth the provider logs in with."
		if m == api.LoginOIDC || m == api.LoginJWT {
			whose = "auth trusts the token."
		}
		diags.AddAttributeError(block.AtName("identity_id"), "Missing identity ID",
			"Set auth."+m+".identity_id or IDPLANE_IDENTITY_ID to the ID of the identity whose "+m+" "+whose)
	case api.ConflictingTokenSources:
		diags.AddAttributeError(block, "Conflicting token settings", "Set auth."+m+".token or auth."+m+".token_file, not both.")
	case api.MissingTokenSource:
		tokenEnv := api.EnvOIDCToken
		if m == api.LoginJWT {
			tokenEnv = api.EnvJWT
		}
		diags.AddAttributeError(block, "Missing token",
			"Set auth."+m+".token ("+tokenEnv+") or auth."+m+".token_file ("+tokenEnv+"_FILE), or run inside GitHub Actions "+
				"with `permissions: id-token: write` so that the provider can request the token itself.")
	case api.MissingClientCertificate:
		diags.AddAttributeError(block, "Missing client certificate",
			"Set auth.tls_cert.cert_file and auth.tls_cert.key_file, or IDPLANE_TLS_CERT_FILE and IDPLANE_TLS_KEY_FILE.")
	case api.InvalidCAFile:
		diags.AddAttributeError(block.AtName("ca_cert_file"), "Invalid CA file", e.Err.Error())
	case api.InvalidClientCertificate:
		diags.AddAttributeError(block, "Invalid client certificate", e.Err.Error())
	case api.InvalidAWSConfiguration:
		diags.AddAttributeError(block, "Invalid AWS configuration", e.Err.Error())
	default:
		diags.AddError("Invalid idplane credentials", e.Error())
	}
}

func blocks(methods []string) string {
	return "auth." + strings.Join(methods, ", auth.")
}

// unknownConfig reports whether any value of the provider block is not
// known yet.
func unknownConfig(cfg providerModel) bool {
	vals := []types.String{cfg.Host}
	if a := cfg.Auth; a != nil {
		vals = append(vals, a.Token)
		if u := a.Universal; u != nil {
			vals = append(vals, u.ClientID, u.ClientSecret)
		}
		for _, m := range []*signedTokenModel{a.OIDC, a.JWT} {
			if m != nil {
				vals = append(vals, m.IdentityID, m.Token, m.TokenFile, m.Audience)
			}
		}
		if m := a.Kubernetes; m != nil {
			vals = append(vals, m.IdentityID, m.ServiceAccountTokenPath)
		}
		if m := a.AWS; m != nil {
			vals = append(vals, m.IdentityID, m.ServerID, m.STSEndpoint)
		}
		if m := a.TLSCert; m != nil {
			vals = append(vals, m.IdentityID, m.CertFile, m.KeyFile, m.CACertFile)
		}
	}
	for _, v := range vals {
		if v.IsUnknown() {
			return true
		}
	}
	return false
}
