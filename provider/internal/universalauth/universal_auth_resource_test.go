package universalauth_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

// uaConfig is the identity plus its universal auth with the given body.
func uaConfig(env *acctest.Env, body string) string {
	return identityConfig(env) + fmt.Sprintf(`
resource "idplane_identity_universal_auth" "ci" {
  identity_id = idplane_identity.ci.id
%s
}
`, body)
}

const settingsA = `
  access_token_ttl            = 600
  access_token_max_ttl        = 7200
  access_token_num_uses_limit = 5
  access_token_trusted_ips    = [%s]
  client_secret_trusted_ips   = ["10.1.2.3"]
  lockout = {
    enabled   = false
    threshold = 5
  }
`

// settingsB sets the use limit back to an explicit zero.
const settingsB = `
  access_token_ttl            = 900
  access_token_max_ttl        = 7200
  access_token_num_uses_limit = 0
  access_token_trusted_ips    = [%s]
  client_secret_trusted_ips   = ["10.1.2.3"]
`

// checkServer compares the universal auth on the server with want.
func checkServer(env *acctest.Env, identityID *string, want func(ua *api.UniversalAuth) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ua, err := env.API.GetUniversalAuth(context.Background(), *identityID)
		if err != nil {
			return err
		}
		return want(ua)
	}
}

func TestUniversalAuthResource(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	var identityID, clientID string
	cfgA := func(ips string) string { return uaConfig(env, fmt.Sprintf(settingsA, ips)) }
	cfgB := func(ips string) string { return uaConfig(env, fmt.Sprintf(settingsB, ips)) }
	update := planAction(uaAddr, plancheck.ResourceActionUpdate)
	empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             env.CheckDestroyed("idplane_identity_universal_auth", checkUniversalAuthGone),
		Steps: []resource.TestStep{
			{
				Config: uaConfig(env, ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.Capture(identityAddr, "id", &identityID),
					resource.TestCheckResourceAttrPair(uaAddr, "id", identityAddr, "id"),
					resource.TestCheckResourceAttr(uaAddr, "access_token_ttl", "3600"),
					resource.TestCheckResourceAttr(uaAddr, "access_token_max_ttl", "86400"),
					resource.TestCheckResourceAttr(uaAddr, "access_token_num_uses_limit", "0"),
					resource.TestCheckResourceAttr(uaAddr, "access_token_trusted_ips.#", "2"),
					resource.TestCheckTypeSetElemAttr(uaAddr, "access_token_trusted_ips.*", "0.0.0.0/0"),
					resource.TestCheckTypeSetElemAttr(uaAddr, "access_token_trusted_ips.*", "::/0"),
					resource.TestCheckResourceAttr(uaAddr, "client_secret_trusted_ips.#", "2"),
					resource.TestCheckResourceAttr(uaAddr, "lockout.enabled", "true"),
					resource.TestCheckResourceAttr(uaAddr, "lockout.threshold", "3"),
					resource.TestCheckResourceAttr(uaAddr, "lockout.duration_seconds", "300"),
					resource.TestCheckResourceAttr(uaAddr, "lockout.counter_reset_seconds", "30"),
					resource.TestCheckResourceAttr(uaAddr, "version", "1"),
					resource.TestCheckResourceAttrSet(uaAddr, "client_id"),
					acctest.Capture(uaAddr, "client_id", &clientID),
				),
			},
			{
				ResourceName: uaAddr, ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return identityID, nil },
			},
			{
				ResourceName: uaAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return identityID, nil },
			},
			{
				Config:           cfgA(`"192.168.0.0/16", "10.0.0.0/8"`),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(uaAddr, "access_token_ttl", "600"),
					resource.TestCheckResourceAttr(uaAddr, "access_token_num_uses_limit", "5"),
					resource.TestCheckResourceAttr(uaAddr, "lockout.enabled", "false"),
					resource.TestCheckResourceAttr(uaAddr, "lockout.threshold", "5"),
					resource.TestCheckResourceAttr(uaAddr, "lockout.duration_seconds", "300"),
					resource.TestCheckResourceAttrPtr(uaAddr, "client_id", &clientID),
					checkServer(env, &identityID, func(ua *api.UniversalAuth) error {
						if ua.AccessTokenTTL != 600 || ua.AccessTokenMaxTTL != 7200 || ua.AccessTokenNumUsesLimit != 5 || ua.Lockout.Enabled ||
							!slices.Equal(ua.ClientSecretTrustedIPs, []string{"10.1.2.3"}) || len(ua.AccessTokenTrustedIPs) != 2 {
							return fmt.Errorf("server has %+v", ua)
						}
						return nil
					}),
				),
			},
			// The order of a set never makes a diff.
			{Config: cfgA(`"10.0.0.0/8", "192.168.0.0/16"`), ConfigPlanChecks: empty},
			{
				// An explicit 0 is sent, not omitted; an omitted lockout returns to its defaults.
				Config:           cfgB(`"10.0.0.0/8", "192.168.0.0/16"`),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(uaAddr, "access_token_num_uses_limit", "0"),
					resource.TestCheckResourceAttr(uaAddr, "lockout.enabled", "true"),
					resource.TestCheckResourceAttr(uaAddr, "lockout.threshold", "3"),
					checkServer(env, &identityID, func(ua *api.UniversalAuth) error {
						if ua.AccessTokenNumUsesLimit != 0 || ua.AccessTokenTTL != 900 || ua.Lockout != api.DefaultLockout() {
							return fmt.Errorf("server has %+v", ua)
						}
						return nil
					}),
				),
			},
			{Config: cfgB(`"192.168.0.0/16", "10.0.0.0/8"`), ConfigPlanChecks: empty},
			{
				// Changed outside Terraform: the plan puts it back.
				PreConfig: func() {
					n, ips := 7, []string{"1.2.3.4/32"}
					in := api.UniversalAuthInput{TokenSettingsInput: api.TokenSettingsInput{AccessTokenNumUsesLimit: &n, AccessTokenTrustedIPs: &ips}}
					if _, err := env.API.PatchUniversalAuth(ctx, identityID, 0, in); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfgB(`"10.0.0.0/8", "192.168.0.0/16"`),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(uaAddr, "access_token_num_uses_limit", "0"),
					resource.TestCheckTypeSetElemAttr(uaAddr, "access_token_trusted_ips.*", "10.0.0.0/8"),
					checkServer(env, &identityID, func(ua *api.UniversalAuth) error {
						if ua.AccessTokenNumUsesLimit != 0 || !slices.Equal(ua.AccessTokenTrustedIPs, []string{"10.0.0.0/8", "192.168.0.0/16"}) {
							return fmt.Errorf("server has %+v", ua)
						}
						return nil
					}),
				),
			},
			{
				// Detached outside Terraform: removed from state and attached again.
				PreConfig: func() {
					if err := env.API.DeleteUniversalAuth(ctx, identityID, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfgB(`"10.0.0.0/8", "192.168.0.0/16"`),
				ConfigPlanChecks: planAction(uaAddr, plancheck.ResourceActionCreate),
				Check:            changed(uaAddr, "client_id", &clientID),
			},
			{
				// Removed from the configuration: detached, the identity stays.
				Config:           identityConfig(env),
				ConfigPlanChecks: planAction(uaAddr, plancheck.ResourceActionDestroy),
				Check: func(*terraform.State) error {
					if _, err := env.API.GetIdentity(ctx, identityID); err != nil {
						return err
					}
					if _, err := env.API.GetUniversalAuth(ctx, identityID); !api.IsNotFound(err) {
						return fmt.Errorf("detached universal auth: want 404, got %v", err)
					}
					return nil
				},
			},
		},
	})
}

