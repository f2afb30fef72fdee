package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/idplane/idplane/server/api"
)

// tlsCertBlock is auth.tls_cert.
var tlsCertBlock = authBlock{
	name: api.LoginTLSCert,
	attrs: map[string]string{api.EnvIdentityID: "identity_id", api.EnvTLSCertFile: "cert_file", api.EnvTLSKeyFile: "key_file",
		api.EnvTLSCAFile: "ca_cert_file"},
	schema: schema.SingleNestedAttribute{Optional: true,
		MarkdownDescription: "Log in with a client certificate (an X.509-SVID in a SPIFFE mesh), presented on every connection to the server: " +
			"the server must ask for it (`idplane serve --tls-client-certs request`) or sit behind a proxy that passes it on. " +
			"Selected by `IDPLANE_AUTH_METHOD=tls_cert` without the block.",
		Attributes: map[string]schema.Attribute{
			"identity_id": identityIDAttribute("tls_cert"),
			"cert_file": schema.StringAttribute{Optional: true,
				MarkdownDescription: "PEM file of the certificate, followed by its intermediates; read again at every TLS handshake, so a rotated " +
					"certificate is picked up. Defaults to `IDPLANE_TLS_CERT_FILE`."},
			"key_file": schema.StringAttribute{Optional: true,
				MarkdownDescription: "PEM file of the certificate's private key. Defaults to `IDPLANE_TLS_KEY_FILE`."},
			"ca_cert_file": schema.StringAttribute{Optional: true,
				MarkdownDescription: "PEM file of the CA certificates the server's own certificate chains to, instead of the system's roots. " +
					"Defaults to `IDPLANE_TLS_CA_FILE`."},
		},
	},
}
