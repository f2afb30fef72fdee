// Package dbtest provides fresh, real databases for tests.
//
// Postgres hands every caller a brand-new PostgreSQL database cloned from a
// template that is migrated once per test binary. Unless
// IDPLANE_TEST_POSTGRES_URL names an existing server, the first call starts a
// throwaway cluster in a temporary directory, listening on 127.0.0.1 only.
// Main stops that cluster when the tests finish; should the test binary die
// first (a panic, a -timeout, a signal), a watchdog process stops it instead.
//
// Packages using Postgres should run their tests through Main:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
package dbtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// EnvPostgresURL names the environment variable that points the tests at an
// existing PostgreSQL server instead of a cluster of their own. Its user must
// be allowed to CREATE DATABASE.
const EnvPostgresURL = "IDPLANE_TEST_POSTGRES_URL"

// setupTimeout bounds starting the server, migrating a template and cloning it.
const setupTimeout = 2 * time.Minute

// dropTimeout bounds dropping one database when its test ends.
const dropTimeout = time.Minute

// mu guards the state below. It also serializes template creation and clones:
// PostgreSQL refuses to clone a template while another clone reads it.
var (
	mu        sync.Mutex
	srv       *server
	srvErr    error
	templates = map[string]*template{}
	seq       int
)

// template is the migrated database behind one templateName.
type template struct {
	db  string // database name
	err error  // why creating it failed; every later caller gets the same error
}

// server is the PostgreSQL server this process creates its databases on.
type server struct {
	url     url.URL  // connection URL; dsn replaces its path with a database name
	admin   *sql.DB  // connected to the maintenance database
	prefix  string   // starts the name of every database this process creates
	cluster *cluster // the cluster this process started; nil when using EnvPostgresURL
}

// Postgres returns the DSN
// (postgres://postgres@127.0.0.1:PORT/dbname?sslmode=disable with the
// cluster dbtest starts) of a brand-new database cloned from a migrated
// template. The first call with a given templateName creates that template and
// runs migrate(ctx, dsn) on it; later calls only clone it, so migrate must
// close every connection it opens. The database is dropped when t ends.
func Postgres(t testing.TB, templateName string, migrate func(ctx context.Context, dsn string) error) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	mu.Lock()
	defer mu.Unlock()
	s, err := getServer(ctx)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	tpl, err := s.template(ctx, templateName, migrate)
	if err != nil {
		t.Fatalf("dbtest: template %q: %v", templateName, err)
	}
	db := s.newName("db")
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+ident(db)+" TEMPLATE "+ident(tpl)); err != nil {
		t.Fatalf("dbtest: clone template %q: %v", templateName, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
		defer cancel()
		if err := s.drop(ctx, db); err != nil {
			t.Errorf("dbtest: %v", err)
		}
	})
	return s.dsn(db)
}

// SQLite returns the path of a SQLite database file that does not exist yet,
// in a directory removed when t ends.
func SQLite(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "idplane.db")
}

// Main runs the tests, then stops the cluster this process started, if any,
// removes its directory, and exits with the tests' exit code (1 if they passed
// but the cleanup failed).
func Main(m *testing.M) {
	code := 0
	func() {
		defer func() {
			if err := shutdown(); err != nil {
				fmt.Fprintln(os.Stderr, "dbtest:", err)
				if code == 0 {
					code = 1
				}
			}
		}()
		code = m.Run()
	}()
	os.Exit(code)
}

// getServer returns the server, connecting to it or starting it on first use.
// A failure is remembered so that every test reports it without retrying.
func getServer(ctx context.Context) (*server, error) {
	if srv == nil && srvErr == nil {
		srv, srvErr = newServer(ctx)
	}
	return srv, srvErr
}

