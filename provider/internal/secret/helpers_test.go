package secret_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

const secretAddr = "idplane_secret.db"

// projectConfig is a project with a staging environment for the secrets
// under test.
func projectConfig(env *acctest.Env) string {
	return env.Config(`
resource "idplane_project" "shop" {
  name = "Shop"
  slug = "shop"
}

resource "idplane_project_environment" "staging" {
  project_id = idplane_project.shop.id
  name       = "Staging"
  slug       = "staging"
}
`)
}

// secretConfig is projectConfig plus idplane_secret.db at /app/db with body.
func secretConfig(env *acctest.Env, body string) string {
	return projectConfig(env) + fmt.Sprintf(`
resource "idplane_secret" "db" {
  project_id  = idplane_project.shop.id
  environment = idplane_project_environment.staging.slug
  secret_path = "/app/db"
  key         = "DB_PASSWORD"
%s
}
`, body)
}

// at is where idplane_secret.db is, for the Go client.
var at = api.SecretGetQuery{WorkspaceSlug: "shop", Environment: "staging", SecretPath: "/app/db"}

func serverSecret(t *testing.T, env *acctest.Env) (*api.Secret, error) {
	return env.API.GetSecret(t.Context(), "DB_PASSWORD", at)
}

// onServer checks the secret's value and version on the server.
func onServer(t *testing.T, env *acctest.Env, value string, version int64) resource.TestCheckFunc {
	return func(*terraform.State) error {
		s, err := serverSecret(t, env)
		if err != nil {
			return err
		}
		if s.SecretValue != value || s.Version != version {
			return fmt.Errorf("on the server: version %d (want %d), value matches: %v", s.Version, version, s.SecretValue == value)
		}
		return nil
	}
}

// changeOutside writes a new value with the Go client, as someone outside
// Terraform would.
func changeOutside(t *testing.T, env *acctest.Env, value string) {
	t.Helper()
	_, err := env.API.UpdateSecret(t.Context(), "DB_PASSWORD", 0, api.SecretUpdate{WorkspaceSlug: "shop",
		Environment: "staging", SecretPath: "/app/db", SecretValue: &value})
	if err != nil {
		t.Fatal(err)
	}
}

func deleteOutside(t *testing.T, env *acctest.Env) {
	t.Helper()
	if err := env.API.DeleteSecret(t.Context(), "DB_PASSWORD", 0, api.SecretDelete{WorkspaceSlug: "shop",
		Environment: "staging", SecretPath: "/app/db"}); err != nil {
		t.Fatal(err)
	}
}

func checkDestroyed(env *acctest.Env) resource.TestCheckFunc {
	return env.CheckDestroyed("idplane_secret", func(ctx context.Context, c *api.Client, a map[string]string) error {
		_, err := c.GetSecret(ctx, a["key"], api.SecretGetQuery{WorkspaceID: a["project_id"], Environment: a["environment"],
			SecretPath: a["secret_path"]})
		return err
	})
}

func planAction(addr string, action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
}

func emptyPlan() resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
}

// notInState fails when any of values occurs anywhere in the state as
// Terraform reads it, private data aside (terraform show -json).
type notInState struct{ values []string }

func (c notInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if !strings.Contains(string(b), `"idplane_secret"`) {
		resp.Error = fmt.Errorf("no idplane_secret in the state: %s", b)
		return
	}
	for _, v := range c.values {
		if strings.Contains(string(b), v) {
			resp.Error = fmt.Errorf("a secret value is in the state")
		}
	}
}

// createAt is the body that creates idplane_secret.db's key with value.
func createAt(value string) api.SecretCreate {
	return api.SecretCreate{WorkspaceSlug: "shop", Environment: "staging", SecretPath: "/app/db", SecretValue: value}
}
