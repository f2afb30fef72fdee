package store_test

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/internal/store"
)

// The secret-use query groups the window's successful secret events by
// identity, action and the project, environment and folder of their
// metadata, on both databases; older events, failures, other actions and
// other organizations stay out; and the window is read through migration
// 0010's index.
func TestSecretUseQuery(t *testing.T) {
	eachDialect(t, migrated(t), func(t *testing.T, st *store.Store) {
		db := st.DB.WithContext(t.Context())
		now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
		since := now.AddDate(0, 0, -90)
		md := func(path string) store.JSON[map[string]string] {
			return store.JSON[map[string]string]{V: map[string]string{"project": "p1", "environment": "prod", "secretPath": path,
				"secretKey": "K" + path, "version": "1"}}
		}
		ev := func(org, actor, action, outcome, path string, at time.Time) store.AuditEvent {
			return store.AuditEvent{OrganizationID: org, Time: at, ActorType: "identity", ActorID: actor, Action: action,
				Outcome: outcome, Metadata: md(path)}
		}
		for _, e := range []store.AuditEvent{
			ev("org", "i1", "secret.read", "success", "/app", now.Add(-time.Hour)),
			ev("org", "i1", "secret.read", "success", "/app", now.Add(-2*time.Hour)),
			ev("org", "i1", "secret.update", "success", "/app", now.Add(-3*time.Hour)),
			ev("org", "i1", "secret.read", "success", "/old", since.Add(-time.Minute)), // before the window
			ev("org", "i1", "secret.read", "failure", "/denied", now),                  // refused
			ev("org", "i1", "login.universal-auth", "success", "/app", now),            // not a secret
			ev("other", "i1", "secret.read", "success", "/app", now),                   // another organization
			ev("org", "i2", "secret.read", "success", "/db", since.Add(time.Minute)),
		} {
			if err := db.Create(&e).Error; err != nil {
				t.Fatal(err)
			}
		}
		type row struct {
			actor, action, project, env, path string
			n                                 int
		}
		rows, err := db.Raw(store.SecretUseQuery(st.Dialect)+" ORDER BY 1, 2, 5", "org", since).Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []row
		for rows.Next() {
			var (
				r    row
				last any
			)
			if err := rows.Scan(&r.actor, &r.action, &r.project, &r.env, &r.path, &r.n, &last); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := []row{{"i1", "secret.read", "p1", "prod", "/app", 2}, {"i1", "secret.update", "p1", "prod", "/app", 1},
			{"i2", "secret.read", "p1", "prod", "/db", 1}}
		if len(got) != len(want) {
			t.Fatalf("rows %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
			}
		}
		if plan := explain(t, st, store.SecretUseQuery(st.Dialect), "org", since); !strings.Contains(plan, "audit_events_secret_use") {
			t.Errorf("the secret-use query does not use its index:\n%s", plan)
		}
		// The log's oldest successful secret event (NULL for none), through
		// the same index; its value is checked over HTTP, where the service
		// reads it as a time on both databases.
		for org, want := range map[string]bool{"org": true, "nobody": false} {
			var v any
			if err := db.Raw(store.SecretLogStartQuery, org).Row().Scan(&v); err != nil {
				t.Fatal(err)
			}
			if (v != nil) != want {
				t.Errorf("%s: log start %v, want one: %t", org, v, want)
			}
		}
		if plan := explain(t, st, store.SecretLogStartQuery, "org"); !strings.Contains(plan, "audit_events_secret_use") {
			t.Errorf("the log-start query does not use the index:\n%s", plan)
		}
	})
}

// explain returns the query plan of q, with sequential scans discouraged on
// PostgreSQL (its tables here are too small for an index to pay).
func explain(t *testing.T, st *store.Store, q string, args ...any) string {
	t.Helper()
	var lines []string
	err := st.DB.WithContext(t.Context()).Transaction(func(tx *gorm.DB) error {
		if st.Dialect == store.Postgres {
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
			return tx.Raw("EXPLAIN "+q, args...).Scan(&lines).Error
		}
		var rows []struct{ Detail string }
		if err := tx.Raw("EXPLAIN QUERY PLAN "+q, args...).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			lines = append(lines, r.Detail)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
