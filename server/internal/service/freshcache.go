package service

import (
	"sync"
	"time"
)

// freshFor is how long a replica reuses what it read for authorization: an
// identity's permissions, a project found by ID or slug, an environment. It
// is the promise the login caches make: a change made through another
// replica takes effect here within a second; one made through this replica
// takes effect at once (invalidate).
const freshFor = time.Second

// freshMax bounds each cache; past it the cache starts over, which costs one
// lookup per key and nothing else.
const freshMax = 10_000

type freshEntry[V any] struct {
	v          V
	from, till time.Time
	gen        uint64
}

// freshCache remembers values for at most freshFor, each valid in a window
// [from, till) of its own. Invalidate forgets everything, and a value read
// before an invalidation is never stored after it: a reader takes the
// generation before it reads (get returns it) and put refuses a stale one.
type freshCache[K comparable, V any] struct {
	mu  sync.Mutex
	gen uint64
	m   map[K]freshEntry[V]
}

func newFreshCache[K comparable, V any]() *freshCache[K, V] {
	return &freshCache[K, V]{m: map[K]freshEntry[V]{}}
}

// get returns the value of k valid at at, or, when there is none, the
// generation to hand to put with the value read now.
func (c *freshCache[K, V]) get(k K, at time.Time) (V, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if ok && e.gen == c.gen && !at.Before(e.from) && at.Before(e.till) {
		return e.v, 0, true
	}
	var zero V
	return zero, c.gen, false
}

// put stores v, read at from under generation gen, valid until till (at
// most freshFor after from).
func (c *freshCache[K, V]) put(k K, v V, gen uint64, from, till time.Time) {
	if limit := from.Add(freshFor); till.IsZero() || till.After(limit) {
		till = limit
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= freshMax {
		clear(c.m)
	}
	c.m[k] = freshEntry[V]{v: v, from: from, till: till, gen: gen}
}

// invalidate forgets every value, and any being read.
func (c *freshCache[K, V]) invalidate() {
	c.mu.Lock()
	c.gen++
	clear(c.m)
	c.mu.Unlock()
}
