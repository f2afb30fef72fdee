terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}

# In a real configuration this is an ephemeral random_password; an
# ephemeral variable stands in for it here.
variable "client_secret" {
  description = "The client secret, e.g. ephemeral.random_password.payments_api.result"
  type        = string
  ephemeral   = true
  sensitive   = true
}

resource "idplane_identity" "payments_api" {
  name = "payments-api"
  role = "no-access"
}

resource "idplane_identity_universal_auth" "payments_api" {
  identity_id = idplane_identity.payments_api.id
}

# The server keeps only the secret's keyed hash; the state keeps nothing.
# Thirty days, replaced by the first plan in the last seven, new one first.
resource "idplane_identity_universal_auth_client_secret" "payments_api" {
  identity_id              = idplane_identity_universal_auth.payments_api.identity_id
  description              = "payments-api in the prod cluster"
  client_secret_wo         = var.client_secret
  client_secret_wo_version = 1
  ttl                      = 2592000
  renew_before             = 604800

  lifecycle {
    create_before_destroy = true
  }
}
