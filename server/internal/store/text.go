package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/idplane/idplane/server/internal/store/dbtext"
)

// Every text reaching the database is made valid here, whatever the route
// and whatever the column, so that input no one validated (a User-Agent,
// an ID in a request, a claim quoted in an audit reason) can never make a
// statement fail, on PostgreSQL or anywhere else, nor fail the other rows of
// a batch. Two mechanisms, both on every statement GORM sends:
//
//   - every string argument is made valid UTF-8 without NUL (dbtext.Valid),
//     so that lookups, inserts and updates alike accept it;
//   - every string field of a row created or updated whose column has a size
//     (`gorm:"size:N"`) is cut to N bytes on a character boundary.
//
// The group commit's batch insert, which bypasses GORM, applies the same
// two (batchinsert.go). Text that a client chose on purpose (names,
// descriptions) is validated, with an error naming the field, before it
// gets here; this is what makes everything else safe.

// registerValidText installs the callbacks on db.
func registerValidText(db *gorm.DB) error {
	cb := db.Callback()
	fitAndUse := func(db *gorm.DB) { fitColumns(db); useValidText(db) }
	const use, end = "idplane:valid_text", "idplane:valid_text_end"
	if err := errors.Join(
		cb.Create().Before("gorm:create").Register(use, fitAndUse),
		cb.Create().After("gorm:create").Register(end, endValidText),
		cb.Update().Before("gorm:update").Register(use, fitAndUse),
		cb.Update().After("gorm:update").Register(end, endValidText),
		cb.Query().Before("gorm:query").Register(use, useValidText),
		cb.Query().After("gorm:query").Register(end, endValidText),
		cb.Delete().Before("gorm:delete").Register(use, useValidText),
		cb.Delete().After("gorm:delete").Register(end, endValidText),
		cb.Row().Before("gorm:row").Register(use, useValidText),
		cb.Row().After("gorm:row").Register(end, endValidText),
		cb.Raw().Before("gorm:raw").Register(use, useValidText),
		cb.Raw().After("gorm:raw").Register(end, endValidText),
	); err != nil {
		return fmt.Errorf("register text callbacks: %w", err)
	}
	return nil
}

// useValidText sends the statement through validText for as long as its
// own callback runs (the statement's connection is a transaction's at
// times, which must be itself again to commit).
func useValidText(db *gorm.DB) {
	if _, ok := db.Statement.ConnPool.(validText); !ok {
		db.Statement.ConnPool = validText{db.Statement.ConnPool}
	}
}

func endValidText(db *gorm.DB) {
	if v, ok := db.Statement.ConnPool.(validText); ok {
		db.Statement.ConnPool = v.ConnPool
	}
}

// validText passes statements on with their string arguments made valid.
type validText struct{ gorm.ConnPool }

func (v validText) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return v.ConnPool.ExecContext(ctx, query, validArgs(args)...)
}

func (v validText) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return v.ConnPool.QueryContext(ctx, query, validArgs(args)...)
}

func (v validText) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return v.ConnPool.QueryRowContext(ctx, query, validArgs(args)...)
}

// validArgs returns args with every string (or pointer to one) made valid;
// args itself when all are. Valuers (JSON columns) encode valid text of
// their own.
func validArgs(args []any) []any {
	var out []any
	for i, a := range args {
		v, changed := validArg(a)
		if !changed {
			continue
		}
		if out == nil {
			out = slices.Clone(args)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}

// validArg returns the valid text of a string argument (a string, a
// pointer to one, or a value of a type whose kind is string) and whether
// that differs from a.
func validArg(a any) (any, bool) {
	var s string
	switch x := a.(type) {
	case string:
		s = x
	case *string:
		if x == nil {
			return a, false
		}
		s = *x
	case nil, []byte, int, int64, bool, time.Time, *time.Time:
		return a, false
	default:
		v := reflect.ValueOf(a)
		if v.Kind() != reflect.String {
			return a, false
		}
		s = v.String()
	}
	if valid := dbtext.Valid(s); valid != s {
		return valid, true
	}
	return a, false
}

// fitColumns cuts, in the rows a statement creates or updates, every
// string field whose column has a size.
func fitColumns(db *gorm.DB) {
	if db.Statement.Schema == nil {
		return
	}
	rv := reflect.Indirect(db.Statement.ReflectValue)
	switch rv.Kind() {
	case reflect.Struct:
		fitRow(db.Statement.Context, db.Statement.Schema, rv)
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			if row := reflect.Indirect(rv.Index(i)); row.Kind() == reflect.Struct {
				fitRow(db.Statement.Context, db.Statement.Schema, row)
			}
		}
	}
}

// schemas caches the models' schemas for fitModel.
var schemas sync.Map

// fitModel cuts the sized string fields of *row, a model, as the callbacks
// do for the rows GORM writes: for the statements written by hand.
func fitModel(row any) {
	sch, err := schema.Parse(row, &schemas, schema.NamingStrategy{})
	if err != nil {
		return
	}
	fitRow(context.Background(), sch, reflect.ValueOf(row).Elem())
}

// fitRow cuts row's sized string fields, in place.
func fitRow(ctx context.Context, sch *schema.Schema, row reflect.Value) {
	if !row.CanAddr() {
		return
	}
	for _, f := range sch.Fields {
		if f.Size <= 0 || f.FieldType.Kind() != reflect.String {
			continue
		}
		v := f.ReflectValueOf(ctx, row)
		if s := v.String(); len(s) > f.Size {
			v.SetString(dbtext.Truncate(s, f.Size))
		}
	}
}
