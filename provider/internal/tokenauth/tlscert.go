package tokenauth

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

type tlsCertModel struct {
	base
	CACertificate          types.String `tfsdk:"ca_certificate"`
	AllowedCommonNames     types.Set    `tfsdk:"allowed_common_names"`
	AllowedSubjectAltNames types.Set    `tfsdk:"allowed_subject_alt_names"`
}

// NewTLSCertAuthResource is the idplane_identity_tls_cert_auth resource.
func NewTLSCertAuthResource() resource.Resource {
	return newResource(method[tlsCertModel, api.TLSCertAuth, api.TLSCertAuthInput]{
		kind: "tls_cert", noun: "TLS certificate auth",
		description: "a workload logs in with the client certificate of its TLS connection (an X.509-SVID of a SPIFFE mesh, a certificate of an internal CA), " +
			"verified up to `ca_certificate` (intermediates sent by the client allowed), within its validity and for client authentication, then checked " +
			"against the allow-lists. The server must ask for certificates (`idplane serve --tls-client-certs request`) or sit behind a TLS-terminating proxy " +
			"that passes them on (`--client-cert-header` with `--trusted-proxies`). Each empty allow-list admits any certificate of the CA.",
		attributes: map[string]schema.Attribute{
			"ca_certificate": schema.StringAttribute{Required: true,
				MarkdownDescription: "PEM-encoded CA certificates (a bundle) client certificates must chain to, such as the SPIFFE trust bundle's.",
				Validators:          []validator.String{validators.CertificatesPEM()}},
			"allowed_common_names": optionalSet("Common names of the certificate's subject that may log in, or globs of them such as `*.payments.internal`. Empty: any.",
				setvalidator.ValueStringsAre(validators.BindingGlob())),
			"allowed_subject_alt_names": optionalSet("Subject alternative names of which the certificate must carry one, each typed: "+
				"`DNS:` a glob (`DNS:*.svc.cluster.local`), `URI:` a glob (`URI:spiffe://prod.example.org/ns/payments/*`), "+
				"`EMAIL:` a glob, or `IP:` an address or CIDR block (`IP:10.0.0.0/8`). Empty: any.",
				setvalidator.ValueStringsAre(validators.SubjectAltName())),
		},
		fromAPI: func(a *api.TLSCertAuth) tlsCertModel {
			return tlsCertModel{base: baseFromAPI(a.AuthMethodBase), CACertificate: types.StringValue(a.CACertificate),
				AllowedCommonNames:     tfutil.StringSet(a.AllowedCommonNames),
				AllowedSubjectAltNames: tfutil.StringSet(a.AllowedSubjectAltNames)}
		},
		input: func(ctx context.Context, m tlsCertModel, ts api.TokenSettingsInput, diags *diag.Diagnostics) api.TLSCertAuthInput {
			return api.TLSCertAuthInput{TokenSettingsInput: ts, TLSCertAuthConfig: api.TLSCertAuthConfig{CACertificate: m.CACertificate.ValueString(),
				AllowedCommonNames:     sortedStrings(ctx, m.AllowedCommonNames, diags),
				AllowedSubjectAltNames: sortedStrings(ctx, m.AllowedSubjectAltNames, diags)}}
		},
		validate: (*api.TLSCertAuthInput).Validate,
		get:      (*api.Client).GetTLSCertAuth, put: (*api.Client).PutTLSCertAuth, remove: (*api.Client).DeleteTLSCertAuth,
	})
}
