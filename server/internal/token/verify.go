package token

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/go-jose/go-jose/v4"
)

// Sentinel errors returned (wrapped) by Verify. Their messages never contain the token.
var (
	ErrMalformed     = errors.New("token: malformed")
	ErrBadSignature  = errors.New("token: bad signature")
	ErrExpired       = errors.New("token: expired")
	ErrInvalidClaims = errors.New("token: invalid claims")
)

const (
	// iatSkew tolerates replicas whose clocks run slightly behind the issuer.
	iatSkew = 5 * time.Second
	// maxTokenLen bounds the work an unauthenticated caller can cause.
	maxTokenLen = 8 << 10
	// maxCached bounds the memory held by verified tokens (about 5 MiB).
	maxCached = 10_000
)

type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit"`
	B64  json.RawMessage `json:"b64"`
}

// Verify checks raw's signature, issuer and lifetime at now and returns its claims. Errors
// wrap ErrMalformed, ErrBadSignature, ErrExpired or ErrInvalidClaims.
//
// Clients present the same token on many requests, so the result of the signature check is
// cached per exact token string; the time checks run on every call.
func (s *Signer) Verify(raw string, now time.Time) (Claims, error) {
	k := cacheKeyOf(raw)
	c, cached := s.cache.get(k)
	if !cached {
		var err error
		if c, err = s.verifySignature(raw); err != nil {
			return Claims{}, err
		}
	}
	if err := checkTimes(c, now); err != nil {
		return Claims{}, err
	}
	if !cached {
		s.cache.put(k, c, now)
	}
	c.TrustedIPs = slices.Clone(c.TrustedIPs)
	c.Metadata = maps.Clone(c.Metadata)
	return c, nil
}

// verifySignature parses and authenticates the token without go-jose, whose generic JWS
// handling decodes the header twice through reflection-based JSON maps; this path runs on
// every request that misses the cache.
func (s *Signer) verifySignature(raw string) (Claims, error) {
	if len(raw) > maxTokenLen {
		return Claims{}, fmt.Errorf("%w: too long", ErrMalformed)
	}
	headerB64, rest, ok1 := strings.Cut(raw, ".")
	payloadB64, sigB64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return Claims{}, fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	var h header
	if err := decodeSegment(headerB64, &h); err != nil {
		return Claims{}, fmt.Errorf("%w: bad header", ErrMalformed)
	}
	// Pinning the algorithm rules out "none" and HMAC algorithm-confusion tokens.
	if h.Alg != string(jose.EdDSA) {
		return Claims{}, fmt.Errorf("%w: algorithm is not EdDSA", ErrMalformed)
	}
	if h.Crit != nil || h.B64 != nil {
		return Claims{}, fmt.Errorf("%w: unsupported header extension", ErrMalformed)
	}
	pub, ok := s.public[h.Kid]
	if !ok {
		return Claims{}, fmt.Errorf("%w: unknown key id", ErrBadSignature)
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigB64)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Claims{}, fmt.Errorf("%w: bad signature encoding", ErrMalformed)
	}
	if !ed25519.Verify(pub, []byte(raw[:len(headerB64)+1+len(payloadB64)]), sig) {
		return Claims{}, fmt.Errorf("%w: signature does not verify", ErrBadSignature)
	}

	var w wireClaims
	if err := decodeSegment(payloadB64, &w); err != nil {
		return Claims{}, fmt.Errorf("%w: bad claims", ErrMalformed)
	}
	if w.TokenID == "" || w.IdentityID == "" || w.IssuedAt == 0 || w.ExpiresAt == 0 {
		return Claims{}, fmt.Errorf("%w: missing required claim", ErrMalformed)
	}
	if w.Issuer != s.issuer {
		return Claims{}, fmt.Errorf("%w: unexpected issuer", ErrInvalidClaims)
	}
	return w.claims(), nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func checkTimes(c Claims, now time.Time) error {
	if !now.Before(c.ExpiresAt) {
		return fmt.Errorf("%w: past exp", ErrExpired)
	}
	if !c.MaxExpiresAt.IsZero() && !now.Before(c.MaxExpiresAt) {
		return fmt.Errorf("%w: past max_exp", ErrExpired)
	}
	if c.IssuedAt.After(now.Add(iatSkew)) {
		return fmt.Errorf("%w: issued in the future", ErrInvalidClaims)
	}
	return nil
}

func (w *wireClaims) claims() Claims {
	c := Claims{
		TokenID:        w.TokenID,
		IdentityID:     w.IdentityID,
		OrganizationID: w.OrganizationID,
		AuthMethod:     w.AuthMethod,
		AuthMethodID:   w.AuthMethodID,
		CredentialID:   w.CredentialID,
		IssuedAt:       time.Unix(w.IssuedAt, 0).UTC(),
		ExpiresAt:      time.Unix(w.ExpiresAt, 0).UTC(),
		NumUsesLimit:   w.NumUsesLimit,
		TrustedIPs:     w.TrustedIPs,
		Metadata:       w.Metadata,
		Issuer:         w.Issuer,
	}
	if w.MaxExpiresAt != 0 {
		c.MaxExpiresAt = time.Unix(w.MaxExpiresAt, 0).UTC()
	}
	return c
}

// verifiedCache maps the SHA-256 of token strings whose signature and
// issuer were verified to their claims. Only genuine tokens get in, so its
// size is bounded by what this service issued; keying by the hash keeps a
// token's 700-odd bytes out of it, and a token that is not the one cached
// cannot share its key.
type verifiedCache struct {
	mu sync.RWMutex
	m  map[cacheKey]Claims
}

type cacheKey [sha256.Size]byte

// cacheKeyOf hashes raw where it lies: converting it to []byte copied the
// token's 700-odd bytes on every request. Sum256 only reads its argument.
func cacheKeyOf(raw string) cacheKey {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(raw), len(raw)))
}

func (vc *verifiedCache) get(k cacheKey) (Claims, bool) {
	vc.mu.RLock()
	defer vc.mu.RUnlock()
	c, ok := vc.m[k]
	return c, ok
}

// put adds a verified token. A full cache first drops expired tokens, then
// a tenth of the others (map order is random), so it stays at its bound
// rather than being emptied and every live token verified again at once.
func (vc *verifiedCache) put(k cacheKey, c Claims, now time.Time) {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if len(vc.m) >= maxCached {
		for old, v := range vc.m {
			if checkTimes(v, now) != nil {
				delete(vc.m, old)
			}
		}
		for old := range vc.m {
			if len(vc.m) < maxCached*9/10 {
				break
			}
			delete(vc.m, old)
		}
	}
	vc.m[k] = c
}
