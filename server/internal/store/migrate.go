package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrations embed.FS

// Migration is one versioned, forward-only schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the dialect's migrations in order.
func Migrations(dialect string) ([]Migration, error) {
	dir := "migrations/" + dialect
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations for %s: %w", dialect, err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		b, err := migrations.ReadFile(dir + "/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// CheckNotNewer refuses a schema at version v that a newer idplane
// migrated: this one would run against tables it does not know. Replicas
// already serving keep serving across such a migration (migrations only
// add), but one that starts refuses.
func CheckNotNewer(v int, ms []Migration) error {
	if known := ms[len(ms)-1].Version; v > known {
		return fmt.Errorf("the database schema is at version %d, newer than this idplane knows (%d): run the idplane release that migrated it, or a newer one", v, known)
	}
	return nil
}

// Migrate applies every migration not yet applied, each in its own
// transaction. On PostgreSQL an advisory lock makes replicas that start
// together take turns. It returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	ms, err := Migrations(s.Dialect)
	if err != nil {
		return nil, err
	}
	// Plain database/sql: a migration file holds many statements, which
	// only the simple query protocol (no prepared statement) accepts.
	db, err := s.DB.DB()
	if err != nil {
		return nil, err
	}
	if err := s.createMigrationsTable(ctx, db); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckNotNewer(v, ms); err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range ms {
		done, err := s.apply(ctx, db, m)
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if done {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

// createMigrationsTable creates schema_migrations unless it exists. On
// PostgreSQL it holds the migration lock: replicas starting together would
// otherwise race to create the table, and all but one fail.
func (s *Store) createMigrationsTable(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if s.Dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7291001)`); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)`); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) apply(ctx context.Context, db *sql.DB, m Migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }()
	if s.Dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7291001)`); err != nil {
			return false, err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = `+strconv.Itoa(m.Version)).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	ins := fmt.Sprintf(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, '%s', '%s')`,
		m.Version, strings.ReplaceAll(m.Name, "'", ""), time.Now().UTC().Format(time.RFC3339))
	if _, err := tx.ExecContext(ctx, ins); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// SchemaVersion is the newest applied migration, 0 for an empty database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v *int
	err := s.DB.WithContext(ctx).Raw(`SELECT MAX(version) FROM schema_migrations`).Scan(&v).Error
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}
