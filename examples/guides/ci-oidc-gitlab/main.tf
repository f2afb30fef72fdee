terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}

# The same two identities for a GitLab project, acme/infra on gitlab.com:
# GitLab's ID token is the proof. Its claims differ from GitHub's.
#
# terraform plan in merge request pipelines, as the built-in auditor role.
resource "idplane_identity" "terraform_plan" {
  name        = "acme-infra-plan-gitlab"
  role        = "auditor"
  description = "terraform plan of acme/infra merge requests"
}

resource "idplane_identity_oidc_auth" "terraform_plan" {
  identity_id        = idplane_identity.terraform_plan.id
  oidc_discovery_url = "https://gitlab.com"
  bound_issuer       = "https://gitlab.com"
  bound_audiences    = ["https://idplane.example.com"]
  bound_subject      = "project_path:acme/infra:ref_type:branch:ref:*"
  bound_claims = {
    project_path    = ["acme/infra"]
    pipeline_source = ["merge_request_event"]
  }
  claim_metadata = {
    project_path = "project_path"
    ref          = "ref"
    user_login   = "user_login"
  }
  access_token_ttl     = 900
  access_token_max_ttl = 3600
}

# terraform apply on the protected main branch only.
resource "idplane_identity" "terraform_apply" {
  name        = "acme-infra-apply-gitlab"
  role        = "admin"
  description = "terraform apply of acme/infra's main branch"
}

resource "idplane_identity_oidc_auth" "terraform_apply" {
  identity_id        = idplane_identity.terraform_apply.id
  oidc_discovery_url = "https://gitlab.com"
  bound_issuer       = "https://gitlab.com"
  bound_audiences    = ["https://idplane.example.com"]
  bound_subject      = "project_path:acme/infra:ref_type:branch:ref:main"
  bound_claims = {
    project_path  = ["acme/infra"]
    ref           = ["main"]
    ref_protected = ["true"]
  }
  claim_metadata = {
    project_path = "project_path"
    sha          = "sha"
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
