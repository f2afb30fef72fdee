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

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
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

// CertsURLs are where Google publishes the keys of GCP auth's tokens.
type CertsURLs struct {
	// OAuth2 is the JWKS of Google ID tokens; ServiceAccount is the prefix
	// to which a service account's email is appended to find its x509
	// certificates. Empty takes the default.
	OAuth2, ServiceAccount string
}

// New returns GCP auth, verifying tokens with v against the keys at urls.
func New(v *signedtoken.Verifier, urls CertsURLs) methodconfig.Method[api.GCPAuthConfig, api.GCPAuthInput, api.GCPAuth, api.TokenAuthLoginRequest] {
	if urls.OAuth2 == "" {
		urls.OAuth2 = DefaultOAuth2CertsURL
	}
	if urls.ServiceAccount == "" {
		urls.ServiceAccount = DefaultServiceAccountCertsURL
	}
	return methodconfig.Method[api.GCPAuthConfig, api.GCPAuthInput, api.GCPAuth, api.TokenAuthLoginRequest]{
		Name: Kind, Noun: "GCP auth",
		API: methodconfig.Routes{Get: api.RouteGetGCPAuth, Put: api.RoutePutGCPAuth, Delete: api.RouteDeleteGCPAuth, Login: api.RouteGCPAuthLogin},
		Split: func(in *api.GCPAuthInput) (api.TokenSettingsInput, api.GCPAuthConfig) {
			return in.TokenSettingsInput, in.GCPAuthConfig
		},
		Wire: func(b api.AuthMethodBase, c api.GCPAuthConfig) *api.GCPAuth {
			return &api.GCPAuth{AuthMethodBase: b, GCPAuthConfig: c}
		},
		Login: methodconfig.TokenLogin(verifier{Verifier: v, urls: urls}.verify),
	}
}

type verifier struct {
	*signedtoken.Verifier
	urls CertsURLs
}

// verify checks an IAM token or a GCE one, as the identity's type says.
func (v verifier) verify(ctx context.Context, cfg methodconfig.Config[api.GCPAuthConfig], raw string) (methodconfig.Verified, error) {
	if cfg.C.Type == api.GCPTypeIAM {
		return v.verifyIAM(ctx, cfg, raw)
	}
	return v.verifyGCE(ctx, cfg, raw)
}

// verifyGCE checks a GCE instance identity token (format=full).
func (v verifier) verifyGCE(ctx context.Context, cfg methodconfig.Config[api.GCPAuthConfig], raw string) (methodconfig.Verified, error) {
	ks, err := v.Remote(v.urls.OAuth2, "", signedtoken.DecodeJWKS)
	if err != nil {
		return methodconfig.Verified{}, err
	}
	t, err := v.Verify(ctx, raw, ks, signedtoken.Expect{Issuers: googleIssuers, Audiences: []string{cfg.IdentityID}})
	if err != nil {
		return methodconfig.Verified{}, err
	}
	email, _ := signedtoken.ClaimString(t.Raw, "email")
	project, okProject := signedtoken.ClaimString(t.Raw, "google.compute_engine.project_id")
	zone, _ := signedtoken.ClaimString(t.Raw, "google.compute_engine.zone")
	if email == "" || !okProject {
		return methodconfig.Verified{}, login.Refused("not a GCE instance identity token (request it with format=full)",
			"token lacks email or google.compute_engine.project_id")
	}
	if err := checkAllowed(cfg.C, email, project); err != nil {
		return methodconfig.Verified{}, err
	}
	if len(cfg.C.AllowedZones) > 0 && !slices.Contains(cfg.C.AllowedZones, zone) {
		return methodconfig.Verified{}, login.Refused("zone is not allowed", "zone "+zone+" is not allowed")
	}
	return methodconfig.Verified{Subject: email, Metadata: map[string]string{"project": project, "zone": zone}}, nil
}

// verifyIAM checks a JWT signed by a service account key, against that
// account's published certificates.
func (v verifier) verifyIAM(ctx context.Context, cfg methodconfig.Config[api.GCPAuthConfig], raw string) (methodconfig.Verified, error) {
	if err := signedtoken.CheckSize(raw); err != nil {
		return methodconfig.Verified{}, err
	}
	// The account, and so where its keys are, is named by the token itself;
	// it is checked against the allowed accounts before anything is fetched.
	unverified, err := jwt.ParseSigned(raw, signedtoken.Algorithms)
	if err != nil {
		return methodconfig.Verified{}, login.Refused("the token is not a JWT signed with an allowed algorithm (RS, PS or ES 256-512, EdDSA)", err.Error())
	}
	var claims jwt.Claims
	if err := unverified.UnsafeClaimsWithoutVerification(&claims); err != nil || !strings.Contains(claims.Subject, "@") {
		return methodconfig.Verified{}, login.Refused("the token's sub is not a service account email", "sub is not an email")
	}
	email := strings.ToLower(claims.Subject)
	if err := checkAllowed(cfg.C, email, projectOf(email)); err != nil {
		return methodconfig.Verified{}, err
	}
	ks, err := v.Remote(v.urls.ServiceAccount+url.PathEscape(email), "", signedtoken.DecodeX509Map)
	if err != nil {
		return methodconfig.Verified{}, err
	}
	t, err := v.Verify(ctx, raw, ks, signedtoken.Expect{Audiences: []string{cfg.IdentityID}, MaxLifetime: maxIAMLifetime})
	if err != nil {
		return methodconfig.Verified{}, err
	}
	return methodconfig.Verified{Subject: t.Subject, Metadata: map[string]string{"project": projectOf(email)}}, nil
}

// checkAllowed applies the allowed service accounts and projects.
func checkAllowed(c api.GCPAuthConfig, email, project string) error {
	if len(c.AllowedServiceAccountEmails) > 0 && !slices.ContainsFunc(c.AllowedServiceAccountEmails, func(a string) bool { return strings.EqualFold(a, email) }) {
		return login.Refused("service account is not allowed", "service account "+email+" is not allowed")
	}
	if len(c.AllowedProjects) > 0 && !slices.Contains(c.AllowedProjects, project) {
		return login.Refused("project is not allowed", "project "+project+" is not allowed")
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
