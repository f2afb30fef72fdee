resource "idplane_project" "webshop" {
  name = "Webshop"
  slug = "webshop"
}

resource "idplane_project_environment" "production" {
  project_id = idplane_project.webshop.id
  name       = "Production"
  slug       = "prod"
  position   = 2
}

# Every environment of the project, also those created outside Terraform.
data "idplane_project_environments" "webshop" {
  project_id = idplane_project.webshop.id
  depends_on = [idplane_project_environment.production]
}

output "webshop_environment_slugs" {
  value = data.idplane_project_environments.webshop.environments[*].slug
}
