package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/server/api"
)

// kubernetesModel is the auth.kubernetes block.
type kubernetesModel struct {
	IdentityID              types.String `tfsdk:"identity_id"`
	ServiceAccountTokenPath types.String `tfsdk:"service_account_token_path"`
}

// awsModel is the auth.aws block.
type awsModel struct {
	IdentityID  types.String `tfsdk:"identity_id"`
	ServerID    types.String `tfsdk:"server_id"`
	STSEndpoint types.String `tfsdk:"sts_endpoint"`
}

// tlsCertModel is the auth.tls_cert block.
type tlsCertModel struct {
	IdentityID types.String `tfsdk:"identity_id"`
	CertFile   types.String `tfsdk:"cert_file"`
	KeyFile    types.String `tfsdk:"key_file"`
	CACertFile types.String `tfsdk:"ca_cert_file"`
}

func identityIDAttribute(method string) schema.StringAttribute {
	return schema.StringAttribute{Optional: true,
		MarkdownDescription: "ID of the identity to log in as, whose `idplane_identity_" + method + "_auth` trusts this workload. Defaults to `IDPLANE_IDENTITY_ID`."}
}

func kubernetesSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{Optional: true,
		MarkdownDescription: "Log in as a pod, with its service account token, which the server has the cluster review: no static secret. " +
			"Selected by `IDPLANE_AUTH_METHOD=kubernetes` without the block.",
		Attributes: map[string]schema.Attribute{
			"identity_id": identityIDAttribute("kubernetes"),
			"service_account_token_path": schema.StringAttribute{Optional: true,
				MarkdownDescription: "File holding the service account token, read at every login, since the kubelet rotates it: a projected token " +
					"requested with the identity's `allowed_audience`, or the default mount. Defaults to `IDPLANE_KUBERNETES_TOKEN_PATH`, else `" +
					api.DefaultKubernetesTokenPath + "`."},
		},
	}
}

func awsSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{Optional: true,
		MarkdownDescription: "Log in as an AWS principal (an EC2 instance profile, a CodeBuild or ECS task role, a Lambda function's role) with an " +
			"`sts:GetCallerIdentity` request signed anew at every login with the credentials and region of the standard AWS chain " +
			"(`AWS_*` variables, shared configuration files, web identity, container and instance metadata): no static secret. " +
			"Selected by `IDPLANE_AUTH_METHOD=aws` without the block.",
		Attributes: map[string]schema.Attribute{
			"identity_id": identityIDAttribute("aws"),
			"server_id": schema.StringAttribute{Optional: true,
				MarkdownDescription: "The identity's `server_id`, sent in the signed `X-Idplane-Server-Id` header. Defaults to `IDPLANE_AWS_SERVER_ID`."},
			"sts_endpoint": schema.StringAttribute{Optional: true,
				MarkdownDescription: "The identity's `sts_endpoint`, the host the request is signed for; the global endpoint is signed for `us-east-1`, " +
					"another for the chain's region. Defaults to `IDPLANE_AWS_STS_ENDPOINT`, else `" + api.DefaultSTSEndpoint + "`."},
		},
	}
}

func tlsCertSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{Optional: true,
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
	}
}
