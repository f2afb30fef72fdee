package universalauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/servertest"
)

// movedClock is the server's and the provider's shared notion of now,
// offset from the real clock by the test.
type movedClock struct{ offset atomic.Int64 }

func (c *movedClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *movedClock) move(d time.Duration) { c.offset.Add(int64(d)) }

// withMovedClock starts a server and points the provider at a clock the
// test moves; the provider's clock is restored when the test ends.
func withMovedClock(t *testing.T) (*acctest.Env, *movedClock) {
	clock := &movedClock{}
	env := acctest.NewWith(t, servertest.Options{Backend: servertest.Postgres, Now: func() time.Time { return clock.now().UTC() }})
	tfutil.Now = clock.now
	t.Cleanup(func() { tfutil.Now = time.Now })
	return env, clock
}

const renewing = `
  ttl          = 3600
  renew_before = 600
  lifecycle {
    create_before_destroy = true
  }
`

// A secret inside its renewal window is replaced by the plan, with a
// warning that says why, and its successor is not replaced again.
func TestClientSecretRenewBefore(t *testing.T) {
	env, clock := withMovedClock(t)
	var secretID string
	cfg := csConfig(env, renewing)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkSecretsDestroyed(env),
		Steps: []resource.TestStep{
			{Config: cfg, Check: resource.ComposeAggregateTestCheckFunc(acctest.Capture(csAddr, "id", &secretID), checkLogin(t, env))},
			// Ten minutes in, far from the window: nothing to do.
			{PreConfig: func() { clock.move(10 * time.Minute) }, Config: cfg, ConfigPlanChecks: emptyPlan()},
			{
				// 51 minutes in: within 600 s of expiry, so replaced, new first.
				PreConfig:        func() { clock.move(41 * time.Minute) },
				Config:           cfg,
				ConfigPlanChecks: planAction(csAddr, plancheck.ResourceActionCreateBeforeDestroy),
				Check:            resource.ComposeAggregateTestCheckFunc(changed(csAddr, "id", &secretID), checkLogin(t, env)),
			},
			{Config: cfg, ConfigPlanChecks: emptyPlan()},
			{
				// renew_before lives in state alone: changing it updates in place.
				Config:           csConfig(env, strings.Replace(renewing, "renew_before = 600", "renew_before = 900", 1)),
				ConfigPlanChecks: planAction(csAddr, plancheck.ResourceActionUpdate),
				Check:            resource.TestCheckResourceAttr(csAddr, "renew_before", "900"),
			},
			{
				Config:      csConfig(env, "renew_before = 600"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`renew_before \(600\) must be less than ttl \(0\)`),
			},
			// The last configuration is what destroys: a valid one.
			{Config: csConfig(env, strings.Replace(renewing, "renew_before = 600", "renew_before = 900", 1)), ConfigPlanChecks: emptyPlan()},
		},
	})
}

func emptyPlan() resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
}

const (
	woValueA = "Zq8#kP2v!Lm9@xR4$tW7%nB3^cY6&hJ1*dF5"
	woValueB = "Hy3$gT8!pQ2@vN6#kW9%mL4^rD7&sB1*xC5e"
)

func woConfig(env *acctest.Env, value string, version int) string {
	return csConfig(env, fmt.Sprintf(`
  client_secret_wo         = %q
  client_secret_wo_version = %d
`, value, version))
}

// notInState fails when any of values occurs anywhere in the state as
// Terraform reads it (terraform show -json of the state file).
type notInState struct{ values []string }

func (c notInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	for _, v := range c.values {
		if strings.Contains(string(b), v) {
			resp.Error = fmt.Errorf("a secret value is in the state")
		}
	}
}

// checkWOLogin proves that value logs in with the client ID in state.
func checkWOLogin(t *testing.T, env *acctest.Env, value string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		clientID, err := acctest.Attr(s, uaAddr, "client_id")
		if err != nil {
			return err
		}
		return login(t, env, clientID, value)
	}
}

// With client_secret_wo the value comes from the configuration and never
// reaches the state; bumping the version replaces the secret. A release
// without write-only arguments refuses the value, naming the one it needs.
func TestClientSecretWriteOnly(t *testing.T) {
	env := acctest.New(t)
	if !acctest.SupportsWriteOnly() {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.Factories,
			Steps: []resource.TestStep{{Config: woConfig(env, woValueA, 1), PlanOnly: true,
				ExpectError: regexp.MustCompile(`Write-only attributes are only supported in Terraform 1.11\s+and later`)}},
		})
		return
	}
	var secretID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkSecretsDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: woConfig(env, woValueA, 1),
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.Capture(csAddr, "id", &secretID),
					resource.TestCheckNoResourceAttr(csAddr, "client_secret"),
					resource.TestCheckNoResourceAttr(csAddr, "client_secret_wo"),
					resource.TestCheckResourceAttr(csAddr, "client_secret_wo_version", "1"),
					resource.TestMatchResourceAttr(csAddr, "client_secret_prefix", regexp.MustCompile(`^wo_`)),
					checkWOLogin(t, env, woValueA),
				),
				ConfigStateChecks: []statecheck.StateCheck{notInState{values: []string{woValueA}}},
			},
			{Config: woConfig(env, woValueA, 1), ConfigPlanChecks: emptyPlan()},
			{
				Config:            woConfig(env, woValueB, 2),
				ConfigPlanChecks:  planAction(csAddr, plancheck.ResourceActionDestroyBeforeCreate),
				Check:             resource.ComposeAggregateTestCheckFunc(changed(csAddr, "id", &secretID), checkWOLogin(t, env, woValueB)),
				ConfigStateChecks: []statecheck.StateCheck{notInState{values: []string{woValueA, woValueB}}},
			},
			{
				Config:      woConfig(env, "short", 3),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`must be 32 to 512 printable ASCII characters`),
			},
			{
				Config:      csConfig(env, fmt.Sprintf("client_secret_wo = %q", woValueB)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Set client_secret_wo_version`),
			},
			{Config: woConfig(env, woValueB, 2), ConfigPlanChecks: emptyPlan()},
		},
	})
}
