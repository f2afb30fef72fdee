package httpapi_test

import (
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
)

const (
	azTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	azOther  = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
	azOID    = "8d7ce5a2-4a77-4b1d-8f6c-2f2f0d0b5e11"
	azOID2   = "1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d"
)

func (e *stEnv) putAzure(t *testing.T, identityID string, c api.AzureAuthConfig) {
	t.Helper()
	must(e.tn.c.PutAzureAuth(t.Context(), identityID, 0, api.AzureAuthInput{AzureAuthConfig: c}))(t)
}

// Azure managed-identity tokens, v1 and v2, of the configured tenant, for
// the configured resource, from an allowed service principal.
func TestAzureAuth(t *testing.T) {
	e := newSTEnv(t)
	id := e.identity(t, "azure-vm")
	const mgmt = "https://management.azure.com/"
	e.putAzure(t, id, api.AzureAuthConfig{TenantID: azTenant, ResourceURL: mgmt})

	t.Run("v1 and v2 tokens", func(t *testing.T) {
		for _, v2 := range []bool{false, true} {
			self, ev := e.accept(t, "azure-auth", id, e.idp.AzureToken(azTenant, azOID, mgmt, v2))
			if ev.Metadata["subject"] != azOID || self.AuthMethod != "azure-auth" {
				t.Fatalf("v2=%v: audit metadata %v", v2, ev.Metadata)
			}
		}
		if n := e.idp.Fetches("/azure/" + azTenant + "/v2.0/.well-known/openid-configuration"); n != 1 {
			t.Fatalf("the tenant's discovery document was fetched %d times, want 1", n)
		}
	})

	t.Run("resource with and without a trailing slash", func(t *testing.T) {
		e.accept(t, "azure-auth", id, e.idp.AzureToken(azTenant, azOID, "https://management.azure.com", true))
		e.refuse(t, "azure-auth", id, e.idp.AzureToken(azTenant, azOID, "https://vault.azure.net", true), "audience does not match", "vault.azure.net")
		e.putAzure(t, id, api.AzureAuthConfig{TenantID: azTenant, ResourceURL: "https://vault.azure.net"})
		e.accept(t, "azure-auth", id, e.idp.AzureToken(azTenant, azOID, "https://vault.azure.net", false))
		e.accept(t, "azure-auth", id, e.idp.AzureToken(azTenant, azOID, "https://vault.azure.net/", false))
		e.refuse(t, "azure-auth", id, e.idp.AzureToken(azTenant, azOID, mgmt, false), "audience does not match")
		e.putAzure(t, id, api.AzureAuthConfig{TenantID: azTenant, ResourceURL: mgmt})
	})

	t.Run("allowed service principal ids", func(t *testing.T) {
		e.putAzure(t, id, api.AzureAuthConfig{TenantID: azTenant, ResourceURL: mgmt, AllowedServicePrincipalIDs: []string{"8D7CE5A2-4A77-4B1D-8F6C-2F2F0D0B5E11"}})
		e.accept(t, "azure-auth", id, e.idp.AzureToken(azTenant, azOID, mgmt, true))
		e.refuse(t, "azure-auth", id, e.idp.AzureToken(azTenant, azOID2, mgmt, true), "service principal is not allowed", azOID2)
		e.putAzure(t, id, api.AzureAuthConfig{TenantID: azTenant, ResourceURL: mgmt})
	})

	t.Run("another tenant", func(t *testing.T) {
		// The other tenant's own tokens carry its issuer.
		e.refuse(t, "azure-auth", id, e.idp.AzureToken(azOther, azOID, mgmt, false), "issuer does not match", azOther)
		e.refuse(t, "azure-auth", id, e.idp.AzureToken(azOther, azOID, mgmt, true), "issuer does not match", azOther)
		// A token whose tid disagrees with its issuer.
		mixed := idptest.Sign(e.idp.Current(), idptest.Claims("https://sts.windows.net/"+azTenant+"/", azOID, []string{mgmt}, 5*time.Minute,
			map[string]any{"tid": azOther, "oid": azOID}))
		e.refuse(t, "azure-auth", id, mixed, "tenant does not match", "tid "+azOther)
	})

	t.Run("no oid", func(t *testing.T) {
		noOID := idptest.Sign(e.idp.Current(), idptest.Claims("https://sts.windows.net/"+azTenant+"/", azOID, []string{mgmt}, 5*time.Minute,
			map[string]any{"tid": azTenant}))
		e.refuse(t, "azure-auth", id, noOID, "the token has no oid")
	})

	t.Run("tenant ID in upper case", func(t *testing.T) {
		upper := e.identity(t, "azure-upper")
		e.putAzure(t, upper, api.AzureAuthConfig{TenantID: "72F988BF-86F1-41AF-91AB-2D7CD011DB47", ResourceURL: mgmt})
		e.accept(t, "azure-auth", upper, e.idp.AzureToken(azTenant, azOID, mgmt, true))
	})
}
