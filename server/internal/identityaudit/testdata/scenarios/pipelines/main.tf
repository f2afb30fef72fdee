# Build, deploy and security-scan pipelines: three identities, because each
# pipeline reaches different secrets.
resource "idplane_project" "webshop" {
  name = "Webshop"
  slug = "webshop"
}

resource "idplane_project_environment" "env" {
  for_each   = { dev = 1, prod = 2 }
  project_id = idplane_project.webshop.id
  name       = title(each.key)
  slug       = each.key
  position   = each.value
}

resource "idplane_project_role" "build" {
  project_id = idplane_project.webshop.id
  slug       = "ci-build"
  name       = "CI build"
  permissions = [
    { subject = "secrets", actions = ["read"], conditions = { environments = ["dev"], secret_paths = ["/build/**"] } },
  ]
}

resource "idplane_project_role" "deploy" {
  project_id = idplane_project.webshop.id
  slug       = "ci-deploy"
  name       = "CI deploy"
  permissions = [
    { subject = "secrets", actions = ["read"], conditions = { environments = ["prod"], secret_paths = ["/deploy/*"] } },
  ]
}

resource "idplane_project_role" "scan" {
  project_id  = idplane_project.webshop.id
  slug        = "ci-scan"
  name        = "CI security scan"
  permissions = [{ subject = "secrets", actions = ["describe"] }]
}

locals {
  pipelines = { build = idplane_project_role.build.slug, deploy = idplane_project_role.deploy.slug, scan = idplane_project_role.scan.slug }
}

resource "idplane_identity" "pipeline" {
  for_each = local.pipelines
  name     = "ci-${each.key}"
  role     = "no-access"
}

resource "idplane_identity_oidc_auth" "pipeline" {
  for_each           = idplane_identity.pipeline
  identity_id        = each.value.id
  oidc_discovery_url = "https://token.actions.githubusercontent.com"
  bound_audiences    = ["https://github.com/acme"]
  bound_subject      = "repo:acme/webshop:environment:${each.key}"
  access_token_ttl   = 900
}

resource "idplane_project_identity" "pipeline" {
  for_each    = idplane_identity.pipeline
  project_id  = idplane_project.webshop.id
  identity_id = each.value.id
  roles       = [{ role_slug = local.pipelines[each.key] }]
}
