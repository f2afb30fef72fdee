package tokenauth_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/server/api"
)

const gcpAddr = "idplane_identity_gcp_auth.ci"

// gcpWalk starts with GCE instances of any project in two zones (an
// explicit allow_any_principal) and changes to IAM-signed tokens of bound
// accounts and projects in place.
var gcpWalk = walk{
	kind: "gcp", noun: "GCP auth",
	create: `
  type                = "gce"
  allowed_zones       = ["europe-west1-b", "europe-west1-c"]
  allow_any_principal = true
`,
	created: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(gcpAddr, "type", "gce"),
		resource.TestCheckResourceAttr(gcpAddr, "allowed_service_account_emails.#", "0"),
		resource.TestCheckResourceAttr(gcpAddr, "allowed_projects.#", "0"),
		resource.TestCheckResourceAttr(gcpAddr, "allowed_zones.#", "2"),
		resource.TestCheckResourceAttr(gcpAddr, "allow_any_principal", "true"),
	},
	update: `
  type                           = "iam"
  allowed_service_account_emails = ["builder@acme-prod.iam.gserviceaccount.com", "deployer@acme-prod.iam.gserviceaccount.com"]
  allowed_projects               = ["acme-prod", "acme-staging"]
`,
	reordered: `
  type                           = "iam"
  allowed_service_account_emails = ["deployer@acme-prod.iam.gserviceaccount.com", "builder@acme-prod.iam.gserviceaccount.com"]
  allowed_projects               = ["acme-staging", "acme-prod"]
`,
	updated: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(gcpAddr, "type", "iam"),
		resource.TestCheckResourceAttr(gcpAddr, "allowed_service_account_emails.#", "2"),
		resource.TestCheckTypeSetElemAttr(gcpAddr, "allowed_service_account_emails.*", "deployer@acme-prod.iam.gserviceaccount.com"),
		resource.TestCheckResourceAttr(gcpAddr, "allowed_projects.#", "2"),
		resource.TestCheckResourceAttr(gcpAddr, "allowed_zones.#", "0"),
		resource.TestCheckResourceAttr(gcpAddr, "allow_any_principal", "false"),
	},
	attach: func(ctx context.Context, c *api.Client, identityID string) error {
		_, err := c.PutGCPAuth(ctx, identityID, 0, api.GCPAuthInput{GCPAuthConfig: api.GCPAuthConfig{
			Type: api.GCPTypeGCE, AllowedProjects: []string{"someone-else"}, AllowedZones: []string{"us-east1-b"},
		}})
		return err
	},
	get:    getter((*api.Client).GetGCPAuth),
	detach: (*api.Client).DeleteGCPAuth,
}

func TestGCPAuthResource(t *testing.T) { gcpWalk.run(t) }

func TestGCPAuthValidation(t *testing.T) {
	planErrors(t, "gcp", [][2]string{
		{`type = "iam"` + "\n" + `allowed_zones = ["europe-west1-b"]`, `allowed_zones: applies only to type "gce": IAM tokens carry no zone`},
		{`type = "gke"`, `type: must be "gce" or "iam", got "gke"`},
		{`type = "iam"` + "\n" + `allowed_service_account_emails = ["builder"]`,
			`allowed_service_account_emails[*]: "builder" is not a service account email such as name@project.iam.gserviceaccount.com`},
		{`type = "gce"` + "\n" + `allowed_projects = [""]`, `allowed_projects[*]: must not be empty`},
		{`type = "gce"` + "\n" + `allowed_zones = ["europe-west1-b"]`, `allowed_service_account_emails: bind at least one of ` +
			`allowed_service_account_emails or allowed_projects, or set allow_any_principal to true to admit any Google service account or VM in the world`},
		{`type = "iam"` + "\n" + `allowed_projects = ["acme-prod"]` + "\n" + `allow_any_principal = true`,
			`allow_any_principal: must be false when allowed_service_account_emails or allowed_projects bind`},
	})
}
