package tokenauth_test

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/platformtest"
	"github.com/idplane/idplane/server/servertest"
)

// The reviewer token reaches the cluster: each login's TokenReview carries
// the token last sent as its bearer. The write-only token is sent on
// create and when its version changes, never otherwise, and is in no
// state; a Terraform without write-only arguments refuses it with the
// framework's message.
func TestKubernetesAuthReviewerToken(t *testing.T) {
	k8s := platformtest.NewKubernetes(t)
	env := acctest.NewWith(t, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true})
	reviewerA := k8s.ReviewerToken()
	reviewerB := k8s.Token(platformtest.ServiceAccount{Namespace: "kube-system", Name: "idplane-reviewer", CanReview: true})
	pod := k8s.Token(platformtest.ServiceAccount{Namespace: "ci", Name: "terraform"})
	w := walk{kind: "kubernetes"}
	config := func(reviewer string) string {
		return w.config(env, fmt.Sprintf("  kubernetes_host = %q\n  kubernetes_ca_certificate = %q\n  allowed_namespaces = [\"ci\"]\n%s",
			k8s.URL, k8s.CAPEM, reviewer))
	}
	var identityID string
	// loginReviewedBy logs the pod in and checks the bearer of its review.
	loginReviewedBy := func(bearer string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if _, err := env.API.KubernetesAuthLogin(t.Context(), api.TokenAuthLoginRequest{IdentityID: identityID, JWT: pod}); err != nil {
				return fmt.Errorf("login: %w", err)
			}
			bearers := k8s.Bearers()
			if got := bearers[len(bearers)-1]; got != bearer {
				return fmt.Errorf("the TokenReview's bearer is %.12s..., want %.12s...", got, bearer)
			}
			return nil
		}
	}
	stored := func(want bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			a, err := env.API.GetKubernetesAuth(t.Context(), identityID)
			if err != nil {
				return err
			}
			if a.TokenReviewerJWTSet != want {
				return fmt.Errorf("tokenReviewerJwtSet = %v, want %v", a.TokenReviewerJWTSet, want)
			}
			return nil
		}
	}
	writeOnly := func(token string, version int) string {
		return fmt.Sprintf("  token_reviewer_jwt_wo = %q\n  token_reviewer_jwt_wo_version = %d\n", token, version)
	}
	steps := []resource.TestStep{
		{
			Config: config(fmt.Sprintf("  token_reviewer_jwt = %q\n", reviewerA)),
			Check: resource.ComposeAggregateTestCheckFunc(acctest.Capture(identityAddr, "id", &identityID),
				resource.TestCheckResourceAttr(kubernetesAddr, "token_reviewer_jwt", reviewerA), stored(true), loginReviewedBy(reviewerA)),
		},
	}
	if acctest.SupportsWriteOnly() {
		steps = append(steps,
			resource.TestStep{
				Config:           config(writeOnly(reviewerB, 1)),
				ConfigPlanChecks: planAction(kubernetesAddr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(kubernetesAddr, "token_reviewer_jwt"),
					resource.TestCheckNoResourceAttr(kubernetesAddr, "token_reviewer_jwt_wo"),
					resource.TestCheckResourceAttr(kubernetesAddr, "token_reviewer_jwt_wo_version", "1"),
					stored(true), loginReviewedBy(reviewerB)),
			},
			// Another token under the same version is not sent.
			resource.TestStep{
				Config:           config(writeOnly(reviewerA, 1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            loginReviewedBy(reviewerB),
			},
			resource.TestStep{
				Config:           config(writeOnly(reviewerA, 2)),
				ConfigPlanChecks: planAction(kubernetesAddr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(kubernetesAddr, "token_reviewer_jwt_wo"), loginReviewedBy(reviewerA)),
			},
		)
	} else {
		steps = append(steps, resource.TestStep{
			Config:      config(writeOnly(reviewerB, 1)),
			ExpectError: regexp.MustCompile(`Write-only\s+attributes\s+are\s+only\s+supported\s+in\s+Terraform\s+1\.11\s+and\s+later`),
		}, resource.TestStep{
			// Refused before anything was sent.
			Config:           config(fmt.Sprintf("  token_reviewer_jwt = %q\n", reviewerA)),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			Check:            loginReviewedBy(reviewerA),
		})
	}
	// Without a reviewer token the stored one is removed: the pod's own
	// token is then the bearer, and this pod may not review.
	steps = append(steps, resource.TestStep{
		Config:           config(""),
		ConfigPlanChecks: planAction(kubernetesAddr, plancheck.ResourceActionUpdate),
		Check: resource.ComposeAggregateTestCheckFunc(stored(false), func(*terraform.State) error {
			_, err := env.API.KubernetesAuthLogin(t.Context(), api.TokenAuthLoginRequest{IdentityID: identityID, JWT: pod})
			if !api.IsStatus(err, http.StatusUnauthorized) {
				return fmt.Errorf("login reviewed with the pod's own token: want 401, got %v", err)
			}
			if bearers := k8s.Bearers(); bearers[len(bearers)-1] != pod {
				return fmt.Errorf("the last TokenReview was not made with the pod's own token")
			}
			return nil
		}),
	})
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: acctest.Factories, Steps: steps})
}
