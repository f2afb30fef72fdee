package revocation

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idplane/idplane/server/internal/dbtest"
	"github.com/idplane/idplane/server/internal/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dbtest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRevokedComparesIssueTimeWithRevocationTime(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c := New(nil, func() time.Time { return now }, 0)
	c.Add(store.Revocation{Kind: store.RevokeCredential, RefID: "cs1", RevokedAt: now})
	cs1 := Ref{Kind: store.RevokeCredential, ID: "cs1"}
	if !c.Revoked(now.Add(-time.Minute), cs1) {
		t.Error("a token issued before the revocation is still valid")
	}
	if !c.Revoked(now, cs1) {
		t.Error("a token issued in the same instant is still valid")
	}
	if c.Revoked(now.Add(time.Second), cs1) {
		t.Error("a token issued after the revocation is refused")
	}
	if c.Revoked(now.Add(-time.Minute), Ref{Kind: store.RevokeIdentity, ID: "cs1"}) {
		t.Error("a revocation of one kind applies to another kind with the same ID")
	}
	if c.Revoked(now.Add(-time.Minute), Ref{Kind: store.RevokeCredential}) {
		t.Error("an empty reference matches")
	}
	// A later revocation of the same reference moves the horizon forward, an earlier one does not move it back.
	c.Add(store.Revocation{Kind: store.RevokeCredential, RefID: "cs1", RevokedAt: now.Add(time.Hour)})
	c.Add(store.Revocation{Kind: store.RevokeCredential, RefID: "cs1", RevokedAt: now.Add(-time.Hour)})
	if !c.Revoked(now.Add(30*time.Minute), cs1) {
		t.Error("the newest revocation does not win")
	}
}

