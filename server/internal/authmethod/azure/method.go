// Package azure is Azure auth: a workload logs in with a managed-identity
// access token (v1 or v2) of the identity's tenant, verified against the
// keys the tenant's discovery document names.
package azure

import (
	"context"
	"slices"
	"strings"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
)

// Kind is Azure auth as identities list it and tokens carry it.
const Kind = "azure-auth"

// DefaultLoginURL is Microsoft Entra ID's public cloud.
const DefaultLoginURL = "https://login.microsoftonline.com"

// New returns Azure auth, verifying tokens with v; loginURL is where
// tenants' discovery documents are
// (<loginURL>/<tenant>/v2.0/.well-known/openid-configuration), empty for
// DefaultLoginURL.
func New(v *signedtoken.Verifier, loginURL string) methodconfig.Method[api.AzureAuthConfig, api.AzureAuthInput, api.AzureAuth, api.TokenAuthLoginRequest] {
	if loginURL == "" {
		loginURL = DefaultLoginURL
	}
	return methodconfig.Method[api.AzureAuthConfig, api.AzureAuthInput, api.AzureAuth, api.TokenAuthLoginRequest]{
		Name: Kind, Noun: "Azure auth",
		API: methodconfig.Routes{Get: api.RouteGetAzureAuth, Put: api.RoutePutAzureAuth, Delete: api.RouteDeleteAzureAuth, Login: api.RouteAzureAuthLogin},
		Split: func(in *api.AzureAuthInput) (api.TokenSettingsInput, api.AzureAuthConfig) {
			return in.TokenSettingsInput, in.AzureAuthConfig
		},
		Wire: func(b api.AuthMethodBase, c api.AzureAuthConfig) *api.AzureAuth {
			return &api.AzureAuth{AuthMethodBase: b, AzureAuthConfig: c}
		},
		Login: methodconfig.TokenLogin(verifier{Verifier: v, loginURL: strings.TrimSuffix(loginURL, "/")}.verify),
	}
}

type verifier struct {
	*signedtoken.Verifier
	loginURL string
}

// verify checks a managed-identity token of the configured tenant.
func (v verifier) verify(ctx context.Context, cfg methodconfig.Config[api.AzureAuthConfig], raw string) (methodconfig.Verified, error) {
	tenant := strings.ToLower(cfg.C.TenantID)
	p, ks, err := v.Discover(ctx, v.loginURL+"/"+tenant+"/v2.0"+signedtoken.WellKnown, "")
	if err != nil {
		return methodconfig.Verified{}, login.Refused("the tenant's discovery document could not be fetched", err.Error())
	}
	// v2 tokens carry the discovery document's issuer, v1 tokens the STS one.
	issuers := []string{strings.ReplaceAll(p.Issuer, "{tenantid}", tenant), "https://sts.windows.net/" + tenant + "/"}
	// Azure writes the resource as it was requested, with or without a
	// trailing slash; either form of the configured resource is accepted.
	resource := strings.TrimSuffix(cfg.C.ResourceURL, "/")
	audiences := []string{resource, resource + "/"}
	t, err := v.Verify(ctx, raw, ks, signedtoken.Expect{Issuers: issuers, Audiences: audiences})
	if err != nil {
		return methodconfig.Verified{}, err
	}
	if tid, _ := signedtoken.ClaimString(t.Raw, "tid"); !strings.EqualFold(tid, tenant) {
		return methodconfig.Verified{}, login.Refused("tenant does not match", "tid "+tid)
	}
	oid, _ := signedtoken.ClaimString(t.Raw, "oid")
	if oid == "" {
		return methodconfig.Verified{}, login.Refused("the token has no oid (service principal)", "oid claim missing")
	}
	if len(cfg.C.AllowedServicePrincipalIDs) > 0 && !slices.ContainsFunc(cfg.C.AllowedServicePrincipalIDs, func(a string) bool { return strings.EqualFold(a, oid) }) {
		return methodconfig.Verified{}, login.Refused("service principal is not allowed", "oid "+oid+" is not allowed")
	}
	return methodconfig.Verified{Subject: oid}, nil
}
