# Application servers read their own secrets in their own environment.
resource "idplane_project_role" "webshop_runtime" {
  for_each    = toset(["staging", "prod"])
  project_id  = idplane_project.this["webshop"].id
  slug        = "runtime-${each.key}"
  name        = "Runtime (${each.key})"
  description = "Application servers: read /app secrets in ${each.key}"
  permissions = [{
    subject    = "secrets"
    actions    = ["describe", "read"]
    conditions = { environments = [each.key], secret_paths = ["/app/**"] }
  }]
}

# The build pipeline needs build-time secrets only, never runtime ones.
resource "idplane_project_role" "ci_build" {
  project_id = idplane_project.this["webshop"].id
  slug       = "ci-build"
  name       = "CI build"
  permissions = [{
    subject    = "secrets"
    actions    = ["describe", "read"]
    conditions = { environments = ["dev", "staging"], secret_paths = ["/build/**"] }
  }]
}

# The deploy pipeline reads deployment credentials and sees environments.
resource "idplane_project_role" "ci_deploy" {
  project_id = idplane_project.this["webshop"].id
  slug       = "ci-deploy"
  name       = "CI deploy"
  permissions = [
    { subject = "environments", actions = ["read"] },
    {
      subject    = "secrets"
      actions    = ["describe", "read"]
      conditions = { environments = ["staging", "prod"], secret_paths = ["/deploy/**"] }
    },
  ]
}

# The security scanner may list secret names and metadata in every project,
# but never read a value.
resource "idplane_project_role" "scanner" {
  for_each   = local.projects
  project_id = idplane_project.this[each.key].id
  slug       = "security-scan"
  name       = "Security scan"
  permissions = [
    { subject = "project", actions = ["read"] },
    { subject = "environments", actions = ["read"] },
    { subject = "secrets", actions = ["describe"] },
  ]
}

# Each team on the shared cluster reads its own project's /k8s secrets in prod.
resource "idplane_project_role" "k8s_runtime" {
  for_each   = toset(["payments", "platform", "analytics"])
  project_id = idplane_project.this[each.key].id
  slug       = "k8s-runtime"
  name       = "Kubernetes runtime"
  permissions = [{
    subject    = "secrets"
    actions    = ["describe", "read"]
    conditions = { environments = ["prod"], secret_paths = ["/k8s/**"] }
  }]
}
