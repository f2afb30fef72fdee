package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/idplane/idplane/server/internal/store"
)

// Logins noted in memory reach the database only when flushed (Run flushes
// once more when stopped); a later flush moves a last login forward, never
// back; each month counts an identity once, November too although i1's
// next login, in the same flush, is in December.
func TestActivityFlushesLastLoginsAndMonths(t *testing.T) {
	eachDialect(t, migrated(t), func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		nov := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
		dec := time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)
		a := store.NewActivity(st)
		a.Record("org", "i1", "universal-auth", nov)
		a.Record("org", "i1", "universal-auth", dec)
		a.Record("org", "i1", "kubernetes-auth", dec)
		a.Record("org", "i2", "oidc-auth", dec)
		if n := count(t, st, "identity_logins"); n != 0 {
			t.Fatalf("%d rows before a flush: logins must not write on their own", n)
		}
		if err := a.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		a.Record("org", "i1", "universal-auth", nov) // older: must not move the last login back
		runCtx, stop := context.WithCancel(ctx)
		stop()
		a.Run(runCtx, time.Hour) // stopped: flushes once and returns
		var logins []store.IdentityLogin
		if err := st.DB.Order("identity_id, auth_method").Find(&logins).Error; err != nil {
			t.Fatal(err)
		}
		want := []struct {
			id, method string
			at         time.Time
		}{{"i1", "kubernetes-auth", dec}, {"i1", "universal-auth", dec}, {"i2", "oidc-auth", dec}}
		if len(logins) != len(want) {
			t.Fatalf("last logins %+v", logins)
		}
		for i, w := range want {
			if l := logins[i]; l.IdentityID != w.id || l.AuthMethod != w.method || !l.LastLoginAt.Equal(w.at) || l.OrganizationID != "org" {
				t.Errorf("last login %d: %+v, want %s %s at %s", i, l, w.id, w.method, w.at)
			}
		}
		for month, n := range map[string]int64{"2026-11": 1, "2026-12": 2} {
			var got int64
			if err := st.DB.Model(&store.IdentityActivity{}).Where("organization_id = ? AND month = ?", "org", month).Count(&got).Error; err != nil {
				t.Fatal(err)
			}
			if got != n {
				t.Errorf("%s: %d active identities, want %d", month, got, n)
			}
		}
	})
}

func count(t *testing.T, st *store.Store, table string) int64 {
	t.Helper()
	var n int64
	if err := st.DB.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Migration 0007 fills the activity tables from the audit log's successful
// logins, so that an upgrade does not report every identity as unused.
func TestActivityMigrationBackfillsFromAuditLog(t *testing.T) {
	eachDialect(t, empty(t), func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		ms, err := store.Migrations(st.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		db, err := st.DB.DB()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Version >= 7 {
				break
			}
			if _, err := db.ExecContext(ctx, m.SQL); err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			if err := st.DB.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.Version, m.Name, "then").Error; err != nil {
				t.Fatal(err)
			}
		}
		nov := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		dec := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
		for _, e := range []store.AuditEvent{
			{OrganizationID: "org", Time: nov, ActorType: "identity", ActorID: "i1", Action: "login.universal-auth", Outcome: "success"},
			{OrganizationID: "org", Time: dec, ActorType: "identity", ActorID: "i1", Action: "login.universal-auth", Outcome: "success"},
			{OrganizationID: "org", Time: dec, ActorType: "identity", ActorID: "i2", Action: "login.oidc-auth", Outcome: "success"},
			{OrganizationID: "org", Time: dec, ActorType: "anonymous", Action: "login.universal-auth", Outcome: "failure"},
			{OrganizationID: "org", Time: dec, ActorType: "identity", ActorID: "i3", Action: "token.renew", Outcome: "success"},
		} {
			if err := st.DB.Create(&e).Error; err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var logins []store.IdentityLogin
		if err := st.DB.Order("identity_id").Find(&logins).Error; err != nil {
			t.Fatal(err)
		}
		if len(logins) != 2 || logins[0].IdentityID != "i1" || logins[0].AuthMethod != "universal-auth" || !logins[0].LastLoginAt.Equal(dec) ||
			logins[1].IdentityID != "i2" || logins[1].AuthMethod != "oidc-auth" || logins[1].OrganizationID != "org" {
			t.Errorf("backfilled last logins %+v", logins)
		}
		var months []store.IdentityActivity
		if err := st.DB.Order("month, identity_id").Find(&months).Error; err != nil {
			t.Fatal(err)
		}
		if len(months) != 3 || months[0].Month != "2026-11" || months[1].Month != "2026-12" || months[2].IdentityID != "i2" ||
			!months[0].FirstLoginAt.Equal(nov) {
			t.Errorf("backfilled months %+v", months)
		}
	})
}
