package universalauth_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

const (
	identityAddr = "idplane_identity.ci"
	uaAddr       = "idplane_identity_universal_auth.ci"
	csAddr       = "idplane_identity_universal_auth_client_secret.ci"
)

// identityConfig is the identity the resources under test attach to.
func identityConfig(env *acctest.Env) string {
	return env.Config(`
resource "idplane_identity" "ci" {
  name = "ci"
  role = "no-access"
}
`)
}

// login logs in with a client ID and secret on a client without credentials.
func login(t *testing.T, env *acctest.Env, clientID, secret string) error {
	_, err := env.Server.Client(t).Login(context.Background(), api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: secret})
	return err
}

// checkLogin proves that the client secret in state logs in with the client
// ID of the universal auth in state.
func checkLogin(t *testing.T, env *acctest.Env) func(*terraform.State) error {
	return func(s *terraform.State) error {
		clientID, err := acctest.Attr(s, uaAddr, "client_id")
		if err != nil {
			return err
		}
		secret, err := acctest.Attr(s, csAddr, "client_secret")
		if err != nil {
			return err
		}
		if secret == "" {
			return fmt.Errorf("client_secret is empty in state")
		}
		if err := login(t, env, clientID, secret); err != nil {
			return fmt.Errorf("login with the client secret from state: %w", err)
		}
		return nil
	}
}

func checkUniversalAuthGone(ctx context.Context, c *api.Client, a map[string]string) error {
	_, err := c.GetUniversalAuth(ctx, a["identity_id"])
	return err
}

func checkClientSecretGone(ctx context.Context, c *api.Client, a map[string]string) error {
	_, err := c.GetClientSecret(ctx, a["identity_id"], a["id"])
	return err
}
