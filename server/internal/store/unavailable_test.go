package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"syscall"
	"testing"

	_ "github.com/glebarez/go-sqlite" // registers the "sqlite" database/sql driver
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

func TestUnavailableClassifiesTypedErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"starting up", fmt.Errorf("load: %w", &pgconn.PgError{Code: "57P03"}), true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"refused dial", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"reset mid-read", fmt.Errorf("receive: %w", syscall.ECONNRESET), true},
		{"cut short", fmt.Errorf("receive: %w", io.ErrUnexpectedEOF), true},
		{"connection done", sql.ErrConnDone, true},
		{"already classified", Translate(fmt.Errorf("x: %w", ErrUnavailable), "load"), true},
		{"not found", Translate(gorm.ErrRecordNotFound, "load"), false},
		{"empty body", io.EOF, false},
		{"anything else", errors.New("syntax error"), false},
	}
	for _, tt := range tests {
		if got := Unavailable(tt.err); got != tt.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// A SQLite database locked by another writer past the busy timeout is an
// outage to wait out, and Translate marks it so.
func TestUnavailableSQLiteBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	holder, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	ctx := context.Background()
	if _, err := holder.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	tx, err := holder.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.ExecContext(ctx, "INSERT INTO t VALUES (2)")
	if err == nil {
		t.Fatal("second writer got through a held write lock")
	}
	if !Unavailable(err) || !errors.Is(Translate(err, "insert"), ErrUnavailable) {
		t.Errorf("busy error %v not classified as unavailable", err)
	}
}

// A deadlock victim or a serialization failure is run again by the group
// commit; nothing else is.
func TestConflictClassifiesRetryableAborts(t *testing.T) {
	for code, want := range map[string]bool{"40P01": true, "40001": true, "23505": false, "08006": false} {
		err := fmt.Errorf("insert: %w", &pgconn.PgError{Code: code})
		if got := Conflict(err); got != want {
			t.Errorf("Conflict(%s) = %v, want %v", code, got, want)
		}
	}
	if Conflict(errors.New("deadlock detected")) {
		t.Error("an untyped error is classified by its text")
	}
}
