package service

import (
	"testing"
	"time"
)

func TestFreshCache(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	c := newFreshCache[string, int]()

	_, gen, ok := c.get("a", t0)
	if ok {
		t.Fatal("an empty cache answered")
	}
	c.put("a", 1, gen, t0, time.Time{})
	if v, _, ok := c.get("a", t0.Add(999*time.Millisecond)); !ok || v != 1 {
		t.Fatalf("within freshFor: %d, %v", v, ok)
	}
	if _, _, ok := c.get("a", t0.Add(freshFor)); ok {
		t.Fatal("a value older than freshFor answered")
	}
	if _, _, ok := c.get("a", t0.Add(-time.Millisecond)); ok {
		t.Fatal("a value answered for an instant before it was read")
	}

	c.put("b", 2, gen, t0, t0.Add(100*time.Millisecond))
	if _, _, ok := c.get("b", t0.Add(100*time.Millisecond)); ok {
		t.Fatal("a value answered past its own end (a temporary grant's edge)")
	}

	c.invalidate()
	if _, _, ok := c.get("a", t0); ok {
		t.Fatal("a value survived invalidate")
	}
	// Read before the invalidation, stored after it: refused.
	c.put("a", 3, gen, t0, time.Time{})
	if _, _, ok := c.get("a", t0); ok {
		t.Fatal("a value read before an invalidation was stored after it")
	}
	_, gen, _ = c.get("a", t0)
	c.put("a", 4, gen, t0, time.Time{})
	if v, _, ok := c.get("a", t0); !ok || v != 4 {
		t.Fatalf("after the invalidation: %d, %v", v, ok)
	}
}

func TestFreshCacheIsBounded(t *testing.T) {
	t0 := time.Now()
	c := newFreshCache[int, int]()
	for i := range 3 * freshMax {
		_, gen, _ := c.get(i, t0)
		c.put(i, i, gen, t0, time.Time{})
	}
	if n := len(c.m); n > freshMax {
		t.Fatalf("%d entries, bound %d", n, freshMax)
	}
}
