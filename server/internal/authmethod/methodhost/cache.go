package methodhost

import (
	"sync"
	"time"

	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/revocation"
	"github.com/idplane/idplane/server/internal/service"
)

// loginCacheTTL is how long a login reuses a configuration it read.
const loginCacheTTL = time.Second

// loginCacheMax bounds the cache; past it the cache starts over, which
// costs one query per identity and nothing else.
const loginCacheMax = 10000

type cached[C any] struct {
	cfg  methodconfig.Config[C]
	read time.Time
}

// loginCache holds configurations read by logins, per identity.
type loginCache[C any] struct {
	mu sync.Mutex
	m  map[string]cached[C]
}

func newLoginCache[C any]() *loginCache[C] {
	return &loginCache[C]{m: map[string]cached[C]{}}
}

// get returns the identity's configuration when it was read within the TTL
// and the method has not been revoked since.
func (lc *loginCache[C]) get(identityID string, now time.Time, revokedSince func(time.Time, ...revocation.Ref) bool) (methodconfig.Config[C], bool) {
	lc.mu.Lock()
	e, ok := lc.m[identityID]
	lc.mu.Unlock()
	if !ok || now.Sub(e.read) >= loginCacheTTL || now.Before(e.read) {
		return methodconfig.Config[C]{}, false
	}
	if revokedSince(e.read, revocation.Ref{Kind: service.RevokeIdentity, ID: e.cfg.IdentityID},
		revocation.Ref{Kind: service.RevokeAuthMethod, ID: e.cfg.ID}) {
		lc.evict(identityID)
		return methodconfig.Config[C]{}, false
	}
	return e.cfg, true
}

func (lc *loginCache[C]) put(identityID string, cfg methodconfig.Config[C], now time.Time) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if len(lc.m) >= loginCacheMax {
		clear(lc.m)
	}
	lc.m[identityID] = cached[C]{cfg: cfg, read: now}
}

func (lc *loginCache[C]) evict(identityID string) {
	lc.mu.Lock()
	delete(lc.m, identityID)
	lc.mu.Unlock()
}
