package secret_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

// copyConfig reads idplane_secret.db through the ephemeral idplane_secret
// (at version when not empty) and writes what it read into a second
// secret's write-only value: the only way a run can use an ephemeral value
// that the test can then look at, on the server.
func copyConfig(env *acctest.Env, value string, sourceVersion int, version string, copyVersion string) string {
	return woConfig(env, value, sourceVersion) + `
ephemeral "idplane_secret" "src" {
  project_id  = idplane_secret.db.project_id
  environment = "staging"
  secret_path = "/app/db"
  key         = idplane_secret.db.key
` + version + `
}

resource "idplane_secret" "copy" {
  project_id       = idplane_project.shop.id
  environment      = idplane_project_environment.staging.slug
  key              = "DB_PASSWORD_COPY"
  value_wo         = ephemeral.idplane_secret.src.value
  value_wo_version = ` + copyVersion + `
}
`
}

func copyOnServer(t *testing.T, env *acctest.Env, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := env.API.GetSecret(t.Context(), "DB_PASSWORD_COPY", api.SecretGetQuery{WorkspaceSlug: "shop", Environment: "staging"})
		if err != nil {
			return err
		}
		if got.SecretValue != want {
			return fmt.Errorf("the copy holds another value than %q", want)
		}
		return nil
	}
}

// onlyOpens passes a plan whose only actions are OpenTofu's opening of
// ephemeral resources, which its plans list as changes: the empty plan of
// a configuration with an ephemeral block.
type onlyOpens struct{}

func (onlyOpens) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		for _, a := range rc.Change.Actions {
			if a != "no-op" && (a != "open" || rc.Mode != "ephemeral") {
				resp.Error = fmt.Errorf("%s: planned %s, want an empty plan", rc.Address, a)
				return
			}
		}
	}
}

// stable replaces the empty-plan check after apply, which counts opens.
var stable = resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{onlyOpens{}},
	PostApplyPostRefresh: []plancheck.PlanCheck{onlyOpens{}}}

// The ephemeral idplane_secret reads the current value, or a past version,
// into a write-only argument; neither reaches the state. An unknown key is
// the server's 404, naming it. A release without ephemeral resources
// refuses the block.
func TestSecretEphemeral(t *testing.T) {
	env := acctest.New(t)
	if !acctest.SupportsWriteOnly() {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.Factories,
			Steps: []resource.TestStep{
				{Config: copyConfig(env, "v1", 1, "", "1"), PlanOnly: true,
					ExpectError: regexp.MustCompile(`Blocks of type "ephemeral" are not expected here`)},
				// Something this release can destroy, after the refusal.
				{Config: env.Config(`data "idplane_identities" "all" {}`)},
			},
		})
		return
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config:           copyConfig(env, "first-value-93ab", 1, "", "1"),
				ConfigPlanChecks: stable, ExpectNonEmptyPlan: true,
				Check:             copyOnServer(t, env, "first-value-93ab"),
				ConfigStateChecks: []statecheck.StateCheck{notInState{values: []string{"first-value-93ab"}}},
			},
			{
				// The source moves on; the copy reads its version 1 again.
				Config:           copyConfig(env, "second-value-4c1d", 2, "  version = 1", "2"),
				ConfigPlanChecks: stable, ExpectNonEmptyPlan: true,
				Check:             copyOnServer(t, env, "first-value-93ab"),
				ConfigStateChecks: []statecheck.StateCheck{notInState{values: []string{"first-value-93ab", "second-value-4c1d"}}},
			},
			{
				Config:           copyConfig(env, "second-value-4c1d", 2, "", "3"),
				ConfigPlanChecks: stable, ExpectNonEmptyPlan: true,
				Check: copyOnServer(t, env, "second-value-4c1d"),
			},
			{
				Config:      copyConfig(env, "second-value-4c1d", 2, "  version = 7", "4"),
				ExpectError: regexp.MustCompile(`(?s)Could not read secret.*version 7 of secret "DB_PASSWORD".*HTTP 404`),
			},
			{
				Config: woConfig(env, "second-value-4c1d", 2) + `
ephemeral "idplane_secret" "src" {
  project_id  = idplane_project.shop.id
  environment = "staging"
  key         = "NOPE"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Could not read secret.*secret "NOPE" at staging:/ in project "shop".*HTTP 404`),
			},
			{
				Config: copyConfig(env, "second-value-4c1d", 2, "", "3"), ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{onlyOpens{}}},
			},
		},
	})
}
