package gcp

import (
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/methodtest"
)

const (
	vmAccount = "vm@p-prod.iam.gserviceaccount.com"
	ciAccount = "ci@p-prod.iam.gserviceaccount.com"
)

func newVerifier(t *testing.T) (*idptest.IdP, verifier) {
	t.Helper()
	idp, sv := methodtest.IdP(t)
	return idp, verifier{Verifier: sv, urls: CertsURLs{OAuth2: idp.GCPOAuth2CertsURL(), ServiceAccount: idp.GCPServiceAccountCertsURL()}}
}

func TestVerifyGCE(t *testing.T) {
	idp, v := newVerifier(t)
	cfg := methodconfig.Config[api.GCPAuthConfig]{IdentityID: "id-1", C: api.GCPAuthConfig{Type: api.GCPTypeGCE,
		AllowedServiceAccountEmails: []string{"VM@p-prod.iam.gserviceaccount.com"}, AllowedProjects: []string{"p-prod"}, AllowedZones: []string{"europe-west1-b"}}}
	got, err := v.verify(t.Context(), cfg, idp.GCEToken(vmAccount, "p-prod", "europe-west1-b", "id-1"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != vmAccount || got.Metadata["project"] != "p-prod" || got.Metadata["zone"] != "europe-west1-b" {
		t.Fatalf("verified %+v", got)
	}
	notGCE := idptest.Sign(idp.Current(), idptest.Claims("https://accounts.google.com", "123", []string{"id-1"}, 5*time.Minute, map[string]any{"email": vmAccount}))
	for _, c := range []struct{ name, raw, public string }{
		{"another account", idp.GCEToken("web@p-prod.iam.gserviceaccount.com", "p-prod", "europe-west1-b", "id-1"), "service account is not allowed"},
		{"another project", idp.GCEToken(vmAccount, "p-dev", "europe-west1-b", "id-1"), "project is not allowed"},
		{"another zone", idp.GCEToken(vmAccount, "p-prod", "us-east1-c", "id-1"), "zone is not allowed"},
		{"another identity's audience", idp.GCEToken(vmAccount, "p-prod", "europe-west1-b", "id-2"), "audience does not match"},
		{"not format=full", notGCE, "not a GCE instance identity token"},
		{"not Google's", idp.Token(vmAccount, []string{"id-1"}, nil), "issuer does not match"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.verify(t.Context(), cfg, c.raw)
			methodtest.Refused(t, err, c.public)
		})
	}
}

func TestVerifyIAM(t *testing.T) {
	idp, v := newVerifier(t)
	cfg := methodconfig.Config[api.GCPAuthConfig]{IdentityID: "id-1", C: api.GCPAuthConfig{Type: api.GCPTypeIAM,
		AllowedServiceAccountEmails: []string{ciAccount, "ci@p-dev.iam.gserviceaccount.com"}, AllowedProjects: []string{"p-prod"}}}
	got, err := v.verify(t.Context(), cfg, idp.IAMToken(ciAccount, "id-1", 10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != ciAccount || got.Metadata["project"] != "p-prod" {
		t.Fatalf("verified %+v", got)
	}
	noEmail := idptest.Sign(idp.ServiceAccountKey(ciAccount), map[string]any{"sub": "1234567890", "aud": "id-1",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix()})
	for _, c := range []struct{ name, raw, public string }{
		{"lives too long", idp.IAMToken(ciAccount, "id-1", time.Hour), "the token lives too long"},
		{"another identity's audience", idp.IAMToken(ciAccount, "id-2", 10*time.Minute), "audience does not match"},
		{"allowed account of another project", idp.IAMToken("ci@p-dev.iam.gserviceaccount.com", "id-1", 10*time.Minute), "project is not allowed"},
		{"sub not an email", noEmail, "the token's sub is not a service account email"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.verify(t.Context(), cfg, c.raw)
			methodtest.Refused(t, err, c.public)
		})
	}
	// An account the identity does not allow is refused before its keys
	// are fetched: the token names where they are.
	const stranger = "x@elsewhere.iam.gserviceaccount.com"
	_, err = v.verify(t.Context(), cfg, idp.IAMToken(stranger, "id-1", 10*time.Minute))
	methodtest.Refused(t, err, "service account is not allowed")
	if n := idp.Fetches("/google/x509/" + stranger); n != 0 {
		t.Fatalf("the stranger's keys were fetched %d times", n)
	}
}

// AllowAnyPrincipal binds nothing: any account's token of the identity's
// audience passes.
func TestVerifyAllowAnyPrincipal(t *testing.T) {
	idp, v := newVerifier(t)
	cfg := methodconfig.Config[api.GCPAuthConfig]{IdentityID: "id-1", C: api.GCPAuthConfig{Type: api.GCPTypeGCE, AllowAnyPrincipal: true}}
	if _, err := v.verify(t.Context(), cfg, idp.GCEToken("anyone@other.iam.gserviceaccount.com", "other", "asia-east1-a", "id-1")); err != nil {
		t.Fatal(err)
	}
}

func TestProjectOf(t *testing.T) {
	for email, want := range map[string]string{ciAccount: "p-prod", "123-compute@developer.gserviceaccount.com": "", "alice@example.com": "", "no-at": ""} {
		if got := projectOf(email); got != want {
			t.Errorf("projectOf(%q) = %q, want %q", email, got, want)
		}
	}
}
