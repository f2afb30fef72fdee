resource "idplane_project" "webshop" {
  name = "Webshop"
  slug = "webshop"
}

data "idplane_project_role" "viewer" {
  project_id = idplane_project.webshop.id
  slug       = "viewer"
}
