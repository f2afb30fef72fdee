package janitor

import (
	"context"
	"testing"
	"time"

	"github.com/idplane/idplane/server/internal/dbtest"
	"github.com/idplane/idplane/server/internal/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func migrated(ctx context.Context, dsn string) error {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = st.Migrate(ctx)
	return err
}

// The sweep deletes exactly what can no longer matter, on both databases.
func TestSweep(t *testing.T) {
	for name, dsn := range map[string]func(t *testing.T) string{
		"postgres": func(t *testing.T) string { return dbtest.Postgres(t, "janitor", migrated) },
		"sqlite":   func(t *testing.T) string { return dbtest.SQLite(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Second)
			org := store.Organization{ID: "o", Name: "o", CreatedAt: now}
			ident := store.Identity{ID: "i", OrganizationID: "o", Name: "i", Role: "admin", CreatedAt: now, UpdatedAt: now}
			ua := store.UniversalAuth{ID: "u", OrganizationID: "o", IdentityID: "i", ClientID: "c", AccessTokenTTL: 1, AccessTokenMaxTTL: 1,
				LockoutThreshold: 3, LockoutDuration: 30, LockoutCounterReset: 30, CreatedAt: now, UpdatedAt: now}
			locked := now.Add(time.Minute)
			past := now.Add(-2 * time.Hour)
			tenMinutesAgo := now.Add(-10 * time.Minute)
			rows := []any{&org, &ident, &ua,
				&store.AccessToken{ID: "dead", OrganizationID: "o", IdentityID: "i", AuthMethod: "m", AuthMethodID: "u", TTL: 1, CreatedAt: past, ExpiresAt: past, MaxExpiresAt: past},
				&store.AccessToken{ID: "live", OrganizationID: "o", IdentityID: "i", AuthMethod: "m", AuthMethodID: "u", TTL: 1, CreatedAt: now, ExpiresAt: now.Add(time.Hour), MaxExpiresAt: now.Add(time.Hour)},
				&store.Revocation{Kind: store.RevokeToken, RefID: "ancient", RevokedAt: now.Add(-400 * 24 * time.Hour)},
				&store.Revocation{Kind: store.RevokeToken, RefID: "recent", RevokedAt: now.Add(-time.Hour)},
				&store.Revocation{Kind: store.RevokeToken, RefID: "token-expired", RevokedAt: now.Add(-3 * time.Hour), ExpiresAt: &past},
				&store.Revocation{Kind: store.RevokeToken, RefID: "token-expiring", RevokedAt: now.Add(-3 * time.Hour), ExpiresAt: &tenMinutesAgo},
				&store.Lockout{UniversalAuthID: "u", SourceKey: "done", Failures: 3, WindowStart: past, LockedUntil: &past},
				&store.Lockout{UniversalAuthID: "u", SourceKey: "locked", Failures: 3, WindowStart: past, LockedUntil: &locked},
				&store.Lockout{UniversalAuthID: "u", SourceKey: "counting", Failures: 1, WindowStart: now},
				&store.AuditEvent{OrganizationID: "o", Time: now.Add(-100 * 24 * time.Hour), ActorType: "system", Action: "old", Outcome: "success"},
				&store.AuditEvent{OrganizationID: "o", Time: now, ActorType: "system", Action: "new", Outcome: "success"},
				&store.IdempotencyKey{OrganizationID: "o", Key: "expired", RequestHash: []byte{1}, Status: 201, Response: []byte{2}, CreatedAt: past.Add(-24 * time.Hour), ExpiresAt: past},
				&store.IdempotencyKey{OrganizationID: "o", Key: "kept", RequestHash: []byte{1}, Status: 201, Response: []byte{2}, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)},
				&store.UsedSignedRequest{Hash: []byte("spent"), ExpiresAt: now.Add(-time.Second)},
				&store.UsedSignedRequest{Hash: []byte("window"), ExpiresAt: now.Add(time.Minute)},
			}
			for _, r := range rows {
				if err := st.DB.Create(r).Error; err != nil {
					t.Fatalf("insert %T: %v", r, err)
				}
			}
			c, err := New(st.DB, func() time.Time { return now }, 90*24*time.Hour).Sweep(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c != (Counts{Tokens: 1, Revocations: 2, Lockouts: 1, SignedRequests: 1, AuditEvents: 1, IdempotencyKeys: 1}) {
				t.Fatalf("deleted %+v, want one of each and two revocations", c)
			}
			var revs []store.Revocation
			st.DB.Order("ref_id").Find(&revs)
			if len(revs) != 2 || revs[0].RefID != "recent" || revs[1].RefID != "token-expiring" {
				t.Errorf("kept revocations %+v, want the recent one and the one whose token expired within the hour", revs)
			}
			var lockouts []store.Lockout
			st.DB.Order("source_key").Find(&lockouts)
			if len(lockouts) != 2 || lockouts[0].SourceKey != "counting" || lockouts[1].SourceKey != "locked" {
				t.Errorf("kept lockouts %+v", lockouts)
			}
			var keys []store.IdempotencyKey
			st.DB.Find(&keys)
			if len(keys) != 1 || keys[0].Key != "kept" {
				t.Errorf("kept idempotency keys %+v, want only the live one", keys)
			}
			var used []store.UsedSignedRequest
			st.DB.Find(&used)
			if len(used) != 1 || string(used[0].Hash) != "window" {
				t.Errorf("kept signed requests %+v, want the one still in its window", used)
			}
			again, err := New(st.DB, func() time.Time { return now }, 0).Sweep(ctx)
			if err != nil || again != (Counts{}) {
				t.Errorf("second sweep deleted %+v (%v); without retention audit events stay", again, err)
			}
		})
	}
}
