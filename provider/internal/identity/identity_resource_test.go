package identity_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

const identityAddr = "idplane_identity.ci"

func checkIdentityDestroyed(env *acctest.Env) resource.TestCheckFunc {
	return env.CheckDestroyed("idplane_identity", func(ctx context.Context, c *api.Client, a map[string]string) error {
		_, err := c.GetIdentity(ctx, a["id"])
		return err
	})
}

func TestIdentityResource(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	var id string
	minimal := env.Config(`
resource "idplane_identity" "ci" {
  name = "ci"
  role = "member"
}
`)
	full := func(description string) string {
		return env.Config(`
resource "idplane_identity" "ci" {
  name        = "ci-runner"
  role        = "no-access"
  description = "` + description + `"
  metadata = {
    team = "platform"
    env  = "prod"
  }
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkIdentityDestroyed(env),
		Steps: []resource.TestStep{
			{
				// Only the required arguments: the defaults leave no diff.
				Config: minimal,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(identityAddr, "name", "ci"),
					resource.TestCheckResourceAttr(identityAddr, "role", "member"),
					resource.TestCheckResourceAttr(identityAddr, "description", ""),
					resource.TestCheckResourceAttr(identityAddr, "metadata.%", "0"),
					resource.TestCheckResourceAttr(identityAddr, "delete_protection", "false"),
					resource.TestCheckResourceAttr(identityAddr, "auth_methods.#", "0"),
					resource.TestCheckResourceAttr(identityAddr, "version", "1"),
					acctest.Capture(identityAddr, "id", &id),
				),
			},
			{ResourceName: identityAddr, ImportState: true, ImportStateVerify: true},
			{ResourceName: identityAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID},
			{
				Config: full("runs CI"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(identityAddr, "name", "ci-runner"),
					resource.TestCheckResourceAttr(identityAddr, "role", "no-access"),
					resource.TestCheckResourceAttr(identityAddr, "description", "runs CI"),
					resource.TestCheckResourceAttr(identityAddr, "metadata.%", "2"),
					resource.TestCheckResourceAttr(identityAddr, "metadata.team", "platform"),
					resource.TestCheckResourceAttrPtr(identityAddr, "id", &id),
				),
			},
			{
				Config:           full("runs CI"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Universal auth attached by someone else (another resource):
				// auth_methods follows on refresh, and the plan stays empty.
				PreConfig: func() {
					if _, err := env.API.PutUniversalAuth(ctx, id, 0, api.UniversalAuthInput{}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           full("runs CI"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(identityAddr, "auth_methods.#", "1"),
					resource.TestCheckTypeSetElemAttr(identityAddr, "auth_methods.*", "universal-auth"),
				),
			},
			{
				// An update while a method is attached: auth_methods is read
				// back, not carried over from the plan.
				Config: full("runs CI jobs"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(identityAddr, "description", "runs CI jobs"),
					resource.TestCheckTypeSetElemAttr(identityAddr, "auth_methods.*", "universal-auth"),
				),
			},
			{
				// Changed outside Terraform: the plan puts it back.
				PreConfig: func() {
					i, err := env.API.GetIdentity(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := env.API.UpdateIdentity(ctx, id, i.Version, api.IdentityInput{Name: "drifted", Role: "member", Metadata: map[string]string{"x": "y"}}); err != nil {
						t.Fatal(err)
					}
				},
				Config: full("runs CI jobs"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(identityAddr, "name", "ci-runner"),
					resource.TestCheckResourceAttr(identityAddr, "role", "no-access"),
					resource.TestCheckResourceAttr(identityAddr, "description", "runs CI jobs"),
					resource.TestCheckResourceAttr(identityAddr, "metadata.%", "2"),
					resource.TestCheckNoResourceAttr(identityAddr, "metadata.x"),
				),
			},
			{
				// Deleted outside Terraform: removed from state and created again.
				PreConfig: func() {
					if err := env.API.DeleteIdentity(ctx, id, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: full("runs CI jobs"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.TestCheckResourceAttr(identityAddr, "auth_methods.#", "0"),
			},
		},
	})
}

func TestIdentityResource_deleteProtection(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	var id string
	config := func(protect string) string {
		return env.Config(`
resource "idplane_identity" "ci" {
  name              = "protected"
  role              = "member"
  delete_protection = ` + protect + `
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkIdentityDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: config("true"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(identityAddr, "delete_protection", "true"),
					acctest.Capture(identityAddr, "id", &id),
				),
			},
			{
				// Removing it from the configuration plans a destroy, which the
				// server refuses with a message that says what to do.
				Config:      env.Config(""),
				ExpectError: regexp.MustCompile(`(?s)Identity is delete-protected.*delete_protection = false.*identity "protected" has\s+delete\s+protection`),
			},
			{
				PreConfig: func() {
					if _, err := env.API.GetIdentity(ctx, id); err != nil {
						t.Fatalf("identity should have survived the refused destroy: %v", err)
					}
				},
				Config: config("false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.TestCheckResourceAttr(identityAddr, "delete_protection", "false"),
			},
		},
	})
}

func TestIdentityResource_planTimeValidation(t *testing.T) {
	env := acctest.New(t)
	config := func(body string) string {
		return env.Config(`
resource "idplane_identity" "bad" {
` + body + `
}
`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config:      config(`name = "ci"` + "\n" + `role = "Not_A_Slug"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`"Not_A_Slug" is not a valid slug`),
			},
			{
				Config:      config(`name = "   "` + "\n" + `role = "member"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`name: must not be empty or blank`),
			},
			{
				Config:      config(`name = "ci"` + "\n" + `role = "member"` + "\n" + `metadata = { "" = "x" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`metadata\[""\]: key must not be empty`),
			},
			{
				Config:      config(`name = "invoice\u202Efdp.exe"` + "\n" + `role = "member"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)name: must not contain control characters or Unicode format characters.*found\s+U\+202E at character 8`),
			},
			{
				Config:      config(`name = "ci"` + "\n" + `role = "member"` + "\n" + `description = "a\u200Bb"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)description: must not contain control characters.*U\+200B`),
			},
			{
				Config:      config(`name = "ci"` + "\n" + `role = "member"` + "\n" + `metadata = { team = "plat\u2066form" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)metadata\["team"\]: value must not contain control characters.*U\+2066`),
			},
		},
	})
}
