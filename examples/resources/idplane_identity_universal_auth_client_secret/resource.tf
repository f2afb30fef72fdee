resource "idplane_identity" "deploy" {
  name = "ci-deploy"
  role = "no-access"
}

resource "idplane_identity_universal_auth" "deploy" {
  identity_id = idplane_identity.deploy.id
}

# Rotated by replacing it: change the description (or taint it) and apply.
resource "idplane_identity_universal_auth_client_secret" "deploy" {
  identity_id = idplane_identity_universal_auth.deploy.identity_id
  description = "GitHub Actions, rotated 2026-11"
  ttl         = 7776000 # 90 days
}

output "deploy_client_secret" {
  value     = idplane_identity_universal_auth_client_secret.deploy.client_secret
  sensitive = true
}
