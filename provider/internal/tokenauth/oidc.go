package tokenauth

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

type oidcModel struct {
	base
	OIDCDiscoveryURL  types.String `tfsdk:"oidc_discovery_url"`
	OIDCCACertificate types.String `tfsdk:"oidc_ca_certificate"`
	bindings
}

// NewOIDCAuthResource is the idplane_identity_oidc_auth resource.
func NewOIDCAuthResource() resource.Resource {
	return newResource(method[oidcModel, api.OIDCAuth, api.OIDCAuthInput]{
		kind: "oidc", noun: "OIDC auth",
		description: "a workload logs in with an ID token of an OpenID Connect provider (GitHub Actions, GitLab CI, a Kubernetes cluster, an IdP), " +
			"verified with the keys the provider's discovery document names, then checked against the bindings.",
		attributes: bindingAttributes(map[string]schema.Attribute{
			"oidc_discovery_url": schema.StringAttribute{Required: true,
				MarkdownDescription: "Issuer URL of the OpenID Connect provider, such as `https://token.actions.githubusercontent.com`: " +
					"its discovery document is at `<oidc_discovery_url>/.well-known/openid-configuration` (any trailing slash removed first) and must name this issuer " +
					"exactly, trailing slash included (`https://tenant.example/` for issuers that end with one, as Auth0's do).",
				Validators: []validator.String{validators.HTTPSURL()}},
			"oidc_ca_certificate": optionalString("PEM-encoded CA certificates to trust for the discovery document and keys, "+
				"for a provider whose certificate is not signed by a public CA. Empty: the system's roots.",
				validators.Optional(validators.CertificatesPEM())),
		}),
		fromAPI: func(a *api.OIDCAuth) oidcModel {
			return oidcModel{base: baseFromAPI(a.AuthMethodBase), OIDCDiscoveryURL: types.StringValue(a.OIDCDiscoveryURL),
				OIDCCACertificate: types.StringValue(a.OIDCCACertificate), bindings: bindingsFromAPI(a.TokenBindings)}
		},
		input: func(ctx context.Context, m oidcModel, ts api.TokenSettingsInput, diags *diag.Diagnostics) api.OIDCAuthInput {
			return api.OIDCAuthInput{TokenSettingsInput: ts, OIDCAuthConfig: api.OIDCAuthConfig{
				OIDCDiscoveryURL: m.OIDCDiscoveryURL.ValueString(), OIDCCACertificate: m.OIDCCACertificate.ValueString(),
				TokenBindings: m.toAPI(ctx, diags)}}
		},
		validate: (*api.OIDCAuthInput).Validate,
		get:      (*api.Client).GetOIDCAuth, put: (*api.Client).PutOIDCAuth, remove: (*api.Client).DeleteOIDCAuth,
	})
}
