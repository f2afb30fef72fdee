package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"
)

// Writes is what one request wants made durable alongside others: rows to
// insert and use counters to bump. It carries no reads, so many requests'
// writes can share one transaction and one commit.
type Writes struct {
	Tokens     []AccessToken
	Events     []AuditEvent
	SecretUses []string // client secret IDs whose unlimited use counter grows by one
}

type batchJob struct {
	w    Writes
	done chan error
}

// GroupCommit turns many concurrent small writes into few transactions: the
// login path's token and audit rows are durable when Write returns, yet a
// commit (and its fsync) is shared by every login waiting at that moment.
type GroupCommit struct {
	db      *gorm.DB
	jobs    chan batchJob
	maxRows int
	wg      sync.WaitGroup
	closeMu sync.RWMutex
	closed  bool
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("group commit closed")

// NewGroupCommit starts workers flushers; each commits up to maxRows rows at a time.
func NewGroupCommit(db *gorm.DB, workers, maxRows int) *GroupCommit {
	g := &GroupCommit{db: db, jobs: make(chan batchJob, 4096), maxRows: maxRows}
	for range workers {
		g.wg.Add(1)
		go g.run()
	}
	return g
}

// Write makes w durable and returns once it is committed (or failed).
func (g *GroupCommit) Write(ctx context.Context, w Writes) error {
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
	if !g.closed {
		g.closed = true
		close(g.jobs)
	}
	g.closeMu.Unlock()
	g.wg.Wait()
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
		err := g.flush(batch)
		for _, j := range batch {
			j.done <- err
		}
	}
}

func (w *Writes) size() int { return len(w.Tokens) + len(w.Events) + len(w.SecretUses) }

func (g *GroupCommit) flush(batch []batchJob) error {
	var (
		tokens []AccessToken
		events []AuditEvent
		uses   = map[string]int{}
	)
	for _, j := range batch {
		tokens = append(tokens, j.w.Tokens...)
		events = append(events, j.w.Events...)
		for _, id := range j.w.SecretUses {
			uses[id]++
		}
	}
	err := g.db.Transaction(func(tx *gorm.DB) error {
		if len(tokens) > 0 {
			if err := tx.CreateInBatches(tokens, 500).Error; err != nil {
				return fmt.Errorf("insert access tokens: %w", err)
			}
		}
		if len(events) > 0 {
			if err := tx.CreateInBatches(events, 500).Error; err != nil {
				return fmt.Errorf("insert audit events: %w", err)
			}
		}
		for id, n := range uses {
			if err := tx.Exec(`UPDATE client_secrets SET num_uses = num_uses + ? WHERE id = ?`, n, id).Error; err != nil {
				return fmt.Errorf("count client secret uses: %w", err)
			}
		}
		return nil
	})
	return err
}