// Another replica's revocation, committed to the shared database, is seen
// by polling; rows already seen are not applied twice and old ones are pruned.
func TestPollLearnsOtherReplicasRevocations(t *testing.T) {
	st := openStore(t)
	now := time.Now().UTC()
	clock := func() time.Time { return now }
	c := New(st.DB, clock, 0)
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	tok := Ref{Kind: store.RevokeToken, ID: "t1"}
	if c.Revoked(now.Add(-time.Minute), tok) {
		t.Fatal("revoked before anything was revoked")
	}
	if err := st.DB.Create(&store.Revocation{Kind: store.RevokeToken, RefID: "t1", RevokedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, 10*time.Millisecond); close(done) }()
	deadline := time.Now().Add(2 * time.Second)
	for !c.Revoked(now.Add(-time.Minute), tok) {
		if time.Now().After(deadline) {
			t.Fatal("the poll never saw the revocation")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done

	// A year and a day later the entry can no longer matter and is pruned.
	now = now.Add(366 * 24 * time.Hour)
	c.prune()
	c.mu.RLock()
	n, seen := len(c.revoked), len(c.seen)
	c.mu.RUnlock()
	if n != 0 || seen != 0 {
		t.Errorf("after pruning: %d revocations and %d seen rows kept", n, seen)
	}
}

// A fresh replica starting up loads every revocation that can still matter.
// A revocation that records when its tokens expire is kept until then (and
// a margin for clocks behind), not for the maximum token lifetime; one
// whose tokens have all expired is not kept at all.
func TestRevocationKeptUntilItsTokensExpire(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c := New(nil, func() time.Time { return now }, 0)
	tokenExp := now.Add(time.Hour)
	c.Add(store.Revocation{Kind: store.RevokeToken, RefID: "t1", RevokedAt: now, ExpiresAt: &tokenExp})
	c.Add(store.Revocation{Kind: store.RevokeIdentity, RefID: "i1", RevokedAt: now})
	gone := now.Add(-time.Hour)
	c.Add(store.Revocation{Kind: store.RevokeToken, RefID: "t2", RevokedAt: now, ExpiresAt: &gone})
	if len(c.revoked) != 2 {
		t.Fatalf("%d revocations held, want 2: one whose tokens all expired is not needed", len(c.revoked))
	}
	t1 := Ref{Kind: store.RevokeToken, ID: "t1"}
	now = tokenExp.Add(expiryMargin - time.Second)
	c.prune()
	if !c.Revoked(tokenExp.Add(-2*time.Hour), t1) {
		t.Error("a token revocation was forgotten before its token expired plus the margin")
	}
	now = tokenExp.Add(expiryMargin + time.Second)
	c.prune()
	if _, ok := c.revoked[keyOf(t1)]; ok {
		t.Error("a token revocation is held after its token expired")
	}
	if !c.Revoked(now.Add(-2*time.Hour), Ref{Kind: store.RevokeIdentity, ID: "i1"}) {
		t.Error("a revocation without an expiry was forgotten before the maximum token lifetime")
	}
}

func TestLoadReadsHistory(t *testing.T) {
	st := openStore(t)
	now := time.Now().UTC()
	old := now.Add(-48 * time.Hour)
	if err := st.DB.Create(&store.Revocation{Kind: store.RevokeIdentity, RefID: "i1", RevokedAt: old}).Error; err != nil {
		t.Fatal(err)
	}
	c := New(st.DB, func() time.Time { return now }, 0)
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !c.Revoked(old.Add(-time.Hour), Ref{Kind: store.RevokeIdentity, ID: "i1"}) {
		t.Error("a two-day-old identity revocation was not loaded")
	}
}

// Past its bound the cache forgets its oldest revocations and refuses
// every token issued before them instead: memory stays bounded and nothing
// revoked becomes valid again.
func TestBoundedFailsClosed(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c := New(nil, func() time.Time { return t0 }, 100)
	for i := range 150 {
		c.Add(store.Revocation{Kind: store.RevokeCredential, RefID: fmt.Sprint("cs", i), RevokedAt: t0.Add(time.Duration(i) * time.Second)})
	}
	if n := len(c.revoked); n > 100 {
		t.Fatalf("%d revocations held, want at most 100", n)
	}
	for i := range 150 {
		at := t0.Add(time.Duration(i) * time.Second)
		if !c.Revoked(at, Ref{Kind: store.RevokeCredential, ID: fmt.Sprint("cs", i)}) {
			t.Fatalf("revocation %d forgotten and its token valid again", i)
		}
	}
	if !c.Revoked(t0.Add(10*time.Second), Ref{Kind: store.RevokeCredential, ID: "never-revoked"}) {
		t.Error("a token issued before the floor is accepted")
	}
	if c.Revoked(t0.Add(200*time.Second), Ref{Kind: store.RevokeCredential, ID: "never-revoked"}) {
		t.Error("a token issued after every revocation is refused")
	}
}

// A revocation held in memory costs a few dozen bytes, so the default
// bound keeps the cache around 12 MiB.
func TestEntriesAreSmall(t *testing.T) {
	const n = 100000
	now := time.Now().UTC()
	c := New(nil, func() time.Time { return now }, n)
	refs := make([]store.Revocation, n)
	for i := range refs {
		refs[i] = store.Revocation{Kind: store.RevokeIdentity, RefID: uuid.NewString(), RevokedAt: now.Add(time.Duration(i))}
	}
	before := liveHeap()
	for _, r := range refs {
		c.Add(r)
	}
	perEntry := float64(liveHeap()-before) / n
	runtime.KeepAlive(refs)
	if len(c.revoked) != n {
		t.Fatalf("%d entries held, want %d", len(c.revoked), n)
	}
	if perEntry > 80 {
		t.Errorf("%.0f bytes per revocation held, want at most 80", perEntry)
	}
	t.Logf("%.0f bytes per revocation held", perEntry)
}

func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Every authenticated request asks about four references.
func BenchmarkRevoked(b *testing.B) {
	now := time.Now().UTC()
	c := New(nil, func() time.Time { return now }, 0)
	for i := range DefaultMaxEntries {
		c.Add(store.Revocation{Kind: store.RevokeToken, RefID: uuid.NewString(), RevokedAt: now.Add(time.Duration(i))})
	}
	refs := []Ref{{Kind: store.RevokeToken, ID: uuid.NewString()}, {Kind: store.RevokeIdentity, ID: uuid.NewString()},
		{Kind: store.RevokeAuthMethod, ID: uuid.NewString()}, {Kind: store.RevokeCredential, ID: uuid.NewString()}}
	b.ReportAllocs()
	for b.Loop() {
		if c.Revoked(now, refs...) {
			b.Fatal("revoked")
		}
	}
}

// A cache at its bound under constant revocations stays the size it was:
// a map deleted from in place would keep growing.
func TestMemoryFlatAtBound(t *testing.T) {
	const bound = 10000
	t0 := time.Now().UTC()
	c := New(nil, func() time.Time { return t0 }, bound)
	n := 0
	add := func(count int) {
		for range count {
			c.Add(store.Revocation{Kind: store.RevokeCredential, RefID: uuid.NewString(), RevokedAt: t0.Add(time.Duration(n) * time.Millisecond)})
			n++
		}
	}
	add(2 * bound)
	before := liveHeap()
	add(20 * bound)
	if grown := int64(liveHeap()) - int64(before); grown > 256<<10 {
		t.Errorf("a full cache grew by %d KiB over %d more revocations", grown>>10, 20*bound)
	}
}
