package tokenauth

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

type jwtModel struct {
	base
	ConfigurationType types.String `tfsdk:"configuration_type"`
	JWKSURL           types.String `tfsdk:"jwks_url"`
	JWKSCACert        types.String `tfsdk:"jwks_ca_cert"`
	PublicKeys        types.Set    `tfsdk:"public_keys"`
	bindings
}

// NewJWTAuthResource is the idplane_identity_jwt_auth resource.
func NewJWTAuthResource() resource.Resource {
	return newResource(method[jwtModel, api.JWTAuth, api.JWTAuthInput]{
		kind: "jwt", noun: "JWT auth",
		description: "a workload logs in with a JWT signed by a key of a JWKS URL or by one of the static public keys, " +
			"then checked against the bindings. For issuers without a discovery document; prefer `idplane_identity_oidc_auth` for those with one.",
		attributes: bindingAttributes(map[string]schema.Attribute{
			"configuration_type": schema.StringAttribute{Required: true,
				MarkdownDescription: "Where the signing keys come from: `jwks` (fetched from `jwks_url`, and refetched when a token names an unknown key) " +
					"or `static` (the `public_keys`)."},
			"jwks_url": optionalString("URL of the JSON Web Key Set, for `configuration_type = \"jwks\"`; empty otherwise.",
				validators.Optional(validators.HTTPSURL())),
			"jwks_ca_cert": optionalString("PEM-encoded CA certificates to trust for `jwks_url`, for a server whose certificate is not signed by a public CA. "+
				"Empty: the system's roots.",
				validators.Optional(validators.CertificatesPEM())),
			"public_keys": optionalSet("PEM-encoded public keys (`PUBLIC KEY`) or certificates (RSA, ECDSA or Ed25519), one per element, "+
				"for `configuration_type = \"static\"`; empty otherwise.",
				setvalidator.ValueStringsAre(validators.PublicKeyPEM())),
		}),
		fromAPI: func(a *api.JWTAuth) jwtModel {
			return jwtModel{base: baseFromAPI(a.AuthMethodBase), ConfigurationType: types.StringValue(a.ConfigurationType),
				JWKSURL: types.StringValue(a.JWKSURL), JWKSCACert: types.StringValue(a.JWKSCACert),
				PublicKeys: tfutil.StringSet(a.PublicKeys), bindings: bindingsFromAPI(a.TokenBindings)}
		},
		input: func(ctx context.Context, m jwtModel, ts api.TokenSettingsInput, diags *diag.Diagnostics) api.JWTAuthInput {
			return api.JWTAuthInput{TokenSettingsInput: ts, JWTAuthConfig: api.JWTAuthConfig{
				ConfigurationType: m.ConfigurationType.ValueString(), JWKSURL: m.JWKSURL.ValueString(), JWKSCACert: m.JWKSCACert.ValueString(),
				PublicKeys: sortedStrings(ctx, m.PublicKeys, diags), TokenBindings: m.toAPI(ctx, diags)}}
		},
		validate: (*api.JWTAuthInput).Validate,
		get:      (*api.Client).GetJWTAuth, put: (*api.Client).PutJWTAuth, remove: (*api.Client).DeleteJWTAuth,
	})
}
