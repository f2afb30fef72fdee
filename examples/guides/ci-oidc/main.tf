terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}

# Two identities for the pipeline of the acme/infra repository, neither with
# a static secret: GitHub Actions' ID token is the proof.
#
# terraform plan on pull requests: the built-in auditor organization role
# reads every object in every project (environments, roles, memberships)
# without a membership per project, changes nothing, reads no secret value
# and mints no token.
resource "idplane_identity" "terraform_plan" {
  name        = "acme-infra-plan"
  role        = "auditor"
  description = "terraform plan of acme/infra pull requests"
}

resource "idplane_identity_oidc_auth" "terraform_plan" {
  identity_id        = idplane_identity.terraform_plan.id
  oidc_discovery_url = "https://token.actions.githubusercontent.com"
  bound_issuer       = "https://token.actions.githubusercontent.com"
  bound_audiences    = ["https://idplane.example.com"]
  bound_subject      = "repo:acme/infra:pull_request"
  bound_claims = {
    repository = ["acme/infra"]
    event_name = ["pull_request"]
  }
  claim_metadata = {
    repository = "repository"
    workflow   = "workflow"
    ref        = "ref"
    actor      = "actor"
  }
  access_token_ttl     = 900
  access_token_max_ttl = 3600
}

# terraform apply on the main branch only.
resource "idplane_identity" "terraform_apply" {
  name        = "acme-infra-apply"
  role        = "admin"
  description = "terraform apply of acme/infra's main branch"
}

resource "idplane_identity_oidc_auth" "terraform_apply" {
  identity_id        = idplane_identity.terraform_apply.id
  oidc_discovery_url = "https://token.actions.githubusercontent.com"
  bound_issuer       = "https://token.actions.githubusercontent.com"
  bound_audiences    = ["https://idplane.example.com"]
  bound_subject      = "repo:acme/infra:ref:refs/heads/main"
  bound_claims = {
    repository = ["acme/infra"]
    ref        = ["refs/heads/main"]
  }
  claim_metadata = {
    repository = "repository"
    workflow   = "workflow"
    sha        = "sha"
  }
  access_token_ttl     = 1800
  access_token_max_ttl = 7200
}

output "plan_identity_id" {
  value = idplane_identity.terraform_plan.id
}

output "apply_identity_id" {
  value = idplane_identity.terraform_apply.id
}
