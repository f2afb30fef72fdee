package universalhost

import (
	"sync"
	"time"

	"github.com/idplane/idplane/server/internal/authmethod/universal"
	"github.com/idplane/idplane/server/internal/revocation"
	"github.com/idplane/idplane/server/internal/service"
)

// loginCacheTTL bounds how stale a cached login row may be. It matches the
// promise that revocations reach every replica within a second; revocations
// themselves are checked on every hit, and this replica's own changes and
// failed logins evict at once.
const loginCacheTTL = time.Second

// loginCacheMax bounds memory: past it the cache starts over.
const loginCacheMax = 10_000

// loginKey is what the login query depends on besides the client ID.
type loginKey struct{ prefix, source string }

type loginEntry struct {
	rows      []universal.LoginRow
	fetchedAt time.Time
}

// loginCache remembers, for about a second, what the login query returned
// for a client ID, secret prefix and source, so that a busy workload's logins
// cost no SELECT, nor do refusals that change nothing. Only clean rows are
// kept: a source with failures on record, or a use-limited secret, always
// goes to the database.
type loginCache struct {
	mu sync.Mutex
	m  map[string]map[loginKey]loginEntry // by client ID
	n  int
}

func newLoginCache() *loginCache { return &loginCache{m: map[string]map[loginKey]loginEntry{}} }

// get returns the rows cached for k unless they are older than the TTL or
// anything they describe was revoked since they were read.
func (c *loginCache) get(clientID string, k loginKey, now time.Time, revokedSince func(time.Time, ...revocation.Ref) bool) ([]universal.LoginRow, bool) {
	c.mu.Lock()
	e, ok := c.m[clientID][k]
	c.mu.Unlock()
	if !ok || now.Sub(e.fetchedAt) >= loginCacheTTL {
		return nil, false
	}
	if len(e.rows) == 0 {
		return nil, true
	}
	ua := e.rows[0]
	refs := []revocation.Ref{{Kind: service.RevokeAuthMethod, ID: ua.UaID}, {Kind: service.RevokeIdentity, ID: ua.IdentityID}}
	for _, r := range e.rows {
		if r.CsID != nil {
			refs = append(refs, revocation.Ref{Kind: service.RevokeCredential, ID: *r.CsID})
		}
	}
	if revokedSince(e.fetchedAt, refs...) {
		c.evict(clientID)
		return nil, false
	}
	return e.rows, true
}

// put keeps rows that are safe to reuse: no lockout state for the source
// and no use-limited secret among them. No rows (an unknown client ID) is
// kept too: a universal auth created on this replica evicts its client ID,
// and one created on another is known here within loginCacheTTL.
func (c *loginCache) put(clientID string, k loginKey, rows []universal.LoginRow, now time.Time) {
	if len(rows) > 0 && rows[0].LoFailures != nil {
		return
	}
	for _, r := range rows {
		if r.CsNumUsesLimit != nil && *r.CsNumUsesLimit > 0 {
			return
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n >= loginCacheMax {
		c.m, c.n = map[string]map[loginKey]loginEntry{}, 0
	}
	byKey := c.m[clientID]
	if byKey == nil {
		byKey = map[loginKey]loginEntry{}
		c.m[clientID] = byKey
	}
	if _, ok := byKey[k]; !ok {
		c.n++
	}
	byKey[k] = loginEntry{rows: rows, fetchedAt: now}
}

// evictSource forgets a client ID's entries for one source, after a failed
// login from there: its lockout count changed, and nothing else did, so a
// guesser at one address does not send every other client of the ID to
// the database.
func (c *loginCache) evictSource(clientID, source string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m[clientID] {
		if k.source == source {
			delete(c.m[clientID], k)
			c.n--
		}
	}
}

// evict forgets every entry of a client ID, after a change to its universal
// auth.
func (c *loginCache) evict(clientID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n -= len(c.m[clientID])
	delete(c.m, clientID)
}
