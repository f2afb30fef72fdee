package secret_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
)

func valueConfig(env *acctest.Env, value, comment string) string {
	return secretConfig(env, fmt.Sprintf("  value   = %q\n  comment = %q\n", value, comment))
}

// With value (any Terraform release) the value is in state, read back on
// refresh: a change outside Terraform is planned back, a deletion outside
// Terraform re-created.
func TestSecretValue(t *testing.T) {
	env := acctest.New(t)
	var projectID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: valueConfig(env, "s3cret-1", "primary database"),
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.Capture("idplane_project.shop", "id", &projectID),
					resource.TestCheckResourceAttrWith(secretAddr, "id", func(v string) error {
						if want := projectID + "/staging/app/db/DB_PASSWORD"; v != want {
							return fmt.Errorf("id %q, want %q", v, want)
						}
						return nil
					}),
					resource.TestCheckResourceAttr(secretAddr, "value", "s3cret-1"),
					resource.TestCheckResourceAttr(secretAddr, "comment", "primary database"),
					resource.TestCheckResourceAttr(secretAddr, "secret_path", "/app/db"),
					resource.TestCheckResourceAttr(secretAddr, "version", "1"),
					resource.TestCheckNoResourceAttr(secretAddr, "value_wo_version"),
					onServer(t, env, "s3cret-1", 1),
				),
			},
			{
				ResourceName: secretAddr, ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return projectID + "/staging/app/db/DB_PASSWORD", nil },
				// Import never reads a value into state (TestSecretImport).
				ImportStateVerifyIgnore: []string{"value"},
			},
			{
				Config:           valueConfig(env, "s3cret-2", "primary database"),
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "version", "2"), onServer(t, env, "s3cret-2", 2)),
			},
			{
				Config:           valueConfig(env, "s3cret-2", "rotated monthly"),
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					// The server answers a comment-only update without the value.
					resource.TestCheckResourceAttr(secretAddr, "comment", "rotated monthly"),
					resource.TestCheckResourceAttr(secretAddr, "value", "s3cret-2"), onServer(t, env, "s3cret-2", 3)),
			},
			{Config: valueConfig(env, "s3cret-2", "rotated monthly"), ConfigPlanChecks: emptyPlan()},
			{
				// Changed outside Terraform: planned back.
				PreConfig:        func() { changeOutside(t, env, "changed-by-hand") },
				Config:           valueConfig(env, "s3cret-2", "rotated monthly"),
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "version", "5"), onServer(t, env, "s3cret-2", 5)),
			},
			{
				// Deleted outside Terraform: created again.
				PreConfig:        func() { deleteOutside(t, env) },
				Config:           valueConfig(env, "s3cret-2", "rotated monthly"),
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "version", "1"), onServer(t, env, "s3cret-2", 1)),
			},
			{
				// A new key is a new secret: the old one goes.
				Config: projectConfig(env) + `
resource "idplane_secret" "db" {
  project_id  = idplane_project.shop.slug
  environment = idplane_project_environment.staging.slug
  key         = "DB_URL"
  value       = "postgres://db.internal/shop"
}
`,
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionDestroyBeforeCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "id", "shop/staging/DB_URL"),
					resource.TestCheckResourceAttr(secretAddr, "secret_path", "/"),
					func(*terraform.State) error {
						if _, err := serverSecret(t, env); err == nil {
							return fmt.Errorf("the secret under the old key is still on the server")
						}
						return nil
					},
				),
			},
			{
				ResourceName: secretAddr, ImportState: true, ImportStateVerify: true, ImportStateId: "shop/staging/DB_URL",
				ImportStateVerifyIgnore: []string{"value"},
			},
		},
	})
}

// bare is projectConfig plus an idplane_secret.db with body alone.
func bare(env *acctest.Env, body string) string {
	return projectConfig(env) + "resource \"idplane_secret\" \"db\" {\n" + body + "}\n"
}

const staging = "  project_id  = idplane_project.shop.id\n  environment = idplane_project_environment.staging.slug\n"

// Bad input is refused at plan time where it can be, and by the server,
// naming the field, where it cannot.
func TestSecretBadInput(t *testing.T) {
	env := acctest.New(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config:      bare(env, staging+"  key = \"9-lives\"\n  value = \"x\"\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`key: must start with a letter or underscore`),
			},
			{
				Config:      bare(env, staging+"  key = \"K\"\n  secret_path = \"app/\"\n  value = \"x\"\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`secret_path: "app/" is not an absolute, clean path`),
			},
			{
				Config:      bare(env, staging+"  key = \"K\"\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Set exactly one of value.*and value_wo.*sets neither`),
			},
			{
				Config:      bare(env, staging+"  key = \"K\"\n  value = \"x\"\n  value_wo_version = 1\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`value_wo_version goes with value_wo only`),
			},
			{
				Config:      bare(env, "  project_id = idplane_project.shop.id\n  environment = \"nope\"\n  key = \"K\"\n  value = \"x\"\n"),
				ExpectError: regexp.MustCompile(`(?s)Could not create secret.*environment "nope" in project "shop".*HTTP 404`),
			},
			{
				Config:      bare(env, "  project_id = \"no-such-project\"\n  environment = \"staging\"\n  key = \"K\"\n  value = \"x\"\n"),
				ExpectError: regexp.MustCompile(`(?s)Could not create secret.*project "no-such-project".*HTTP 404`),
			},
			{
				Config:       bare(env, staging+"  key = \"K\"\n  value = \"x\"\n"),
				ResourceName: secretAddr, ImportState: true, ImportStateId: "shop/staging",
				ExpectError: regexp.MustCompile(`expected <project_id or slug>/<environment>/<secret_path`),
			},
		},
	})
}
