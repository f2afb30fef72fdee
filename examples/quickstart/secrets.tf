# Two staging secrets, with demo values. The deploy pipeline's role
# (ci-deploy) may read /deploy/** in staging and prod, so it reads the
# release webhook and is refused the database URL, which only the staging
# application servers (runtime-staging: /app/**) may read.
#
# `value` keeps the value in the state (sensitive) and works on every
# Terraform release; on Terraform 1.11 or OpenTofu 1.11 and later use
# `value_wo` + `value_wo_version` to keep real secrets out of the state.
resource "idplane_secret" "release_webhook" {
  project_id  = idplane_project.this["webshop"].id
  environment = idplane_project_environment.this["webshop/staging"].slug
  secret_path = "/deploy/hooks"
  key         = "RELEASE_WEBHOOK_URL"
  value       = "https://deploy.example.com/hooks/webshop-staging"
  comment     = "Called by ci-deploy after each staging release"
}

resource "idplane_secret" "database_url" {
  project_id  = idplane_project.this["webshop"].id
  environment = idplane_project_environment.this["webshop/staging"].slug
  secret_path = "/app/db"
  key         = "DATABASE_URL"
  value       = "postgres://webshop@db.staging.internal:5432/webshop"
  comment     = "Read by webshop-staging-app"
}
