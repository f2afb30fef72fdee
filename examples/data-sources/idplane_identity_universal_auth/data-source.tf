resource "idplane_identity" "billing" {
  name = "billing-worker"
  role = "no-access"
}

resource "idplane_identity_universal_auth" "billing" {
  identity_id = idplane_identity.billing.id
}

# The client ID of an identity whose universal auth another configuration
# manages; client secrets are never readable.
data "idplane_identity_universal_auth" "billing" {
  identity_id = idplane_identity_universal_auth.billing.identity_id
}

output "billing_client_id" {
  value = data.idplane_identity_universal_auth.billing.client_id
}
