package tokenauth_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/server/api"
)

const oidcAddr = "idplane_identity_oidc_auth.ci"

var oidcWalk = walk{
	kind: "oidc", noun: "OIDC auth",
	create: `
  oidc_discovery_url = "https://token.actions.githubusercontent.com"
  bound_audiences    = ["https://github.com/acme"]
  bound_subject      = "repo:acme/app:ref:refs/heads/main"
`,
	created: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(oidcAddr, "oidc_ca_certificate", ""),
		resource.TestCheckResourceAttr(oidcAddr, "bound_issuer", ""),
		resource.TestCheckResourceAttr(oidcAddr, "bound_audiences.#", "1"),
		resource.TestCheckResourceAttr(oidcAddr, "bound_subject", "repo:acme/app:ref:refs/heads/main"),
		resource.TestCheckResourceAttr(oidcAddr, "bound_claims.%", "0"),
		resource.TestCheckResourceAttr(oidcAddr, "claim_metadata.%", "0"),
	},
	update: fmt.Sprintf(`
  oidc_discovery_url  = "https://gitlab.example.com"
  oidc_ca_certificate = %q
  bound_issuer        = "https://gitlab.example.com"
  bound_audiences     = ["https://idplane.example.com", "idplane"]
  bound_claims = {
    namespace_path = ["acme", "acme/*"]
    ref_protected  = ["true"]
  }
  claim_metadata = {
    project = "project_path"
    ref     = "ref"
  }
`, caPEM),
	reordered: fmt.Sprintf(`
  oidc_discovery_url  = "https://gitlab.example.com"
  oidc_ca_certificate = %q
  bound_issuer        = "https://gitlab.example.com"
  bound_audiences     = ["idplane", "https://idplane.example.com"]
  bound_claims = {
    ref_protected  = ["true"]
    namespace_path = ["acme/*", "acme"]
  }
  claim_metadata = {
    ref     = "ref"
    project = "project_path"
  }
`, caPEM),
	updated: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(oidcAddr, "oidc_ca_certificate", caPEM),
		resource.TestCheckResourceAttr(oidcAddr, "bound_subject", ""),
		resource.TestCheckResourceAttr(oidcAddr, "bound_audiences.#", "2"),
		resource.TestCheckResourceAttr(oidcAddr, "bound_claims.%", "2"),
		resource.TestCheckResourceAttr(oidcAddr, "bound_claims.namespace_path.#", "2"),
		resource.TestCheckTypeSetElemAttr(oidcAddr, "bound_claims.namespace_path.*", "acme/*"),
		resource.TestCheckResourceAttr(oidcAddr, "claim_metadata.project", "project_path"),
	},
	attach: func(ctx context.Context, c *api.Client, identityID string) error {
		_, err := c.PutOIDCAuth(ctx, identityID, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{
			OIDCDiscoveryURL: "https://accounts.google.com",
			TokenBindings:    api.TokenBindings{BoundAudiences: []string{"other"}, BoundClaims: map[string][]string{"email": {"*@acme.com"}}},
		}})
		return err
	},
	get:    getter((*api.Client).GetOIDCAuth),
	detach: (*api.Client).DeleteOIDCAuth,
}

func TestOIDCAuthResource(t *testing.T) { oidcWalk.run(t) }

func TestOIDCAuthValidation(t *testing.T) {
	const url = `oidc_discovery_url = "https://token.actions.githubusercontent.com"` + "\n"
	planErrors(t, "oidc", [][2]string{
		{`oidc_discovery_url = "token.actions.githubusercontent.com"`, `oidc_discovery_url: "token.actions.githubusercontent.com" is not an https:// URL with a host`},
		{`oidc_discovery_url = "http://issuer.example.com"`, `oidc_discovery_url: "http://issuer.example.com" is not an https:// URL`},
		{`oidc_discovery_url = "https://user:pw@issuer.example.com"`, `must not carry credentials`},
		{url + `oidc_ca_certificate = "not a certificate"`, `oidc_ca_certificate: must be one or more PEM-encoded certificates`},
		{url + fmt.Sprintf(`oidc_ca_certificate = %q`, keyPEM1), `oidc_ca_certificate: holds a PEM block of type "PUBLIC KEY"; only CERTIFICATE blocks are allowed`},
		{url + `bound_claims = { "repository..owner" = ["acme"] }`, `bound_claims["repository..owner"]: claim path "repository..owner" must be claim names joined by single dots`},
		{url + `bound_claims = { "ref" = [""] }`, `bound_claims["ref"][*]: glob must not be empty`},
		{url + `bound_claims = { "ref" = [] }`, `bound_claims["ref"]: must list at least one glob`},
		{url + `bound_subject = "repo:acme/app\u202e"`, `bound_subject: glob "repo:acme/app\u202e" must be valid UTF-8 without control or format characters`},
		{url + `bound_audiences = [""]`, `bound_audiences[*]: must not be empty`},
		{url + `claim_metadata = { "1st" = "sub" }`, `claim_metadata["1st"]: key must start with a letter`},
		{url + `claim_metadata = { repository = "repo sitory" }`, `claim_metadata["repository"]: claim path "repo sitory" must be claim names joined by single dots`},
		{url + "access_token_ttl = 7200\naccess_token_max_ttl = 3600", `access_token_ttl (7200) must not exceed access_token_max_ttl (3600`},
	})
}
