package httpapi_test

import (
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
)

func (e *stEnv) putGCP(t *testing.T, identityID string, c api.GCPAuthConfig) {
	t.Helper()
	must(e.tn.c.PutGCPAuth(t.Context(), identityID, 0, api.GCPAuthInput{GCPAuthConfig: c}))(t)
}

// GCE instance identity tokens: Google's issuer and keys, the identity's ID
// as audience, and the allowed accounts, projects and zones.
func TestGCPAuthGCE(t *testing.T) {
	e := newSTEnv(t)
	id := e.identity(t, "vm")
	other := e.identity(t, "another")
	const sa = "vm@acme-prod.iam.gserviceaccount.com"
	gce := func(email, project, zone, aud string) string { return e.idp.GCEToken(email, project, zone, aud) }

	t.Run("audience is the identity's ID", func(t *testing.T) {
		e.putGCP(t, id, api.GCPAuthConfig{Type: api.GCPTypeGCE, AllowedProjects: []string{"acme-prod"}})
		e.putGCP(t, other, api.GCPAuthConfig{Type: api.GCPTypeGCE, AllowedProjects: []string{"acme-prod"}})
		self, ev := e.accept(t, "gcp-auth", id, gce(sa, "acme-prod", "europe-west1-b", id))
		if ev.Metadata["subject"] != sa || self.Metadata["project"] != "acme-prod" || self.Metadata["zone"] != "europe-west1-b" {
			t.Fatalf("token/self metadata %v, audit metadata %v", self.Metadata, ev.Metadata)
		}
		// A token minted for this identity does not log in as another.
		e.refuse(t, "gcp-auth", other, gce(sa, "acme-prod", "europe-west1-b", id), "audience does not match", id)
		e.refuse(t, "gcp-auth", id, gce(sa, "acme-prod", "europe-west1-b", "https://idplane.acme.example"), "audience does not match")
	})

	t.Run("issuer and shape", func(t *testing.T) {
		e.refuse(t, "gcp-auth", id, e.idp.Token(sa, []string{id}, nil), "issuer does not match", e.idp.URL)
		// A Google ID token without the compute_engine claims (format=standard).
		plain := idptest.Sign(e.idp.Current(), idptest.Claims("https://accounts.google.com", "123", []string{id}, time.Minute, map[string]any{"email": sa}))
		e.refuse(t, "gcp-auth", id, plain, "not a GCE instance identity token")
		// The issuer without its scheme is Google's too.
		bare := idptest.Sign(e.idp.Current(), idptest.Claims("accounts.google.com", "123", []string{id}, time.Minute, map[string]any{
			"email": sa, "google": map[string]any{"compute_engine": map[string]any{"project_id": "acme-prod", "zone": "us-east1-c"}}}))
		e.accept(t, "gcp-auth", id, bare)
	})

	t.Run("allowed service account emails", func(t *testing.T) {
		e.putGCP(t, id, api.GCPAuthConfig{Type: api.GCPTypeGCE, AllowedServiceAccountEmails: []string{"other@acme-prod.iam.gserviceaccount.com", "VM@acme-prod.iam.gserviceaccount.com"}})
		e.accept(t, "gcp-auth", id, gce(sa, "acme-prod", "europe-west1-b", id))
		e.refuse(t, "gcp-auth", id, gce("intruder@acme-prod.iam.gserviceaccount.com", "acme-prod", "europe-west1-b", id),
			"service account is not allowed", "intruder@")
	})

	t.Run("allowed projects", func(t *testing.T) {
		e.putGCP(t, id, api.GCPAuthConfig{Type: api.GCPTypeGCE, AllowedProjects: []string{"acme-prod", "acme-stage"}})
		e.accept(t, "gcp-auth", id, gce(sa, "acme-stage", "europe-west1-b", id))
		e.refuse(t, "gcp-auth", id, gce(sa, "acme-dev", "europe-west1-b", id), "project is not allowed", "acme-dev")
	})

	t.Run("allowed zones", func(t *testing.T) {
		e.putGCP(t, id, api.GCPAuthConfig{Type: api.GCPTypeGCE, AllowedProjects: []string{"acme-prod"}, AllowedZones: []string{"europe-west1-b"}})
		e.accept(t, "gcp-auth", id, gce(sa, "acme-prod", "europe-west1-b", id))
		e.refuse(t, "gcp-auth", id, gce(sa, "acme-prod", "us-central1-a", id), "zone is not allowed", "us-central1-a")
	})

	if n := e.idp.Fetches("/google/oauth2/v3/certs"); n != 1 {
		t.Fatalf("Google's certs were fetched %d times, want once (cached)", n)
	}
}

