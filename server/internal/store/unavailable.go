package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	sqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrUnavailable means the database could not be reached or went away while
// a request used it: an outage to wait out, not a bug. The HTTP layer
// answers it with 503 and Retry-After.
var ErrUnavailable = errors.New("database unavailable")

// SQLite's primary result codes that mean "another connection holds the
// database; try again".
const (
	sqliteBusy   = 5
	sqliteLocked = 6
)

// Unavailable reports whether err comes from a database that cannot be
// reached or went away mid-request: a refused or broken connection, a server
// shutting down or refusing connections, a SQLite database that stayed
// locked past its busy timeout. It looks only at typed errors, never at
// messages.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var (
		connect *pgconn.ConnectError
		pg      *pgconn.PgError
		netErr  net.Error
		lite    *sqlite.Error
	)
	switch {
	case errors.As(err, &connect), errors.As(err, &netErr):
		return true
	case errors.As(err, &pg):
		// Class 08: connection exception; 57P01-57P03: the server is shutting
		// down, crashed or is starting up; 53300: too many connections.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03" || pg.Code == "53300"
	case errors.As(err, &lite):
		code := lite.Code() & 0xff
		return code == sqliteBusy || code == sqliteLocked
	}
	// pgx's own connection-level errors (the connection was closed or the
	// request never reached the server) are typed unexported; SafeToRetry
	// is their public classification.
	return pgconn.SafeToRetry(err)
}

// maxFlushAttempts bounds the runs of a group commit that keeps losing
// conflicts.
const maxFlushAttempts = 3

// Conflict reports whether err is a transaction PostgreSQL aborted to break
// a deadlock (40P01) or a serialization conflict (40001): running it again
// is safe and usually succeeds.
func Conflict(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}
