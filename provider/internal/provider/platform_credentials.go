package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
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

// platformIdentity is the identity a platform block logs in as, or "" with
// an error naming where to set it.
func platformIdentity(v types.String, method string, diags *diag.Diagnostics) string {
	id := orEnv(v, api.EnvIdentityID)
	if id == "" {
		diags.AddAttributeError(path.Root("auth").AtName(method).AtName("identity_id"), "Missing identity ID",
			"Set auth."+method+".identity_id or IDPLANE_IDENTITY_ID to the ID of the identity whose "+method+" auth the provider logs in with.")
	}
	return id
}

// kubernetesCredentials logs in with the pod's service account token, read
// from its file at every login (the kubelet rotates it).
func kubernetesCredentials(m *kubernetesModel, diags *diag.Diagnostics) api.Option {
	if m == nil {
		m = &kubernetesModel{}
	}
	id := platformIdentity(m.IdentityID, authK8s, diags)
	if id == "" {
		return nil
	}
	tokenPath := orEnv(m.ServiceAccountTokenPath, api.EnvKubernetesTokenPath)
	if tokenPath == "" {
		tokenPath = api.DefaultKubernetesTokenPath
	}
	return api.WithKubernetesLogin(id, tokenPath)
}

// awsCredentials logs in with a GetCallerIdentity request signed with the
// credentials of the standard AWS chain, anew at every login.
func awsCredentials(ctx context.Context, m *awsModel, diags *diag.Diagnostics) api.Option {
	if m == nil {
		m = &awsModel{}
	}
	id := platformIdentity(m.IdentityID, authAWS, diags)
	if id == "" {
		return nil
	}
	login, err := api.AWSLoginFromDefaultChain(ctx, id, orEnv(m.ServerID, api.EnvAWSServerID), orEnv(m.STSEndpoint, api.EnvAWSSTSEndpoint))
	if err != nil {
		diags.AddAttributeError(path.Root("auth").AtName(authAWS), "Invalid AWS configuration", err.Error())
		return nil
	}
	return api.WithAWSLogin(login)
}

// tlsCertCredentials logs in with the client certificate the returned
// HTTP client presents on every connection to the server.
func tlsCertCredentials(m *tlsCertModel, diags *diag.Diagnostics) (login, transport api.Option) {
	if m == nil {
		m = &tlsCertModel{}
	}
	block := path.Root("auth").AtName(authTLSCert)
	id := platformIdentity(m.IdentityID, authTLSCert, diags)
	certFile, keyFile := orEnv(m.CertFile, api.EnvTLSCertFile), orEnv(m.KeyFile, api.EnvTLSKeyFile)
	if certFile == "" || keyFile == "" {
		diags.AddAttributeError(block, "Missing client certificate",
			"Set auth.tls_cert.cert_file and auth.tls_cert.key_file, or IDPLANE_TLS_CERT_FILE and IDPLANE_TLS_KEY_FILE.")
	}
	if diags.HasError() {
		return nil, nil
	}
	roots, err := api.RootsFromFile(orEnv(m.CACertFile, api.EnvTLSCAFile))
	if err != nil {
		diags.AddAttributeError(block.AtName("ca_cert_file"), "Invalid CA file", err.Error())
		return nil, nil
	}
	hc, err := api.ClientCertificateHTTPClient(certFile, keyFile, roots)
	if err != nil {
		diags.AddAttributeError(block, "Invalid client certificate", err.Error())
		return nil, nil
	}
	return api.WithTLSCertLogin(id), api.WithHTTPClient(hc)
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
