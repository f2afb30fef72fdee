# Compute Engine VMs of one project and region log in with their instance
# identity token. Every GCP auth binds service accounts or projects (zones
# alone bind no one; allow_any_principal = true would admit any Google
# service account or VM in the world, and idplane audit reports it as high).
resource "idplane_identity" "batch" {
  name = "gce-batch"
  role = "no-access"
}

resource "idplane_identity_gcp_auth" "batch" {
  identity_id = idplane_identity.batch.id

  type                           = "gce"
  allowed_service_account_emails = ["batch@acme-prod.iam.gserviceaccount.com"]
  allowed_projects               = ["acme-prod"]
  allowed_zones                  = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
}

# Cloud Run services and Cloud Functions log in with a JWT their service
# account signs (iam.serviceAccounts.signJwt).
resource "idplane_identity" "api" {
  name = "cloud-run-api"
  role = "no-access"
}

resource "idplane_identity_gcp_auth" "api" {
  identity_id = idplane_identity.api.id

  type                           = "iam"
  allowed_service_account_emails = ["api@acme-prod.iam.gserviceaccount.com"]
  access_token_trusted_ips       = ["35.191.0.0/16", "130.211.0.0/22"]
}
