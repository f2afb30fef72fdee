package httpapi_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	infisical "github.com/infisical/go-sdk"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/platformtest"
	"github.com/idplane/idplane/server/servertest"
)

// platformAccept logs in with login and checks the token names the method
// and the identity; it returns the login's audit event.
func (e *stEnv) platformAccept(t *testing.T, kind, identityID string, login func() (*api.LoginResponse, error)) *api.AuditEvent {
	t.Helper()
	res, err := login()
	if err != nil {
		t.Fatalf("%s login refused: %v", kind, err)
	}
	self := must(e.srv.Client(t, api.WithToken(res.AccessToken)).TokenSelf(t.Context()))(t)
	if self.AuthMethod != kind || self.IdentityID != identityID {
		t.Fatalf("token/self %+v, want %s of identity %s", self, kind, identityID)
	}
	ev := e.lastLogin(t, kind, identityID, api.OutcomeSuccess)
	if ev.Metadata["tokenId"] != self.TokenID {
		t.Fatalf("the success event %+v is not of token %s", ev, self.TokenID)
	}
	return ev
}

type k8sEnv struct {
	*stEnv
	k *platformtest.Kubernetes
}

func newK8sEnv(t *testing.T) *k8sEnv {
	t.Helper()
	k := platformtest.NewKubernetes(t)
	return &k8sEnv{stEnv: newSTEnvWith(t, nil, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true}), k: k}
}

func (e *k8sEnv) put(t *testing.T, identityID string, reviewer *string, mod func(*api.KubernetesAuthConfig)) *api.KubernetesAuth {
	t.Helper()
	c := api.KubernetesAuthConfig{KubernetesHost: e.k.URL, KubernetesCACertificate: e.k.CAPEM,
		AllowedNamespaces: []string{"payments", "team-*"}, AllowedServiceAccountNames: []string{"api", "worker-*"}, AllowedAudience: "idplane"}
	if mod != nil {
		mod(&c)
	}
	return must(e.tn.c.PutKubernetesAuth(t.Context(), identityID, 0, api.KubernetesAuthInput{KubernetesAuthConfig: c, TokenReviewerJWT: reviewer}))(t)
}

func (e *k8sEnv) login(t *testing.T, identityID, jwt string) (*api.LoginResponse, error) {
	return e.anon.KubernetesAuthLogin(t.Context(), api.TokenAuthLoginRequest{IdentityID: identityID, JWT: jwt})
}

func (e *k8sEnv) accept(t *testing.T, identityID, jwt string) *api.AuditEvent {
	t.Helper()
	return e.platformAccept(t, "kubernetes-auth", identityID, func() (*api.LoginResponse, error) { return e.login(t, identityID, jwt) })
}

func (e *k8sEnv) refuse(t *testing.T, identityID, jwt, public string, reason ...string) {
	t.Helper()
	_, err := e.login(t, identityID, jwt)
	e.wantRefused(t, err, "kubernetes-auth", identityID, public, reason...)
}

func TestKubernetesAuthLogin(t *testing.T) {
	e := newK8sEnv(t)
	id := e.identity(t, "k8s-payments")
	cfg := e.put(t, id, ptr(e.k.ReviewerToken()), nil)
	if !cfg.TokenReviewerJWTSet {
		t.Fatalf("after setting the reviewer JWT, tokenReviewerJwtSet is false: %+v", cfg)
	}
	sa := func(ns, name string, auds ...string) string {
		return e.k.Token(platformtest.ServiceAccount{Namespace: ns, Name: name, UID: "uid-" + ns + "-" + name, Audiences: auds})
	}

	t.Run("accepted, reviewed with the reviewer JWT", func(t *testing.T) {
		caller := sa("payments", "api", "idplane")
		ev := e.accept(t, id, caller)
		if ev.Metadata["claim.namespace"] != "payments" || ev.Metadata["claim.serviceAccount"] != "api" || ev.Metadata["subject"] != "system:serviceaccount:payments:api" {
			t.Errorf("audit metadata %v, want the service account", ev.Metadata)
		}
		if b := e.k.Bearers(); b[len(b)-1] != e.k.ReviewerToken() {
			t.Errorf("the TokenReview's bearer was not the reviewer JWT")
		}
		e.accept(t, id, sa("team-checkout", "worker-7", "idplane"))
	})
	t.Run("unauthenticated review", func(t *testing.T) {
		e.refuse(t, id, "not-a-token-the-cluster-issued", "did not authenticate the token", "invalid bearer token")
	})
	t.Run("namespace mismatch", func(t *testing.T) {
		e.refuse(t, id, sa("default", "api", "idplane"), "namespace is not allowed", "namespace default")
	})
	t.Run("name mismatch", func(t *testing.T) {
		e.refuse(t, id, sa("payments", "db", "idplane"), "service account name is not allowed", "payments/db")
	})
	t.Run("audience mismatch: the API server refuses the review", func(t *testing.T) {
		e.refuse(t, id, sa("payments", "api", "vault"), "did not authenticate the token", "audiences are invalid")
	})
	t.Run("audience mismatch: an audience-unaware API server", func(t *testing.T) {
		e.k.AudienceUnaware.Store(true)
		defer e.k.AudienceUnaware.Store(false)
		e.refuse(t, id, sa("payments", "api", "idplane"), "audience does not match")
	})
	t.Run("oversized token, refused before any review", func(t *testing.T) {
		e.refuse(t, id, strings.Repeat("x", api.MaxLoginJWTBytes+1), "larger than")
	})
}

