terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}

# The identity CodeBuild's deploy project (and an EC2 build host with the
# same role) runs Terraform as: its IAM role is the proof.
resource "idplane_org_role" "deployer" {
  slug        = "aws-deployer"
  name        = "AWS deployer"
  description = "Manages projects and the identities of workloads"
  permissions = [
    { subject = "projects", actions = ["read", "create", "edit", "delete"] },
    { subject = "identities", actions = ["read", "create", "edit", "delete"] },
  ]
}

resource "idplane_identity" "deployer" {
  name        = "aws-codebuild-deployer"
  role        = idplane_org_role.deployer.slug
  description = "CodeBuild project infra-deploy and the build hosts of role infra-deploy"
}

resource "idplane_identity_aws_auth" "deployer" {
  identity_id = idplane_identity.deployer.id

  allowed_account_ids    = ["123456789012"]
  allowed_principal_arns = ["arn:aws:iam::123456789012:role/infra-deploy"]
  sts_endpoint           = "https://sts.eu-west-1.amazonaws.com/"
  sts_region             = "eu-west-1"
  server_id              = "idplane.example.com"

  access_token_ttl     = 900
  access_token_max_ttl = 3600
}

output "identity_id" {
  value = idplane_identity.deployer.id
}
