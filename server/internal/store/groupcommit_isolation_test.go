package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/internal/store"
)

// A batch the database refuses because of one job's row is retried job by
// job: that job's writer gets the error, every other job of the batch
// commits.
func TestGroupCommitRefusedRowFailsOnlyItsJob(t *testing.T) {
	for dialect, st := range migrated(t) {
		t.Run(dialect, func(t *testing.T) {
			ctx := t.Context()
			now := time.Now().UTC().Truncate(time.Second)
			login := func(tokenID string) store.Writes {
				return store.Writes{
					Tokens: []store.AccessToken{{ID: tokenID, OrganizationID: "o", IdentityID: "i", AuthMethod: "m", AuthMethodID: "u",
						TTL: 1, CreatedAt: now, ExpiresAt: now.Add(time.Hour), MaxExpiresAt: now.Add(time.Hour)}},
					Events: []store.AuditEvent{{OrganizationID: "o", Time: now, ActorType: "identity", ActorID: "i", Action: "login",
						Outcome: "success", Metadata: store.JSON[map[string]string]{V: map[string]string{"tokenId": tokenID}}}},
				}
			}
			g := store.NewGroupCommit(st, 1, 512, nil)
			defer g.Close()
			if err := g.Write(ctx, login("taken")); err != nil {
				t.Fatal(err)
			}

			// Hold the only worker in a flush, so that the jobs below queue
			// up and are flushed together, as one batch.
			release := holdWrites(t, st)
			var wg sync.WaitGroup
			wg.Go(func() {
				if err := g.Write(ctx, login("first")); err != nil {
					t.Errorf("the held write: %v", err)
				}
			})
			time.Sleep(200 * time.Millisecond)
			const others = 20
			errs := make([]error, others)
			var dup error
			for i := range others {
				wg.Go(func() { errs[i] = g.Write(ctx, login(fmt.Sprintf("ok-%d", i))) })
				if i == others/2 {
					wg.Go(func() { dup = g.Write(ctx, login("taken")) })
				}
			}
			time.Sleep(300 * time.Millisecond)
			release()
			wg.Wait()

			if dup == nil {
				t.Error("the job whose token ID is taken succeeded")
			}
			for i, err := range errs {
				if err != nil {
					t.Errorf("job %d shared a batch with a refused row and failed: %v", i, err)
				}
			}
			var tokens, events int64
			st.DB.Model(&store.AccessToken{}).Count(&tokens)
			st.DB.Model(&store.AuditEvent{}).Count(&events)
			if tokens != others+2 || events != others+2 {
				t.Errorf("%d tokens and %d events written, want %d each", tokens, events, others+2)
			}
		})
	}
}

// holdWrites blocks the group commit's next flush until release is called:
// on PostgreSQL by locking the tokens table, on SQLite by holding its only
// connection in a transaction.
func holdWrites(t *testing.T, st *store.Store) (release func()) {
	t.Helper()
	tx := st.DB.Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	if st.Dialect == store.Postgres {
		if err := tx.Exec("LOCK TABLE access_tokens IN ACCESS EXCLUSIVE MODE").Error; err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		if err := tx.Commit().Error; err != nil && err != gorm.ErrInvalidTransaction {
			t.Fatal(err)
		}
	}
}
