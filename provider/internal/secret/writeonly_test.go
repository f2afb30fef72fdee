package secret_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/idplane/idplane/provider/internal/acctest"
)

const (
	woValueA = "wo-value-A-7f3c9e"
	woValueB = "wo-value-B-1d8a42"
	byHand   = "changed-by-hand-5b21"
)

func woConfig(env *acctest.Env, value string, version int) string {
	return secretConfig(env, fmt.Sprintf("  value_wo         = %q\n  value_wo_version = %d\n", value, version))
}

// With value_wo the value goes to the server and never into state; a new
// value_wo_version sends it again; a write outside Terraform, which no
// value comparison can see, is caught by the server's version moving on
// past the one the provider wrote. A release without write-only arguments
// refuses value_wo.
func TestSecretWriteOnly(t *testing.T) {
	env := acctest.New(t)
	if !acctest.SupportsWriteOnly() {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.Factories,
			Steps: []resource.TestStep{{Config: woConfig(env, woValueA, 1), PlanOnly: true,
				ExpectError: regexp.MustCompile(`Write-only\s+attributes\s+are\s+only\s+supported\s+in\s+Terraform\s+1\.11\s+and\s+later`)}},
		})
		return
	}
	noValue := []statecheck.StateCheck{notInState{values: []string{woValueA, woValueB, byHand}}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: woConfig(env, woValueA, 1),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(secretAddr, "value"),
					resource.TestCheckNoResourceAttr(secretAddr, "value_wo"),
					resource.TestCheckResourceAttr(secretAddr, "value_wo_version", "1"),
					resource.TestCheckResourceAttr(secretAddr, "version", "1"),
					onServer(t, env, woValueA, 1),
				),
				ConfigStateChecks: noValue,
			},
			{Config: woConfig(env, woValueA, 1), ConfigPlanChecks: emptyPlan()},
			{
				Config:      secretConfig(env, fmt.Sprintf("  value = %q\n  value_wo = %q\n  value_wo_version = 1\n", woValueA, woValueA)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Set exactly one of value.*and value_wo.*sets both`),
			},
			{
				Config:      secretConfig(env, fmt.Sprintf("  value_wo = %q\n", woValueA)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Set value_wo_version`),
			},
			{
				// Another value under the same version is not sent.
				Config:           woConfig(env, woValueB, 1),
				ConfigPlanChecks: emptyPlan(),
				Check:            onServer(t, env, woValueA, 1),
			},
			{
				Config:            woConfig(env, woValueB, 2),
				ConfigPlanChecks:  planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check:             resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttr(secretAddr, "version", "2"), onServer(t, env, woValueB, 2)),
				ConfigStateChecks: noValue,
			},
			{
				// Written outside Terraform: the server's version 3 is not
				// the 2 the provider wrote, so the plan writes value_wo again.
				PreConfig:         func() { changeOutside(t, env, byHand) },
				Config:            woConfig(env, woValueB, 2),
				ConfigPlanChecks:  planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check:             resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttr(secretAddr, "version", "4"), onServer(t, env, woValueB, 4)),
				ConfigStateChecks: noValue,
			},
			{Config: woConfig(env, woValueB, 2), ConfigPlanChecks: emptyPlan()},
			{
				// Deleted and created again outside Terraform, at version 1
				// as the provider's was once: still caught, by its identity.
				PreConfig: func() {
					deleteOutside(t, env)
					_, err := env.API.CreateSecret(t.Context(), "DB_PASSWORD", createAt(byHand))
					if err != nil {
						t.Fatal(err)
					}
				},
				Config:           woConfig(env, woValueB, 2),
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check:            onServer(t, env, woValueB, 2),
			},
			{
				// Deleted outside Terraform: created again.
				PreConfig:        func() { deleteOutside(t, env) },
				Config:           woConfig(env, woValueB, 2),
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionCreate),
				Check:            onServer(t, env, woValueB, 1),
			},
			{
				// From value_wo to value and back.
				Config:           valueConfig(env, "in-state", ""),
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check:            resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttr(secretAddr, "value", "in-state"), onServer(t, env, "in-state", 2)),
			},
			{
				Config:            woConfig(env, woValueB, 1),
				ConfigPlanChecks:  planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check:             resource.ComposeAggregateTestCheckFunc(resource.TestCheckNoResourceAttr(secretAddr, "value"), onServer(t, env, woValueB, 3)),
				ConfigStateChecks: []statecheck.StateCheck{notInState{values: []string{woValueB, "in-state"}}},
			},
		},
	})
}
