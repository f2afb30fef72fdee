resource "idplane_project" "analytics" {
  name = "Analytics"
  slug = "analytics"
}

data "idplane_project" "analytics" {
  slug = idplane_project.analytics.slug
}
