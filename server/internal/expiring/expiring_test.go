package expiring

import (
	"testing"
	"time"
)

func TestExpiresAndStaysBounded(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	m := New[int, string](4)
	m.Put(1, "one", now, now.Add(time.Second))
	if v, ok := m.Get(1, now); !ok || v != "one" {
		t.Fatalf("Get = %q, %v", v, ok)
	}
	if _, ok := m.Get(1, now.Add(time.Second)); ok {
		t.Fatal("an entry was returned at its expiry")
	}
	// Full: the expired entries go first.
	m.Put(2, "two", now, now.Add(time.Hour))
	m.Put(3, "three", now, now.Add(time.Hour))
	m.Put(4, "four", now, now.Add(time.Hour))
	m.Put(5, "five", now.Add(time.Minute), now.Add(time.Hour))
	if n := m.Len(); n != 4 {
		t.Fatalf("%d entries, want the 3 live ones and the new one", n)
	}
	// Full of live entries: it starts over.
	m.Put(6, "six", now.Add(time.Minute), now.Add(time.Hour))
	if n := m.Len(); n != 1 {
		t.Fatalf("%d entries after starting over, want 1", n)
	}
	if _, ok := m.Get(6, now.Add(time.Minute)); !ok {
		t.Fatal("the newest entry is missing")
	}
}
