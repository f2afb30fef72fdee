package tokenauth_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/server/api"
)

const awsAddr = "idplane_identity_aws_auth.ci"

// awsWalk starts from the defaults and moves to a regional endpoint with a
// server ID in place.
var awsWalk = walk{
	kind: "aws", noun: "AWS auth",
	create: `
  allowed_account_ids = ["123456789012"]
`,
	created: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(awsAddr, "allowed_account_ids.#", "1"),
		resource.TestCheckResourceAttr(awsAddr, "allowed_principal_arns.#", "0"),
		resource.TestCheckResourceAttr(awsAddr, "sts_endpoint", api.DefaultSTSEndpoint),
		resource.TestCheckResourceAttr(awsAddr, "sts_region", ""),
		resource.TestCheckResourceAttr(awsAddr, "server_id", ""),
		resource.TestCheckResourceAttr(awsAddr, "allow_any_principal", "false"),
	},
	update: `
  allowed_account_ids    = ["123456789012", "210987654321"]
  allowed_principal_arns = ["arn:aws:iam::123456789012:role/codebuild-*", "arn:aws:iam::210987654321:role/deployer"]
  sts_endpoint           = "https://sts.eu-west-1.amazonaws.com/"
  sts_region             = "eu-west-1"
  server_id              = "idplane.example.com"
`,
	reordered: `
  allowed_account_ids    = ["210987654321", "123456789012"]
  allowed_principal_arns = ["arn:aws:iam::210987654321:role/deployer", "arn:aws:iam::123456789012:role/codebuild-*"]
  sts_endpoint           = "https://sts.eu-west-1.amazonaws.com/"
  sts_region             = "eu-west-1"
  server_id              = "idplane.example.com"
`,
	updated: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(awsAddr, "allowed_account_ids.#", "2"),
		resource.TestCheckResourceAttr(awsAddr, "allowed_principal_arns.#", "2"),
		resource.TestCheckTypeSetElemAttr(awsAddr, "allowed_principal_arns.*", "arn:aws:iam::123456789012:role/codebuild-*"),
		resource.TestCheckResourceAttr(awsAddr, "sts_endpoint", "https://sts.eu-west-1.amazonaws.com/"),
		resource.TestCheckResourceAttr(awsAddr, "sts_region", "eu-west-1"),
		resource.TestCheckResourceAttr(awsAddr, "server_id", "idplane.example.com"),
	},
	attach: func(ctx context.Context, c *api.Client, identityID string) error {
		_, err := c.PutAWSAuth(ctx, identityID, 0, api.AWSAuthInput{AWSAuthConfig: api.AWSAuthConfig{
			AllowedAccountIDs: []string{"999999999999"}, STSRegion: "us-east-1", ServerID: "another-server"}})
		return err
	},
	get:    getter((*api.Client).GetAWSAuth),
	detach: (*api.Client).DeleteAWSAuth,
}

func TestAWSAuthResource(t *testing.T) { awsWalk.run(t) }

func TestAWSAuthValidation(t *testing.T) {
	planErrors(t, "aws", [][2]string{
		{`allowed_account_ids = ["12345"]`, `allowed_account_ids[*]: "12345" is not a 12-digit AWS account ID`},
		{`allowed_principal_arns = ["role/deployer"]`, `allowed_principal_arns[*]: "role/deployer" must be an ARN or a glob of one (arn:aws:iam::123456789012:role/*)`},
		{`sts_endpoint = "http://sts.amazonaws.com/"`, `sts_endpoint: "http://sts.amazonaws.com/" is not an https:// URL`},
		{`sts_endpoint = "sts.amazonaws.com"`, `sts_endpoint: "sts.amazonaws.com" is not an https:// URL with a host`},
		{`sts_region = "Europe"`, `sts_region: "Europe" is not an AWS region such as us-east-1`},
		{`server_id = "idplane server"`, `server_id: must be 1 to 256 printable ASCII characters without spaces`},
		{`sts_region = "eu-west-1"`, `allowed_account_ids: bind at least one of allowed_account_ids or allowed_principal_arns, ` +
			`or set allow_any_principal to true to admit any AWS principal in the world`},
		{`allowed_account_ids = ["123456789012"]` + "\n" + `allow_any_principal = true`,
			`allow_any_principal: must be false when allowed_account_ids or allowed_principal_arns bind`},
	})
}
