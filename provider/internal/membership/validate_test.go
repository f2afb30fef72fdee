package membership_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/provider/internal/acctest"
)

// message matches text however terraform wraps it.
func message(text string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(text), " ", `\s+`))
}

func TestProjectIdentityPlanErrors(t *testing.T) {
	env := acctest.New(t)
	config := func(roles string) string {
		return env.Config(`
resource "idplane_project_identity" "m" {
  project_id  = "p"
  identity_id = "i"
  roles       = ` + roles + `
}
`)
	}
	temporary := func(start, duration string) string {
		return config(`[{ role_slug = "viewer", temporary_access = { start_time = "` + start + `", duration = "` + duration + `" } }]`)
	}
	planError := func(config, text string) resource.TestStep {
		return resource.TestStep{Config: config, PlanOnly: true, ExpectError: message(text)}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			planError(temporary("2030-01-01 00:00:00", "1h"),
				`"2030-01-01 00:00:00" is not an RFC 3339 time such as 2026-01-02T15:04:05Z`),
			planError(temporary("2030-01-01T00:00:00", "1h"),
				`"2030-01-01T00:00:00" is not an RFC 3339 time`),
			planError(temporary("2030-01-01T00:00:00Z", "1d"), `"1d" is not a duration such as 90m or 24h`),
			planError(temporary("2030-01-01T00:00:00Z", "0s"), `0s is outside the allowed range 1s to 8760h0m0s`),
			planError(temporary("2030-01-01T00:00:00Z", "8761h"), `8761h0m0s is outside the allowed range 1s to 8760h0m0s`),
			planError(temporary("2030-01-01T00:00:00Z", "1500ms"), `"1500ms" is not a whole number of seconds`),
			planError(config(`[{ role_slug = "Viewer" }]`), `"Viewer" is not a valid slug`),
			planError(config(`[]`), `roles set must contain at least 1 elements`),
		},
	})
}
