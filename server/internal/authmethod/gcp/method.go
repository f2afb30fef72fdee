// Package gcp is GCP auth: a workload logs in with a Google ID token of a
// GCE instance (type gce) or a JWT signed by a service account's key
// (type iam), whose audience is the identity's ID.
package gcp

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
	"github.com/idplane/idplane/server/internal/httpapi"
	"github.com/idplane/idplane/server/internal/service"
)

// Kind is GCP auth as identities list it and tokens carry it.
const Kind = "gcp-auth"

// Where Google publishes its keys, by default.
const (
	DefaultOAuth2CertsURL         = "https://www.googleapis.com/oauth2/v3/certs"
	DefaultServiceAccountCertsURL = "https://www.googleapis.com/service_accounts/v1/metadata/x509/"
)

// googleIssuers are the issuers of Google ID tokens.
var googleIssuers = []string{"https://accounts.google.com", "accounts.google.com"}

// maxIAMLifetime bounds how far in the future an IAM token may expire, as
// Vault does: a signed JWT is a bearer credential.
const maxIAMLifetime = 15 * time.Minute

// Method registers GCP auth.
type Method struct {
	Verifier *signedtoken.Verifier
	// OAuth2CertsURL is the JWKS of Google ID tokens; ServiceAccountCertsURL
	// is the prefix to which a service account's email is appended to find
	// its x509 certificates.
	OAuth2CertsURL, ServiceAccountCertsURL string
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
	if m.OAuth2CertsURL == "" {
		m.OAuth2CertsURL = DefaultOAuth2CertsURL
	}
	if m.ServiceAccountCertsURL == "" {
		m.ServiceAccountCertsURL = DefaultServiceAccountCertsURL
	}
	s := methodconfig.New[api.GCPAuthConfig](r.Core(), Kind, "GCP auth")
	methodconfig.Register(r, s, methodconfig.Routes{Get: api.RouteGetGCPAuth, Put: api.RoutePutGCPAuth, Delete: api.RouteDeleteGCPAuth},
		func(in *api.GCPAuthInput) (api.TokenSettingsInput, api.GCPAuthConfig) {
			return in.TokenSettingsInput, in.GCPAuthConfig
		},
		func(b api.AuthMethodBase, c api.GCPAuthConfig) *api.GCPAuth {
			return &api.GCPAuth{AuthMethodBase: b, GCPAuthConfig: c}
		})
	httpapi.Handle(r, api.RouteGCPAuthLogin, func(c *httpapi.Ctx, in *api.TokenAuthLoginRequest) (*api.LoginResponse, error) {
		return methodconfig.Login(c.Request().Context(), c.Meta, s, in.IdentityID, func(ctx context.Context, cfg methodconfig.Config[api.GCPAuthConfig]) (methodconfig.Verified, error) {
			if cfg.C.Type == api.GCPTypeIAM {
				return m.verifyIAM(ctx, cfg, in.JWT)
			}
			return m.verifyGCE(ctx, cfg, in.JWT)
		})
	})
}

// verifyGCE checks a GCE instance identity token (format=full).
func (m Method) verifyGCE(ctx context.Context, cfg methodconfig.Config[api.GCPAuthConfig], raw string) (methodconfig.Verified, error) {
	ks, err := m.Verifier.Remote(m.OAuth2CertsURL, "", signedtoken.DecodeJWKS)
	if err != nil {
		return methodconfig.Verified{}, err
	}
	t, err := m.Verifier.Verify(ctx, raw, ks, signedtoken.Expect{Issuers: googleIssuers, Audiences: []string{cfg.IdentityID}})
	if err != nil {
		return methodconfig.Verified{}, err
	}
	email, _ := signedtoken.ClaimString(t.Raw, "email")
	project, okProject := signedtoken.ClaimString(t.Raw, "google.compute_engine.project_id")
	zone, _ := signedtoken.ClaimString(t.Raw, "google.compute_engine.zone")
	if email == "" || !okProject {
		return methodconfig.Verified{}, service.LoginRefused("not a GCE instance identity token (request it with format=full)",
			"token lacks email or google.compute_engine.project_id")
	}
	if err := checkAllowed(cfg.C, email, project); err != nil {
		return methodconfig.Verified{}, err
	}
	if len(cfg.C.AllowedZones) > 0 && !slices.Contains(cfg.C.AllowedZones, zone) {
		return methodconfig.Verified{}, service.LoginRefused("zone is not allowed", "zone "+zone+" is not allowed")
	}
	return methodconfig.Verified{Subject: email, Metadata: map[string]string{"project": project, "zone": zone}}, nil
}

// verifyIAM checks a JWT signed by a service account key, against that
// account's published certificates.
func (m Method) verifyIAM(ctx context.Context, cfg methodconfig.Config[api.GCPAuthConfig], raw string) (methodconfig.Verified, error) {
	if err := signedtoken.CheckSize(raw); err != nil {
		return methodconfig.Verified{}, err
	}
	// The account, and so where its keys are, is named by the token itself;
	// it is checked against the allowed accounts before anything is fetched.
	unverified, err := jwt.ParseSigned(raw, signedtoken.Algorithms)
	if err != nil {
		return methodconfig.Verified{}, service.LoginRefused("the token is not a JWT signed with an allowed algorithm (RS, PS or ES 256-512, EdDSA)", err.Error())
	}
	var claims jwt.Claims
	if err := unverified.UnsafeClaimsWithoutVerification(&claims); err != nil || !strings.Contains(claims.Subject, "@") {
		return methodconfig.Verified{}, service.LoginRefused("the token's sub is not a service account email", "sub is not an email")
	}
	email := strings.ToLower(claims.Subject)
	if err := checkAllowed(cfg.C, email, projectOf(email)); err != nil {
		return methodconfig.Verified{}, err
	}
	ks, err := m.Verifier.Remote(m.ServiceAccountCertsURL+url.PathEscape(email), "", signedtoken.DecodeX509Map)
	if err != nil {
		return methodconfig.Verified{}, err
	}
	t, err := m.Verifier.Verify(ctx, raw, ks, signedtoken.Expect{Audiences: []string{cfg.IdentityID}, MaxLifetime: maxIAMLifetime})
	if err != nil {
		return methodconfig.Verified{}, err
	}
	return methodconfig.Verified{Subject: t.Subject, Metadata: map[string]string{"project": projectOf(email)}}, nil
}

// checkAllowed applies the allowed service accounts and projects.
func checkAllowed(c api.GCPAuthConfig, email, project string) error {
	if len(c.AllowedServiceAccountEmails) > 0 && !slices.ContainsFunc(c.AllowedServiceAccountEmails, func(a string) bool { return strings.EqualFold(a, email) }) {
		return service.LoginRefused("service account is not allowed", "service account "+email+" is not allowed")
	}
	if len(c.AllowedProjects) > 0 && !slices.Contains(c.AllowedProjects, project) {
		return service.LoginRefused("project is not allowed", "project "+project+" is not allowed")
	}
	return nil
}

// projectOf is the project of a service account email
// (name@project.iam.gserviceaccount.com); other accounts have none.
func projectOf(email string) string {
	_, domain, _ := strings.Cut(email, "@")
	project, ok := strings.CutSuffix(domain, ".iam.gserviceaccount.com")
	if !ok {
		return ""
	}
	return project
}
