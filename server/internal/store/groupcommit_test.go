package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/idplane/idplane/server/internal/store"
)

// Concurrent writers share commits; every row lands, use counters of
// unlimited secrets are written by the periodic flush and at the latest on
// Close, a failing batch fails only its own writers, and every batch
// committed is reported to the observer.
func TestGroupCommit(t *testing.T) {
	for dialect, st := range migrated(t) {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Second)
			rows := []any{
				&store.Organization{ID: "o", Name: "o", CreatedAt: now},
				&store.Identity{ID: "i", OrganizationID: "o", Name: "i", Role: "admin", CreatedAt: now, UpdatedAt: now},
				&store.UniversalAuth{ID: "u", OrganizationID: "o", IdentityID: "i", ClientID: "c", AccessTokenTTL: 1, AccessTokenMaxTTL: 1,
					LockoutThreshold: 3, LockoutDuration: 30, LockoutCounterReset: 30, CreatedAt: now, UpdatedAt: now},
				&store.ClientSecret{ID: "cs", OrganizationID: "o", IdentityID: "i", UniversalAuthID: "u", Prefix: "p", Hash: []byte{1}, CreatedAt: now},
			}
			for _, r := range rows {
				if err := st.DB.Create(r).Error; err != nil {
					t.Fatal(err)
				}
			}
			var observed struct {
				sync.Mutex
				batches, requests int
			}
			g := store.NewGroupCommit(st, 2, 64, func(requests int, took time.Duration) {
				observed.Lock()
				defer observed.Unlock()
				observed.batches++
				observed.requests += requests
				if took <= 0 {
					t.Errorf("a batch committed in %v", took)
				}
			})
			const writers = 100
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for i := range writers {
				wg.Go(func() {
					id := fmt.Sprintf("tok-%d", i)
					errs <- g.Write(ctx, store.Writes{
						Tokens: []store.AccessToken{{ID: id, OrganizationID: "o", IdentityID: "i", AuthMethod: "m", AuthMethodID: "u",
							TTL: 1, CreatedAt: now, ExpiresAt: now.Add(time.Hour), MaxExpiresAt: now.Add(time.Hour)}},
						Events: []store.AuditEvent{{OrganizationID: "o", Time: now, ActorType: "identity", ActorID: "i", Action: "login",
							Outcome: "success", Metadata: store.JSON[map[string]string]{V: map[string]string{"tokenId": id}}}},
						SecretUses: []string{"cs"},
					})
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			// A duplicate token ID fails that batch, and its writer learns it.
			dup := store.AccessToken{ID: "tok-0", OrganizationID: "o", IdentityID: "i", AuthMethod: "m", AuthMethodID: "u",
				TTL: 1, CreatedAt: now, ExpiresAt: now, MaxExpiresAt: now}
			if err := g.Write(ctx, store.Writes{Tokens: []store.AccessToken{dup}, Events: []store.AuditEvent{{OrganizationID: "o", Time: now, ActorType: "identity", Action: "login", Outcome: "success"}}}); err == nil {
				t.Error("a batch with a duplicate token ID succeeded")
			}
			g.Close()
			if err := g.Write(ctx, store.Writes{}); err != store.ErrClosed {
				t.Errorf("Write after Close: %v", err)
			}
			// Every committed write was in one observed batch; the refused
			// one in none.
			if observed.requests != writers || observed.batches < 1 || observed.batches > writers {
				t.Errorf("observed %d requests in %d batches, want %d in 1 to %d", observed.requests, observed.batches, writers, writers)
			}
			var tokens, events int64
			st.DB.Model(&store.AccessToken{}).Count(&tokens)
			st.DB.Model(&store.AuditEvent{}).Where("action = 'login'").Count(&events)
			var cs store.ClientSecret
			st.DB.Take(&cs, "id = ?", "cs")
			if tokens != writers || events != writers || cs.NumUses != writers {
				t.Errorf("tokens %d, events %d, secret uses %d; want %d each", tokens, events, cs.NumUses, writers)
			}
			var ev store.AuditEvent
			st.DB.Where("action = 'login'").Take(&ev)
			if ev.Metadata.V["tokenId"] == "" {
				t.Errorf("audit metadata lost: %+v", ev.Metadata.V)
			}
		})
	}
}

// A batch's statements have a few shapes (chunks of 1, 2, 4, ... 64 rows),
// prepared once on the flusher's own connection: after 40 batch sizes that
// connection holds 6 per table, not one per size (pgx would cache up to 512,
// each holding tens of kilobytes here and in the PostgreSQL backend). A
// batch failing in a later chunk leaves nothing of its earlier ones.
func TestBatchStatementsAreBounded(t *testing.T) {
	st := migrated(t)[store.Postgres]
	sqlDB, err := st.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1) // the flusher's session, which the queries below reuse after Close
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	token := func(id string) store.AccessToken {
		return store.AccessToken{ID: id, OrganizationID: "o", IdentityID: "i", AuthMethod: "m", AuthMethodID: "u",
			TTL: 1, CreatedAt: now, ExpiresAt: now.Add(time.Hour), MaxExpiresAt: now.Add(time.Hour)}
	}
	g := store.NewGroupCommit(st, 1, 64, nil)
	const sizes = 40
	for n := 1; n <= sizes; n++ {
		var w store.Writes
		for i := range n {
			id := fmt.Sprintf("tok-%d-%d", n, i)
			w.Tokens = append(w.Tokens, token(id))
			w.Events = append(w.Events, store.AuditEvent{OrganizationID: "o", Time: now, ActorType: "identity", ActorID: "i", Action: "login",
				Outcome: "success", Metadata: store.JSON[map[string]string]{V: map[string]string{"tokenId": id}}})
		}
		if err := g.Write(ctx, w); err != nil {
			t.Fatalf("batch of %d: %v", n, err)
		}
	}
	g.Close()
	var tokens, prepared, fresh int64
	if err := st.DB.Raw("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO %'").Scan(&prepared).Error; err != nil {
		t.Fatal(err)
	}
	if prepared != 12 {
		t.Errorf("%d INSERT statements prepared on the flusher's connection after %d batch sizes, want 12 (6 shapes per table)", prepared, sizes)
	}
	// Chunks of 2 and 1: the duplicate is in the second statement.
	g = store.NewGroupCommit(st, 1, 64, nil)
	if err := g.Write(ctx, store.Writes{Tokens: []store.AccessToken{token("fresh-1"), token("fresh-2"), token("tok-1-0")}}); err == nil {
		t.Fatal("a batch with a duplicate token ID succeeded")
	}
	g.Close()
	st.DB.Model(&store.AccessToken{}).Count(&tokens)
	if tokens != sizes*(sizes+1)/2 {
		t.Fatalf("%d tokens written, want %d", tokens, sizes*(sizes+1)/2)
	}
	st.DB.Model(&store.AccessToken{}).Where("id LIKE 'fresh-%'").Count(&fresh)
	if fresh != 0 {
		t.Errorf("the failed batch left %d of its tokens", fresh)
	}
}
