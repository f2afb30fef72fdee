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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// maxChunk is the most rows one INSERT of a batch carries. A batch is cut
// into chunks of 64, 32, ..., 1 rows, so that every statement has one of
// seven shapes per table: prepared once on each flusher's connection and
// executed from the cache ever after. Sent unprepared, PostgreSQL parsed
// and planned every batch's statement anew, which cost it more CPU than
// inserting the rows (2.3 times the CPU of the prepared statement for a
// batch of 16 logins); prepared per exact size, every batch size was a
// statement cached on every connection.
const maxChunk = 64

var tokenColumns = []string{"id", "organization_id", "identity_id", "auth_method", "auth_method_id",
	"credential_id", "ttl", "num_uses_limit", "num_uses", "created_at", "expires_at", "max_expires_at"}

var eventColumns = []string{"organization_id", "time", "actor_type", "actor_id", "action", "target_type", "target_id",
	"source_ip", "user_agent", "outcome", "reason", "request_id", "metadata"}

// insertSQL caches the INSERT of n rows into a table, by table and n.
var insertSQL sync.Map

func insertStatement(table string, cols []string, rows int) string {
	key := table + "/" + strconv.Itoa(rows)
	if s, ok := insertSQL.Load(key); ok {
		return s.(string)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(",")
		}
		b.WriteString("(")
		for c := range cols {
			if c > 0 {
				b.WriteString(",")
			}
			n++
			b.WriteString("$" + strconv.Itoa(n))
		}
		b.WriteString(")")
	}
	insertSQL.Store(key, b.String())
	return b.String()
}

// chunks calls fn for consecutive runs of n items, each of a power-of-two
// length of at most maxChunk.
func chunks(n int, fn func(from, to int)) {
	for i := 0; i < n; {
		k := maxChunk
		for k > n-i {
			k /= 2
		}
		fn(i, i+k)
		i += k
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
	batch := pipelined(w)
	err := p.conn.Raw(func(dc any) error {
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

// pgRows is the arguments of a request's rows, laid out as the INSERTs of
// a batch take them. The request's goroutine builds them before it queues
// its writes, so that the one flusher, whose every microsecond every
// waiting request waits for, only concatenates them.
type pgRows struct {
	tokens []any // len(tokenColumns) per row
	events []any // len(eventColumns) per row
}

func pgRowsOf(w *Writes) (pgRows, error) {
	var r pgRows
	if len(w.Tokens) > 0 {
		r.tokens = make([]any, 0, len(w.Tokens)*len(tokenColumns))
	}
	for _, t := range w.Tokens {
		fitModel(&t)
		r.tokens = append(r.tokens, t.ID, t.OrganizationID, t.IdentityID, t.AuthMethod, t.AuthMethodID, t.CredentialID,
			t.TTL, t.NumUsesLimit, t.NumUses, t.CreatedAt, t.ExpiresAt, t.MaxExpiresAt)
	}
	if len(w.Events) > 0 {
		r.events = make([]any, 0, len(w.Events)*len(eventColumns))
	}
	for _, e := range w.Events {
		fitModel(&e)
		md, err := e.Metadata.Value()
		if err != nil {
			return pgRows{}, fmt.Errorf("encode audit metadata: %w", err)
		}
		r.events = append(r.events, e.OrganizationID, e.Time, e.ActorType, e.ActorID, e.Action, e.TargetType, e.TargetID,
			e.SourceIP, e.UserAgent, e.Outcome, e.Reason, e.RequestID, md)
	}
	r.tokens, r.events = validArgs(r.tokens), validArgs(r.events)
	return r, nil
}

// pipelined is a batch's statements: its access tokens, its lockout
// changes (keys in order, so that concurrent batches lock the same rows in
// the same order), then its audit events.
func pipelined(w Writes) *pgx.Batch {
	b := &pgx.Batch{}
	queueRows(b, "access_tokens", tokenColumns, w.pg.tokens)
	for _, op := range lockoutOps(w.Lockouts) {
		b.Queue(pgPlaceholders(op.sql), validArgs(op.args)...)
	}
	queueRows(b, "audit_events", eventColumns, w.pg.events)
	return b
}

// queueRows queues the INSERTs of args' rows into table.
func queueRows(b *pgx.Batch, table string, cols []string, args []any) {
	chunks(len(args)/len(cols), func(from, to int) {
		b.Queue(insertStatement(table, cols, to-from), args[from*len(cols):to*len(cols)]...)
	})
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
