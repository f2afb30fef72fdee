package store

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// IdentityLogin is an identity's last successful login with one auth method.
type IdentityLogin struct {
	IdentityID     string `gorm:"primaryKey"`
	AuthMethod     string `gorm:"primaryKey"`
	OrganizationID string
	LastLoginAt    time.Time
}

// IdentityActivity says an identity logged in during a month ("2026-12",
// UTC): the rows of a month are its monthly active machine identities.
type IdentityActivity struct {
	Month          string `gorm:"primaryKey"`
	IdentityID     string `gorm:"primaryKey"`
	OrganizationID string
	FirstLoginAt   time.Time
	LastLoginAt    time.Time
}

// TableName keeps the table's name singular, as the migration has it.
func (IdentityActivity) TableName() string { return "identity_activity" }

// ActivityMonth is the month an instant counts in, in UTC.
func ActivityMonth(t time.Time) string { return t.UTC().Format("2006-01") }

// ActivityFlushInterval is how often a replica writes the logins it noted.
const ActivityFlushInterval = 10 * time.Second

// activityBatchRows bounds the rows of one upsert statement.
const activityBatchRows = 500

// loginKey keys noted logins; the month keeps a login just before a month
// ends counted in that month when the next login of the flush is after it.
type loginKey struct{ org, identity, method, month string }

// Activity notes successful logins in memory and writes them in batches
// (Flush; Run flushes periodically and once more when stopped), so that a
// login costs a map update, never a write of its own. Each replica keeps
// its own; the upserts only ever move a time forward, so replicas agree.
type Activity struct {
	db      *gorm.DB
	dialect string
	mu      sync.Mutex
	pending map[loginKey]time.Time
	flushMu sync.Mutex // one flush at a time, so a newer time is never overwritten by an older batch
}

// NewActivity returns an Activity writing to st.
func NewActivity(st *Store) *Activity {
	return &Activity{db: st.DB, dialect: st.Dialect, pending: map[loginKey]time.Time{}}
}

// Record notes that identity of organization org logged in with method at at.
func (a *Activity) Record(org, identity, method string, at time.Time) {
	k := loginKey{org, identity, method, ActivityMonth(at)}
	a.mu.Lock()
	if at.After(a.pending[k]) {
		a.pending[k] = at
	}
	a.mu.Unlock()
}

// Run flushes every interval until ctx ends, then flushes once more.
func (a *Activity) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := a.Flush(final); err != nil {
				slog.Warn("write login activity at shutdown", "error", err)
			}
			return
		case <-t.C:
			if err := a.Flush(ctx); err != nil {
				slog.Warn("write login activity", "error", err)
			}
		}
	}
}

// Flush writes the logins noted so far in one transaction: the last login
// per identity and auth method, and the month's activity per identity. On
// failure they are kept for the next flush.
func (a *Activity) Flush(ctx context.Context) error {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	a.mu.Lock()
	pending := a.pending
	a.pending = map[loginKey]time.Time{}
	a.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	err := a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return a.write(tx, pending) })
	if err != nil {
		a.mu.Lock()
		for k, t := range pending {
			if t.After(a.pending[k]) {
				a.pending[k] = t
			}
		}
		a.mu.Unlock()
		return fmt.Errorf("write login activity: %w", err)
	}
	return nil
}

func (a *Activity) write(tx *gorm.DB, pending map[loginKey]time.Time) error {
	// Sorted, so that replicas flushing at once lock rows in one order.
	keys := slices.SortedFunc(maps.Keys(pending), func(x, y loginKey) int {
		return cmp.Or(cmp.Compare(x.identity, y.identity), cmp.Compare(x.method, y.method), cmp.Compare(x.month, y.month))
	})
	type month struct{ month, identity string }
	active := map[month]*IdentityActivity{}
	last := map[[2]string]time.Time{}
	var logins [][]any
	for _, k := range keys {
		t := pending[k].UTC()
		m := month{k.month, k.identity}
		if x := active[m]; x == nil {
			active[m] = &IdentityActivity{Month: m.month, IdentityID: k.identity, OrganizationID: k.org, FirstLoginAt: t, LastLoginAt: t}
		} else {
			x.FirstLoginAt, x.LastLoginAt = minTime(x.FirstLoginAt, t), maxTime(x.LastLoginAt, t)
		}
		im := [2]string{k.identity, k.method}
		if prev, seen := last[im]; !seen {
			logins = append(logins, []any{k.identity, k.method, k.org, t})
		} else if t.After(prev) {
			logins[len(logins)-1][3] = t
		}
		last[im] = maxTime(last[im], t)
	}
	months := slices.SortedFunc(maps.Keys(active), func(x, y month) int {
		return cmp.Or(cmp.Compare(x.month, y.month), cmp.Compare(x.identity, y.identity))
	})
	var activity [][]any
	for _, m := range months {
		x := active[m]
		activity = append(activity, []any{x.Month, x.IdentityID, x.OrganizationID, x.FirstLoginAt, x.LastLoginAt})
	}
	if err := a.upsert(tx, "identity_logins", []string{"identity_id", "auth_method", "organization_id", "last_login_at"},
		[]string{"text", "text", "text", "timestamptz"},
		` ON CONFLICT (identity_id, auth_method) DO UPDATE SET last_login_at = excluded.last_login_at
		WHERE excluded.last_login_at > identity_logins.last_login_at`, logins); err != nil {
		return fmt.Errorf("last logins: %w", err)
	}
	if err := a.upsert(tx, "identity_activity", []string{"month", "identity_id", "organization_id", "first_login_at", "last_login_at"},
		[]string{"text", "text", "text", "timestamptz", "timestamptz"},
		` ON CONFLICT (month, identity_id) DO UPDATE SET last_login_at = excluded.last_login_at
		WHERE excluded.last_login_at > identity_activity.last_login_at`, activity); err != nil {
		return fmt.Errorf("monthly activity: %w", err)
	}
	return nil
}

// upsert inserts rows (each of the table's columns in order) or, on
// conflict, runs tail. On PostgreSQL the rows travel as one array per
// column, so every batch is the same statement, prepared once per
// connection; SQLite gets VALUES lists, activityBatchRows rows at a time.
func (a *Activity) upsert(tx *gorm.DB, table string, columns, pgTypes []string, tail string, rows [][]any) error {
	head := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") "
	if a.dialect == Postgres {
		arrays := make([]any, len(columns))
		casts := make([]string, len(columns))
		for j := range columns {
			switch rows[0][j].(type) {
			case time.Time:
				col := make([]time.Time, len(rows))
				for i, r := range rows {
					col[i] = r[j].(time.Time)
				}
				arrays[j] = col
			default:
				col := make([]string, len(rows))
				for i, r := range rows {
					col[i] = r[j].(string)
				}
				arrays[j] = col
			}
			casts[j] = "$" + strconv.Itoa(j+1) + "::" + pgTypes[j] + "[]"
		}
		// Straight to the driver: gorm would spread the slices into lists.
		_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context,
			head+"SELECT * FROM unnest("+strings.Join(casts, ", ")+")"+tail, arrays...)
		return err
	}
	for chunk := range slices.Chunk(rows, activityBatchRows) {
		var (
			b    strings.Builder
			args []any
		)
		b.WriteString(head + "VALUES ")
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
			args = append(args, r...)
		}
		b.WriteString(tail)
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
