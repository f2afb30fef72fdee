// Package methodtest helps unit-test auth method verifiers in their own
// packages, without the core: an in-memory methodconfig.Core, a check of
// refusals, and a local identity provider with a verifier that trusts it.
package methodtest

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
)

// Core is an in-memory methodconfig.Core: a clock that stands still at
// Clock and a map of spent proofs.
type Core struct {
	Clock time.Time
	mu    sync.Mutex
	used  map[string]time.Time
}

var _ methodconfig.Core = (*Core)(nil)

// NewCore returns a Core whose clock stands at the current time.
func NewCore() *Core { return &Core{Clock: time.Now().UTC(), used: map[string]time.Time{}} }

// Now implements methodconfig.Core.
func (c *Core) Now() time.Time { return c.Clock }

// Used implements methodconfig.Core.
func (c *Core) Used(_ context.Context, proof []byte) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.used[string(proof)]
	return ok, nil
}

// UseOnce implements methodconfig.Core.
func (c *Core) UseOnce(_ context.Context, proof []byte, until time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.used[string(proof)]; ok {
		return login.ErrProofUsed
	}
	c.used[string(proof)] = until
	return nil
}

// Spent returns the proofs spent, each with when it may be forgotten.
func (c *Core) Spent() map[string]time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.used)
}

// Refused fails t unless err is a login refusal whose public part says
// public.
func Refused(t testing.TB, err error, public string) {
	t.Helper()
	var le *login.Error
	if public == "" || !errors.As(err, &le) || !strings.Contains(le.Public, public) {
		t.Fatalf("got %v, want a refusal saying %q", err, public)
	}
}

// IdP starts a local identity provider and a token verifier that trusts it.
func IdP(t testing.TB) (*idptest.IdP, *signedtoken.Verifier) {
	t.Helper()
	idp := idptest.New(t)
	return idp, signedtoken.New(signedtoken.Options{Policy: outbound.Policy{AllowInternal: true, Roots: idp.CertPool()}})
}
