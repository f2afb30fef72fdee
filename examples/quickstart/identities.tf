locals {
  # name => where it runs (client-secret and token trusted IPs) and its grants.
  workloads = {
    "webshop-staging-app" = { networks = ["10.10.0.0/16"], grants = { webshop = "runtime-staging" }, ttl = 3600 }
    "webshop-prod-app"    = { networks = ["10.20.0.0/16"], grants = { webshop = "runtime-prod" }, ttl = 3600 }
    "ci-build"            = { networks = ["0.0.0.0/0", "::/0"], grants = { webshop = "ci-build" }, ttl = 900 }
    "ci-deploy"           = { networks = ["0.0.0.0/0", "::/0"], grants = { webshop = "ci-deploy" }, ttl = 900 }
    "ci-security-scan" = {
      networks = ["0.0.0.0/0", "::/0"]
      grants   = { webshop = "security-scan", payments = "security-scan", platform = "security-scan", analytics = "security-scan" }
      ttl      = 900
    }
    "k8s-payments"  = { networks = ["10.30.0.0/16"], grants = { payments = "k8s-runtime" }, ttl = 1800 }
    "k8s-platform"  = { networks = ["10.30.0.0/16"], grants = { platform = "k8s-runtime" }, ttl = 1800 }
    "k8s-analytics" = { networks = ["10.30.0.0/16"], grants = { analytics = "k8s-runtime" }, ttl = 1800 }
  }
  memberships = merge([
    for name, w in local.workloads : {
      for project, role in w.grants : "${name}/${project}" => { identity = name, project = project, role = role }
    }
  ]...)
}

resource "idplane_identity" "workload" {
  for_each    = local.workloads
  name        = each.key
  role        = "no-access" # nothing at organization level
  description = "Managed by Terraform (examples/quickstart)"
  metadata    = { managed-by = "terraform" }
}

resource "idplane_identity_universal_auth" "workload" {
  for_each                  = local.workloads
  identity_id               = idplane_identity.workload[each.key].id
  access_token_ttl          = each.value.ttl
  access_token_max_ttl      = each.value.ttl * 4
  access_token_trusted_ips  = each.value.networks
  client_secret_trusted_ips = each.value.networks
}

resource "idplane_identity_universal_auth_client_secret" "workload" {
  for_each    = local.workloads
  identity_id = idplane_identity_universal_auth.workload[each.key].identity_id
  description = "issued by examples/quickstart"
}

resource "idplane_project_identity" "workload" {
  for_each    = local.memberships
  project_id  = idplane_project.this[each.value.project].id
  identity_id = idplane_identity.workload[each.value.identity].id
  roles       = [{ role_slug = each.value.role }]

  # Custom roles must exist before they are granted.
  depends_on = [
    idplane_project_role.webshop_runtime, idplane_project_role.ci_build, idplane_project_role.ci_deploy,
    idplane_project_role.scanner, idplane_project_role.k8s_runtime,
  ]
}
