// Package platformtest is local stand-ins for the platforms idplane's
// attestation auth methods trust, speaking their real wire formats over TLS
// with their own CAs: a Kubernetes API server answering TokenReviews, an
// STS endpoint that verifies the SigV4 signature it receives with
// aws-sdk-go-v2 and answers GetCallerIdentity, and a small PKI for client
// certificates. Clients sign with aws-sdk-go-v2 as Infisical's SDK does.
package platformtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	authv1 "k8s.io/api/authentication/v1"
)

// ServiceAccount is a Kubernetes service account whose tokens the fake
// API server knows.
type ServiceAccount struct {
	Namespace, Name, UID string
	// Audiences of its tokens; empty is the API server's own.
	Audiences []string
	// CanReview lets its tokens be the bearer of TokenReviews
	// (system:auth-delegator).
	CanReview bool
}

// DefaultAudience is the audience of tokens that name none.
const DefaultAudience = "https://kubernetes.default.svc.cluster.local"

// Kubernetes is a running fake API server.
type Kubernetes struct {
	// URL is https://127.0.0.1:<port>; CAPEM is its certificate.
	URL, CAPEM string
	// Reviews counts TokenReviews received, authorized or not.
	Reviews atomic.Int64
	// AudienceUnaware answers like an authenticator that ignores
	// spec.audiences and returns no status.audiences.
	AudienceUnaware atomic.Bool

	mu       sync.Mutex
	tokens   map[string]ServiceAccount
	reviewer string
	bearers  []string
}

// NewKubernetes starts a fake API server whose reviewer token (the
// bearer it always accepts for TokenReviews) is returned by ReviewerToken.
func NewKubernetes(t testing.TB) *Kubernetes {
	t.Helper()
	k := &Kubernetes{tokens: map[string]ServiceAccount{}, reviewer: randomToken()}
	srv := httptest.NewTLSServer(http.HandlerFunc(k.serve))
	t.Cleanup(srv.Close)
	k.URL = srv.URL
	k.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	return k
}

// Forget makes the API server stop authenticating token, as when its pod
// or service account is deleted.
func (k *Kubernetes) Forget(token string) {
	k.mu.Lock()
	delete(k.tokens, token)
	k.mu.Unlock()
}

// ReviewerToken is the token of a reviewer service account.
func (k *Kubernetes) ReviewerToken() string { return k.reviewer }

// Token issues a token of sa.
func (k *Kubernetes) Token(sa ServiceAccount) string {
	tok := randomToken()
	k.mu.Lock()
	k.tokens[tok] = sa
	k.mu.Unlock()
	return tok
}

// Bearers are the bearer tokens of the TokenReviews received, in order.
func (k *Kubernetes) Bearers() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.bearers)
}

func (k *Kubernetes) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/apis/authentication.k8s.io/v1/tokenreviews" {
		http.NotFound(w, r)
		return
	}
	k.Reviews.Add(1)
	bearer := cutBearer(r.Header.Get("Authorization"))
	k.mu.Lock()
	k.bearers = append(k.bearers, bearer)
	sa, known := k.tokens[bearer]
	k.mu.Unlock()
	switch {
	case bearer == k.reviewer || known && sa.CanReview:
	case known:
		status(w, http.StatusForbidden, `tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:`+sa.Namespace+":"+sa.Name+`" cannot create resource "tokenreviews"`)
		return
	default:
		status(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	var tr authv1.TokenReview
	if err := json.NewDecoder(r.Body).Decode(&tr); err != nil || tr.Kind != "TokenReview" || tr.APIVersion != "authentication.k8s.io/v1" {
		status(w, http.StatusBadRequest, "not an authentication.k8s.io/v1 TokenReview")
		return
	}
	tr.Status = k.review(tr.Spec)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(tr)
}

// review authenticates spec.token as the API server does, audiences
// included.
func (k *Kubernetes) review(spec authv1.TokenReviewSpec) authv1.TokenReviewStatus {
	k.mu.Lock()
	sa, ok := k.tokens[spec.Token]
	k.mu.Unlock()
	if !ok {
		return authv1.TokenReviewStatus{Error: "[invalid bearer token, token lookup failed]"}
	}
	auds := sa.Audiences
	if len(auds) == 0 {
		auds = []string{DefaultAudience}
	}
	var got []string
	switch {
	case k.AudienceUnaware.Load():
	case len(spec.Audiences) == 0:
		got = auds
	default:
		for _, a := range spec.Audiences {
			if slices.Contains(auds, a) {
				got = append(got, a)
			}
		}
		if len(got) == 0 {
			return authv1.TokenReviewStatus{Error: "[invalid bearer token, token audiences are invalid for the target audiences]"}
		}
	}
	return authv1.TokenReviewStatus{Authenticated: true, Audiences: got, User: authv1.UserInfo{
		Username: "system:serviceaccount:" + sa.Namespace + ":" + sa.Name, UID: sa.UID,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + sa.Namespace, "system:authenticated"}}}
}

func status(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": msg, "code": code})
}

func cutBearer(h string) string {
	if len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
		return h[7:]
	}
	return ""
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "k8s-" + hex.EncodeToString(b)
}
