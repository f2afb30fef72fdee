# Fifteen microservices: ten need the shared infrastructure secrets, three
# the payment secrets, two the third-party API keys. Three identities are
# needed. Half of the infrastructure services get their access through two
# roles that split the actions differently: equal access counts once.
resource "idplane_project" "shop" {
  name = "Shop"
  slug = "shop"
}

resource "idplane_project_environment" "prod" {
  project_id = idplane_project.shop.id
  name       = "Production"
  slug       = "prod"
}

resource "idplane_project_role" "infra" {
  project_id = idplane_project.shop.id
  slug       = "infra"
  name       = "Shared infrastructure"
  permissions = [
    { subject = "secrets", actions = ["describe", "read"], conditions = { environments = ["prod"], secret_paths = ["/infra/*"] } },
  ]
}

resource "idplane_project_role" "infra_read" {
  project_id = idplane_project.shop.id
  slug       = "infra-read"
  name       = "Shared infrastructure (read)"
  permissions = [
    { subject = "secrets", actions = ["read"], conditions = { environments = ["prod"], secret_paths = ["/infra/*"] } },
  ]
}

resource "idplane_project_role" "infra_describe" {
  project_id = idplane_project.shop.id
  slug       = "infra-describe"
  name       = "Shared infrastructure (describe)"
  permissions = [
    { subject = "secrets", actions = ["describe"], conditions = { environments = ["prod"], secret_paths = ["/infra/*"] } },
  ]
}

resource "idplane_project_role" "payments" {
  project_id = idplane_project.shop.id
  slug       = "payments"
  name       = "Payment secrets"
  permissions = [
    { subject = "secrets", actions = ["read"], conditions = { environments = ["prod"], secret_paths = ["/payments/*"] } },
  ]
}

resource "idplane_project_role" "third_party" {
  project_id = idplane_project.shop.id
  slug       = "third-party"
  name       = "Third-party API keys"
  permissions = [
    { subject = "secrets", actions = ["read"], conditions = { environments = ["prod"], secret_paths = ["/third-party/*"] } },
  ]
}

locals {
  services = merge(
    { for i in range(1, 6) : format("svc-infra-%02d", i) => [idplane_project_role.infra.slug] },
    { for i in range(6, 11) : format("svc-infra-%02d", i) => [idplane_project_role.infra_describe.slug, idplane_project_role.infra_read.slug] },
    { for i in range(1, 4) : format("svc-payments-%02d", i) => [idplane_project_role.payments.slug] },
    { for i in range(1, 3) : format("svc-partner-%02d", i) => [idplane_project_role.third_party.slug] },
  )
}

resource "idplane_identity" "service" {
  for_each = local.services
  name     = each.key
  role     = "no-access"
}

resource "idplane_identity_universal_auth" "service" {
  for_each                  = local.services
  identity_id               = idplane_identity.service[each.key].id
  access_token_trusted_ips  = ["10.50.0.0/16"]
  client_secret_trusted_ips = ["10.50.0.0/16"]
}

resource "idplane_project_identity" "service" {
  for_each    = local.services
  project_id  = idplane_project.shop.id
  identity_id = idplane_identity.service[each.key].id
  roles       = [for r in each.value : { role_slug = r }]
}
