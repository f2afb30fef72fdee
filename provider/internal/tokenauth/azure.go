package tokenauth

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/api"
)

type azureModel struct {
	base
	TenantID                   types.String `tfsdk:"tenant_id"`
	ResourceURL                types.String `tfsdk:"resource_url"`
	AllowedServicePrincipalIDs types.Set    `tfsdk:"allowed_service_principal_ids"`
}

// NewAzureAuthResource is the idplane_identity_azure_auth resource.
func NewAzureAuthResource() resource.Resource {
	return newResource(method[azureModel, api.AzureAuth, api.AzureAuthInput]{
		kind: "azure", noun: "Azure auth",
		description: "a workload logs in with an access token of an Azure managed identity (v1 or v2) issued by the tenant for `resource_url`, " +
			"verified with the keys the tenant's discovery document names.",
		attributes: map[string]schema.Attribute{
			"tenant_id": schema.StringAttribute{Required: true,
				MarkdownDescription: "Directory (tenant) ID, a UUID such as `72f988bf-86f1-41af-91ab-2d7cd011db47`, whose tokens are accepted."},
			"resource_url": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(api.DefaultAzureResourceURL),
				MarkdownDescription: "Resource the token must be issued for (its audience), with or without a trailing slash. Defaults to `" + api.DefaultAzureResourceURL + "`."},
			"allowed_service_principal_ids": optionalSet("Object IDs (UUIDs) of the service principals, such as managed identities, that may log in. Empty: any of the tenant."),
		},
		fromAPI: func(a *api.AzureAuth) azureModel {
			return azureModel{base: baseFromAPI(a.AuthMethodBase), TenantID: types.StringValue(a.TenantID),
				ResourceURL: types.StringValue(a.ResourceURL), AllowedServicePrincipalIDs: tfutil.StringSet(a.AllowedServicePrincipalIDs)}
		},
		input: func(ctx context.Context, m azureModel, ts api.TokenSettingsInput, diags *diag.Diagnostics) api.AzureAuthInput {
			resourceURL := m.ResourceURL.ValueString()
			if m.ResourceURL.IsNull() {
				resourceURL = api.DefaultAzureResourceURL // omitted from a configuration: its default
			}
			return api.AzureAuthInput{TokenSettingsInput: ts, AzureAuthConfig: api.AzureAuthConfig{TenantID: m.TenantID.ValueString(),
				ResourceURL: resourceURL, AllowedServicePrincipalIDs: sortedStrings(ctx, m.AllowedServicePrincipalIDs, diags)}}
		},
		validate: (*api.AzureAuthInput).Validate,
		get:      (*api.Client).GetAzureAuth, put: (*api.Client).PutAzureAuth, remove: (*api.Client).DeleteAzureAuth,
	})
}
