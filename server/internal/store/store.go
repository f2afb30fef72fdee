// Package store holds the database models, the migrations and the
// translation of database errors into domain errors.
package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Store is an open database.
type Store struct {
	DB      *gorm.DB
	Dialect string
}

// Errors the rest of the server switches on; every gorm error is translated
// into one of these (or passed through wrapped) by Translate.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrStale    = errors.New("version mismatch")
)

// Open connects to url: "postgres://..." or "postgresql://..." for
// PostgreSQL, anything else is a SQLite file path (optionally "sqlite:" prefixed).
func Open(ctx context.Context, url string) (*Store, error) {
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		PrepareStmt:            true,
		// Bounded: queries with IN lists of varying length would otherwise
		// leave a prepared statement behind for every length ever seen.
		PrepareStmtMaxSize: 512,
		PrepareStmtTTL:     time.Hour,
		// Name every column instead of SELECT *: a newer release's migration
		// adds columns while this one serves, and PostgreSQL refuses to run
		// a prepared SELECT * whose result type changed ("cached plan must
		// not change result type") until the statement is prepared anew.
		QueryFields: true,
		Logger:      logger.Discard,
		NowFunc:     func() time.Time { return time.Now().UTC() },
	}
	var (
		db      *gorm.DB
		err     error
		dialect string
	)
	if DialectOf(url) == Postgres {
		dialect = Postgres
		db, err = gorm.Open(postgres.Open(url), cfg)
	} else {
		dialect = SQLite
		path := strings.TrimPrefix(url, "sqlite:")
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		dsn := path + sep + "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		db, err = gorm.Open(sqlite.Open(dsn), cfg)
		if err != nil {
			err = explainSQLiteOpen(path, err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	if err := registerValidText(db); err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	if dialect == SQLite {
		// One writer at a time is all SQLite allows; a single connection
		// avoids lock contention between our own connections.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(32)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{DB: db, Dialect: dialect}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		if dialect == SQLite {
			err = explainSQLiteOpen(strings.TrimPrefix(url, "sqlite:"), err)
		}
		return nil, err
	}
	return s, nil
}

// DialectOf returns the database a URL names, as Open reads it.
func DialectOf(url string) string {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// Backup writes an online, consistent copy of a SQLite database to dest
// (VACUUM INTO: one read transaction, so writers are not stopped and the
// copy is a single point in time), readable only by its owner. dest must
// not exist yet.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if s.Dialect != SQLite {
		return fmt.Errorf("backup copies SQLite databases; back up PostgreSQL with pg_dump")
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("%s already exists; choose a new file", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := s.DB.WithContext(ctx).Exec("VACUUM INTO ?", dest).Error; err != nil {
		return fmt.Errorf("back up to %s: %w", dest, explainSQLiteOpen(dest, err))
	}
	return os.Chmod(dest, 0o600)
}

// explainSQLiteOpen replaces SQLite's "unable to open database file" (which
// names no cause, and which the pure-Go driver renders as "out of memory")
// with what is actually wrong with the path: a missing directory, a
// directory that is a file, or no permission to the file or its directory
// (SQLite writes its journal files beside the database). It creates nothing
// that it does not remove, and returns err unchanged when the path looks
// fine.
func explainSQLiteOpen(path string, err error) error {
	path, _, _ = strings.Cut(path, "?")
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return err
	}
	dir := filepath.Dir(path)
	st, serr := os.Stat(dir)
	switch {
	case errors.Is(serr, fs.ErrNotExist):
		return fmt.Errorf("cannot create %s: directory %s does not exist (create it first)", path, dir)
	case errors.Is(serr, fs.ErrPermission):
		return fmt.Errorf("cannot open %s: permission denied to directory %s", path, dir)
	case serr != nil:
		return fmt.Errorf("cannot open %s: %w", path, serr)
	case !st.IsDir():
		return fmt.Errorf("cannot open %s: %s is not a directory", path, dir)
	}
	if f, oerr := os.OpenFile(path, os.O_RDWR, 0); oerr == nil {
		_ = f.Close()
	} else if errors.Is(oerr, fs.ErrPermission) {
		return fmt.Errorf("cannot open %s: permission denied (the server needs to read and write the file)", path)
	} else if !errors.Is(oerr, fs.ErrNotExist) {
		return fmt.Errorf("cannot open %s: %w", path, oerr)
	}
	probe, perr := os.CreateTemp(dir, ".idplane-probe-*")
	if perr != nil {
		if errors.Is(perr, fs.ErrPermission) {
			return fmt.Errorf("cannot open %s: permission denied to create files in directory %s (SQLite keeps its journal beside the database)", path, dir)
		}
		return fmt.Errorf("cannot open %s: %w", path, perr)
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	return err
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		if Unavailable(err) {
			return fmt.Errorf("ping %s database: %w: %w", s.Dialect, ErrUnavailable, err)
		}
		return fmt.Errorf("ping %s database: %w", s.Dialect, err)
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Translate maps gorm errors onto the store's sentinel errors, keeping what
// in the message.
func Translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w", what, ErrConflict)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		// Every foreign key cascades on delete, so only a write naming a
		// row deleted meanwhile (on another replica) violates one.
		return fmt.Errorf("%s: what it belongs to was deleted: %w", what, ErrNotFound)
	case Unavailable(err):
		return fmt.Errorf("%s: %w: %w", what, ErrUnavailable, err)
	default:
		slog.Debug("database error", "what", what, "error", err)
		return fmt.Errorf("%s: %w", what, err)
	}
}
