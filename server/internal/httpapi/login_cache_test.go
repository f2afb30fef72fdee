package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// Logins reuse what the login query read for about a second; nothing that
// must stop a login waits for that second on the replica where it happened,
// and revocations reach other replicas within it.
func TestLoginCacheNeverOutlivesAChange(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	replica := servertest.Start(t, servertest.Options{DatabaseURL: srv.DatabaseURL, MasterKey: srv.MasterKey})
	admin := srv.Admin(t)
	ctx := t.Context()
	a, b := srv.Client(t), replica.Client(t)
	login := func(c *api.Client, clientID, secret string) error {
		_, err := c.Login(ctx, api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: secret})
		return err
	}
	warm := func(clientID, secret string) {
		t.Helper()
		for _, c := range []*api.Client{a, b, a, b} {
			if err := login(c, clientID, secret); err != nil {
				t.Fatalf("login: %v", err)
			}
		}
	}

	t.Run("revoked secret, this replica and the other", func(t *testing.T) {
		id, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
		cs := secSecret(t, admin, id, 0)
		warm(clientID, cs.ClientSecret)
		if err := admin.RevokeClientSecret(ctx, id, cs.ClientSecretData.ID); err != nil {
			t.Fatal(err)
		}
		secWant(t, login(a, clientID, cs.ClientSecret), http.StatusUnauthorized, api.CodeLoginFailed)
		deadline := time.Now().Add(time.Second)
		for login(b, clientID, cs.ClientSecret) == nil {
			if time.Now().After(deadline) {
				t.Fatal("the other replica still accepts a revoked secret after a second")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	t.Run("trusted IPs narrowed", func(t *testing.T) {
		id, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
		cs := secSecret(t, admin, id, 0)
		warm(clientID, cs.ClientSecret)
		only := []string{"10.0.0.0/8"}
		if _, err := admin.PatchUniversalAuth(ctx, id, 0, api.UniversalAuthInput{ClientSecretTrustedIPs: &only}); err != nil {
			t.Fatal(err)
		}
		secWant(t, login(a, clientID, cs.ClientSecret), http.StatusUnauthorized, api.CodeLoginFailed)
	})

	t.Run("universal auth detached", func(t *testing.T) {
		id, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
		cs := secSecret(t, admin, id, 0)
		warm(clientID, cs.ClientSecret)
		if err := admin.DeleteUniversalAuth(ctx, id, 0); err != nil {
			t.Fatal(err)
		}
		secWant(t, login(a, clientID, cs.ClientSecret), http.StatusUnauthorized, api.CodeLoginFailed)
	})

	t.Run("identity deleted", func(t *testing.T) {
		id, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
		cs := secSecret(t, admin, id, 0)
		warm(clientID, cs.ClientSecret)
		if err := admin.DeleteIdentity(ctx, id, 0); err != nil {
			t.Fatal(err)
		}
		secWant(t, login(a, clientID, cs.ClientSecret), http.StatusUnauthorized, api.CodeLoginFailed)
	})

	t.Run("use-limited secrets are never cached", func(t *testing.T) {
		id, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
		cs := secSecret(t, admin, id, 2)
		if err := login(a, clientID, cs.ClientSecret); err != nil {
			t.Fatal(err)
		}
		if err := login(b, clientID, cs.ClientSecret); err != nil {
			t.Fatal(err)
		}
		secWant(t, login(a, clientID, cs.ClientSecret), http.StatusUnauthorized, api.CodeLoginFailed)
	})
}
