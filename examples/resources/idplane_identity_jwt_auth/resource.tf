# Tokens of an in-house token service, verified with the keys it publishes.
resource "idplane_identity" "billing" {
  name = "billing-workers"
  role = "no-access"
}

resource "idplane_identity_jwt_auth" "billing" {
  identity_id = idplane_identity.billing.id

  configuration_type = "jwks"
  jwks_url           = "https://tokens.acme.example/.well-known/jwks.json"
  bound_issuer       = "https://tokens.acme.example"
  bound_audiences    = ["idplane"]
  bound_claims = {
    "service.name" = ["billing-*"] # a nested claim: {"service": {"name": ...}}
    "service.env"  = ["prod"]
  }
  claim_metadata = {
    service = "service.name"
  }
}

# Tokens signed by a release pipeline's key, verified with its public key.
resource "idplane_identity" "release" {
  name = "release-signer"
  role = "no-access"
}

resource "idplane_identity_jwt_auth" "release" {
  identity_id = idplane_identity.release.id

  configuration_type = "static"
  public_keys = [
    <<-EOT
    -----BEGIN PUBLIC KEY-----
    MCowBQYDK2VwAyEAbLnQVCh0aiiiYvtiJ8gjP+zLJt8YJ1m+CNgzDvXS9m0=
    -----END PUBLIC KEY-----
    EOT
  ]
  bound_issuer    = "release-pipeline"
  bound_audiences = ["idplane"]
  bound_subject   = "release:*"

  access_token_ttl     = 300
  access_token_max_ttl = 300
}
