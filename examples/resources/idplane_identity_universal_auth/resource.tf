resource "idplane_identity" "build" {
  name = "ci-build"
  role = "no-access"
}

resource "idplane_identity_universal_auth" "build" {
  identity_id = idplane_identity.build.id

  access_token_ttl            = 900  # 15 minutes: a build step
  access_token_max_ttl        = 3600 # renewable for at most an hour
  access_token_num_uses_limit = 0    # unlimited
  access_token_trusted_ips    = ["10.20.0.0/16"]
  client_secret_trusted_ips   = ["10.20.0.0/16"]

  lockout = {
    enabled               = true
    threshold             = 5
    duration_seconds      = 600
    counter_reset_seconds = 60
  }
}

output "build_client_id" {
  value = idplane_identity_universal_auth.build.client_id
}
