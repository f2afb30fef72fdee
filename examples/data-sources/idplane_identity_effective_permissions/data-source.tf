resource "idplane_project" "webshop" {
  name = "Webshop"
  slug = "webshop"
}

resource "idplane_identity" "reporting" {
  name = "reporting-job"
  role = "no-access"
}

resource "idplane_project_identity" "reporting" {
  project_id  = idplane_project.webshop.id
  identity_id = idplane_identity.reporting.id
  roles       = [{ role_slug = "viewer" }]
}

# What the identity may do now, roles resolved into rules.
data "idplane_identity_effective_permissions" "reporting" {
  identity_id = idplane_identity.reporting.id
  depends_on  = [idplane_project_identity.reporting]
}

output "reporting_project_roles" {
  value = { for p in data.idplane_identity_effective_permissions.reporting.projects : p.project_id => p.roles }
}