// IAM tokens: a JWT signed by a service account's key, verified against
// that account's x509 certificates, for the identity's ID, short-lived.
func TestGCPAuthIAM(t *testing.T) {
	e := newSTEnv(t)
	id := e.identity(t, "sa")
	other := e.identity(t, "another")
	const sa = "deployer@acme-prod.iam.gserviceaccount.com"
	certs := "/google/x509/" + sa
	e.putGCP(t, id, api.GCPAuthConfig{Type: api.GCPTypeIAM, AllowedProjects: []string{"acme-prod"}})
	e.putGCP(t, other, api.GCPAuthConfig{Type: api.GCPTypeIAM, AllowedProjects: []string{"acme-prod"}})

	t.Run("sub email, keys from its x509 certificates", func(t *testing.T) {
		self, ev := e.accept(t, "gcp-auth", id, e.idp.IAMToken(sa, id, 10*time.Minute))
		if ev.Metadata["subject"] != sa || self.Metadata["project"] != "acme-prod" {
			t.Fatalf("token/self metadata %v, audit %v", self.Metadata, ev.Metadata)
		}
		if n := e.idp.Fetches(certs); n != 1 {
			t.Fatalf("the account's certificates were fetched %d times, want 1", n)
		}
		// Signed by another account's key, in this account's name.
		forged := idptest.Sign(e.idp.ServiceAccountKey("attacker@evil.iam.gserviceaccount.com"),
			map[string]any{"sub": sa, "aud": id, "iat": time.Now().Unix(), "exp": time.Now().Add(5 * time.Minute).Unix()})
		e.refuse(t, "gcp-auth", id, forged, "unknown signing key")
		e.refuse(t, "gcp-auth", id, idptest.Sign(e.idp.Current(), map[string]any{"sub": "123456", "aud": id, "exp": time.Now().Add(time.Minute).Unix()}),
			"the token's sub is not a service account email")
	})

	t.Run("for another identity", func(t *testing.T) {
		e.refuse(t, "gcp-auth", other, e.idp.IAMToken(sa, id, 10*time.Minute), "audience does not match")
	})

	t.Run("a token living longer than 15 minutes", func(t *testing.T) {
		e.refuse(t, "gcp-auth", id, e.idp.IAMToken(sa, id, time.Hour), "the token lives too long")
		e.accept(t, "gcp-auth", id, e.idp.IAMToken(sa, id, 15*time.Minute))
	})

	t.Run("allowed service account emails", func(t *testing.T) {
		e.putGCP(t, id, api.GCPAuthConfig{Type: api.GCPTypeIAM, AllowedServiceAccountEmails: []string{sa}})
		e.accept(t, "gcp-auth", id, e.idp.IAMToken(sa, id, 5*time.Minute))
		const intruder = "intruder@acme-prod.iam.gserviceaccount.com"
		e.refuse(t, "gcp-auth", id, e.idp.IAMToken(intruder, id, 5*time.Minute), "service account is not allowed", intruder)
		// The account is checked before its keys are fetched: a token cannot
		// make the server fetch certificates of accounts no one allowed.
		if n := e.idp.Fetches("/google/x509/" + intruder); n != 0 {
			t.Fatalf("the refused account's certificates were fetched %d times", n)
		}
	})

	t.Run("allowed projects", func(t *testing.T) {
		e.putGCP(t, id, api.GCPAuthConfig{Type: api.GCPTypeIAM, AllowedProjects: []string{"acme-prod"}})
		e.accept(t, "gcp-auth", id, e.idp.IAMToken(sa, id, 5*time.Minute))
		e.refuse(t, "gcp-auth", id, e.idp.IAMToken("deployer@acme-dev.iam.gserviceaccount.com", id, 5*time.Minute), "project is not allowed", "acme-dev")
	})
}
