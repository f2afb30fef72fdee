package signedtoken

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
	"github.com/idplane/idplane/server/internal/store/dbtext"
)

// Cache periods of fetched documents: Cache-Control's max-age, within
// these bounds; minRefetch spaces refetches for an unknown key ID, so a
// flood of forged tokens cannot turn the server into a load generator
// against the identity provider.
const (
	minCache     = 5 * time.Minute
	maxCache     = 24 * time.Hour
	defaultCache = time.Hour
	minRefetch   = 10 * time.Second
	// staleGrace is how long keys stay usable past their cache period while
	// the provider cannot be reached: logins survive a short IdP outage.
	staleGrace = time.Hour
)

// KeySet finds the keys that may have signed a token.
type KeySet interface {
	// Keys returns the keys with ID kid (every key when kid is empty). An
	// error means the keys could not be obtained at all.
	Keys(ctx context.Context, kid string) ([]jose.JSONWebKey, error)
}

// cachePeriod reads max-age from Cache-Control, clamped.
func cachePeriod(h http.Header) time.Duration {
	for _, part := range strings.Split(h.Get("Cache-Control"), ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(name, "max-age") {
			continue
		}
		secs, err := strconv.Atoi(strings.Trim(val, `"`))
		if err != nil {
			break
		}
		return min(max(time.Duration(secs)*time.Second, minCache), maxCache)
	}
	return defaultCache
}

// Decoder turns a fetched document into keys.
type Decoder func(body []byte) ([]jose.JSONWebKey, error)

// DecodeJWKS reads a JSON Web Key Set. Keys that cannot verify a
// signature here (a type, curve or size go-jose does not support, missing
// members, a use other than "sig") are skipped, as RFC 7517 section 5
// says, so one encryption or future key does not break every login; a set
// whose keys are all skipped is an error.
func DecodeJWKS(body []byte) ([]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	keys := make([]jose.JSONWebKey, 0, len(set.Keys))
	var skipped []string
	for i, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			skipped = append(skipped, fmt.Sprintf("key %d: %v", i, err))
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			skipped = append(skipped, fmt.Sprintf("key %d: use %q", i, dbtext.Truncate(k.Use, 16)))
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 && len(skipped) > 0 {
		return nil, fmt.Errorf("no usable key in the set (%s)", strings.Join(skipped[:min(len(skipped), 4)], "; "))
	}
	return keys, nil
}

// DecodeX509Map reads Google's service-account certificate format: a JSON
// object of key ID to PEM certificate.
func DecodeX509Map(body []byte) ([]jose.JSONWebKey, error) {
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("not a JSON object of key ID to PEM certificate: %w", err)
	}
	out := make([]jose.JSONWebKey, 0, len(m))
	for kid, p := range m {
		certs, err := api.ParseCertificatesPEM(p)
		if err != nil || len(certs) != 1 {
			return nil, fmt.Errorf("key %q is not one PEM certificate", kid)
		}
		out = append(out, jose.JSONWebKey{Key: certs[0].PublicKey, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"})
	}
	return out, nil
}

// Remote is a key set fetched from a URL and cached.
type Remote struct {
	url    string
	client *http.Client
	decode Decoder
	now    func() time.Time

	gate    gate
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetched time.Time // of the keys held
	expires time.Time
	fetches atomic.Int64
}

// Fetches counts the fetches made, successful or not.
func (r *Remote) Fetches() int64 { return r.fetches.Load() }

// Keys implements KeySet. The keys held serve while fresh; past their
// cache period, or for an unknown kid, the set is fetched again through
// the gate (one fetch in flight, at most one attempt per minRefetch), and
// while the provider fails the keys held keep serving for staleGrace.
func (r *Remote) Keys(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	if keys, fresh, _ := r.lookup(kid, r.now()); fresh && len(keys) > 0 {
		return keys, nil
	}
	err := r.gate.do(ctx, r.now(), r.fetch)
	keys, _, usable := r.lookup(kid, r.now())
	if err != nil && !usable {
		return nil, err
	}
	return keys, nil
}

// lookup returns the held keys matching kid, whether the set is within its
// cache period, and whether it is within the grace period after that.
func (r *Remote) lookup(kid string, now time.Time) (keys []jose.JSONWebKey, fresh, usable bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.keys {
		if kid == "" || k.KeyID == kid {
			keys = append(keys, k)
		}
	}
	held := !r.fetched.IsZero()
	return keys, held && now.Before(r.expires), held && now.Before(r.expires.Add(staleGrace))
}

func (r *Remote) fetch(ctx context.Context) error {
	r.fetches.Add(1)
	now := r.now()
	res, err := outbound.Get(ctx, r.client, r.url)
	if err != nil {
		return fmt.Errorf("fetch keys: %w", err)
	}
	keys, err := r.decode(res.Body)
	if err != nil {
		return fmt.Errorf("keys at %s: %w", r.url, err)
	}
	r.mu.Lock()
	r.keys, r.fetched, r.expires = keys, now, now.Add(cachePeriod(res.Header))
	r.mu.Unlock()
	return nil
}

// Static is a fixed key set: JWT auth's configured public keys.
type Static []jose.JSONWebKey

// Keys implements KeySet.
func (s Static) Keys(_ context.Context, kid string) ([]jose.JSONWebKey, error) {
	if kid == "" {
		return s, nil
	}
	var out []jose.JSONWebKey
	for _, k := range s {
		// A PEM key has no ID: it may have signed any token.
		if k.KeyID == "" || k.KeyID == kid {
			out = append(out, k)
		}
	}
	return out, nil
}

// StaticFromPEM builds a Static key set from PEM public keys or certificates.
func StaticFromPEM(pems []string) (Static, error) {
	out := make(Static, 0, len(pems))
	for i, p := range pems {
		k, err := api.ParsePublicKeyPEM(p)
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", i, err)
		}
		out = append(out, jose.JSONWebKey{Key: k, Use: "sig"})
	}
	return out, nil
}

// registryMax bounds the number of cached key sets and discovery documents.
const registryMax = 4096

// cacheKey identifies a fetched document by URL and trusted CA.
func cacheKey(kind, url, caPEM string) string {
	h := sha256.Sum256([]byte(caPEM))
	return fmt.Sprintf("%s\x00%s\x00%x", kind, url, h[:8])
}