// Universal auth attached outside Terraform is not silently taken over: the
// apply fails and tells the user to import it, which then plans nothing.
func TestUniversalAuthAlreadyAttached(t *testing.T) {
	env := acctest.New(t)
	var identityID string
	cfg := uaConfig(env, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             env.CheckDestroyed("idplane_identity_universal_auth", checkUniversalAuthGone),
		Steps: []resource.TestStep{
			{Config: identityConfig(env), Check: acctest.Capture(identityAddr, "id", &identityID)},
			{
				PreConfig: func() {
					if _, err := env.API.PutUniversalAuth(context.Background(), identityID, 0, api.UniversalAuthInput{}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`already has universal auth;\s+import it`),
			},
			{
				Config: cfg, ResourceName: uaAddr, ImportState: true, ImportStatePersist: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return identityID, nil },
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

func TestUniversalAuthValidation(t *testing.T) {
	env := acctest.New(t)
	step := func(body, want string) resource.TestStep {
		// terraform wraps long messages: any space may become a line break.
		re := regexp.MustCompile(strings.ReplaceAll(want, " ", `\s+`))
		return resource.TestStep{Config: uaConfig(env, body), PlanOnly: true, ExpectError: re}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			step(`access_token_trusted_ips = ["10.0.0.0/33"]`, `not a valid IP address`),
			step(`client_secret_trusted_ips = ["10.0.0.300"]`, `not a valid IP address`),
			step(`client_secret_trusted_ips = ["10.0.0.1", "10.0.0.1/32"]`, `same network`),
			step("access_token_ttl = 7200\naccess_token_max_ttl = 3600", `access_token_ttl \(7200\) must not exceed access_token_max_ttl \(3600`),
			step(`access_token_ttl = 100000`, `access_token_ttl \(100000\) must not exceed access_token_max_ttl \(86400`),
			step(`access_token_ttl = 0`, `value must be between 1 and 31536000, got: 0`),
			step(`access_token_max_ttl = 31536001`, `value must be between 1 and 31536000, got: 31536001`),
			step(`access_token_num_uses_limit = -1`, `value must be between 0 and 1000000, got: -1`),
			step(`lockout = { threshold = 31 }`, `lockout.threshold must be between 1 and 30`),
			step(`lockout = { duration_seconds = 10 }`, `lockout.duration_seconds must be between 30 and 86400`),
		},
	})
}
