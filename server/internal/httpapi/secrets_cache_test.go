package httpapi_test

import (
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// A replica reads a secret's row once per second at most: a workload
// reading its secrets reads no row most of the time. A write through this
// replica is read at once; one through another replica within a second;
// every read is still audited.
func TestSecretRowsCachedForASecond(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	replica := servertest.Start(t, servertest.Options{DatabaseURL: srv.DatabaseURL, MasterKey: srv.MasterKey})
	var reads atomic.Int64
	err := srv.App.Store.DB.Callback().Query().After("gorm:query").Register("test:count-secret-reads", func(db *gorm.DB) {
		if db.Statement.Table == "secrets" {
			reads.Add(1)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	e := newSecretsEnv(t, srv)
	ctx := t.Context()
	other := replica.Client(t, api.WithUniversalAuth(srv.Bootstrap.ClientID, srv.Bootstrap.ClientSecret))
	must(e.create(t, e.admin, "prod", "/db", "DB_URL", "postgres://v1"))(t)

	before, events, start := reads.Load(), len(e.secretEvents(t)), time.Now()
	for range 5 {
		if s := must(e.get(t, e.admin, "prod", "/db", "DB_URL", 0))(t); s.SecretValue != "postgres://v1" {
			t.Fatalf("read %q", s.SecretValue)
		}
	}
	// One row read per second begun (a slow machine may need more than one).
	if n, most := reads.Load()-before, 1+int64(time.Since(start)/time.Second); n < 1 || n > most {
		t.Errorf("5 reads in %s read the secret's row %d times, want 1 to %d", time.Since(start), n, most)
	}
	if n := len(e.secretEvents(t)) - events; n != 5 {
		t.Errorf("5 reads made %d audit events, want 5", n)
	}

	must(e.admin.UpdateSecret(ctx, "DB_URL", 0, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db",
		SecretValue: ptr("postgres://v2")}))(t)
	if s := must(e.get(t, e.admin, "prod", "/db", "DB_URL", 0))(t); s.SecretValue != "postgres://v2" || s.Version != 2 {
		t.Fatalf("after an update through this replica, read %q version %d", s.SecretValue, s.Version)
	}

	must(other.UpdateSecret(ctx, "DB_URL", 0, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db",
		SecretValue: ptr("postgres://v3")}))(t)
	deadline := time.Now().Add(time.Second + 200*time.Millisecond)
	for must(e.get(t, e.admin, "prod", "/db", "DB_URL", 0))(t).SecretValue != "postgres://v3" {
		if time.Now().After(deadline) {
			t.Fatal("a value written through another replica is still not read here after a second")
		}
		time.Sleep(20 * time.Millisecond)
	}

	if err := other.DeleteSecret(ctx, "DB_URL", 0, api.SecretDelete{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db"}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(time.Second + 200*time.Millisecond)
	for {
		_, err := e.get(t, e.admin, "prod", "/db", "DB_URL", 0)
		if api.IsStatus(err, 404) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a secret deleted through another replica is still read here after a second: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
