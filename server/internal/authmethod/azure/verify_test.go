package azure

import (
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/methodtest"
)

const (
	tenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	other    = "0d9f7a1c-0000-4000-8000-000000000001"
	oid      = "9a1b2c3d-0000-4000-8000-00000000beef"
	resource = "https://management.azure.com/"
)

func TestVerify(t *testing.T) {
	idp, sv := methodtest.IdP(t)
	v := verifier{Verifier: sv, loginURL: idp.AzureLoginURL()}
	cfg := methodconfig.Config[api.AzureAuthConfig]{IdentityID: "id-1", C: api.AzureAuthConfig{TenantID: "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
		ResourceURL: resource, AllowedServicePrincipalIDs: []string{"9A1B2C3D-0000-4000-8000-00000000BEEF"}}}
	for _, c := range []struct {
		name, resource string
		v2             bool
	}{{"v1", resource, false}, {"v2", resource, true}, {"resource without the slash", "https://management.azure.com", false}} {
		got, err := v.verify(t.Context(), cfg, idp.AzureToken(tenant, oid, c.resource, c.v2))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.Subject != oid {
			t.Fatalf("%s: verified %+v", c.name, got)
		}
	}
	signed := func(iss string, claims map[string]any) string {
		return idptest.Sign(idp.Current(), idptest.Claims(iss, oid, []string{resource}, 5*time.Minute, claims))
	}
	for _, c := range []struct{ name, raw, public string }{
		{"another principal", idp.AzureToken(tenant, "11111111-0000-4000-8000-000000000000", resource, true), "service principal is not allowed"},
		{"another tenant", idp.AzureToken(other, oid, resource, false), "issuer does not match"},
		{"another resource", idp.AzureToken(tenant, oid, "https://vault.azure.net", true), "audience does not match"},
		{"tid of another tenant", signed("https://sts.windows.net/"+tenant+"/", map[string]any{"tid": other, "oid": oid}), "tenant does not match"},
		{"no oid", signed("https://sts.windows.net/"+tenant+"/", map[string]any{"tid": tenant}), "the token has no oid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.verify(t.Context(), cfg, c.raw)
			methodtest.Refused(t, err, c.public)
		})
	}
	cfg.C.AllowedServicePrincipalIDs = nil
	if _, err := v.verify(t.Context(), cfg, idp.AzureToken(tenant, "11111111-0000-4000-8000-000000000000", resource, true)); err != nil {
		t.Fatalf("no principal bound: %v", err)
	}
}

// A tenant whose discovery document cannot be fetched refuses the login.
func TestVerifyTenantDown(t *testing.T) {
	idp, sv := methodtest.IdP(t)
	v := verifier{Verifier: sv, loginURL: idp.AzureLoginURL()}
	idp.SetDown(true)
	_, err := v.verify(t.Context(), methodconfig.Config[api.AzureAuthConfig]{IdentityID: "id-1", C: api.AzureAuthConfig{TenantID: tenant, ResourceURL: resource}},
		idp.AzureToken(tenant, oid, resource, true))
	methodtest.Refused(t, err, "the tenant's discovery document could not be fetched")
}
