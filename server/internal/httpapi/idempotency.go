package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
)

// How idempotent creates keep their answers (api.HeaderIdempotencyKey).
const (
	// idempotencyTTL is how long an answer is replayed.
	idempotencyTTL = 24 * time.Hour
	// idempotencyLookupTimeout bounds looking up the answer that won over a
	// failed request, which happens even when the client has gone away.
	idempotencyLookupTimeout = 5 * time.Second
)

// testHookAfterCommit, when set by a test, runs after an idempotent create
// committed and before its answer is written to the client: a test makes
// the server "die" there.
var testHookAfterCommit atomic.Pointer[func()]

// idempotentCreate is a create sent with an Idempotency-Key: nothing is
// written for it but its answer, in the create's own transaction.
type idempotentCreate struct {
	store *store.Store
	keys  *secret.Keys
	org   string
	key   string
	hash  []byte
}

// idempotentRequest returns nil when the request carries no
// Idempotency-Key, else the create it identifies. The request is identified
// by a SHA-256 of the caller, method, path and body, so a retry must repeat
// all of them; another identity of the organization reusing the key gets a
// 422, never the first caller's answer. The body is read here and put back
// for decoding.
func (s *Server) idempotentRequest(c *Ctx) (*idempotentCreate, error) {
	req := c.Request()
	key := req.Header.Get(api.HeaderIdempotencyKey)
	if key == "" {
		return nil, nil
	}
	if err := api.ValidateIdempotencyKey(key); err != nil {
		return nil, fieldError(api.HeaderIdempotencyKey, "%s", err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, api.NewProblem(http.StatusBadRequest, api.CodeValidation, "request body could not be read")
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", c.Caller.Claims.IdentityID, req.Method, req.URL.Path)
	h.Write(body)
	return &idempotentCreate{store: s.store, keys: s.keys, org: c.Caller.OrgID(), key: key, hash: h.Sum(nil)}, nil
}

// stored returns the first answer to replay, nil when the request is to
// run (no answer is stored under its key, or only an expired one).
func (ic *idempotentCreate) stored(ctx context.Context) ([]byte, error) {
	stored, err := ic.store.IdempotentAnswer(ctx, ic.org, ic.key, ic.hash, time.Now().UTC())
	if err != nil || stored == nil {
		return nil, err
	}
	answer, err := ic.keys.Decrypt(stored.Response, ic.aad())
	if err != nil {
		return nil, fmt.Errorf("replay idempotent answer: %w", err)
	}
	return answer, nil
}

// aad binds a stored answer to its organization and key.
func (ic *idempotentCreate) aad() string { return "idempotency-key:" + ic.org + ":" + ic.key }

// commit stores the answer, encrypted (a client secret's answer holds the
// secret), in the transaction held for the request's change, and commits
// both: a crash or an outage between the change and its answer cannot
// leave an object that a retry creates again, and a request that died
// before its commit leaves nothing behind, not even a claim on its key.
func (ic *idempotentCreate) commit(ctx context.Context, held *service.HeldCommit, status int, out any) error {
	answer, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode idempotent answer: %w", err)
	}
	sealed, err := ic.keys.Encrypt(answer, ic.aad())
	if err != nil {
		return fmt.Errorf("seal idempotent answer: %w", err)
	}
	return held.Commit(ctx, func(tx *gorm.DB) error {
		return store.StoreIdempotentAnswer(tx, ic.org, ic.key, ic.hash, status, sealed, time.Now().UTC(), idempotencyTTL)
	})
}

// failed looks for the answer of another request with the same key that
// committed while this one ran (two retries at once, the second failing on
// the first one's object or answer): that answer is the one to give. It
// returns nil when there is none, and the request's own error stands.
func (ic *idempotentCreate) failed(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), idempotencyLookupTimeout)
	defer cancel()
	return ic.stored(ctx)
}
