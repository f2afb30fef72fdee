terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}

# The identity the Terraform job of the platform namespace runs as, and how
# its pod proves it: a projected service account token for the audience
# "idplane", reviewed by the cluster.
variable "token_reviewer_jwt" {
  description = "Token of the idplane-reviewer service account (system:auth-delegator)"
  type        = string
  sensitive   = true
  default     = null
}

resource "idplane_org_role" "platform_terraform" {
  slug        = "platform-terraform"
  name        = "Platform Terraform"
  description = "Manages projects and the identities of workloads"
  permissions = [
    { subject = "projects", actions = ["read", "create", "edit", "delete"] },
    { subject = "identities", actions = ["read", "create", "edit", "delete"] },
  ]
}

resource "idplane_identity" "platform_terraform" {
  name        = "platform-terraform-job"
  role        = idplane_org_role.platform_terraform.slug
  description = "The terraform Job of the platform namespace"
}

resource "idplane_identity_kubernetes_auth" "platform_terraform" {
  identity_id = idplane_identity.platform_terraform.id

  kubernetes_host           = "https://kubernetes.prod.example.com:6443"
  kubernetes_ca_certificate = <<-EOT
    -----BEGIN CERTIFICATE-----
    MIIBfjCCASWgAwIBAgIUN+57wU4ORsxCUjJG4P7JYfKeeUYwCgYIKoZIzj0EAwIw
    FTETMBEGA1UEAwwKa3ViZXJuZXRlczAeFw0yNjEyMDIwNjM1MjZaFw0zNjExMjkw
    NjM1MjZaMBUxEzARBgNVBAMMCmt1YmVybmV0ZXMwWTATBgcqhkjOPQIBBggqhkjO
    PQMBBwNCAASQeu3/O0QFluQZuJh4tMKAAzF6bK+mDvDg9kxaAszRap8xiA7Y5I0l
    yOOAq+Lm62lQqg6wUvOHo9xJMoxwzjVoo1MwUTAdBgNVHQ4EFgQU57PZO7C5bkIU
    jMstAIsA9lpPlnowHwYDVR0jBBgwFoAU57PZO7C5bkIUjMstAIsA9lpPlnowDwYD
    VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBQyGuoeoUb+ITHhkZlbbiW
    0U0cTL+GknnUar9dHH/bDwIgal10eHMarYksLTix6C0MtSvEGn67HieDnnZHQCCK
    4CM=
    -----END CERTIFICATE-----
  EOT
  token_reviewer_jwt        = var.token_reviewer_jwt

  allowed_namespaces            = ["platform"]
  allowed_service_account_names = ["terraform"]
  allowed_audience              = "idplane"

  access_token_ttl     = 900
  access_token_max_ttl = 3600
}

output "identity_id" {
  value = idplane_identity.platform_terraform.id
}
