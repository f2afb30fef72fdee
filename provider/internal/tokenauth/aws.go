package tokenauth

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

type awsModel struct {
	base
	AllowedAccountIDs    types.Set    `tfsdk:"allowed_account_ids"`
	AllowedPrincipalArns types.Set    `tfsdk:"allowed_principal_arns"`
	STSEndpoint          types.String `tfsdk:"sts_endpoint"`
	STSRegion            types.String `tfsdk:"sts_region"`
	ServerID             types.String `tfsdk:"server_id"`
	AllowAnyPrincipal    types.Bool   `tfsdk:"allow_any_principal"`
}

// NewAWSAuthResource is the idplane_identity_aws_auth resource.
func NewAWSAuthResource() resource.Resource {
	return newResource(method[awsModel, api.AWSAuth, api.AWSAuthInput]{
		kind: "aws", noun: "AWS auth",
		description: "a workload (an EC2 instance, a Lambda function, an ECS task, a CodeBuild job) logs in with an `sts:GetCallerIdentity` request " +
			"signed with its AWS credentials, which the server forwards to `sts_endpoint` only (with the default, to the AWS STS host it was signed for); STS's answer names the account and principal, " +
			"checked against the allow-lists. A signed request is accepted once and only within 5 minutes of its `X-Amz-Date`. " +
			"Each empty allow-list admits any value, so at least `allowed_account_ids` or `allowed_principal_arns` must be set, " +
			"unless `allow_any_principal = true` admits every AWS principal in the world.",
		attributes: map[string]schema.Attribute{
			"allowed_account_ids": optionalSet("12-digit IDs of the AWS accounts whose principals may log in, such as `123456789012`. Empty: any."),
			"allowed_principal_arns": optionalSet("ARNs of the principals that may log in, or globs of them with `*`, such as " +
				"`arn:aws:iam::123456789012:role/codebuild-*`. An assumed role's session (`arn:aws:sts::<account>:assumed-role/<role>/<session>`, " +
				"what instance profiles and task roles log in as) also matches as its role, `arn:aws:iam::<account>:role/<role>`. Empty: any."),
			"sts_endpoint": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(api.DefaultSTSEndpoint),
				MarkdownDescription: "The STS endpoint signed requests are forwarded to, and must be signed for (their `Host`): a regional one such as " +
					"`https://sts.eu-west-1.amazonaws.com/` keeps logins in the region. Defaults to `" + api.DefaultSTSEndpoint + "`, which stands for " +
					"AWS's STS as a whole: a request signed for any of AWS's own STS hosts (`sts.<region>.amazonaws.com` as Infisical's SDKs sign, " +
					"`sts-fips.<region>.amazonaws.com`, the other partitions' such as `sts.cn-north-1.amazonaws.com.cn`) is forwarded to the host it " +
					"was signed for, and never to any other host.",
				Validators: []validator.String{validators.HTTPSURL()}},
			"sts_region": optionalString("Region the request must be signed for, such as `us-east-1` (the global endpoint's) or the regional endpoint's. " +
				"Empty: any region STS accepts."),
			"allow_any_principal": allowAnyPrincipal("AWS principal", "`allowed_account_ids` nor `allowed_principal_arns`"),
			"server_id": optionalString("A name of this idplane server, such as `idplane.example.com`, that every login must send in the signed " +
				"`X-Idplane-Server-Id` header, so that a request signed for this server cannot be replayed to another one. Empty: not required. " +
				"The provider's `auth.aws.server_id` sends it."),
		},
		fromAPI: func(a *api.AWSAuth) awsModel {
			return awsModel{base: baseFromAPI(a.AuthMethodBase),
				AllowedAccountIDs:    tfutil.StringSet(a.AllowedAccountIDs),
				AllowedPrincipalArns: tfutil.StringSet(a.AllowedPrincipalArns),
				STSEndpoint:          types.StringValue(a.STSEndpoint), STSRegion: types.StringValue(a.STSRegion), ServerID: types.StringValue(a.ServerID),
				AllowAnyPrincipal: types.BoolValue(a.AllowAnyPrincipal)}
		},
		input: func(ctx context.Context, m awsModel, ts api.TokenSettingsInput, diags *diag.Diagnostics) api.AWSAuthInput {
			endpoint := m.STSEndpoint.ValueString()
			if m.STSEndpoint.IsNull() {
				endpoint = api.DefaultSTSEndpoint // omitted from a configuration: its default
			}
			return api.AWSAuthInput{TokenSettingsInput: ts, AWSAuthConfig: api.AWSAuthConfig{
				AllowedAccountIDs:    sortedStrings(ctx, m.AllowedAccountIDs, diags),
				AllowedPrincipalArns: sortedStrings(ctx, m.AllowedPrincipalArns, diags),
				STSEndpoint:          endpoint, STSRegion: m.STSRegion.ValueString(), ServerID: m.ServerID.ValueString(),
				AllowAnyPrincipal: m.AllowAnyPrincipal.ValueBool()}}
		},
		validate: (*api.AWSAuthInput).Validate,
		get:      (*api.Client).GetAWSAuth, put: (*api.Client).PutAWSAuth, remove: (*api.Client).DeleteAWSAuth,
	})
}
