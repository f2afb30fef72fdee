package signedtoken

import (
	"context"
	"sync"
	"time"
)

// gate is the fetch discipline of one cached remote document (a key set,
// a discovery document):
//
//   - one fetch at a time, shared by every login that needs it: a login
//     arriving while a fetch is in flight waits for that fetch (or for its
//     own context), never for a queue of fetches, so no login waits
//     longer than the outbound timeout;
//   - at most one attempt per minRefetch: within minRefetch of the last
//     attempt its outcome is reused, so a document that fails (an error
//     status, a hang, a body that does not decode) is fetched and parsed
//     at most once per minRefetch however many logins need it, and an
//     unknown key ID cannot make the server refetch more often.
type gate struct {
	mu     sync.Mutex
	tried  time.Time // start of the last attempt
	err    error     // its outcome; nil when it succeeded
	flight *flight   // the attempt in progress, if any
}

type flight struct {
	done chan struct{}
	err  error
}

// do runs fetch unless an attempt is in flight (then it waits for that
// one) or the last one started less than minRefetch before now (then it
// returns that one's outcome). fetch runs detached from ctx's
// cancellation, so a login that gives up does not fail the others waiting
// for the same fetch; the outbound client's timeout bounds it.
func (g *gate) do(ctx context.Context, now time.Time, fetch func(context.Context) error) error {
	g.mu.Lock()
	f := g.flight
	if f == nil {
		if !g.tried.IsZero() && now.Sub(g.tried) < minRefetch {
			err := g.err
			g.mu.Unlock()
			return err
		}
		f = &flight{done: make(chan struct{})}
		g.flight, g.tried = f, now
		go func() {
			err := fetch(context.WithoutCancel(ctx))
			g.mu.Lock()
			f.err, g.err, g.flight = err, err, nil
			g.mu.Unlock()
			close(f.done)
		}()
	}
	g.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}
