package identity_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/servertest"
)

// The answer to the identity's create is lost after the server made it (a
// load balancer timeout, a crash after commit). The provider's retry
// carries the same Idempotency-Key and gets the first answer: one identity
// on the server, that one in state, and an empty plan afterwards.
func TestIdentityResource_lostCreateAnswer(t *testing.T) {
	env := acctest.New(t)
	proxy := servertest.StartDroppingProxy(t, env.Server.URL, http.MethodPost, "/api/v1/identities")
	config := env.ConfigAt(proxy.URL, `
resource "idplane_identity" "ci" {
  name = "ci"
  role = "member"
}
`)
	oneIdentity := func(s *terraform.State) error {
		if proxy.Dropped() != 1 {
			return fmt.Errorf("the proxy dropped %d answers, want 1", proxy.Dropped())
		}
		id, err := acctest.Attr(s, identityAddr, "id")
		if err != nil {
			return err
		}
		l, err := env.API.ListIdentities(context.Background())
		if err != nil {
			return err
		}
		var ids []string
		for _, i := range l.Identities {
			if i.Name == "ci" {
				ids = append(ids, i.ID)
			}
		}
		if len(ids) != 1 || ids[0] != id {
			return fmt.Errorf("identities named ci on the server: %v, want exactly the one in state (%s)", ids, id)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy:             checkIdentityDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  oneIdentity,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}
