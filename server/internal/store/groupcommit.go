package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Writes is what one request wants made durable alongside others: rows to
// insert, lockout counts to change and use counters to bump. It carries no
// reads, so many requests' writes can share one transaction and one commit.
type Writes struct {
	Tokens     []AccessToken
	Events     []AuditEvent
	Lockouts   []LockoutChange
	SecretUses []string // client secret IDs whose unlimited use counter grows by one

	pg pgRows // Tokens' and Events' arguments, on PostgreSQL
}

// usesFlushInterval is how often use counters of unlimited client secrets
// are written. They are informational (limited secrets are counted
// atomically at login), and writing them with every batch made concurrent
// batches queue on one hot row.
const usesFlushInterval = time.Second

type batchJob struct {
	w    Writes
	done chan error
}

// GroupCommit turns many concurrent small writes into few transactions: the
// login path's token and audit rows are durable when Write returns, yet a
// commit (and its fsync) is shared by every login waiting at that moment.
type GroupCommit struct {
	db *gorm.DB
	// writers, on PostgreSQL, hold a connection per flusher on which each
	// batch is one pipelined round trip.
	writers chan *pgWriter
	jobs    chan batchJob
	maxRows int
	wg      sync.WaitGroup
	closeMu sync.RWMutex
	closed  bool

	observe CommitObserver

	usesMu sync.Mutex
	uses   map[string]int
	stop   chan struct{}
	usesWG sync.WaitGroup
}

// CommitObserver is told of every batch committed: how many requests'
// writes it made durable together and how long its flush took (from
// taking the batch to its commit, retries after a conflict included; not
// the time its requests queued before).
type CommitObserver func(requests int, took time.Duration)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("group commit closed")

// NewGroupCommit starts workers flushers; each commits up to maxRows rows
// at a time, and tells observe (if not nil) of each batch committed.
func NewGroupCommit(st *Store, workers, maxRows int, observe CommitObserver) *GroupCommit {
	g := &GroupCommit{db: st.DB, jobs: make(chan batchJob, 4096), maxRows: maxRows, observe: observe, uses: map[string]int{}, stop: make(chan struct{})}
	for range workers {
		g.wg.Add(1)
		go g.run()
	}
	if st.Dialect == Postgres {
		sqlDB, _ := st.DB.DB()
		g.writers = make(chan *pgWriter, workers)
		for range workers {
			g.writers <- &pgWriter{db: sqlDB}
		}
	}
	g.usesWG.Go(g.flushUsesPeriodically)
	return g
}

// Write makes w durable and returns once it is committed (or failed).
func (g *GroupCommit) Write(ctx context.Context, w Writes) error {
	if g.writers != nil {
		rows, err := pgRowsOf(&w)
		if err != nil {
			return err
		}
		w.pg = rows
	}
	g.closeMu.RLock()
	if g.closed {
		g.closeMu.RUnlock()
		return ErrClosed
	}
	job := batchJob{w: w, done: make(chan error, 1)}
	g.jobs <- job
	g.closeMu.RUnlock()
	select {
	case err := <-job.done:
		return err
	case <-ctx.Done():
		// The write still happens; only the caller stops waiting.
		return ctx.Err()
	}
}

// Close flushes what is queued and stops the workers.
func (g *GroupCommit) Close() {
	g.closeMu.Lock()
	wasClosed := g.closed
	if !g.closed {
		g.closed = true
		close(g.jobs)
	}
	g.closeMu.Unlock()
	g.wg.Wait()
	if !wasClosed {
		close(g.stop)
		g.usesWG.Wait()
		for range cap(g.writers) {
			(<-g.writers).close()
		}
	}
}

func (g *GroupCommit) flushUsesPeriodically() {
	t := time.NewTicker(usesFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			g.flushUses()
			return
		case <-t.C:
			g.flushUses()
		}
	}
}

