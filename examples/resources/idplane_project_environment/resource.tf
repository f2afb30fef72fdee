resource "idplane_project" "webshop" {
  name = "Webshop"
  slug = "webshop"
}

resource "idplane_project_environment" "staging" {
  project_id = idplane_project.webshop.id
  name       = "Staging"
  slug       = "staging"
  position   = 1
}

resource "idplane_project_environment" "production" {
  project_id = idplane_project.webshop.id
  name       = "Production"
  slug       = "prod"
  position   = 2
}
