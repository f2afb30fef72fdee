# The terraform service account of the infra namespace logs in with a
# projected token requested for the audience "idplane"; the server has the
# cluster review it with a reviewer service account's token
# (system:auth-delegator), given as TF_VAR_token_reviewer_jwt. Without one,
# each pod's own token is the reviewer's bearer.
variable "token_reviewer_jwt" {
  type      = string
  sensitive = true
  default   = null
}

resource "idplane_identity" "infra" {
  name = "k8s-infra-terraform"
  role = "no-access"
}

resource "idplane_identity_kubernetes_auth" "infra" {
  identity_id = idplane_identity.infra.id

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

  allowed_namespaces            = ["infra"]
  allowed_service_account_names = ["terraform"]
  allowed_audience              = "idplane"

  access_token_ttl = 900
}

# Every runner pod of the ci-* namespaces shares one identity.
resource "idplane_identity" "runners" {
  name = "k8s-ci-runners"
  role = "no-access"
}

resource "idplane_identity_kubernetes_auth" "runners" {
  identity_id = idplane_identity.runners.id

  kubernetes_host               = "https://kubernetes.prod.example.com:6443"
  allowed_namespaces            = ["ci-*"]
  allowed_service_account_names = ["runner"]
  access_token_trusted_ips      = ["10.32.0.0/12"]
}
