# CodeBuild projects running under the codebuild-* roles of one account log
# in with their role's credentials; the signed server ID keeps a request
# meant for this server from being replayed to another. Every AWS auth binds
# accounts or principal ARNs (allow_any_principal = true would admit any AWS
# principal in the world, and idplane audit reports it as high).
resource "idplane_identity" "codebuild" {
  name = "codebuild-deploy"
  role = "no-access"
}

resource "idplane_identity_aws_auth" "codebuild" {
  identity_id = idplane_identity.codebuild.id

  allowed_account_ids    = ["123456789012"]
  allowed_principal_arns = ["arn:aws:iam::123456789012:role/codebuild-*"]
  server_id              = "idplane.example.com"

  access_token_ttl     = 900
  access_token_max_ttl = 3600
}

# EC2 instances of an instance profile, through the regional STS endpoint.
resource "idplane_identity" "workers" {
  name = "ec2-workers"
  role = "no-access"
}

resource "idplane_identity_aws_auth" "workers" {
  identity_id = idplane_identity.workers.id

  allowed_principal_arns = ["arn:aws:iam::123456789012:role/worker-instance"]
  sts_endpoint           = "https://sts.eu-west-1.amazonaws.com/"
  sts_region             = "eu-west-1"
  server_id              = "idplane.example.com"
}
