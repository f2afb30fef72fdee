resource "idplane_project" "shop" {
  name = "Shop"
  slug = "shop"
}

resource "idplane_project_environment" "this" {
  for_each   = { staging = 1, prod = 2 }
  project_id = idplane_project.shop.id
  name       = title(each.key)
  slug       = each.key
  position   = each.value
}

# The production API key, written once with a write-only value: it reaches
# the server, never the plan or the state. In practice it comes from an
# ephemeral variable or resource; bump value_wo_version to send a new one.
resource "idplane_secret" "payments_api_key" {
  project_id       = idplane_project.shop.id
  environment      = idplane_project_environment.this["prod"].slug
  secret_path      = "/app"
  key              = "PAYMENTS_API_KEY"
  value_wo         = "pk_live_example_0123456789"
  value_wo_version = 1
}

# Read for this run only: the value is in neither the plan nor the state.
ephemeral "idplane_secret" "payments_api_key" {
  project_id  = idplane_project.shop.id
  environment = idplane_secret.payments_api_key.environment
  secret_path = idplane_secret.payments_api_key.secret_path
  key         = idplane_secret.payments_api_key.key
}

# Hand it to anything that takes an ephemeral value: another provider's
# configuration, or a write-only argument such as this copy for staging.
resource "idplane_secret" "staging_payments_api_key" {
  project_id       = idplane_project.shop.id
  environment      = idplane_project_environment.this["staging"].slug
  secret_path      = "/app"
  key              = "PAYMENTS_API_KEY"
  value_wo         = ephemeral.idplane_secret.payments_api_key.value
  value_wo_version = idplane_secret.payments_api_key.value_wo_version
}
