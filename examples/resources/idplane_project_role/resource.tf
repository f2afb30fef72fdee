resource "idplane_project" "webshop" {
  name = "Webshop"
  slug = "webshop"
}

# Production runtime: read the application's secrets, never the CI ones.
resource "idplane_project_role" "prod_runtime" {
  project_id  = idplane_project.webshop.id
  slug        = "prod-runtime"
  name        = "Production runtime"
  description = "Reads /app secrets in production"
  permissions = [
    {
      subject    = "secrets"
      actions    = ["describe", "read"]
      conditions = { environments = ["prod"], secret_paths = ["/app/**"] }
    },
    {
      subject    = "secrets"
      actions    = ["read"]
      inverted   = true
      conditions = { environments = ["prod"], secret_paths = ["/app/ci/**"] }
    },
  ]
}
