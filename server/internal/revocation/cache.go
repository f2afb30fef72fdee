// Package revocation keeps every replica's view of revoked tokens current:
// revocations are rows in the shared database, polled a few times a second
// and checked in memory on each request.
package revocation

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
)

// Ref names something whose revocation kills the tokens issued under it.
type Ref struct {
	Kind string
	ID   string
}

// DefaultMaxEntries bounds the revocations held in memory unless the server
// is told otherwise (about 12 MiB). Past the bound the oldest are forgotten
// and the floor rises to the newest one forgotten: a token issued at or
// before the floor is refused, as if revoked, and its client logs in again.
// Failing closed keeps memory flat however many revocations a year of token
// lifetimes piles up, at the cost of early re-logins only on servers that
// revoke more than this many times within their tokens' lifetimes.
const DefaultMaxEntries = 200000

// key is a Ref as the cache holds it, without an allocation of its own: a
// UUID (every ID the server makes) as its 16 bytes, any other ID as the
// first 16 bytes of its SHA-256. Two IDs sharing a key could only make a
// token refused, never accepted.
type key struct {
	kind byte
	id   [16]byte
}

var kindCodes = map[string]byte{store.RevokeToken: 1, store.RevokeIdentity: 2, store.RevokeAuthMethod: 3, store.RevokeCredential: 4}

func keyOf(r Ref) key {
	k := key{kind: kindCodes[r.Kind]}
	if u, err := uuid.Parse(r.ID); err == nil && k.kind != 0 {
		k.id = u
		return k
	}
	// An unknown kind (written by a newer replica) keeps its name in the hash.
	sum := sha256.Sum256([]byte(r.Kind + "\x00" + r.ID))
	copy(k.id[:], sum[:])
	return k
}

// overlap re-reads recent rows on each poll, because rows committed out of
// ID order by concurrent transactions would otherwise be missed.
const overlap = 30 * time.Second

// Cache answers "is this token revoked?" without a database round trip.
type Cache struct {
	db  *gorm.DB
	now func() time.Time

	mu      sync.RWMutex
	revoked map[key]entry
	seen    map[int64]time.Time
	floor   time.Time
	max     int
}

// New returns an empty cache holding at most maxEntries revocations
// (DefaultMaxEntries when 0); call Load before serving and Run to keep it
// current.
func New(db *gorm.DB, now func() time.Time, maxEntries int) *Cache {
	if maxEntries == 0 {
		maxEntries = DefaultMaxEntries
	}
	return &Cache{db: db, now: now, revoked: map[key]entry{}, seen: map[int64]time.Time{}, max: maxEntries}
}

// entry is a reference's latest revocation and how long it must be kept,
// in Unix nanoseconds.
type entry struct{ at, keep int64 }

// expiryMargin keeps a revocation a little past the expiry of the tokens it
// kills, for replicas whose clocks run behind.
const expiryMargin = time.Minute

// keepUntil is when r stops mattering: its tokens' expiry when recorded,
// else the maximum token lifetime after it.
func keepUntil(r store.Revocation) time.Time {
	if r.ExpiresAt != nil {
		return r.ExpiresAt.Add(expiryMargin)
	}
	return r.RevokedAt.Add(time.Duration(api.MaxTokenTTL) * time.Second)
}

// Load reads every revocation that can still matter: tokens live at most
// the maximum token TTL.
func (c *Cache) Load(ctx context.Context) error {
	return c.poll(ctx, c.now().Add(-time.Duration(api.MaxTokenTTL)*time.Second))
}

// pruneEvery spaces the walks over every entry that drop expired ones:
// each holds the lock that every authenticated request reads under.
const pruneEvery = 10 * time.Second

// Run polls every interval until ctx ends.
func (c *Cache) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.poll(ctx, c.now().Add(-overlap)); err != nil && ctx.Err() == nil {
				slog.Warn("poll revocations", "error", err)
			}
			if time.Since(pruned) >= pruneEvery {
				c.prune()
				pruned = time.Now()
			}
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
		c.addLocked(r)
	}
	return nil
}

// Add applies a revocation this replica just committed, so that it takes
// effect here before the next poll.
func (c *Cache) Add(r store.Revocation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addLocked(r)
}

func (c *Cache) addLocked(r store.Revocation) {
	if !r.RevokedAt.After(c.floor) {
		return // the floor already refuses every token it could revoke
	}
	keep := keepUntil(r)
	if keep.Before(c.now()) {
		return // every token it could kill has expired
	}
	k, e := keyOf(Ref{Kind: r.Kind, ID: r.RefID}), entry{at: r.RevokedAt.UnixNano(), keep: keep.UnixNano()}
	if prev, ok := c.revoked[k]; ok {
		e = entry{at: max(e.at, prev.at), keep: max(e.keep, prev.keep)}
	}
	c.revoked[k] = e
	if len(c.revoked) > c.max {
		c.forgetOldestLocked()
	}
}

// forgetOldestLocked drops the oldest tenth of the revocations and raises
// the floor to the newest of them.
func (c *Cache) forgetOldestLocked() {
	times := make([]int64, 0, len(c.revoked))
	for _, e := range c.revoked {
		times = append(times, e.at)
	}
	slices.Sort(times)
	cut := times[len(times)/10]
	for k, e := range c.revoked {
		if e.at <= cut {
			delete(c.revoked, k)
		}
	}
	if floor := time.Unix(0, cut).UTC(); floor.After(c.floor) {
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
		if e, ok := c.revoked[keyOf(r)]; ok && issuedAt.UnixNano() <= e.at {
			return true
		}
	}
	return false
}

func (c *Cache) prune() {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, at := range c.seen {
		if at.Before(now.Add(-2 * overlap)) {
			delete(c.seen, id)
		}
	}
	for k, e := range c.revoked {
		if e.keep < now.UnixNano() {
			delete(c.revoked, k)
		}
	}
}
