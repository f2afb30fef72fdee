package secret_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

// asAuditor is cfg, written for the admin's provider block, with the
// provider logging in as a new identity of the built-in auditor role,
// which plans in CI and reads no secret.
func asAuditor(t *testing.T, env *acctest.Env, cfg string) string {
	t.Helper()
	ctx := t.Context()
	id, err := env.API.CreateIdentity(ctx, api.IdentityInput{Name: "ci-plan", Role: "auditor"})
	if err != nil {
		t.Fatal(err)
	}
	ua, err := env.API.PutUniversalAuth(ctx, id.ID, 0, api.UniversalAuthInput{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := env.API.CreateClientSecret(ctx, id.ID, api.ClientSecretInput{})
	if err != nil {
		t.Fatal(err)
	}
	admin := fmt.Sprintf("client_id     = %q\n      client_secret = %q", env.Server.Bootstrap.ClientID, env.Server.Bootstrap.ClientSecret)
	if !strings.Contains(cfg, admin) {
		t.Fatalf("no admin provider block in %s", cfg)
	}
	return strings.Replace(cfg, admin, fmt.Sprintf("client_id     = %q\n      client_secret = %q", ua.ClientID, cs.ClientSecret), 1)
}

// An identity that may plan but not read secrets (the auditor of the CI
// guide) refreshes everything else and keeps the secret as last written,
// with a warning: its plan works, and cannot see a change to the secret,
// which the next plan of an identity that may read it shows.
func TestSecretRefreshWithoutRead(t *testing.T) {
	env := acctest.New(t)
	cfg := valueConfig(env, "s3cret-1", "")
	auditor := asAuditor(t, env, cfg)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkDestroyed(env),
		Steps: []resource.TestStep{
			{Config: cfg, Check: onServer(t, env, "s3cret-1", 1)},
			{
				// PlanOnly insists on an empty plan.
				PreConfig: func() { changeOutside(t, env, "changed-by-hand") },
				Config:    auditor,
				PlanOnly:  true,
			},
			{
				Config:           cfg,
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check:            onServer(t, env, "s3cret-1", 3),
			},
		},
	})
}
