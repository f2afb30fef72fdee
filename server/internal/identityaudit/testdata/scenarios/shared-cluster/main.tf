# One Kubernetes cluster shared by the payments, platform and analytics
# teams: three identities, one per team (tenant), each in its own project.
locals {
  teams = toset(["payments", "platform", "analytics"])
}

resource "idplane_project" "team" {
  for_each = local.teams
  name     = title(each.key)
  slug     = each.key
}

resource "idplane_project_environment" "prod" {
  for_each   = local.teams
  project_id = idplane_project.team[each.key].id
  name       = "Production"
  slug       = "prod"
}

resource "idplane_project_role" "runtime" {
  for_each   = local.teams
  project_id = idplane_project.team[each.key].id
  slug       = "k8s-runtime"
  name       = "Cluster runtime"
  permissions = [
    { subject = "secrets", actions = ["read"], conditions = { environments = ["prod"], secret_paths = ["/k8s/**"] } },
  ]
}

resource "idplane_identity" "team" {
  for_each = local.teams
  name     = "k8s-${each.key}"
  role     = "no-access"
}

resource "idplane_identity_universal_auth" "team" {
  for_each                  = local.teams
  identity_id               = idplane_identity.team[each.key].id
  access_token_trusted_ips  = ["10.30.0.0/16"]
  client_secret_trusted_ips = ["10.30.0.0/16"]
}

resource "idplane_project_identity" "team" {
  for_each    = local.teams
  project_id  = idplane_project.team[each.key].id
  identity_id = idplane_identity.team[each.key].id
  roles       = [{ role_slug = idplane_project_role.runtime[each.key].slug }]
}
