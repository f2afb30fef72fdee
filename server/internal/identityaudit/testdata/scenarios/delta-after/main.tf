# A plan under review, after: payments-api moves from staging to production,
# and a new payments-worker is created with organization admin and no auth
# method.
resource "idplane_project" "payments" {
  name = "Payments"
  slug = "payments"
}

resource "idplane_project_environment" "env" {
  for_each   = toset(["staging", "prod"])
  project_id = idplane_project.payments.id
  name       = title(each.key)
  slug       = each.key
}

resource "idplane_project_role" "db" {
  for_each   = toset(["staging", "prod"])
  project_id = idplane_project.payments.id
  slug       = "db-${each.key}"
  name       = "Database (${each.key})"
  permissions = [
    { subject = "secrets", actions = ["describe", "read"], conditions = { environments = [each.key], secret_paths = ["/database/**"] } },
  ]
}

resource "idplane_identity" "api" {
  name = "payments-api"
  role = "no-access"
}

resource "idplane_identity_universal_auth" "api" {
  identity_id               = idplane_identity.api.id
  access_token_trusted_ips  = ["10.20.0.0/16"]
  client_secret_trusted_ips = ["10.20.0.0/16"]
}

resource "idplane_project_identity" "api" {
  project_id  = idplane_project.payments.id
  identity_id = idplane_identity.api.id
  roles       = [{ role_slug = idplane_project_role.db["prod"].slug }]
}

resource "idplane_identity" "worker" {
  name = "payments-worker"
  role = "admin"
}
