// Package revocation keeps every replica's view of revoked tokens current:
// revocations are rows in the shared database, polled a few times a second
// and checked in memory on each request.
package revocation

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
)

// Ref names something whose revocation kills the tokens issued under it.
type Ref struct {
	Kind string
	ID   string
}

// MaxEntries bounds the revocations held in memory. Past it the oldest are
// forgotten and the floor rises to the newest one forgotten: a token issued
// at or before the floor is refused, as if revoked, and its client logs in
// again. Failing closed keeps memory flat however many revocations a year of
// token lifetimes piles up, at the cost of early re-logins only on servers
// that revoke more than this many times within their tokens' lifetimes.
const MaxEntries = 200000

// overlap re-reads recent rows on each poll, because rows committed out of
// ID order by concurrent transactions would otherwise be missed.
const overlap = 30 * time.Second

// Cache answers "is this token revoked?" without a database round trip.
type Cache struct {
	db  *gorm.DB
	now func() time.Time

	mu      sync.RWMutex
	revoked map[Ref]time.Time
	seen    map[int64]time.Time
	floor   time.Time
	max     int
}

// New returns an empty cache; call Load before serving and Run to keep it current.
func New(db *gorm.DB, now func() time.Time) *Cache {
	return &Cache{db: db, now: now, revoked: map[Ref]time.Time{}, seen: map[int64]time.Time{}, max: MaxEntries}
}

// Load reads every revocation that can still matter: tokens live at most
// the maximum token TTL.
func (c *Cache) Load(ctx context.Context) error {
	return c.poll(ctx, c.now().Add(-time.Duration(api.MaxTokenTTL)*time.Second))
}

// Run polls every interval until ctx ends.
func (c *Cache) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.poll(ctx, c.now().Add(-overlap)); err != nil && ctx.Err() == nil {
				slog.Warn("poll revocations", "error", err)
			}
			c.prune()
		}
	}
}

func (c *Cache) poll(ctx context.Context, since time.Time) error {
	var rows []store.Revocation
	if err := c.db.WithContext(ctx).Where("revoked_at >= ?", since).Find(&rows).Error; err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rows {
		if _, ok := c.seen[r.ID]; ok {
			continue
		}
		c.seen[r.ID] = r.RevokedAt
		c.addLocked(Ref{Kind: r.Kind, ID: r.RefID}, r.RevokedAt)
	}
	return nil
}

// Add applies a revocation this replica just committed, so that it takes
// effect here before the next poll.
func (c *Cache) Add(r store.Revocation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addLocked(Ref{Kind: r.Kind, ID: r.RefID}, r.RevokedAt)
}

func (c *Cache) addLocked(ref Ref, at time.Time) {
	if !at.After(c.floor) {
		return // the floor already refuses every token it could revoke
	}
	if prev, ok := c.revoked[ref]; !ok || at.After(prev) {
		c.revoked[ref] = at
	}
	if len(c.revoked) > c.max {
		c.forgetOldestLocked()
	}
}

// forgetOldestLocked drops the oldest tenth of the revocations and raises
// the floor to the newest of them.
func (c *Cache) forgetOldestLocked() {
	times := make([]time.Time, 0, len(c.revoked))
	for _, at := range c.revoked {
		times = append(times, at)
	}
	slices.SortFunc(times, time.Time.Compare)
	floor := times[len(times)/10]
	for ref, at := range c.revoked {
		if !at.After(floor) {
			delete(c.revoked, ref)
		}
	}
	if floor.After(c.floor) {
		slog.Warn("revocation cache full: tokens issued before the floor are refused and their clients log in again",
			"entries", len(c.revoked), "floor", floor)
		c.floor = floor
	}
}

// Revoked reports whether a token issued at issuedAt under refs is revoked.
func (c *Cache) Revoked(issuedAt time.Time, refs ...Ref) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.floor.IsZero() && !issuedAt.After(c.floor) {
		return true
	}
	for _, r := range refs {
		if r.ID == "" {
			continue
		}
		if at, ok := c.revoked[r]; ok && !issuedAt.After(at) {
			return true
		}
	}
	return false
}

func (c *Cache) prune() {
	horizon := c.now().Add(-time.Duration(api.MaxTokenTTL) * time.Second)
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, at := range c.seen {
		if at.Before(c.now().Add(-2 * overlap)) {
			delete(c.seen, id)
		}
	}
	for ref, at := range c.revoked {
		if at.Before(horizon) {
			delete(c.revoked, ref)
		}
	}
}
