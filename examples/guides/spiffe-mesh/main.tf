terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}

# One identity per service of the mesh, each bound to the SPIFFE IDs of its
# service accounts; the trust domain's bundle is the CA.
locals {
  trust_bundle = <<-EOT
    -----BEGIN CERTIFICATE-----
    MIIBkDCCATegAwIBAgIULiCvTn3J/uge/H/2DD1xxNtCW/cwCgYIKoZIzj0EAwIw
    HjELMAkGA1UEBhMCVVMxDzANBgNVBAoMBlNQSUZGRTAeFw0yNjEyMDIwNjM1MjZa
    Fw0zNjExMjkwNjM1MjZaMB4xCzAJBgNVBAYTAlVTMQ8wDQYDVQQKDAZTUElGRkUw
    WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASTqKTZGYYrjaD3pbgkDaF0AdlJ3ZKR
    YEA4OJF/DcQjnnYx0mkFBPGnA9DjMrZEo5wigg7zkKooqOCeUWgMhpYYo1MwUTAd
    BgNVHQ4EFgQU7imKApbqVTtPMXpc1JomvpOD1OswHwYDVR0jBBgwFoAU7imKApbq
    VTtPMXpc1JomvpOD1OswDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBE
    AiAznX6w1aPgAXNUYqz8YuL57B/vLPb7ncTPKHRScMwGUQIgfZIJ6sVddk+ctre8
    QkiQwQsfCVPV5uFhqiZQBbq0dQs=
    -----END CERTIFICATE-----
  EOT

  services = {
    payments = "spiffe://prod.example.org/ns/payments/sa/payments-api"
    ledger   = "spiffe://prod.example.org/ns/ledger/sa/*"
  }
}

resource "idplane_identity" "service" {
  for_each = local.services

  name = "mesh-${each.key}"
  role = "no-access"
}

resource "idplane_identity_tls_cert_auth" "service" {
  for_each = local.services

  identity_id               = idplane_identity.service[each.key].id
  ca_certificate            = local.trust_bundle
  allowed_subject_alt_names = ["URI:${each.value}"]

  # SVIDs live an hour; so do the tokens they buy.
  access_token_ttl         = 600
  access_token_max_ttl     = 3600
  access_token_trusted_ips = ["10.0.0.0/8"]
}

output "identity_ids" {
  value = { for k, v in idplane_identity.service : k => v.id }
}
