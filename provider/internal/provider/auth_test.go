package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/servertest"
)

// oidcEnv is a server that trusts a local identity provider, and an admin
// identity that logs in with that provider's tokens.
type oidcEnv struct {
	*acctest.Env
	idp      *idptest.IdP
	identity string
}

// newOIDCEnv binds an admin identity's OIDC auth to the acme/infra
// repository's main branch, as the CI guide does.
func newOIDCEnv(t *testing.T) *oidcEnv {
	t.Helper()
	idp := idptest.New(t)
	env := acctest.NewWith(t, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true})
	id, err := env.API.CreateIdentity(t.Context(), api.IdentityInput{Name: "terraform-ci", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.API.PutOIDCAuth(t.Context(), id.ID, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{
		OIDCDiscoveryURL: idp.URL, OIDCCACertificate: idp.CAPEM,
		TokenBindings: api.TokenBindings{BoundAudiences: []string{"idplane"}, BoundSubject: "repo:acme/infra:*",
			BoundClaims:   map[string][]string{"repository": {"acme/infra"}, "ref": {"refs/heads/main"}},
			ClaimMetadata: map[string]string{"repository": "repository", "ref": "ref"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return &oidcEnv{Env: env, idp: idp, identity: id.ID}
}

var mainBranch = map[string]any{"sub": "repo:acme/infra:ref:refs/heads/main", "repository": "acme/infra", "ref": "refs/heads/main"}

func (e *oidcEnv) config(auth string) string {
	return fmt.Sprintf(`
provider "idplane" {
  host = %q
  auth = {
%s
  }
}

resource "idplane_project" "p" {
  name = "Deployed from CI"
  slug = "from-ci"
}
`, e.Server.URL, auth)
}

// wantOIDCLogin checks that the last apply logged in as the identity
// through OIDC auth, with the repository copied from the token.
func (e *oidcEnv) wantOIDCLogin(t *testing.T) resource.TestCheckFunc {
	return func(*terraform.State) error {
		l, err := e.API.ListAuditEvents(t.Context(), api.AuditEventFilter{Action: "login.oidc-auth", ActorID: e.identity})
		if err != nil {
			return err
		}
		for _, ev := range l.Events {
			if ev.Outcome == api.OutcomeSuccess && ev.Metadata["claim.repository"] == "acme/infra" {
				return nil
			}
		}
		return fmt.Errorf("no successful OIDC login of identity %s with repository acme/infra in %+v", e.identity, l.Events)
	}
}

func TestProviderLogsInWithOIDCToken(t *testing.T) {
	e := newOIDCEnv(t)
	token := e.idp.Token(mainBranch["sub"].(string), []string{"idplane"}, mainBranch)
	file := filepath.Join(t.TempDir(), "id-token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pr := e.idp.Token("repo:acme/infra:pull_request", []string{"idplane"},
		map[string]any{"repository": "acme/infra", "ref": "refs/pull/7/merge"})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config: e.config(fmt.Sprintf(`oidc = { identity_id = %q, token = %q }`, e.identity, token)),
				Check:  resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttrSet("idplane_project.p", "id"), e.wantOIDCLogin(t)),
			},
			{
				// A pull request's token is not the main branch's.
				Config:      e.config(fmt.Sprintf(`oidc = { identity_id = %q, token = %q }`, e.identity, pr)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`claim ref does not match`),
			},
			{
				Config:      e.config(fmt.Sprintf(`oidc = { identity_id = %q, token = %q, token_file = %q }`, e.identity, token, file)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Set auth.oidc.token or auth.oidc.token_file, not both`),
			},
			{
				Config: e.config(fmt.Sprintf(`oidc = { identity_id = %q, token = %q }
    token = "x"`, e.identity, token)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Set exactly one of auth.universal, auth.token, auth.oidc and auth.jwt`),
			},
			{
				// The file is read at every login; destroy logs in this way too.
				Config:   e.config(fmt.Sprintf(`oidc = { identity_id = %q, token_file = %q }`, e.identity, file)),
				PlanOnly: true,
			},
		},
	})
}

// Inside GitHub Actions the provider requests the ID token itself, with
// the configured audience, and requests a new one at every login.
func TestProviderLogsInFromGitHubActions(t *testing.T) {
	e := newOIDCEnv(t)
	e.idp.SetGitHubClaims(mainBranch)
	// GitHub's endpoint is reached with the system roots; the fake's
	// certificate stands in for them.
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte(e.idp.CAPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", ca)
	t.Setenv(api.EnvGitHubTokenURL, e.idp.GitHubTokenURL())
	t.Setenv(api.EnvGitHubRequestToken, e.idp.GitHubRequestToken())
	t.Setenv("IDPLANE_IDENTITY_ID", e.identity)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config: e.config(`oidc = { audience = "idplane" }`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrSet("idplane_project.p", "id"), e.wantOIDCLogin(t),
					func(*terraform.State) error {
						if n := e.idp.Fetches("/github/token"); n < 1 {
							return fmt.Errorf("the provider never asked GitHub Actions for a token")
						}
						return nil
					}),
			},
			{
				// The token is requested for the configured audience only.
				Config:      e.config(`oidc = { audience = "another-server" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`audience does not match`),
			},
			{Config: e.config(`oidc = { audience = "idplane" }`), PlanOnly: true},
		},
	})
}
