package secret_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
)

// Import takes a secret written outside Terraform under management without
// reading its value into state; the next apply writes the configured value,
// from value, or from value_wo where the release has write-only arguments.
func TestSecretImport(t *testing.T) {
	env := acctest.New(t)
	config, want := valueConfig(env, woValueA, ""), []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate)}
	keep := resource.TestCheckResourceAttr(secretAddr, "value", woValueA)
	noValue := []statecheck.StateCheck{notInState{values: []string{byHand}}}
	if acctest.SupportsWriteOnly() {
		config, keep = woConfig(env, woValueA, 1), resource.TestCheckNoResourceAttr(secretAddr, "value")
		noValue = []statecheck.StateCheck{notInState{values: []string{woValueA, byHand}}}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkDestroyed(env),
		Steps: []resource.TestStep{
			{Config: projectConfig(env)},
			{
				PreConfig: func() {
					if _, err := env.API.CreateSecret(t.Context(), "DB_PASSWORD", createAt(byHand)); err != nil {
						t.Fatal(err)
					}
				},
				ResourceName: secretAddr, ImportState: true, ImportStatePersist: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					id, err := acctest.Attr(s, "idplane_project.shop", "id")
					return id + "/staging/app/db/DB_PASSWORD", err
				},
				Config: config,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					for _, s := range states {
						if s.Attributes["key"] != "DB_PASSWORD" {
							continue
						}
						if s.Attributes["version"] != "1" || s.Attributes["secret_path"] != "/app/db" {
							return fmt.Errorf("imported %v", s.Attributes)
						}
						if v, ok := s.Attributes["value"]; ok && v != "" {
							return fmt.Errorf("import read the value into state")
						}
						return nil
					}
					return fmt.Errorf("no secret imported: %v", states)
				},
			},
			{
				Config:            config,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: want},
				Check:             resource.ComposeAggregateTestCheckFunc(keep, onServer(t, env, woValueA, 2)),
				ConfigStateChecks: noValue,
			},
			{Config: config, ConfigPlanChecks: emptyPlan()},
		},
	})
}
