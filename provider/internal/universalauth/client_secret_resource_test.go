package universalauth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

// csConfig is universal auth plus one client secret with the given body.
func csConfig(env *acctest.Env, body string) string {
	return uaConfig(env, "") + fmt.Sprintf(`
resource "idplane_identity_universal_auth_client_secret" "ci" {
  identity_id = idplane_identity_universal_auth.ci.identity_id
%s
}
`, body)
}

func checkSecretsDestroyed(env *acctest.Env) func(*terraform.State) error {
	secrets := env.CheckDestroyed("idplane_identity_universal_auth_client_secret", checkClientSecretGone)
	uas := env.CheckDestroyed("idplane_identity_universal_auth", checkUniversalAuthGone)
	return func(s *terraform.State) error {
		if err := secrets(s); err != nil {
			return err
		}
		return uas(s)
	}
}

func planAction(addr string, action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
}

// changed fails when the attribute still has the value captured earlier.
func changed(addr, key string, old *string) resource.TestCheckFunc {
	return resource.TestCheckResourceAttrWith(addr, key, func(v string) error {
		if v == *old {
			return fmt.Errorf("%s.%s is still %s", addr, key, v)
		}
		return nil
	})
}

func TestClientSecretResource(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	var identityID, clientID, secretID, secret, oldID, oldSecret string
	remember := func(*terraform.State) error { oldID, oldSecret = secretID, secret; return nil }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkSecretsDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: csConfig(env, `description = "ci"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.Capture(identityAddr, "id", &identityID),
					resource.TestCheckResourceAttrPair(csAddr, "identity_id", identityAddr, "id"),
					resource.TestCheckResourceAttr(csAddr, "description", "ci"),
					resource.TestCheckResourceAttr(csAddr, "ttl", "0"),
					resource.TestCheckResourceAttr(csAddr, "num_uses_limit", "0"),
					resource.TestCheckNoResourceAttr(csAddr, "expires_at"),
					resource.TestCheckResourceAttrPair(csAddr, "id", csAddr, "client_secret_id"),
					resource.TestCheckResourceAttrSet(csAddr, "client_secret_prefix"),
					acctest.Capture(uaAddr, "client_id", &clientID),
					acctest.Capture(csAddr, "id", &secretID),
					acctest.Capture(csAddr, "client_secret", &secret),
					checkLogin(t, env),
				),
			},
			{
				ResourceName: csAddr, ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return identityID + "/" + secretID, nil },
				// The server never returns a secret again.
				ImportStateVerifyIgnore: []string{"client_secret"},
			},
			{
				// A credential is never changed in place: a new description
				// revokes the secret and issues a new one.
				PreConfig: func() { _ = remember(nil) },
				Config:    csConfig(env, `description = "ci rotated"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(csAddr, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction(uaAddr, plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(csAddr, "description", "ci rotated"),
					changed(csAddr, "id", &oldID),
					changed(csAddr, "client_secret", &oldSecret),
					acctest.Capture(csAddr, "id", &secretID),
					checkLogin(t, env),
					func(*terraform.State) error {
						if err := login(t, env, clientID, oldSecret); !api.IsStatus(err, 401) {
							return fmt.Errorf("login with the replaced secret: want 401, got %v", err)
						}
						if _, err := env.API.GetClientSecret(ctx, identityID, oldID); !api.IsNotFound(err) {
							return fmt.Errorf("replaced secret: want 404, got %v", err)
						}
						return nil
					},
				),
			},
			{
				// Explicit zeros equal the defaults.
				Config:           csConfig(env, "description = \"ci rotated\"\nttl = 0\nnum_uses_limit = 0"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Revoked outside Terraform: removed from state and issued again.
				PreConfig: func() {
					_ = remember(nil)
					if err := env.API.RevokeClientSecret(ctx, identityID, secretID); err != nil {
						t.Fatal(err)
					}
				},
				Config:           csConfig(env, "description = \"ci rotated\"\nttl = 0\nnum_uses_limit = 0"),
				ConfigPlanChecks: planAction(csAddr, plancheck.ResourceActionCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					changed(csAddr, "id", &oldID),
					acctest.Capture(csAddr, "id", &secretID),
					checkLogin(t, env),
				),
			},
			{
				// Removed from the configuration: revoked, universal auth stays.
				Config:           uaConfig(env, ""),
				ConfigPlanChecks: planAction(csAddr, plancheck.ResourceActionDestroy),
				Check: func(*terraform.State) error {
					if _, err := env.API.GetClientSecret(ctx, identityID, secretID); !api.IsNotFound(err) {
						return fmt.Errorf("destroyed secret: want 404, got %v", err)
					}
					return nil
				},
			},
		},
	})
}

// A secret used up outside Terraform can never log in again: refresh drops
// it and the next apply issues a new one.
func TestClientSecretUsedUp(t *testing.T) {
	env := acctest.New(t)
	var clientID, secretID, secret string
	cfg := csConfig(env, "num_uses_limit = 1")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkSecretsDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(csAddr, "num_uses_limit", "1"),
					acctest.Capture(uaAddr, "client_id", &clientID),
					acctest.Capture(csAddr, "id", &secretID),
					acctest.Capture(csAddr, "client_secret", &secret),
				),
			},
			{
				PreConfig: func() {
					if err := login(t, env, clientID, secret); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg,
				ConfigPlanChecks: planAction(csAddr, plancheck.ResourceActionCreate),
				Check:            changed(csAddr, "id", &secretID),
			},
		},
	})
}

// An expired secret is dropped on refresh and issued again.
func TestClientSecretExpired(t *testing.T) {
	env, clock := withMovedClock(t)
	var secretID, expiresAt string
	cfg := csConfig(env, "ttl = 10")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkSecretsDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.Capture(csAddr, "id", &secretID),
					acctest.Capture(csAddr, "expires_at", &expiresAt),
					func(*terraform.State) error {
						exp, err := time.Parse(time.RFC3339, expiresAt)
						if err != nil {
							return err
						}
						if d := time.Until(exp); d <= -time.Second || d > 10*time.Second {
							return fmt.Errorf("expires_at %s is not about 10s from now", expiresAt)
						}
						return nil
					},
				),
			},
			{
				// Past its expiry on both clocks, without waiting for it.
				PreConfig:        func() { clock.move(11 * time.Second) },
				Config:           cfg,
				ConfigPlanChecks: planAction(csAddr, plancheck.ResourceActionCreate),
				Check:            changed(csAddr, "id", &secretID),
			},
		},
	})
}
