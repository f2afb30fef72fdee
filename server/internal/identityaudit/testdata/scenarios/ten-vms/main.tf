# Ten VMs running the same inventory service with the same access:
# one identity is needed, however many machines run it.
resource "idplane_project" "inventory" {
  name = "Inventory"
  slug = "inventory"
}

resource "idplane_project_environment" "prod" {
  project_id = idplane_project.inventory.id
  name       = "Production"
  slug       = "prod"
}

resource "idplane_project_role" "app" {
  project_id = idplane_project.inventory.id
  slug       = "app"
  name       = "Inventory app"
  permissions = [
    { subject = "secrets", actions = ["describe", "read"], conditions = { environments = ["prod"], secret_paths = ["/app/*"] } },
  ]
}

resource "idplane_identity" "vm" {
  count = 10
  name  = format("inventory-vm-%02d", count.index + 1)
  role  = "no-access"
}

resource "idplane_identity_universal_auth" "vm" {
  count                     = 10
  identity_id               = idplane_identity.vm[count.index].id
  access_token_trusted_ips  = ["10.40.0.0/16"]
  client_secret_trusted_ips = ["10.40.0.0/16"]
}

resource "idplane_project_identity" "vm" {
  count       = 10
  project_id  = idplane_project.inventory.id
  identity_id = idplane_identity.vm[count.index].id
  roles       = [{ role_slug = idplane_project_role.app.slug }]
}
