# The payments services of a SPIFFE trust domain log in with their
# X.509-SVIDs.
resource "idplane_identity" "payments" {
  name = "payments"
  role = "no-access"
}

resource "idplane_identity_tls_cert_auth" "payments" {
  identity_id = idplane_identity.payments.id

  ca_certificate = <<-EOT
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
  allowed_subject_alt_names = [
    "URI:spiffe://prod.example.org/ns/payments/sa/*",
  ]
  access_token_ttl = 600
}

# Batch hosts with certificates of the internal CA, by name and network.
resource "idplane_identity" "batch" {
  name = "batch-hosts"
  role = "no-access"
}

resource "idplane_identity_tls_cert_auth" "batch" {
  identity_id = idplane_identity.batch.id

  ca_certificate            = idplane_identity_tls_cert_auth.payments.ca_certificate
  allowed_common_names      = ["batch-*.internal.example.com"]
  allowed_subject_alt_names = ["DNS:batch-*.internal.example.com", "IP:10.40.0.0/16"]
}
