package tokenauth_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/server/api"
)

const azureAddr = "idplane_identity_azure_auth.ci"

var azureWalk = walk{
	kind: "azure", noun: "Azure auth",
	create: `
  tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47"
`,
	created: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(azureAddr, "tenant_id", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
		resource.TestCheckResourceAttr(azureAddr, "resource_url", "https://management.azure.com/"),
		resource.TestCheckResourceAttr(azureAddr, "allowed_service_principal_ids.#", "0"),
	},
	update: `
  tenant_id                     = "72f988bf-86f1-41af-91ab-2d7cd011db47"
  resource_url                  = "https://vault.azure.net"
  allowed_service_principal_ids = ["0d6b2c39-6a2e-4f7b-9a51-3c1f0e5d8a21", "9e8f7a6b-5c4d-4e3f-8a1b-2c3d4e5f6a7b"]
`,
	reordered: `
  tenant_id                     = "72f988bf-86f1-41af-91ab-2d7cd011db47"
  resource_url                  = "https://vault.azure.net"
  allowed_service_principal_ids = ["9e8f7a6b-5c4d-4e3f-8a1b-2c3d4e5f6a7b", "0d6b2c39-6a2e-4f7b-9a51-3c1f0e5d8a21"]
`,
	updated: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(azureAddr, "resource_url", "https://vault.azure.net"),
		resource.TestCheckResourceAttr(azureAddr, "allowed_service_principal_ids.#", "2"),
		resource.TestCheckTypeSetElemAttr(azureAddr, "allowed_service_principal_ids.*", "9e8f7a6b-5c4d-4e3f-8a1b-2c3d4e5f6a7b"),
	},
	attach: func(ctx context.Context, c *api.Client, identityID string) error {
		_, err := c.PutAzureAuth(ctx, identityID, 0, api.AzureAuthInput{AzureAuthConfig: api.AzureAuthConfig{
			TenantID: "11111111-2222-4333-8444-555555555555", ResourceURL: api.DefaultAzureResourceURL,
		}})
		return err
	},
	get:    getter((*api.Client).GetAzureAuth),
	detach: (*api.Client).DeleteAzureAuth,
}

func TestAzureAuthResource(t *testing.T) { azureWalk.run(t) }

func TestAzureAuthValidation(t *testing.T) {
	planErrors(t, "azure", [][2]string{
		{`tenant_id = "acme.onmicrosoft.com"`, `tenant_id: must be the tenant's directory ID, a UUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, got "acme.onmicrosoft.com"`},
		{`tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47"` + "\n" + `resource_url = ""`, `resource_url: is required`},
		{`tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47"` + "\n" + `allowed_service_principal_ids = ["build-vm"]`,
			`allowed_service_principal_ids[*]: must be a service principal's object ID (a UUID), got "build-vm"`},
		{`tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47"` + "\n" + `access_token_max_ttl = 60`, `access_token_ttl (3600) must not exceed access_token_max_ttl (60`},
	})
}
