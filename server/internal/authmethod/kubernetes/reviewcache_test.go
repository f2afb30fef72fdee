package kubernetes

import (
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
)

func TestReviewCacheExpires(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	c := newReviewCache(10 * time.Second)
	c.now = func() time.Time { return now }
	key := reviewKey(config{KubernetesAuthConfig: api.KubernetesAuthConfig{KubernetesHost: "https://k8s"}}, "token")
	ok := authv1.TokenReviewStatus{Authenticated: true, User: authv1.UserInfo{Username: "system:serviceaccount:ns:sa"}}
	c.put(key, ok)
	if got, hit := c.get(key); !hit || got.User.Username != ok.User.Username {
		t.Fatalf("a fresh review was not reused: %v %+v", hit, got)
	}
	now = now.Add(10 * time.Second)
	if _, hit := c.get(key); hit {
		t.Fatal("a review was reused past the period")
	}
	c.put(key, authv1.TokenReviewStatus{Error: "invalid bearer token"})
	if _, hit := c.get(key); hit {
		t.Fatal("an unauthenticated review was reused")
	}
	off := newReviewCache(0)
	off.put(key, ok)
	if _, hit := off.get(key); hit {
		t.Fatal("a review was reused with the cache off")
	}
}

// Everything a review is asked with is part of the key.
func TestReviewKeyCoversTheRequest(t *testing.T) {
	reviewer, other := "reviewer", "other"
	base := config{KubernetesAuthConfig: api.KubernetesAuthConfig{KubernetesHost: "https://k8s", KubernetesCACertificate: "ca", AllowedAudience: "idplane"},
		ReviewerJWT: methodconfig.Sealed{Value: &reviewer}}
	variants := map[string]func(c *config) string{
		"host":     func(c *config) string { c.KubernetesHost = "https://k8s2"; return "token" },
		"CA":       func(c *config) string { c.KubernetesCACertificate = "ca2"; return "token" },
		"reviewer": func(c *config) string { c.ReviewerJWT = methodconfig.Sealed{Value: &other}; return "token" },
		"audience": func(c *config) string { c.AllowedAudience = "vault"; return "token" },
		"token":    func(c *config) string { return "token2" },
	}
	want := reviewKey(base, "token")
	for name, mod := range variants {
		c := base
		if reviewKey(c, mod(&c)) == want {
			t.Errorf("another %s gives the same key", name)
		}
	}
}
