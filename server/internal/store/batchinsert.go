package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/idplane/idplane/server/internal/store/dbtext"
)

// The INSERTs of a batch take its rows as one array per column, which
// unnest zips back into rows: one statement per table whatever the batch's
// size, prepared once on each flusher's connection and executed from the
// cache ever after. Sent unprepared, PostgreSQL parsed and planned every
// batch's statement anew (2.3 times the CPU of the prepared statement for
// a batch of 16 logins); with a VALUES row per login, each batch size was
// another statement, and cutting batches into chunks of 64, 32, ..., 1
// rows made a batch of 13 logins six statements, each with its executor
// start-up and its own round of parameter encoding.
const (
	insertTokensSQL = `INSERT INTO access_tokens (id, organization_id, identity_id, auth_method, auth_method_id, credential_id, ttl, num_uses_limit, num_uses, created_at, expires_at, max_expires_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::integer[], $9::integer[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])`
	insertEventsSQL = `INSERT INTO audit_events (organization_id, time, actor_type, actor_id, action, target_type, target_id, source_ip, user_agent, outcome, reason, request_id, metadata)
SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`
)

// textColumns are a batch's text columns, one slice per column, every
// value made valid for the database.
type textColumns [][]string

func newTextColumns(n, rows int) textColumns {
	c := make(textColumns, n)
	for i := range c {
		c[i] = make([]string, 0, rows)
	}
	return c
}

func (c textColumns) add(values ...string) {
	for i, v := range values {
		c[i] = append(c[i], dbtext.Valid(v))
	}
}

// pgWriter writes batches on PostgreSQL over a connection of its own, in
// one round trip each: every statement of a batch is sent in one pipeline
// ending in a single Sync, which PostgreSQL runs as one implicit
// transaction, so the batch commits whole or not at all. Its statements
// stay prepared on that connection only.
type pgWriter struct {
	db   *sql.DB
	conn *sql.Conn
}

func (p *pgWriter) write(ctx context.Context, w Writes) error {
	if p.conn == nil {
		c, err := p.db.Conn(ctx)
		if err != nil {
			return err
		}
		p.conn = c
	}
	batch, err := pipelined(w)
	if err != nil {
		return err
	}
	err = p.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("group commit needs the pgx driver, got %T", dc)
		}
		return c.Conn().SendBatch(ctx, batch).Close()
	})
	if err != nil {
		// A connection that failed may be broken: the next batch takes
		// another from the pool.
		p.close()
		return fmt.Errorf("insert access tokens and audit events: %w", err)
	}
	return nil
}

func (p *pgWriter) close() {
	if p.conn != nil {
		_ = p.conn.Close()
		p.conn = nil
	}
}

// pipelined is a batch's statements: its access tokens, its lockout
// changes (keys in order, so that concurrent batches lock the same rows in
// the same order), then its audit events.
func pipelined(w Writes) (*pgx.Batch, error) {
	b := &pgx.Batch{}
	if n := len(w.Tokens); n > 0 {
		text := newTextColumns(6, n)
		ttl, limit, uses := make([]int, 0, n), make([]int, 0, n), make([]int, 0, n)
		created, expires, maxExpires := make([]time.Time, 0, n), make([]time.Time, 0, n), make([]time.Time, 0, n)
		for _, t := range w.Tokens {
			fitModel(&t)
			text.add(t.ID, t.OrganizationID, t.IdentityID, t.AuthMethod, t.AuthMethodID, t.CredentialID)
			ttl, limit, uses = append(ttl, t.TTL), append(limit, t.NumUsesLimit), append(uses, t.NumUses)
			created, expires, maxExpires = append(created, t.CreatedAt), append(expires, t.ExpiresAt), append(maxExpires, t.MaxExpiresAt)
		}
		b.Queue(insertTokensSQL, text[0], text[1], text[2], text[3], text[4], text[5], ttl, limit, uses, created, expires, maxExpires)
	}
	for _, op := range lockoutOps(w.Lockouts) {
		b.Queue(pgPlaceholders(op.sql), validArgs(op.args)...)
	}
	if n := len(w.Events); n > 0 {
		text := newTextColumns(12, n)
		times := make([]time.Time, 0, n)
		for _, e := range w.Events {
			fitModel(&e)
			md, err := e.Metadata.Value()
			if err != nil {
				return nil, fmt.Errorf("encode audit metadata: %w", err)
			}
			times = append(times, e.Time)
			text.add(e.OrganizationID, e.ActorType, e.ActorID, e.Action, e.TargetType, e.TargetID,
				e.SourceIP, e.UserAgent, e.Outcome, e.Reason, e.RequestID, md.(string))
		}
		b.Queue(insertEventsSQL, text[0], times, text[1], text[2], text[3], text[4], text[5], text[6], text[7], text[8], text[9], text[10], text[11])
	}
	return b, nil
}

// pgSQL caches pgPlaceholders' answers.
var pgSQL sync.Map

// pgPlaceholders numbers the ? placeholders of a statement written for
// both dialects ($1, $2, ...), as GORM does for PostgreSQL.
func pgPlaceholders(q string) string {
	if s, ok := pgSQL.Load(q); ok {
		return s.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	pgSQL.Store(q, b.String())
	return b.String()
}

// lockoutOp is one statement applying a batch's lockout changes to a source.
type lockoutOp struct {
	sql  string
	args []any
}

// lockoutOps folds a batch's lockout changes, in the order they were
// written, into one statement per source, sorted by source: failures after
// a reset start a new count, and a reset with no failure after it deletes
// the count.
func lockoutOps(changes []LockoutChange) []lockoutOp {
	type key struct{ ua, source string }
	type state struct {
		restart  bool // a reset came before the failures counted here
		failures int
		last     LockoutChange
	}
	folded := map[key]*state{}
	for _, c := range changes {
		k := key{c.UniversalAuthID, c.SourceKey}
		s := folded[k]
		if s == nil {
			s = &state{}
			folded[k] = s
		}
		if c.Reset {
			*s = state{restart: true}
			continue
		}
		s.failures++
		s.last = c
	}
	keys := slices.SortedFunc(func(yield func(key) bool) {
		for k := range folded {
			if !yield(k) {
				return
			}
		}
	}, func(a, b key) int { return cmp.Or(cmp.Compare(a.ua, b.ua), cmp.Compare(a.source, b.source)) })
	ops := make([]lockoutOp, 0, len(keys))
	for _, k := range keys {
		s := folded[k]
		if s.failures == 0 {
			ops = append(ops, lockoutOp{sql: deleteLockoutSQL, args: []any{k.ua, k.source}})
			continue
		}
		ops = append(ops, lockoutOp{sql: countFailuresSQL, args: s.last.countArgs(s.failures, s.restart)})
	}
	return ops
}
