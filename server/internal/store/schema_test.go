package store_test

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/idplane/idplane/server/internal/dbtest"
	"github.com/idplane/idplane/server/internal/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// migrateTemplate migrates a template database and closes every connection.
func migrateTemplate(ctx context.Context, dsn string) error {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = st.Migrate(ctx)
	return err
}

func noMigration(context.Context, string) error { return nil }

func open(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return st
}

// migrated returns a store on a fresh, migrated database of each dialect.
func migrated(t *testing.T) map[string]*store.Store {
	t.Helper()
	lite := open(t, dbtest.SQLite(t))
	if _, err := lite.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate SQLite: %v", err)
	}
	return map[string]*store.Store{
		store.Postgres: open(t, dbtest.Postgres(t, "schema", migrateTemplate)),
		store.SQLite:   lite,
	}
}

// empty returns a store on a fresh database of each dialect, not migrated.
func empty(t *testing.T) map[string]*store.Store {
	t.Helper()
	return map[string]*store.Store{
		store.Postgres: open(t, dbtest.Postgres(t, "empty", noMigration)),
		store.SQLite:   open(t, dbtest.SQLite(t)),
	}
}

func eachDialect(t *testing.T, stores map[string]*store.Store, fn func(t *testing.T, st *store.Store)) {
	for _, d := range slices.Sorted(maps.Keys(stores)) {
		t.Run(d, func(t *testing.T) { fn(t, stores[d]) })
	}
}

// columns returns the table's columns, each mapped to whether it accepts NULL.
func columns(t *testing.T, st *store.Store, table string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	db := st.DB.WithContext(t.Context())
	if st.Dialect == store.Postgres {
		var rows []struct {
			ColumnName string
			IsNullable string
		}
		err := db.Raw(`SELECT column_name, is_nullable FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ?`, table).Scan(&rows).Error
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out[r.ColumnName] = r.IsNullable == "YES"
		}
		return out
	}
	var rows []struct {
		Name    string
		Type    string
		Notnull int
		Pk      int
	}
	if err := db.Raw(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	pks := 0
	for _, r := range rows {
		if r.Pk > 0 {
			pks++
		}
	}
	for _, r := range rows {
		// An INTEGER PRIMARY KEY is the rowid, which is never NULL; every
		// other column, other primary keys included, takes NULL unless
		// declared NOT NULL.
		rowid := r.Pk == 1 && pks == 1 && strings.EqualFold(r.Type, "INTEGER")
		out[r.Name] = r.Notnull == 0 && !rowid
	}
	return out
}

func tables(t *testing.T, st *store.Store) []string {
	t.Helper()
	var names []string
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	if st.Dialect == store.SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	}
	if err := st.DB.WithContext(t.Context()).Raw(q).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// The migrations create exactly the tables and columns the GORM models
// read and write, with NULL allowed exactly where the model has a pointer.
func TestMigratedSchemaMatchesModels(t *testing.T) {
	eachDialect(t, migrated(t), func(t *testing.T, st *store.Store) {
		var modelTables []string
		for _, m := range store.Models() {
			s, err := schema.Parse(m, &sync.Map{}, st.DB.NamingStrategy)
			if err != nil {
				t.Fatalf("parse %T: %v", m, err)
			}
			modelTables = append(modelTables, s.Table)
			want := map[string]bool{}
			for _, f := range s.Fields {
				if f.DBName != "" {
					want[f.DBName] = f.FieldType.Kind() == reflect.Pointer
				}
			}
			if len(want) == 0 {
				t.Fatalf("%T has no columns", m)
			}
			got := columns(t, st, s.Table)
			if len(got) == 0 {
				t.Errorf("table %s of %T does not exist", s.Table, m)
				continue
			}
			if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
				t.Errorf("table %s has columns %v, model %T has %v", s.Table, g, m, w)
			}
			for col, nullable := range want {
				if gotNullable, ok := got[col]; ok && gotNullable != nullable {
					t.Errorf("%s.%s: nullable=%v in the database, the model's field says nullable=%v", s.Table, col, gotNullable, nullable)
				}
			}
		}
		// and no table is left without a model
		slices.Sort(modelTables)
		got := slices.DeleteFunc(tables(t, st), func(n string) bool { return n == "schema_migrations" })
		if !slices.Equal(got, modelTables) {
			t.Errorf("database tables %v, model tables %v", got, modelTables)
		}
	})
}

func migrationRows(t *testing.T, st *store.Store) []int {
	t.Helper()
	var versions []int
	if err := st.DB.WithContext(t.Context()).Raw(`SELECT version FROM schema_migrations ORDER BY version`).Scan(&versions).Error; err != nil {
		t.Fatal(err)
	}
	return versions
}

