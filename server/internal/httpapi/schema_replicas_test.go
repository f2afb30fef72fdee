package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/app"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/servertest"
)

// nextMigration is what a newer release could ship: columns added to the
// tables every request reads and writes, and a table of its own.
const nextMigration = `
ALTER TABLE identities ADD COLUMN future_note text;
ALTER TABLE access_tokens ADD COLUMN future_flag boolean NOT NULL DEFAULT false;
ALTER TABLE audit_events ADD COLUMN future_ref text;
ALTER TABLE client_secrets ADD COLUMN future_hint text;
CREATE TABLE future_things (id text PRIMARY KEY, organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE);
`

// A newer release migrates the database under a replica of this one that
// keeps serving logins, token reads, management reads and creates, without
// one failure; a replica of this release that starts afterwards refuses
// the schema it does not know, with or without --migrate, and so does
// idplane migrate.
func TestOldReplicaServesAcrossNewerMigration(t *testing.T) {
	old := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	ctx := t.Context()
	admin := old.Admin(t)
	identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
	secret := secSecret(t, admin, identityID, 0).ClientSecret

	var (
		requests atomic.Int64
		mu       sync.Mutex
		failures []string
		wg       sync.WaitGroup
	)
	loadCtx, stopLoad := context.WithCancel(ctx)
	for w := range 4 {
		wg.Go(func() {
			c := old.Client(t)
			for i := 0; loadCtx.Err() == nil; i++ {
				err := func() error {
					res, err := c.Login(loadCtx, api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: secret})
					if err != nil {
						return fmt.Errorf("login: %w", err)
					}
					as := old.Client(t, api.WithToken(res.AccessToken))
					if _, err := as.TokenSelf(loadCtx); err != nil {
						return fmt.Errorf("token/self: %w", err)
					}
					if _, err := admin.GetIdentity(loadCtx, identityID); err != nil {
						return fmt.Errorf("get identity: %w", err)
					}
					if _, err := admin.ListIdentities(loadCtx); err != nil {
						return fmt.Errorf("list identities: %w", err)
					}
					if _, err := admin.CreateIdentity(loadCtx, api.IdentityInput{Name: fmt.Sprintf("during-%d-%d", w, i), Role: "no-access"}); err != nil {
						return fmt.Errorf("create identity: %w", err)
					}
					return nil
				}()
				requests.Add(5)
				if err != nil && loadCtx.Err() == nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
				}
			}
		})
	}

	time.Sleep(500 * time.Millisecond)
	st, err := store.Open(ctx, old.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	known, err := store.Migrations(st.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	next := known[len(known)-1].Version + 1
	before := requests.Load()
	// As store.Migrate applies a migration: many statements in one
	// transaction, through the simple query protocol.
	db, err := st.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(ctx, "BEGIN;"+nextMigration+fmt.Sprintf("INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, '%04d_future.sql', '%s'); COMMIT;",
		next, next, time.Now().UTC().Format(time.RFC3339)))
	if err != nil {
		t.Fatalf("apply the newer migration: %v", err)
	}
	time.Sleep(time.Second)
	stopLoad()
	wg.Wait()
	if after := requests.Load() - before; after < 50 {
		t.Errorf("only %d requests ran across the migration", after)
	}
	if len(failures) > 0 {
		t.Errorf("%d of %d requests to the old replica failed across the migration; first: %s", len(failures), requests.Load(), failures[0])
	}

	for _, migrate := range []bool{true, false} {
		err := app.CheckSchema(ctx, st, migrate)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema is at version %d, newer than this idplane knows (%d)", next, next-1)) {
			t.Errorf("a replica starting with migrate=%v on the newer schema: %v, want a refusal naming both versions", migrate, err)
		}
	}
	if _, err := st.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer than this idplane knows") {
		t.Errorf("idplane migrate on the newer schema: %v, want a refusal", err)
	}
}
