// Package expiring is a bounded map whose entries expire: what the auth
// methods remember of a workload's proof (a verified token, an API
// server's review) for a while.
package expiring

import (
	"sync"
	"time"
)

// Map holds at most max entries, each until its own time. Past max,
// expired entries go first; if none has expired the map starts over,
// which costs the work the entries saved and nothing else. It is safe for
// concurrent use.
type Map[K comparable, V any] struct {
	max int

	mu sync.Mutex
	m  map[K]entry[V]
}

type entry[V any] struct {
	v     V
	until time.Time
}

// New returns an empty Map of at most max entries.
func New[K comparable, V any](max int) *Map[K, V] {
	return &Map[K, V]{max: max, m: map[K]entry[V]{}}
}

// Get returns k's value if it has not expired at now.
func (c *Map[K, V]) Get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if !ok || !now.Before(e.until) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put keeps v for k until until.
func (c *Map[K, V]) Put(k K, v V, now, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[k] = entry[V]{v: v, until: until}
}

// Len is the number of entries, expired ones included.
func (c *Map[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
