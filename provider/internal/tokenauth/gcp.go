package tokenauth

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/api"
)

type gcpModel struct {
	base
	Type                        types.String `tfsdk:"type"`
	AllowedServiceAccountEmails types.Set    `tfsdk:"allowed_service_account_emails"`
	AllowedProjects             types.Set    `tfsdk:"allowed_projects"`
	AllowedZones                types.Set    `tfsdk:"allowed_zones"`
	AllowAnyPrincipal           types.Bool   `tfsdk:"allow_any_principal"`
}

// NewGCPAuthResource is the idplane_identity_gcp_auth resource.
func NewGCPAuthResource() resource.Resource {
	return newResource(method[gcpModel, api.GCPAuth, api.GCPAuthInput]{
		kind: "gcp", noun: "GCP auth",
		description: "a workload logs in with a Google-signed ID token of a GCE instance (`type = \"gce\"`) or with a JWT signed by a service account's key " +
			"(`type = \"iam\"`), whose audience is the identity's ID, verified with the keys Google publishes. Each empty allow-list admits any value, " +
			"so at least `allowed_service_account_emails` or `allowed_projects` must be set (zones alone bind no one: every project has VMs in every zone), " +
			"unless `allow_any_principal = true` admits every Google service account and VM in the world.",
		attributes: map[string]schema.Attribute{
			"type": schema.StringAttribute{Required: true,
				MarkdownDescription: "`gce`: the instance identity token of a Compute Engine VM (requested with `format=full`). " +
					"`iam`: a JWT signed with `iam.serviceAccounts.signJwt`, valid for at most 15 minutes."},
			"allowed_service_account_emails": optionalSet("Service accounts that may log in, such as `builder@my-project.iam.gserviceaccount.com`, compared case-insensitively. Empty: any."),
			"allowed_projects":               optionalSet("IDs of the projects whose instances (`gce`) or service accounts (`iam`) may log in. Empty: any."),
			"allowed_zones":                  optionalSet("Zones, such as `europe-west1-b`, whose instances may log in; `gce` only. Empty: any."),
			"allow_any_principal":            allowAnyPrincipal("Google service account or VM", "`allowed_service_account_emails` nor `allowed_projects`"),
		},
		fromAPI: func(a *api.GCPAuth) gcpModel {
			return gcpModel{base: baseFromAPI(a.AuthMethodBase), Type: types.StringValue(a.Type),
				AllowedServiceAccountEmails: tfutil.StringSet(a.AllowedServiceAccountEmails),
				AllowedProjects:             tfutil.StringSet(a.AllowedProjects),
				AllowedZones:                tfutil.StringSet(a.AllowedZones),
				AllowAnyPrincipal:           types.BoolValue(a.AllowAnyPrincipal)}
		},
		input: func(ctx context.Context, m gcpModel, ts api.TokenSettingsInput, diags *diag.Diagnostics) api.GCPAuthInput {
			return api.GCPAuthInput{TokenSettingsInput: ts, GCPAuthConfig: api.GCPAuthConfig{Type: m.Type.ValueString(),
				AllowedServiceAccountEmails: sortedStrings(ctx, m.AllowedServiceAccountEmails, diags),
				AllowedProjects:             sortedStrings(ctx, m.AllowedProjects, diags),
				AllowedZones:                sortedStrings(ctx, m.AllowedZones, diags),
				AllowAnyPrincipal:           m.AllowAnyPrincipal.ValueBool()}}
		},
		validate: (*api.GCPAuthInput).Validate,
		get:      (*api.Client).GetGCPAuth, put: (*api.Client).PutGCPAuth, remove: (*api.Client).DeleteGCPAuth,
	})
}