// flushUses writes the accumulated counters; on failure they are kept for
// the next round.
func (g *GroupCommit) flushUses() {
	g.usesMu.Lock()
	pending := g.uses
	g.uses = map[string]int{}
	g.usesMu.Unlock()
	if len(pending) == 0 {
		return
	}
	err := g.db.Transaction(func(tx *gorm.DB) error {
		for id, n := range pending {
			if err := tx.Exec(`UPDATE client_secrets SET num_uses = num_uses + ? WHERE id = ?`, n, id).Error; err != nil {
				return fmt.Errorf("count client secret uses: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		slog.Warn("write client secret use counters", "error", err)
		g.usesMu.Lock()
		for id, n := range pending {
			g.uses[id] += n
		}
		g.usesMu.Unlock()
	}
}

func (g *GroupCommit) run() {
	defer g.wg.Done()
	for first := range g.jobs {
		batch := []batchJob{first}
		rows := first.w.size()
	collect:
		for rows < g.maxRows {
			select {
			case j, ok := <-g.jobs:
				if !ok {
					break collect
				}
				batch = append(batch, j)
				rows += j.w.size()
			default:
				break collect
			}
		}
		g.answer(batch, g.flush(batch))
	}
}

// answer gives every job of a flushed batch its outcome. A batch that
// failed for a reason other than an unreachable database or a conflict
// that outlived its retries is flushed again job by job, so that a row the
// database refuses (a duplicate key, say) fails only its own job and never
// the other requests that happened to share its batch.
func (g *GroupCommit) answer(batch []batchJob, err error) {
	if err != nil && len(batch) > 1 && !Unavailable(err) && !Conflict(err) {
		for _, j := range batch {
			j.done <- g.flush([]batchJob{j})
		}
		return
	}
	for _, j := range batch {
		j.done <- err
	}
}

func (w *Writes) size() int {
	return len(w.Tokens) + len(w.Events) + len(w.Lockouts) + len(w.SecretUses)
}

func (g *GroupCommit) flush(batch []batchJob) error {
	start := time.Now()
	// Each writer takes its own form of the rows: PostgreSQL's flusher the
	// arguments the requests laid out, SQLite's transaction the models.
	var all Writes
	for _, j := range batch {
		all.Lockouts = append(all.Lockouts, j.w.Lockouts...)
		if g.writers != nil {
			all.pg.tokens = append(all.pg.tokens, j.w.pg.tokens...)
			all.pg.events = append(all.pg.events, j.w.pg.events...)
			continue
		}
		all.Tokens = append(all.Tokens, j.w.Tokens...)
		all.Events = append(all.Events, j.w.Events...)
	}
	var err error
	// A batch that lost a deadlock (with a migration altering these tables,
	// or another batch counting the same sources' failures) or a
	// serialization conflict was rolled back whole: run it again.
	for attempt := 1; ; attempt++ {
		err = g.write(context.Background(), all)
		if err == nil || attempt == maxFlushAttempts || !Conflict(err) {
			break
		}
		time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	if g.observe != nil {
		g.observe(len(batch), time.Since(start))
	}
	g.usesMu.Lock()
	for _, j := range batch {
		for _, id := range j.w.SecretUses {
			g.uses[id]++
		}
	}
	g.usesMu.Unlock()
	return nil
}

// write makes w's rows and lockout changes durable in one transaction.
func (g *GroupCommit) write(ctx context.Context, w Writes) error {
	if len(w.Tokens)+len(w.Events)+len(w.Lockouts)+len(w.pg.tokens)+len(w.pg.events) == 0 {
		return nil
	}
	if g.writers != nil {
		p := <-g.writers
		defer func() { g.writers <- p }()
		return p.write(ctx, w)
	}
	return g.insertInTransaction(w)
}

func (g *GroupCommit) insertInTransaction(w Writes) error {
	return g.db.Transaction(func(tx *gorm.DB) error {
		if len(w.Tokens) > 0 {
			if err := tx.CreateInBatches(w.Tokens, 500).Error; err != nil {
				return fmt.Errorf("insert access tokens: %w", err)
			}
		}
		for _, op := range lockoutOps(w.Lockouts) {
			if err := tx.Exec(op.sql, op.args...).Error; err != nil {
				return fmt.Errorf("count failed logins: %w", err)
			}
		}
		if len(w.Events) > 0 {
			if err := tx.CreateInBatches(w.Events, 500).Error; err != nil {
				return fmt.Errorf("insert audit events: %w", err)
			}
		}
		return nil
	})
}