func allVersions(t *testing.T, dialect string) []int {
	t.Helper()
	ms, err := store.Migrations(dialect)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatalf("no %s migrations", dialect)
	}
	var vs []int
	for _, m := range ms {
		vs = append(vs, m.Version)
	}
	return vs
}

func TestMigrateIsIdempotent(t *testing.T) {
	eachDialect(t, empty(t), func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		want := allVersions(t, st.Dialect)
		if v, err := st.SchemaVersion(ctx); err == nil && v != 0 {
			t.Fatalf("fresh database at schema version %d", v)
		}
		applied, err := st.Migrate(ctx)
		if err != nil {
			t.Fatalf("first migrate: %v", err)
		}
		if !slices.Equal(applied, want) {
			t.Errorf("first migrate applied %v, want %v", applied, want)
		}
		for run := 2; run <= 3; run++ {
			applied, err = st.Migrate(ctx)
			if err != nil {
				t.Fatalf("migrate run %d: %v", run, err)
			}
			if len(applied) != 0 {
				t.Errorf("migrate run %d applied %v, want nothing", run, applied)
			}
		}
		if got := migrationRows(t, st); !slices.Equal(got, want) {
			t.Errorf("schema_migrations holds %v, want %v", got, want)
		}
		if v, err := st.SchemaVersion(ctx); err != nil || v != want[len(want)-1] {
			t.Errorf("schema version %d (%v), want %d", v, err, want[len(want)-1])
		}
	})
}

// Replicas starting together on one PostgreSQL database all migrate
// successfully, and each migration is applied exactly once.
func TestConcurrentMigratePostgres(t *testing.T) {
	dsn := dbtest.Postgres(t, "empty", noMigration)
	want := allVersions(t, store.Postgres)
	const replicas = 8
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		applied = make([][]int, replicas)
		errs    = make([]error, replicas)
	)
	for i := range replicas {
		st := open(t, dsn)
		wg.Go(func() {
			<-start
			applied[i], errs[i] = st.Migrate(t.Context())
		})
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for i := range replicas {
		if errs[i] != nil {
			t.Errorf("replica %d: migrate: %v", i, errs[i])
		}
		for _, v := range applied[i] {
			count[v]++
		}
	}
	for _, v := range want {
		if count[v] != 1 {
			t.Errorf("version %d applied %d times, want once", v, count[v])
		}
	}
	if got := migrationRows(t, open(t, dsn)); !slices.Equal(got, want) {
		t.Errorf("schema_migrations holds %v, want %v", got, want)
	}
}

func TestTranslate(t *testing.T) {
	eachDialect(t, migrated(t), func(t *testing.T, st *store.Store) {
		db := st.DB.WithContext(t.Context())
		now := time.Now().UTC()
		if err := db.Create(&store.Organization{ID: "org-1", Name: "acme", CreatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}

		// a unique violation, on a UNIQUE column and on the primary key
		for name, dup := range map[string]*store.Organization{
			"unique name": {ID: "org-2", Name: "acme", CreatedAt: now},
			"primary key": {ID: "org-1", Name: "other", CreatedAt: now},
		} {
			err := store.Translate(db.Create(dup).Error, "create organization")
			if !errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: Translate = %v, want ErrConflict", name, err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "create organization: ") {
				t.Errorf("%s: %q does not say what failed", name, err)
			}
		}
		// inside a transaction too
		err := db.Transaction(func(tx *gorm.DB) error {
			return store.Translate(tx.Create(&store.Organization{ID: "org-3", Name: "acme", CreatedAt: now}).Error, "in tx")
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("in a transaction: %v, want ErrConflict", err)
		}

		// record not found
		var org store.Organization
		err = store.Translate(db.Where("id = ?", "missing").Take(&org).Error, "organization missing")
		if !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			t.Errorf("Take of a missing row: Translate = %v, want ErrNotFound", err)
		}
		if err := store.Translate(db.Where("id = ?", "org-1").Take(&org).Error, "org-1"); err != nil || org.Name != "acme" {
			t.Errorf("Take of org-1: %v, %+v", err, org)
		}

		// anything else passes through, wrapped
		if err := store.Translate(nil, "nothing"); err != nil {
			t.Errorf("Translate(nil) = %v", err)
		}
		boom := errors.New("boom")
		if err := store.Translate(boom, "x"); !errors.Is(err, boom) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("Translate(boom) = %v, want boom wrapped", err)
		}
	})
}
