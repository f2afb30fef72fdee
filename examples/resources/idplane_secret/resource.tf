resource "idplane_project" "shop" {
  name = "Shop"
  slug = "shop"
}

resource "idplane_project_environment" "staging" {
  project_id = idplane_project.shop.id
  name       = "Staging"
  slug       = "staging"
}

# With `value` (any Terraform release) the value is kept in the state,
# marked sensitive, and read back on every refresh. Where the release has
# write-only arguments (Terraform 1.11, OpenTofu 1.11), prefer
#   value_wo         = ephemeral.random_password.db.result
#   value_wo_version = 1 # bump to send a new value
# which never reaches the plan or the state.
resource "idplane_secret" "webhook" {
  project_id  = idplane_project.shop.id
  environment = idplane_project_environment.staging.slug
  secret_path = "/deploy"
  key         = "DEPLOY_WEBHOOK_URL"
  value       = "https://deploy.example.com/hooks/shop-staging"
  comment     = "Called by the deploy pipeline after a release"
}
