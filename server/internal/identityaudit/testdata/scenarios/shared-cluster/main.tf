# One Kubernetes cluster shared by the payments, platform and analytics
# teams: three identities, one per team (tenant), each in its own project,
# whose pods log in with their service account tokens from the team's
# namespaces. The platform team runs in two namespaces, which the audit
# points out.
locals {
  teams = {
    payments  = ["payments"]
    platform  = ["platform", "platform-system"]
    analytics = ["analytics"]
  }
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

resource "idplane_identity_kubernetes_auth" "team" {
  for_each                 = local.teams
  identity_id              = idplane_identity.team[each.key].id
  kubernetes_host          = "https://kubernetes.example.com:6443"
  allowed_namespaces       = each.value
  access_token_trusted_ips = ["10.30.0.0/16"]
}

resource "idplane_project_identity" "team" {
  for_each    = local.teams
  project_id  = idplane_project.team[each.key].id
  identity_id = idplane_identity.team[each.key].id
  roles       = [{ role_slug = idplane_project_role.runtime[each.key].slug }]
}
