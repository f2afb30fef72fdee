package dbtest_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/idplane/idplane/server/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// migrations counts the runs of migrate.
var (
	migrationsMu sync.Mutex
	migrations   int
)

func migrate(ctx context.Context, dsn string) error {
	migrationsMu.Lock()
	migrations++
	migrationsMu.Unlock()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `
		CREATE TABLE widgets (name text PRIMARY KEY);
		INSERT INTO widgets (name) VALUES ('seed');
	`)
	return err
}

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func names(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "SELECT name FROM widgets ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestPostgresClonesAreMigratedAndIndependent(t *testing.T) {
	dsnA := dbtest.Postgres(t, "widgets", migrate)
	dsnB := dbtest.Postgres(t, "widgets", migrate)
	if dsnA == dsnB {
		t.Fatalf("both databases have DSN %s", dsnA)
	}
	a, b := open(t, dsnA), open(t, dsnB)
	for _, db := range []*sql.DB{a, b} {
		if got := names(t, db); !slices.Equal(got, []string{"seed"}) {
			t.Fatalf("fresh database has widgets %q, want [seed]", got)
		}
	}

	if _, err := a.ExecContext(t.Context(), "INSERT INTO widgets (name) VALUES ('only-a')"); err != nil {
		t.Fatal(err)
	}
	if got := names(t, a); !slices.Equal(got, []string{"only-a", "seed"}) {
		t.Errorf("database A has widgets %q, want [only-a seed]", got)
	}
	if got := names(t, b); !slices.Equal(got, []string{"seed"}) {
		t.Errorf("database B has widgets %q, want [seed]", got)
	}

	migrationsMu.Lock()
	defer migrationsMu.Unlock()
	if migrations != 1 {
		t.Errorf("migrate ran %d times, want 1", migrations)
	}
}

func TestPostgresParallelClones(t *testing.T) {
	for i := range 8 {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			db := open(t, dbtest.Postgres(t, "widgets", migrate))
			if _, err := db.ExecContext(t.Context(), "INSERT INTO widgets (name) VALUES ($1)", strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
			if got, want := names(t, db), []string{strconv.Itoa(i), "seed"}; !slices.Equal(got, want) {
				t.Errorf("database has widgets %q, want %q", got, want)
			}
		})
	}
}

func TestPostgresDropsDatabaseAtCleanup(t *testing.T) {
	var dsn string
	t.Run("user", func(t *testing.T) {
		dsn = dbtest.Postgres(t, "widgets", migrate)
		// A connection left open must not keep the database alive.
		db := open(t, dsn)
		if err := db.PingContext(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	db := open(t, dsn)
	if err := db.PingContext(t.Context()); err == nil {
		t.Errorf("database %s still exists after its test ended", dsn)
	}
}

func TestSQLite(t *testing.T) {
	path := dbtest.SQLite(t)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("stat %s: %v, want a path that does not exist yet", path, err)
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		t.Errorf("directory of %s: %v", path, err)
	}
	if dbtest.SQLite(t) == path {
		t.Errorf("two calls returned the same path %s", path)
	}
}
