resource "idplane_project" "webshop" {
  name = "Webshop"
  slug = "webshop"
}

resource "idplane_identity" "checkout" {
  name = "checkout-api"
  role = "no-access"
}

resource "idplane_project_identity" "checkout" {
  project_id  = idplane_project.webshop.id
  identity_id = idplane_identity.checkout.id
  roles       = [{ role_slug = "viewer" }]
}

# Who is in the project, with which roles, whoever added them.
data "idplane_project_identities" "webshop" {
  project_id = idplane_project.webshop.id
  depends_on = [idplane_project_identity.checkout]
}

output "webshop_members" {
  value = { for m in data.idplane_project_identities.webshop.memberships : m.identity_id => m.roles[*].role_slug }
}
