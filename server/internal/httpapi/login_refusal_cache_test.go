package httpapi_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// A refusal that changes nothing (a wrong secret with lockout off, an
// unknown client ID) is answered from the login cache the next time, as a
// good login is; with lockout on, every wrong secret reads the source's
// count again, so that lockout stays exact across replicas.
func TestLoginRefusalsThatChangeNothingAreCached(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	var reads atomic.Int64
	err := srv.App.Store.DB.Callback().Row().After("gorm:row").Register("test:count-login-reads", func(db *gorm.DB) {
		if strings.Contains(db.Statement.SQL.String(), "client_secrets") {
			reads.Add(1)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := srv.Admin(t)
	c := srv.Client(t)
	ctx := t.Context()
	loginsRead := func(n int, clientID, secret string) int64 {
		t.Helper()
		before := reads.Load()
		for range n {
			_, err := c.Login(ctx, api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: secret})
			secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		}
		return reads.Load() - before
	}
	const wrong = "idp_cs_wrongwrongwrongwrongwrongwrongwrongwrong000"

	off := api.UniversalAuthInput{Lockout: &api.Lockout{Enabled: false, Threshold: 3, DurationSeconds: 300, CounterResetSeconds: 30}}
	id, clientID := secIdentity(t, admin, off)
	cs := secSecret(t, admin, id, 0)
	if n := loginsRead(5, clientID, wrong); n != 1 {
		t.Errorf("5 wrong secrets with lockout off read the login rows %d times, want 1", n)
	}
	if _, err := c.Login(ctx, api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: cs.ClientSecret}); err != nil {
		t.Fatalf("the right secret after cached refusals: %v", err)
	}
	if n := loginsRead(5, "no-such-client-id", wrong); n != 1 {
		t.Errorf("5 logins of an unknown client ID read the login rows %d times, want 1", n)
	}

	on := api.UniversalAuthInput{Lockout: &api.Lockout{Enabled: true, Threshold: 5, DurationSeconds: 300, CounterResetSeconds: 30}}
	_, lockedClientID := secIdentity(t, admin, on)
	if n := loginsRead(3, lockedClientID, wrong); n != 3 {
		t.Errorf("3 wrong secrets with lockout on read the login rows %d times, want 3 (one per failure)", n)
	}
}
