// Package signedtoken is the verification core of every auth method that
// exchanges a signed token (OIDC, JWT, GCP, Azure): parsing with an
// allow-list of asymmetric algorithms, keys from cached key sets (JWKS,
// discovery documents, Google's certificates, static PEM keys), time
// checks with leeway, issuer and audience, and the claim bindings and
// claim metadata of OIDC and JWT auth.
//
// Refusals are login.Refused errors whose public part names the
// check that failed, never a configured value; the audit reason says more.
package signedtoken

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
	"github.com/idplane/idplane/server/internal/store/dbtext"
)

// Algorithms are the only signature algorithms accepted: asymmetric ones.
// "none" and every HMAC algorithm are refused by the parser, before any
// key is looked at.
var Algorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.EdDSA,
}

// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
const DefaultLeeway = 60 * time.Second

// maxCandidateKeys bounds the keys tried for a token without a key ID.
const maxCandidateKeys = 16

// Options configure a Verifier.
type Options struct {
	Policy outbound.Policy
	Leeway time.Duration
	Now    func() time.Time
}

// Verifier verifies signed tokens and caches the key sets it fetched. It
// is shared by every method and safe for concurrent use.
type Verifier struct {
	policy outbound.Policy
	leeway time.Duration
	now    func() time.Time

	verified verifiedCache

	mu          sync.Mutex
	remotes     map[string]*Remote
	discoveries map[string]*discovery
	statics     map[string]Static
}

