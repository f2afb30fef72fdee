// Package azure is Azure auth: a workload logs in with a managed-identity
// access token (v1 or v2) of the identity's tenant, verified against the
// keys the tenant's discovery document names.
package azure

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
	"github.com/idplane/idplane/server/internal/httpapi"
	"github.com/idplane/idplane/server/internal/service"
)

// Kind is Azure auth as identities list it and tokens carry it.
const Kind = "azure-auth"

// DefaultLoginURL is Microsoft Entra ID's public cloud.
const DefaultLoginURL = "https://login.microsoftonline.com"

// Method registers Azure auth.
type Method struct {
	Verifier *signedtoken.Verifier
	// LoginURL is where tenants' discovery documents are:
	// <LoginURL>/<tenant>/v2.0/.well-known/openid-configuration.
	LoginURL string
}

var _ authmethod.Method = Method{}

// Kind implements authmethod.Method.
func (Method) Kind() string { return Kind }

// Attached implements authmethod.Method.
func (Method) Attached(db *gorm.DB, identityIDs []string) (map[string]bool, error) {
	return methodconfig.Attached(db, Kind, identityIDs)
}

// Routes implements authmethod.Method.
func (m Method) Routes(r *httpapi.Registrar) {
	if m.LoginURL == "" {
		m.LoginURL = DefaultLoginURL
	}
	m.LoginURL = strings.TrimSuffix(m.LoginURL, "/")
	s := methodconfig.New[api.AzureAuthConfig](r.Core(), Kind, "Azure auth")
	methodconfig.Register(r, s, methodconfig.Routes{Get: api.RouteGetAzureAuth, Put: api.RoutePutAzureAuth, Delete: api.RouteDeleteAzureAuth},
		func(in *api.AzureAuthInput) (api.TokenSettingsInput, api.AzureAuthConfig) {
			return in.TokenSettingsInput, in.AzureAuthConfig
		},
		func(b api.AuthMethodBase, c api.AzureAuthConfig) *api.AzureAuth {
			return &api.AzureAuth{AuthMethodBase: b, AzureAuthConfig: c}
		})
	httpapi.Handle(r, api.RouteAzureAuthLogin, func(c *httpapi.Ctx, in *api.TokenAuthLoginRequest) (*api.LoginResponse, error) {
		return methodconfig.Login(c.Request().Context(), c.Meta, s, in.IdentityID, func(ctx context.Context, cfg methodconfig.Config[api.AzureAuthConfig]) (methodconfig.Verified, error) {
			return m.verify(ctx, cfg.C, in.JWT)
		})
	})
}

// verify checks a managed-identity token of the configured tenant.
func (m Method) verify(ctx context.Context, cfg api.AzureAuthConfig, raw string) (methodconfig.Verified, error) {
	tenant := strings.ToLower(cfg.TenantID)
	p, ks, err := m.Verifier.Discover(ctx, m.LoginURL+"/"+tenant+"/v2.0"+signedtoken.WellKnown, "")
	if err != nil {
		return methodconfig.Verified{}, service.LoginRefused("the tenant's discovery document could not be fetched", err.Error())
	}
	// v2 tokens carry the discovery document's issuer, v1 tokens the STS one.
	issuers := []string{strings.ReplaceAll(p.Issuer, "{tenantid}", tenant), "https://sts.windows.net/" + tenant + "/"}
	// Azure writes the resource as it was requested, with or without a
	// trailing slash; either form of the configured resource is accepted.
	resource := strings.TrimSuffix(cfg.ResourceURL, "/")
	audiences := []string{resource, resource + "/"}
	t, err := m.Verifier.Verify(ctx, raw, ks, signedtoken.Expect{Issuers: issuers, Audiences: audiences})
	if err != nil {
		return methodconfig.Verified{}, err
	}
	if tid, _ := signedtoken.ClaimString(t.Raw, "tid"); !strings.EqualFold(tid, tenant) {
		return methodconfig.Verified{}, service.LoginRefused("tenant does not match", "tid "+tid)
	}
	oid, _ := signedtoken.ClaimString(t.Raw, "oid")
	if oid == "" {
		return methodconfig.Verified{}, service.LoginRefused("the token has no oid (service principal)", "oid claim missing")
	}
	if len(cfg.AllowedServicePrincipalIDs) > 0 && !slices.ContainsFunc(cfg.AllowedServicePrincipalIDs, func(a string) bool { return strings.EqualFold(a, oid) }) {
		return methodconfig.Verified{}, service.LoginRefused("service principal is not allowed", "oid "+oid+" is not allowed")
	}
	return methodconfig.Verified{Subject: oid}, nil
}
