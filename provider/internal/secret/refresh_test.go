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

// asIdentity is cfg, written for the admin's provider block, with the
// provider logging in as a new identity of the organization role orgRole;
// it returns the configuration and the identity's ID.
func asIdentity(t *testing.T, env *acctest.Env, cfg, name, orgRole string) (string, string) {
	t.Helper()
	ctx := t.Context()
	id, err := env.API.CreateIdentity(ctx, api.IdentityInput{Name: name, Role: orgRole})
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
	return strings.Replace(cfg, admin, fmt.Sprintf("client_id     = %q\n      client_secret = %q", ua.ClientID, cs.ClientSecret), 1), id.ID
}

// asAuditor is cfg with the provider logging in as a new identity of the
// built-in auditor role, which plans in CI and reads no secret.
func asAuditor(t *testing.T, env *acctest.Env, cfg string) string {
	t.Helper()
	c, _ := asIdentity(t, env, cfg, "ci-plan", "auditor")
	return c
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

// grantDescribe gives identity a membership of project shop whose role may
// describe its secrets, and neither read nor change them.
func grantDescribe(t *testing.T, env *acctest.Env, identityID string) {
	t.Helper()
	ctx := t.Context()
	s, err := serverSecret(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.API.CreateProjectRole(ctx, s.Workspace, api.RoleInput{Slug: "describer", Name: "Describer",
		Permissions: []api.PermissionRule{{Subject: api.SubjectSecrets, Actions: []string{api.ActionDescribe}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.API.CreateMembership(ctx, s.Workspace, identityID, api.ProjectMembershipInput{
		Roles: []api.MembershipRole{{RoleSlug: "describer"}}}); err != nil {
		t.Fatal(err)
	}
}

// secretEvents counts identity's successful secret events by action.
func secretEvents(t *testing.T, env *acctest.Env, identityID string) map[string]int {
	t.Helper()
	all, err := env.API.ListAuditEvents(t.Context(), api.AuditEventFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, ev := range all.Events {
		if ev.Actor.ID == identityID && ev.Outcome == api.OutcomeSuccess && strings.HasPrefix(ev.Action, "secret.") {
			n[ev.Action]++
		}
	}
	return n
}

// An identity that may describe secrets but not read them (the CI guide's
// auditor with a membership granting describe) refreshes a
// secret's version and comment: unchanged, the plan is empty; changed
// outside Terraform, a value in state is kept with a warning (the new value
// cannot be shown), and a value_wo secret is planned to be written again,
// since its version alone tells the change. Its refreshes are audited as
// describes, never as reads.
func TestSecretRefreshWithDescribeOnly(t *testing.T) {
	env := acctest.New(t)
	cfg := valueConfig(env, "s3cret-1", "")
	describer, id := asIdentity(t, env, cfg, "ci-describe", "auditor")
	described := func(t *testing.T) {
		t.Helper()
		if n := secretEvents(t, env, id); n["secret.describe"] == 0 || n["secret.read"] != 0 {
			t.Fatalf("the describer's secret events %v, want describes and no read", n)
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkDestroyed(env),
		Steps: []resource.TestStep{
			{Config: cfg, Check: onServer(t, env, "s3cret-1", 1)},
			{PreConfig: func() { grantDescribe(t, env, id) }, Config: describer, PlanOnly: true},
			{
				PreConfig: func() { described(t); changeOutside(t, env, "changed-by-hand") },
				Config:    describer,
				PlanOnly:  true,
			},
			{
				PreConfig:        func() { described(t) },
				Config:           cfg,
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check:            onServer(t, env, "s3cret-1", 3),
			},
		},
	})
	if !acctest.SupportsWriteOnly() {
		return
	}
	env = acctest.New(t)
	cfg = woConfig(env, woValueA, 1)
	describer, id = asIdentity(t, env, cfg, "ci-describe", "auditor")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkDestroyed(env),
		Steps: []resource.TestStep{
			{Config: cfg, Check: onServer(t, env, woValueA, 1)},
			{PreConfig: func() { grantDescribe(t, env, id) }, Config: describer, PlanOnly: true},
			{
				PreConfig:          func() { described(t); changeOutside(t, env, byHand) },
				Config:             describer,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig:        func() { described(t) },
				Config:           cfg,
				ConfigPlanChecks: planAction(secretAddr, plancheck.ResourceActionUpdate),
				Check:            onServer(t, env, woValueA, 3),
			},
		},
	})
}
