package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/store"
)

// How idempotent creates keep their answers (api.HeaderIdempotencyKey).
const (
	// idempotencyTTL is how long an answer is replayed.
	idempotencyTTL = 24 * time.Hour
	// idempotencyLease is how long a claim without an answer holds its key
	// before a retry may take it over: longer than any create takes, short
	// enough that a retry after a server crash goes through.
	idempotencyLease = 30 * time.Second
	// idempotencyFinishTimeout bounds storing the answer or releasing the
	// key, which happens even when the client has gone away.
	idempotencyFinishTimeout = 5 * time.Second
)

// idempotentClaim is a create sent with an Idempotency-Key.
type idempotentClaim struct {
	store *store.Store
	keys  *secret.Keys
	org   string
	key   string
	hash  []byte
}

// idempotentRequest returns nil when the request carries no
// Idempotency-Key, else its claim, not yet made. The request is identified
// by a SHA-256 of the caller, method, path and body, so a retry must repeat
// all of them; another identity of the organization reusing the key gets a
// 422, never the first caller's answer. The body is read here and put back
// for decoding.
func (s *Server) idempotentRequest(c *Ctx) (*idempotentClaim, error) {
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
	return &idempotentClaim{store: s.store, keys: s.keys, org: c.Caller.OrgID(), key: key, hash: h.Sum(nil)}, nil
}

// claim takes the key for this request and returns nil, or returns the
// first answer to replay.
func (cl *idempotentClaim) claim(ctx context.Context) ([]byte, error) {
	stored, err := cl.store.ClaimIdempotencyKey(ctx, cl.org, cl.key, cl.hash, time.Now().UTC(), idempotencyTTL, idempotencyLease)
	if err != nil || stored == nil {
		return nil, err
	}
	answer, err := cl.keys.Decrypt(stored.Response, cl.aad())
	if err != nil {
		return nil, fmt.Errorf("replay idempotent answer: %w", err)
	}
	return answer, nil
}

// aad binds a stored answer to its organization and key.
func (cl *idempotentClaim) aad() string { return "idempotency-key:" + cl.org + ":" + cl.key }

// finish stores the answer, encrypted (a client secret's answer holds the
// secret), or releases the key when the request failed so that a retry runs
// it again. A failure to store is logged: the object exists, and a retry
// after the lease runs the request again.
func (cl *idempotentClaim) finish(ctx context.Context, status int, out any, failed error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), idempotencyFinishTimeout)
	defer cancel()
	var err error
	if failed != nil {
		err = cl.store.ReleaseIdempotencyKey(ctx, cl.org, cl.key)
	} else {
		var answer, sealed []byte
		if answer, err = json.Marshal(out); err == nil {
			if sealed, err = cl.keys.Encrypt(answer, cl.aad()); err == nil {
				err = cl.store.FinishIdempotencyKey(ctx, cl.org, cl.key, status, sealed)
			}
		}
	}
	if err != nil {
		slog.ErrorContext(ctx, "idempotency key not settled", "organization_id", cl.org, "error", err)
	}
}
