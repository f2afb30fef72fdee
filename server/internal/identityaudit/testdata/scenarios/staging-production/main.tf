# Application servers in staging and in production: two identities, one per
# environment, because staging must never read production's secrets.
resource "idplane_project" "webshop" {
  name = "Webshop"
  slug = "webshop"
}

resource "idplane_project_environment" "env" {
  for_each   = toset(["staging", "prod"])
  project_id = idplane_project.webshop.id
  name       = title(each.key)
  slug       = each.key
}

resource "idplane_project_role" "runtime" {
  for_each   = toset(["staging", "prod"])
  project_id = idplane_project.webshop.id
  slug       = "runtime-${each.key}"
  name       = "Runtime (${each.key})"
  permissions = [
    { subject = "secrets", actions = ["read"], conditions = { environments = [each.key], secret_paths = ["/app/**"] } },
  ]
}

locals {
  servers = { "web-staging-1" = "staging", "web-staging-2" = "staging", "web-prod-1" = "prod", "web-prod-2" = "prod", "web-prod-3" = "prod" }
}

resource "idplane_identity" "server" {
  for_each = local.servers
  name     = each.key
  role     = "no-access"
}

resource "idplane_identity_universal_auth" "server" {
  for_each                  = local.servers
  identity_id               = idplane_identity.server[each.key].id
  access_token_trusted_ips  = ["10.20.0.0/16"]
  client_secret_trusted_ips = ["10.20.0.0/16"]
}

resource "idplane_identity_universal_auth_client_secret" "server" {
  for_each    = local.servers
  identity_id = idplane_identity_universal_auth.server[each.key].identity_id
  description = "deployed by configuration management"
  ttl         = 2592000
}

resource "idplane_project_identity" "server" {
  for_each    = local.servers
  project_id  = idplane_project.webshop.id
  identity_id = idplane_identity.server[each.key].id
  roles       = [{ role_slug = idplane_project_role.runtime[each.value].slug }]
}