func newServer(ctx context.Context) (*server, error) {
	// The pid and a random number keep the names of concurrent test processes
	// sharing one EnvPostgresURL server apart.
	s := &server{prefix: fmt.Sprintf("idplane_test_%d_%08x", os.Getpid(), rand.Uint32())}
	if raw := os.Getenv(EnvPostgresURL); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			// The error could quote the URL and its password, so it is left out.
			return nil, fmt.Errorf("%s is not a postgres:// URL", EnvPostgresURL)
		}
		s.url = *u
	} else {
		c, err := startCluster(ctx)
		if err != nil {
			return nil, fmt.Errorf("start PostgreSQL: %w", err)
		}
		s.cluster = c
		s.url = url.URL{
			Scheme:   "postgres",
			User:     url.User("postgres"),
			Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
			RawQuery: "sslmode=disable",
		}
	}
	admin := s.url
	if admin.Path == "" || admin.Path == "/" {
		admin.Path = "/postgres"
	}
	db, err := sql.Open("pgx", admin.String())
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		err = fmt.Errorf("connect to PostgreSQL: %w", err)
		if db != nil {
			err = errors.Join(err, db.Close())
		}
		if s.cluster != nil {
			err = errors.Join(err, s.cluster.stop())
		}
		return nil, err
	}
	s.admin = db
	return s, nil
}

// shutdown drops what this process left on the server and stops the cluster it
// started.
func shutdown() error {
	mu.Lock()
	defer mu.Unlock()
	if srv == nil {
		return nil
	}
	var errs []error
	if srv.cluster == nil {
		// Tests dropped their databases; only the templates are left.
		ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
		defer cancel()
		for _, tpl := range templates {
			if tpl.err == nil {
				errs = append(errs, srv.drop(ctx, tpl.db))
			}
		}
	}
	errs = append(errs, srv.admin.Close())
	if srv.cluster != nil {
		errs = append(errs, srv.cluster.stop())
	}
	return errors.Join(errs...)
}

// template returns the name of the template database for key, creating and
// migrating it on first use.
func (s *server) template(ctx context.Context, key string, migrate func(ctx context.Context, dsn string) error) (string, error) {
	tpl, ok := templates[key]
	if !ok {
		tpl = &template{db: s.newName("tpl")}
		tpl.err = s.createTemplate(ctx, tpl.db, migrate)
		templates[key] = tpl
	}
	return tpl.db, tpl.err
}

func (s *server) createTemplate(ctx context.Context, db string, migrate func(ctx context.Context, dsn string) error) error {
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+ident(db)); err != nil {
		return err
	}
	if err := migrate(ctx, s.dsn(db)); err != nil {
		return errors.Join(fmt.Errorf("migrate: %w", err), s.drop(ctx, db))
	}
	// Nobody may be connected to a template while it is cloned: refuse new
	// connections, then end any the migration left open.
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+ident(db)+" ALLOW_CONNECTIONS false"); err != nil {
		return err
	}
	_, err := s.admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db)
	return err
}

// drop drops database db, ending the sessions still connected to it.
func (s *server) drop(ctx context.Context, db string) error {
	if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+ident(db)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", db, err)
	}
	return nil
}

// newName returns an unused database name.
func (s *server) newName(kind string) string {
	seq++
	return fmt.Sprintf("%s_%s%d", s.prefix, kind, seq)
}

// dsn returns the URL of database db.
func (s *server) dsn(db string) string {
	u := s.url
	u.Path = "/" + db
	u.RawPath = ""
	return u.String()
}

func ident(name string) string {
	return pgx.Identifier{name}.Sanitize()
}

// Cluster is a PostgreSQL cluster of one test's own, which the test may
// stop and start again to play a database outage without disturbing the
// other tests' shared server.
type Cluster struct {
	// DSN connects to the cluster's postgres database; it stays valid across
	// Stop and Start (the server comes back on the same port).
	DSN string
	c   *cluster
}

// NewCluster starts a cluster that lives until t ends.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	c, err := startCluster(ctx)
	if err != nil {
		t.Fatalf("dbtest: start PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		if err := c.stop(); err != nil {
			t.Errorf("dbtest: %v", err)
		}
	})
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path: "/postgres", RawQuery: "sslmode=disable"}
	return &Cluster{DSN: u.String(), c: c}
}

// Stop stops the server the way a crash does: connections break at once.
func (cl *Cluster) Stop(t testing.TB) {
	t.Helper()
	if err := cl.c.halt(); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
}

// Start starts the stopped server again on the same port.
func (cl *Cluster) Start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := cl.c.launch(ctx, cl.c.port); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
}
