package kubernetes

import (
	"net/http"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/methodtest"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
	"github.com/idplane/idplane/server/platformtest"
)

func TestSplitServiceAccount(t *testing.T) {
	for _, c := range []struct {
		username, ns, name string
		ok                 bool
	}{
		{"system:serviceaccount:payments:api", "payments", "api", true},
		{"system:serviceaccount:kube-system:default", "kube-system", "default", true},
		{"system:serviceaccount:payments", "", "", false},
		{"system:serviceaccount::api", "", "", false},
		{"system:serviceaccount:payments:", "", "", false},
		{"system:serviceaccount:payments:api:extra", "", "", false},
		{"system:serviceaccounts:payments:api", "", "", false},
		{"system:node:worker-1", "", "", false},
		{"alice", "", "", false},
		{"", "", "", false},
	} {
		ns, name, ok := splitServiceAccount(c.username)
		if ns != c.ns || name != c.name || ok != c.ok {
			t.Errorf("splitServiceAccount(%q) = %q, %q, %v; want %q, %q, %v", c.username, ns, name, ok, c.ns, c.name, c.ok)
		}
	}
}

// env is a verifier against a fake API server, and an identity's
// configuration that reviews with the reviewer's token.
type env struct {
	k   *platformtest.Kubernetes
	v   verifier
	cfg config
}

func newEnv(t *testing.T) *env {
	t.Helper()
	k := platformtest.NewKubernetes(t)
	reviewer := k.ReviewerToken()
	return &env{k: k, v: verifier{clients: &clientCache{policy: outbound.Policy{AllowInternal: true}, m: map[string]*http.Client{}}, reviews: newReviewCache(0)},
		cfg: config{KubernetesAuthConfig: api.KubernetesAuthConfig{KubernetesHost: k.URL, KubernetesCACertificate: k.CAPEM,
			AllowedNamespaces: []string{"payments", "ci-*"}, AllowedServiceAccountNames: []string{"api-*"}, AllowedAudience: "idplane"},
			ReviewerJWT: methodconfig.Sealed{Value: &reviewer}}}
}

func (e *env) verify(t *testing.T, token string) (methodconfig.Verified, error) {
	t.Helper()
	return e.v.verify(t.Context(), methodconfig.Config[config]{IdentityID: "id-1", C: e.cfg}, token)
}

func TestVerifyBindsServiceAccount(t *testing.T) {
	e := newEnv(t)
	v, err := e.verify(t, e.k.Token(platformtest.ServiceAccount{Namespace: "ci-7", Name: "api-server", UID: "uid-1", Audiences: []string{"idplane"}}))
	if err != nil {
		t.Fatal(err)
	}
	if v.Subject != "system:serviceaccount:ci-7:api-server" || v.Metadata["namespace"] != "ci-7" ||
		v.Metadata["serviceAccount"] != "api-server" || v.Metadata["uid"] != "uid-1" {
		t.Fatalf("verified %+v", v)
	}
	if b := e.k.Bearers(); len(b) != 1 || b[0] != e.k.ReviewerToken() {
		t.Fatalf("TokenReview bearers %v, want the reviewer's token", b)
	}
	for _, c := range []struct {
		name   string
		sa     platformtest.ServiceAccount
		public string
	}{
		{"namespace", platformtest.ServiceAccount{Namespace: "billing", Name: "api-server", Audiences: []string{"idplane"}}, "namespace is not allowed"},
		{"name", platformtest.ServiceAccount{Namespace: "payments", Name: "worker", Audiences: []string{"idplane"}}, "service account name is not allowed"},
		{"audience", platformtest.ServiceAccount{Namespace: "payments", Name: "api-server", Audiences: []string{"other"}}, "the Kubernetes API server did not authenticate the token"},
		{"colon in name", platformtest.ServiceAccount{Namespace: "payments", Name: "api:x", Audiences: []string{"idplane"}}, "the token is not a service account's"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.verify(t, e.k.Token(c.sa))
			methodtest.Refused(t, err, c.public)
		})
	}
	_, err = e.verify(t, "not-a-token-the-server-knows")
	methodtest.Refused(t, err, "the Kubernetes API server did not authenticate the token")
}

// An API server that ignores spec.audiences is caught by the verifier's
// own check of status.audiences.
func TestVerifyChecksAudienceItself(t *testing.T) {
	e := newEnv(t)
	e.k.AudienceUnaware.Store(true)
	_, err := e.verify(t, e.k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "api-server", Audiences: []string{"idplane"}}))
	methodtest.Refused(t, err, "audience does not match")
	e.cfg.AllowedAudience = ""
	if _, err := e.verify(t, e.k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "api-server"})); err != nil {
		t.Fatalf("no allowed audience: %v", err)
	}
}

// Empty allow-lists allow any namespace and name.
func TestVerifyEmptyListsAllowAny(t *testing.T) {
	e := newEnv(t)
	e.cfg.AllowedNamespaces, e.cfg.AllowedServiceAccountNames = nil, nil
	if _, err := e.verify(t, e.k.Token(platformtest.ServiceAccount{Namespace: "anything", Name: "at-all", Audiences: []string{"idplane"}})); err != nil {
		t.Fatal(err)
	}
}

// Without a reviewer JWT the token reviews itself, which takes
// system:auth-delegator.
func TestVerifyWithoutReviewer(t *testing.T) {
	e := newEnv(t)
	e.cfg.ReviewerJWT = methodconfig.Sealed{}
	tok := e.k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "api-server", Audiences: []string{"idplane"}})
	_, err := e.verify(t, tok)
	methodtest.Refused(t, err, "the Kubernetes API server refused the TokenReview (the reviewer needs system:auth-delegator)")
	if b := e.k.Bearers(); len(b) != 1 || b[0] != tok {
		t.Fatalf("TokenReview bearers %v, want the token itself", b)
	}
	tok = e.k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "api-server", Audiences: []string{"idplane"}, CanReview: true})
	if _, err := e.verify(t, tok); err != nil {
		t.Fatalf("a token that may review: %v", err)
	}
}

// The configured CA is the only one trusted for the API server.
func TestVerifyTrustsOnlyTheConfiguredCA(t *testing.T) {
	e := newEnv(t)
	e.cfg.KubernetesCACertificate = platformtest.NewCA(t, "other cluster").PEM()
	_, err := e.verify(t, e.k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "api-server", Audiences: []string{"idplane"}}))
	methodtest.Refused(t, err, "the Kubernetes API server could not review the token")
	if n := e.k.Reviews.Load(); n != 0 {
		t.Fatalf("%d reviews reached the API server over an untrusted connection", n)
	}
}
