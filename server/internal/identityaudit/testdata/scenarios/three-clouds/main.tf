# One reporting workload deployed in GCP, Azure and a Kubernetes cluster
# federated through OIDC, with identical access. Three identities were
# created, one per cloud; the audit says one is needed: a single identity
# may carry all three auth methods.
resource "idplane_project" "reports" {
  name = "Reports"
  slug = "reports"
}

resource "idplane_project_environment" "prod" {
  project_id = idplane_project.reports.id
  name       = "Production"
  slug       = "prod"
}

resource "idplane_project_role" "reader" {
  project_id = idplane_project.reports.id
  slug       = "reader"
  name       = "Reports reader"
  permissions = [
    { subject = "secrets", actions = ["read"], conditions = { environments = ["prod"], secret_paths = ["/reports/database"] } },
  ]
}

resource "idplane_identity" "reports" {
  for_each = toset(["gcp", "azure", "oidc"])
  name     = "reports-${each.key}"
  role     = "no-access"
}

resource "idplane_identity_gcp_auth" "reports" {
  identity_id                    = idplane_identity.reports["gcp"].id
  type                           = "gce"
  allowed_service_account_emails = ["reports@acme-prod.iam.gserviceaccount.com"]
  access_token_trusted_ips       = ["35.191.0.0/16"]
}

resource "idplane_identity_azure_auth" "reports" {
  identity_id                   = idplane_identity.reports["azure"].id
  tenant_id                     = "72f988bf-86f1-41af-91ab-2d7cd011db47"
  resource_url                  = "https://management.azure.com/"
  allowed_service_principal_ids = ["4d2c8b1e-7f3a-4e6b-9c5d-1a2b3c4d5e6f"]
  access_token_trusted_ips      = ["20.0.0.0/8"]
}

resource "idplane_identity_oidc_auth" "reports" {
  identity_id              = idplane_identity.reports["oidc"].id
  oidc_discovery_url       = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
  bound_audiences          = ["idplane"]
  bound_subject            = "system:serviceaccount:reports:reports"
  access_token_trusted_ips = ["10.30.0.0/16"]
}

resource "idplane_project_identity" "reports" {
  for_each    = idplane_identity.reports
  project_id  = idplane_project.reports.id
  identity_id = each.value.id
  roles       = [{ role_slug = idplane_project_role.reader.slug }]
}
