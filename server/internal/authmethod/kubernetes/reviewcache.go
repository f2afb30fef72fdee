package kubernetes

import (
	"crypto/sha256"
	"time"

	authv1 "k8s.io/api/authentication/v1"

	"github.com/idplane/idplane/server/internal/expiring"
)

// reviewCacheMax bounds the reviews remembered.
const reviewCacheMax = 8192

// reviewCache remembers, for a while, the API server's answer to a
// TokenReview that authenticated a token, as kube-apiserver's own webhook
// token authenticator does (two minutes there): a pod presents the same
// projected token on every login until the kubelet rotates it, and each
// review was an HTTPS round trip to the API server. A token is reviewed
// again once ttl has passed, so a deleted service account or pod stops
// logging in within ttl; the bindings (namespaces, names, audience) are
// judged on every login. Only authenticated answers are kept: a refused
// token is reviewed every time. The key covers everything the review was
// asked with: the API server, its CA, the reviewer's JWT, the audience and
// the token.
type reviewCache struct {
	ttl time.Duration
	now func() time.Time
	m   *expiring.Map[[sha256.Size]byte, authv1.TokenReviewStatus]
}

func newReviewCache(ttl time.Duration) *reviewCache {
	return &reviewCache{ttl: ttl, now: time.Now, m: expiring.New[[sha256.Size]byte, authv1.TokenReviewStatus](reviewCacheMax)}
}

// reviewKey is the SHA-256 of what a review of jwt under cfg is asked with.
func reviewKey(cfg config, jwt string) [sha256.Size]byte {
	h := sha256.New()
	reviewer := ""
	if v := cfg.ReviewerJWT.Value; v != nil {
		reviewer = *v
	}
	for _, s := range []string{cfg.KubernetesHost, cfg.KubernetesCACertificate, reviewer, cfg.AllowedAudience, jwt} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

func (c *reviewCache) get(key [sha256.Size]byte) (authv1.TokenReviewStatus, bool) {
	if c.ttl <= 0 {
		return authv1.TokenReviewStatus{}, false
	}
	return c.m.Get(key, c.now())
}

func (c *reviewCache) put(key [sha256.Size]byte, status authv1.TokenReviewStatus) {
	if c.ttl <= 0 || !status.Authenticated {
		return
	}
	now := c.now()
	c.m.Put(key, status, now, now.Add(c.ttl))
}