// New returns a Verifier.
func New(o Options) *Verifier {
	if o.Leeway <= 0 {
		o.Leeway = DefaultLeeway
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Verifier{policy: o.Policy, leeway: o.Leeway, now: o.Now, verified: newVerifiedCache(),
		remotes: map[string]*Remote{}, discoveries: map[string]*discovery{}, statics: map[string]Static{}}
}

// Now is the verifier's clock.
func (v *Verifier) Now() time.Time { return v.now() }

// Remote returns the cached key set at url, fetched with a client that
// trusts caPEM (or the policy's roots) and decoded with decode.
func (v *Verifier) Remote(url, caPEM string, decode Decoder) (*Remote, error) {
	key := cacheKey("keys", url, caPEM)
	v.mu.Lock()
	defer v.mu.Unlock()
	if r, ok := v.remotes[key]; ok {
		return r, nil
	}
	c, err := v.policy.Client(caPEM)
	if err != nil {
		return nil, err
	}
	if len(v.remotes) >= registryMax {
		clear(v.remotes)
	}
	r := &Remote{url: url, client: c, decode: decode, now: v.now}
	v.remotes[key] = r
	return r, nil
}

// Static returns the key set of the given PEM public keys, parsed once.
func (v *Verifier) Static(pems []string) (Static, error) {
	key := cacheKey("static", strings.Join(pems, "\x00"), "")
	v.mu.Lock()
	s, ok := v.statics[key]
	v.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := StaticFromPEM(pems)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if len(v.statics) >= registryMax {
		clear(v.statics)
	}
	v.statics[key] = s
	v.mu.Unlock()
	return s, nil
}

// Expect is what a token must satisfy besides its signature and times.
type Expect struct {
	// Issuers: iss must be one of them; empty checks nothing.
	Issuers []string
	// Audiences: aud must contain one of them; empty accepts only tokens
	// without an audience.
	Audiences []string
	// AnyAudience skips the audience check (the method checks it itself).
	AnyAudience bool
	// MaxLifetime, when set, refuses tokens that expire later than this
	// after now (GCP IAM: a stolen token must not be usable for long).
	MaxLifetime time.Duration
}

// Token is a verified token.
type Token struct {
	Header jose.Header
	jwt.Claims
	// Raw holds every claim, for bindings and metadata.
	Raw map[string]any
}

// CheckSize refuses a token over api.MaxLoginJWTBytes, before anything
// else looks at it.
func CheckSize(raw string) error {
	if len(raw) > api.MaxLoginJWTBytes {
		return login.Refused(fmt.Sprintf("the token is larger than %d bytes", api.MaxLoginJWTBytes),
			fmt.Sprintf("token of %d bytes refused", len(raw)))
	}
	return nil
}

func refused(public, format string, args ...any) error {
	return login.Refused(public, public+": "+fmt.Sprintf(format, args...))
}

// Verify checks raw's signature against ks, its times, issuer and audience.
func (v *Verifier) Verify(ctx context.Context, raw string, ks KeySet, exp Expect) (*Token, error) {
	if err := CheckSize(raw); err != nil {
		return nil, err
	}
	out, err := v.signed(ctx, raw, ks)
	if err != nil {
		return nil, err
	}
	if err := v.checkTimes(out, exp); err != nil {
		return nil, err
	}
	if len(exp.Issuers) > 0 && !slices.Contains(exp.Issuers, out.Issuer) {
		return nil, refused("issuer does not match", "iss %q", dbtext.Truncate(out.Issuer, 256))
	}
	if !exp.AnyAudience {
		if err := checkAudience(out.Audience, exp.Audiences); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// signed parses raw and checks its signature against ks, or finds it
// verified before by a key ks still offers.
func (v *Verifier) signed(ctx context.Context, raw string, ks KeySet) (*Token, error) {
	sum := sha256.Sum256([]byte(raw))
	now := v.now()
	if t, ok := v.verified.get(sum, now, func(kid string) []jose.JSONWebKey {
		keys, _ := ks.Keys(ctx, kid)
		return keys
	}); ok {
		return t, nil
	}
	tok, err := jwt.ParseSigned(raw, Algorithms)
	if err != nil {
		return nil, refused("the token is not a JWT signed with an allowed algorithm (RS, PS or ES 256-512, EdDSA)", "%v", err)
	}
	h := tok.Headers[0]
	keys, err := ks.Keys(ctx, h.KeyID)
	if err != nil {
		return nil, refused("the identity provider's keys could not be fetched", "%v", err)
	}
	if len(keys) == 0 {
		return nil, refused("unknown signing key", "no key with kid %q", dbtext.Truncate(h.KeyID, 64))
	}
	if len(keys) > maxCandidateKeys {
		keys = keys[:maxCandidateKeys]
	}
	out := &Token{Header: h}
	for _, k := range keys {
		if !usable(k, h.Algorithm) {
			continue
		}
		if err := tok.Claims(publicKey(k), &out.Claims, &out.Raw); err == nil {
			if out.Expiry != nil {
				v.verified.put(sum, out, publicKey(k), now, out.Expiry.Time().Add(v.leeway))
			}
			return out, nil
		}
	}
	return nil, refused("the signature does not verify", "no key of kid %q and alg %s verifies the signature", dbtext.Truncate(h.KeyID, 64), h.Algorithm)
}

func (v *Verifier) checkTimes(t *Token, exp Expect) error {
	if t.Expiry == nil {
		return refused("the token has no exp", "exp claim missing")
	}
	now := v.now()
	err := t.Claims.ValidateWithLeeway(jwt.Expected{Time: now}, v.leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return refused("the token expired", "exp %s, now %s", t.Expiry.Time().UTC().Format(time.RFC3339), now.Format(time.RFC3339))
	case errors.Is(err, jwt.ErrNotValidYet):
		return refused("the token is not valid yet", "nbf %s, now %s", t.NotBefore.Time().UTC().Format(time.RFC3339), now.Format(time.RFC3339))
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return refused("the token was issued in the future", "iat %s, now %s", t.IssuedAt.Time().UTC().Format(time.RFC3339), now.Format(time.RFC3339))
	case err != nil:
		return refused("the token's claims are invalid", "%v", err)
	}
	if exp.MaxLifetime > 0 && t.Expiry.Time().After(now.Add(exp.MaxLifetime+v.leeway)) {
		return refused("the token lives too long", "exp %s is more than %s after now", t.Expiry.Time().UTC().Format(time.RFC3339), exp.MaxLifetime)
	}
	return nil
}

func checkAudience(aud jwt.Audience, want []string) error {
	if len(want) == 0 {
		if len(aud) > 0 {
			return refused("audience does not match", "the token has audience %q and the method binds none", dbtext.Truncate(strings.Join(aud, ","), 256))
		}
		return nil
	}
	for _, a := range aud {
		if slices.Contains(want, a) {
			return nil
		}
	}
	return refused("audience does not match", "aud %q", dbtext.Truncate(strings.Join(aud, ","), 256))
}

// publicKey returns the verification key of k.
func publicKey(k jose.JSONWebKey) any {
	if k.IsPublic() {
		return k.Key
	}
	return k.Public().Key
}
