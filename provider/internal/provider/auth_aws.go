package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/idplane/idplane/server/api"
)

// awsBlock is auth.aws.
var awsBlock = authBlock{
	name:  api.LoginAWS,
	attrs: map[string]string{api.EnvIdentityID: "identity_id", api.EnvAWSServerID: "server_id", api.EnvAWSSTSEndpoint: "sts_endpoint"},
	schema: schema.SingleNestedAttribute{Optional: true,
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
	},
}
