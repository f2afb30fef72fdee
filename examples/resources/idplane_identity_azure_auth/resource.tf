# Azure VMs and App Service apps with one of these managed identities log in
# with a managed-identity access token for Azure Resource Manager.
resource "idplane_identity" "reports" {
  name = "azure-reports"
  role = "no-access"
}

resource "idplane_identity_azure_auth" "reports" {
  identity_id = idplane_identity.reports.id

  tenant_id    = "72f988bf-86f1-41af-91ab-2d7cd011db47"
  resource_url = "https://management.azure.com/"
  allowed_service_principal_ids = [
    "4d2c8b1e-7f3a-4e6b-9c5d-1a2b3c4d5e6f", # reports-vm's system-assigned identity
    "a9e8d7c6-b5a4-4321-8fed-cba987654321", # reports-app's user-assigned identity
  ]
}
