# A realistic organization with least privilege everywhere:
#  - the webshop's application servers in staging and production,
#  - the build, deploy and security-scan pipelines,
#  - one Kubernetes cluster shared by the payments, platform and analytics teams.
#
# Identities follow permissions, not machines: all production webshop servers
# share one identity; the three teams on the shared cluster get one identity
# each, because their permissions (and tenants) differ.
#
# The provider reads IDPLANE_HOST, IDPLANE_CLIENT_ID and IDPLANE_CLIENT_SECRET.

terraform {
  required_providers {
    idplane = {
      source = "idplane/idplane"
    }
  }
}

provider "idplane" {}

locals {
  projects = {
    webshop   = { name = "Webshop", environments = { dev = 1, staging = 2, prod = 3 } }
    payments  = { name = "Payments", environments = { staging = 1, prod = 2 } }
    platform  = { name = "Platform", environments = { prod = 1 } }
    analytics = { name = "Analytics", environments = { prod = 1 } }
  }
  environments = merge([
    for p, cfg in local.projects : {
      for env, pos in cfg.environments : "${p}/${env}" => { project = p, slug = env, position = pos }
    }
  ]...)
}

resource "idplane_project" "this" {
  for_each = local.projects
  name     = each.value.name
  slug     = each.key
}

resource "idplane_project_environment" "this" {
  for_each   = local.environments
  project_id = idplane_project.this[each.value.project].id
  name       = title(each.value.slug)
  slug       = each.value.slug
  position   = each.value.position
}
