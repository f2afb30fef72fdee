package httpapi_test

import (
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/platformtest"
	"github.com/idplane/idplane/server/servertest"
)

// With --kubernetes-review-cache, a token the API server authenticated is
// not reviewed again within the period, but every login is still judged
// by the identity's bindings as they are now; a refused token is reviewed
// every time, and a review asked with another reviewer is asked anew.
func TestKubernetesAuthReviewCache(t *testing.T) {
	k := platformtest.NewKubernetes(t)
	e := &k8sEnv{stEnv: newSTEnvWith(t, nil, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true,
		KubernetesReviewCache: time.Minute}), k: k}
	id := e.identity(t, "k8s-cached")
	e.put(t, id, ptr(k.ReviewerToken()), nil)
	pod := k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "api", Audiences: []string{"idplane"}})

	before := k.Reviews.Load()
	for range 3 {
		e.accept(t, id, pod)
	}
	if n := k.Reviews.Load() - before; n != 1 {
		t.Fatalf("three logins with one token made %d TokenReviews, want 1", n)
	}

	// Within the period, the cluster forgetting the token goes unnoticed:
	// that is the period's price, bounded by the flag.
	k.Forget(pod)
	e.accept(t, id, pod)

	// Bindings are judged on every login.
	e.put(t, id, nil, func(c *api.KubernetesAuthConfig) { c.AllowedNamespaces = []string{"checkout"} })
	e.refuse(t, id, pod, "namespace is not allowed", "namespace payments")

	// Another reviewer is another review, which now fails.
	self := k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "reviewer", Audiences: []string{"idplane"}, CanReview: true})
	e.put(t, id, ptr(self), func(c *api.KubernetesAuthConfig) { c.AllowedNamespaces = []string{"payments"} })
	before = k.Reviews.Load()
	e.refuse(t, id, pod, "did not authenticate the token", "invalid bearer token")
	e.refuse(t, id, pod, "did not authenticate the token", "invalid bearer token")
	if n := k.Reviews.Load() - before; n != 2 {
		t.Fatalf("two refused logins made %d TokenReviews, want 2: refusals are never reused", n)
	}
}
