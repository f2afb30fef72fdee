package signedtoken

import (
	"crypto"
	"crypto/sha256"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/idplane/idplane/server/internal/expiring"
)

// verifiedMax bounds the tokens remembered.
const verifiedMax = 8192

// verifiedCache remembers the tokens whose signature verified, by the
// SHA-256 of their bytes, with the key that verified each. Workloads
// present the same token many times (a pod's projected token, a CI job's
// ID token, until they expire), and parsing it and checking its signature
// was a third of an OIDC login's CPU. A remembered token skips both only
// while the key that verified it is still among the keys the login's key
// set offers for its key ID, so a key removed from a JWKS stops its tokens
// at the next refresh as before; times, issuer, audience and every binding
// are checked on each login. Envoy's jwt_authn caches verified tokens the
// same way. Only verified tokens are kept: a forged one costs a signature
// check every time, as it did.
type verifiedCache struct {
	m *expiring.Map[[sha256.Size]byte, verifiedToken]
}

type verifiedToken struct {
	token *Token
	key   crypto.PublicKey
}

func newVerifiedCache() verifiedCache {
	return verifiedCache{m: expiring.New[[sha256.Size]byte, verifiedToken](verifiedMax)}
}

// get returns the token of sum if it was verified by one of keys.
func (c verifiedCache) get(sum [sha256.Size]byte, now time.Time, keys func(kid string) []jose.JSONWebKey) (*Token, bool) {
	e, ok := c.m.Get(sum, now)
	if !ok {
		return nil, false
	}
	for _, k := range keys(e.token.Header.KeyID) {
		if usable(k, e.token.Header.Algorithm) && samePublicKey(publicKey(k), e.key) {
			t := *e.token
			return &t, true
		}
	}
	return nil, false
}

// put remembers t, verified by key, until until.
func (c verifiedCache) put(sum [sha256.Size]byte, t *Token, key crypto.PublicKey, now, until time.Time) {
	c.m.Put(sum, verifiedToken{token: t, key: key}, now, until)
}

// usable reports whether k may verify a token signed with alg: a key is
// used only with the algorithm its JWK declares, and only for signatures.
func usable(k jose.JSONWebKey, alg string) bool {
	return (k.Algorithm == "" || k.Algorithm == alg) && (k.Use == "" || k.Use == "sig") && (k.IsPublic() || k.Valid())
}

func samePublicKey(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}
