# GCP auth is imported by the ID of its identity.
terraform import idplane_identity_gcp_auth.batch 0193a3c1-9a10-7d2e-8b3c-4d5e6f708192