// The reviewer JWT is sealed: stored encrypted outside the configuration
// document, never answered, kept when a PUT omits it, removed by "".
func TestKubernetesAuthReviewerJWTSealed(t *testing.T) {
	e := newK8sEnv(t)
	id := e.identity(t, "k8s-sealed")
	reviewer := e.k.ReviewerToken()
	e.put(t, id, ptr(reviewer), nil)

	got := e.tn.raw(t, "GET", "/api/v1/identities/"+id+"/kubernetes-auth", "", "")
	if got.status != 200 || strings.Contains(string(got.body), reviewer) || !strings.Contains(string(got.body), `"tokenReviewerJwtSet":true`) {
		t.Fatalf("GET answered %d %s: it must say the reviewer JWT is set and never show it", got.status, got.body)
	}
	var row store.AuthMethodConfig
	if err := e.srv.App.Store.DB.Where("identity_id = ? AND kind = ?", id, "kubernetes-auth").Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.Sealed == nil || strings.Contains(string(*row.Sealed), reviewer) || strings.Contains(string(row.Config.V), reviewer) {
		t.Fatalf("the reviewer JWT is not sealed: sealed=%v config=%s", row.Sealed != nil, row.Config.V)
	}

	// A PUT that omits it keeps it.
	if c := e.put(t, id, nil, func(c *api.KubernetesAuthConfig) { c.AllowedNamespaces = []string{"payments"} }); !c.TokenReviewerJWTSet {
		t.Fatalf("a PUT without tokenReviewerJwt dropped the stored one: %+v", c)
	}
	e.accept(t, id, e.k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "api", Audiences: []string{"idplane"}}))
	if b := e.k.Bearers(); b[len(b)-1] != reviewer {
		t.Fatalf("after a PUT without tokenReviewerJwt, the review's bearer is not the stored reviewer JWT")
	}

	// "" removes it: the caller's own token is the reviewer's bearer, and
	// needs the right to review.
	if c := e.put(t, id, ptr(""), nil); c.TokenReviewerJWTSet {
		t.Fatalf("tokenReviewerJwt \"\" did not remove it: %+v", c)
	}
	self := e.k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "api", Audiences: []string{"idplane"}, CanReview: true})
	e.accept(t, id, self)
	if b := e.k.Bearers(); b[len(b)-1] != self {
		t.Fatalf("without a reviewer JWT, the review's bearer is not the caller's token")
	}
	e.refuse(t, id, e.k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "api", Audiences: []string{"idplane"}}),
		"refused the TokenReview", "HTTP 403")
}

func TestKubernetesAuthAPIServerUnreachable(t *testing.T) {
	e := newK8sEnv(t)
	tok := e.k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "api", Audiences: []string{"idplane"}})

	t.Run("API server with another CA", func(t *testing.T) {
		id := e.identity(t, "k8s-other-ca")
		e.put(t, id, ptr(e.k.ReviewerToken()), func(c *api.KubernetesAuthConfig) {
			c.KubernetesCACertificate = platformtest.NewCA(t, "another cluster").PEM()
		})
		before := e.k.Reviews.Load()
		e.refuse(t, id, tok, "could not review the token", "certificate")
		if e.k.Reviews.Load() != before {
			t.Errorf("a review reached an API server whose certificate did not verify")
		}
	})
	t.Run("API server down", func(t *testing.T) {
		id := e.identity(t, "k8s-down")
		e.put(t, id, ptr(e.k.ReviewerToken()), func(c *api.KubernetesAuthConfig) { c.KubernetesHost = "https://127.0.0.1:1" })
		e.refuse(t, id, tok, "could not review the token", "refused")
	})
}

// Infisical's Go SDK logs in through KubernetesAuthLogin, reading the
// service account token from its file.
func TestKubernetesAuthInfisicalSDK(t *testing.T) {
	e := newK8sEnv(t)
	id := e.identity(t, "k8s-sdk")
	e.put(t, id, ptr(e.k.ReviewerToken()), nil)
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(e.k.Token(platformtest.ServiceAccount{Namespace: "payments", Name: "worker-1", Audiences: []string{"idplane"}})), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sdk := infisical.NewInfisicalClient(ctx, infisical.Config{SiteUrl: e.srv.URL, AutoTokenRefresh: ptr(false), SilentMode: true})
	cred, err := sdk.Auth().KubernetesAuthLogin(id, path)
	if err != nil {
		t.Fatalf("the SDK's KubernetesAuthLogin failed: %v", err)
	}
	self := must(e.srv.Client(t, api.WithToken(cred.AccessToken)).TokenSelf(t.Context()))(t)
	if self.AuthMethod != "kubernetes-auth" || self.IdentityID != id {
		t.Fatalf("token/self %+v", self)
	}
	if !slices.Contains(e.k.Bearers(), e.k.ReviewerToken()) {
		t.Errorf("no review used the reviewer JWT")
	}
}
