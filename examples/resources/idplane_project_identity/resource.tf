resource "idplane_project" "webshop" {
  name = "Webshop"
  slug = "webshop"
}

resource "idplane_identity" "oncall" {
  name = "oncall-debugger"
  role = "no-access"
}

# A permanent viewer grant plus a time-boxed admin grant for an incident.
resource "idplane_project_identity" "oncall" {
  project_id  = idplane_project.webshop.id
  identity_id = idplane_identity.oncall.id
  roles = [
    { role_slug = "viewer" },
    {
      role_slug        = "admin"
      temporary_access = { start_time = "2026-11-25T08:00:00Z", duration = "4h" }
    },
  ]
}
