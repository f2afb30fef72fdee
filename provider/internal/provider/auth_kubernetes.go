package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/idplane/idplane/server/api"
)

// kubernetesBlock is auth.kubernetes.
var kubernetesBlock = authBlock{
	name:  api.LoginKubernetes,
	attrs: map[string]string{api.EnvIdentityID: "identity_id", api.EnvKubernetesTokenPath: "service_account_token_path"},
	schema: schema.SingleNestedAttribute{Optional: true,
		MarkdownDescription: "Log in as a pod, with its service account token, which the server has the cluster review: no static secret. " +
			"Selected by `IDPLANE_AUTH_METHOD=kubernetes` without the block.",
		Attributes: map[string]schema.Attribute{
			"identity_id": identityIDAttribute("kubernetes"),
			"service_account_token_path": schema.StringAttribute{Optional: true,
				MarkdownDescription: "File holding the service account token, read at every login, since the kubelet rotates it: a projected token " +
					"requested with the identity's `allowed_audience`, or the default mount. Defaults to `IDPLANE_KUBERNETES_TOKEN_PATH`, else `" +
					api.DefaultKubernetesTokenPath + "`."},
		},
	},
}
