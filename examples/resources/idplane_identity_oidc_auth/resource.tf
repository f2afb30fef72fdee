resource "idplane_identity" "deploy" {
  name = "github-deploy"
  role = "no-access"
}

# GitHub Actions jobs of acme/webshop log in with their OIDC ID token, from
# the main branch or a release tag only. The workflow and ref that logged in
# are recorded with the access token and in the audit log.
resource "idplane_identity_oidc_auth" "deploy" {
  identity_id = idplane_identity.deploy.id

  oidc_discovery_url = "https://token.actions.githubusercontent.com"
  bound_audiences    = ["https://github.com/acme"]
  bound_subject      = "repo:acme/webshop:*"
  bound_claims = {
    repository = ["acme/webshop"]
    ref        = ["refs/heads/main", "refs/tags/v*"]
  }
  claim_metadata = {
    repository = "repository"
    workflow   = "workflow"
    ref        = "ref"
  }

  access_token_ttl     = 900  # a deployment job
  access_token_max_ttl = 3600 # renewable for at most an hour
}
