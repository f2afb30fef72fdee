package tokenauth_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/server/api"
)

const jwtAddr = "idplane_identity_jwt_auth.ci"

// jwtWalk starts with a JWKS URL and changes to static keys in place.
var jwtWalk = walk{
	kind: "jwt", noun: "JWT auth",
	create: `
  configuration_type = "jwks"
  jwks_url           = "https://www.googleapis.com/oauth2/v3/certs"
  bound_issuer       = "https://accounts.google.com"
  bound_audiences    = ["idplane"]
`,
	created: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(jwtAddr, "configuration_type", "jwks"),
		resource.TestCheckResourceAttr(jwtAddr, "jwks_url", "https://www.googleapis.com/oauth2/v3/certs"),
		resource.TestCheckResourceAttr(jwtAddr, "jwks_ca_cert", ""),
		resource.TestCheckResourceAttr(jwtAddr, "public_keys.#", "0"),
		resource.TestCheckResourceAttr(jwtAddr, "bound_claims.%", "0"),
	},
	update: fmt.Sprintf(`
  configuration_type = "static"
  public_keys        = [%q, %q]
  bound_issuer       = "https://ci.example.com"
  bound_audiences    = ["idplane"]
  bound_claims = {
    "pipeline.project" = ["acme-*", "platform"]
  }
  claim_metadata = {
    pipeline = "pipeline.id"
  }
`, keyPEM1, keyPEM2),
	reordered: fmt.Sprintf(`
  configuration_type = "static"
  public_keys        = [%q, %q]
  bound_issuer       = "https://ci.example.com"
  bound_audiences    = ["idplane"]
  bound_claims = {
    "pipeline.project" = ["platform", "acme-*"]
  }
  claim_metadata = {
    pipeline = "pipeline.id"
  }
`, keyPEM2, keyPEM1),
	updated: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(jwtAddr, "configuration_type", "static"),
		resource.TestCheckResourceAttr(jwtAddr, "jwks_url", ""),
		resource.TestCheckResourceAttr(jwtAddr, "public_keys.#", "2"),
		resource.TestCheckTypeSetElemAttr(jwtAddr, "public_keys.*", keyPEM2),
		resource.TestCheckResourceAttr(jwtAddr, "bound_claims.pipeline.project.#", "2"),
		resource.TestCheckResourceAttr(jwtAddr, "claim_metadata.pipeline", "pipeline.id"),
	},
	attach: func(ctx context.Context, c *api.Client, identityID string) error {
		_, err := c.PutJWTAuth(ctx, identityID, 0, api.JWTAuthInput{JWTAuthConfig: api.JWTAuthConfig{
			ConfigurationType: api.JWTConfigStatic, PublicKeys: []string{keyPEM1},
		}})
		return err
	},
	get:    getter((*api.Client).GetJWTAuth),
	detach: (*api.Client).DeleteJWTAuth,
}

func TestJWTAuthResource(t *testing.T) { jwtWalk.run(t) }

func TestJWTAuthValidation(t *testing.T) {
	const jwks, static = `configuration_type = "jwks"` + "\n", `configuration_type = "static"` + "\n"
	planErrors(t, "jwt", [][2]string{
		{jwks + `jwks_url = "keys.example.com/jwks.json"`, `jwks_url: "keys.example.com/jwks.json" is not an https:// URL with a host`},
		{jwks + `jwks_url = "http://keys.example.com/jwks.json"`, `jwks_url: "http://keys.example.com/jwks.json" is not an https:// URL`},
		{jwks, `jwks_url: is required: an https:// URL`},
		{jwks + `jwks_url = "https://keys.example.com/jwks.json"` + "\n" + `jwks_ca_cert = "-----BEGIN CERTIFICATE-----"`, `jwks_ca_cert: must be one or more PEM-encoded certificates`},
		{jwks + `jwks_url = "https://keys.example.com/jwks.json"` + "\n" + fmt.Sprintf(`public_keys = [%q]`, keyPEM1),
			`public_keys: must be empty when configuration_type is "jwks" (set jwks_url instead)`},
		{static, `public_keys: must list at least one PEM public key when configuration_type is "static"`},
		{static + `jwks_url = "https://keys.example.com/jwks.json"` + "\n" + fmt.Sprintf(`public_keys = [%q]`, keyPEM1),
			`jwks_url: must be empty when configuration_type is "static"`},
		{static + `public_keys = ["not a key"]`, `public_keys[*]: must be exactly one PEM block`},
		{static + fmt.Sprintf(`public_keys = [%q]`, privatePEM), `holds a PEM block of type "PRIVATE KEY"; only PUBLIC KEY and CERTIFICATE are allowed (never a private key)`},
		{`configuration_type = "oidc"`, `configuration_type: must be "jwks" or "static", got "oidc"`},
		{static + fmt.Sprintf(`public_keys = [%q]`, keyPEM1) + "\n" + `bound_claims = { "groups." = ["admins"] }`, `bound_claims["groups."]: claim path "groups." must be claim names joined by single dots`},
	})
}
