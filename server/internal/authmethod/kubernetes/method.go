// Package kubernetes is Kubernetes auth: a pod logs in with its service
// account token, which the cluster's API server vouches for through a
// TokenReview (authentication.k8s.io/v1); the service account it names is
// then bound by the identity's namespaces and names.
package kubernetes

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
	"github.com/idplane/idplane/server/internal/store/dbtext"
)

// Kind is Kubernetes auth as identities list it and tokens carry it.
const Kind = "kubernetes-auth"

// TokenReviewPath is where the API server takes TokenReviews.
const TokenReviewPath = "/apis/authentication.k8s.io/v1/tokenreviews"

const serviceAccountPrefix = "system:serviceaccount:"

// New returns Kubernetes auth; policy is where TokenReviews may go and
// which CAs they trust when a configuration names none; an authenticated
// review is reused for the same token for reviewCache (0: every login is
// reviewed).
func New(policy outbound.Policy, reviewCache time.Duration) methodconfig.Method[config, api.KubernetesAuthInput, api.KubernetesAuth, api.TokenAuthLoginRequest] {
	v := verifier{clients: &clientCache{policy: policy, m: map[string]*http.Client{}}, reviews: newReviewCache(reviewCache)}
	return methodconfig.Method[config, api.KubernetesAuthInput, api.KubernetesAuth, api.TokenAuthLoginRequest]{
		Name: Kind, Noun: "Kubernetes auth",
		API: methodconfig.Routes{Get: api.RouteGetKubernetesAuth, Put: api.RoutePutKubernetesAuth, Delete: api.RouteDeleteKubernetesAuth, Login: api.RouteKubernetesAuthLogin},
		Split: func(in *api.KubernetesAuthInput) (api.TokenSettingsInput, config) {
			return in.TokenSettingsInput, config{KubernetesAuthConfig: in.KubernetesAuthConfig, ReviewerJWT: methodconfig.Sealed{Value: in.TokenReviewerJWT}}
		},
		Wire: func(b api.AuthMethodBase, c config) *api.KubernetesAuth {
			return &api.KubernetesAuth{AuthMethodBase: b, KubernetesAuthConfig: c.KubernetesAuthConfig, TokenReviewerJWTSet: c.ReviewerJWT.Stored}
		},
		Seal:  func(c *config) *methodconfig.Sealed { return &c.ReviewerJWT },
		Login: methodconfig.TokenLogin(v.verify),
	}
}

// config is what the store keeps: the API configuration, and the token
// reviewer JWT sealed outside it.
type config struct {
	api.KubernetesAuthConfig
	ReviewerJWT methodconfig.Sealed `json:"-"`
}

type verifier struct {
	clients *clientCache
	reviews *reviewCache
}

// verify has the API server review the token, then binds the service
// account it names.
func (v verifier) verify(ctx context.Context, identity methodconfig.Config[config], jwt string) (methodconfig.Verified, error) {
	cfg := identity.C
	if err := signedtoken.CheckSize(jwt); err != nil {
		return methodconfig.Verified{}, err
	}
	key := reviewKey(cfg, jwt)
	status, ok := v.reviews.get(key)
	if !ok {
		var err error
		if status, err = review(ctx, v.clients, cfg, jwt); err != nil {
			return methodconfig.Verified{}, err
		}
		v.reviews.put(key, status)
	}
	if !status.Authenticated {
		return methodconfig.Verified{}, login.Refused("the Kubernetes API server did not authenticate the token",
			"TokenReview not authenticated: "+dbtext.Truncate(status.Error, 256))
	}
	ns, name, ok := splitServiceAccount(status.User.Username)
	if !ok {
		return methodconfig.Verified{}, login.Refused("the token is not a service account's",
			"TokenReview user "+dbtext.Truncate(status.User.Username, 256)+" is not system:serviceaccount:<namespace>:<name>")
	}
	if cfg.AllowedAudience != "" && !slices.Contains(status.Audiences, cfg.AllowedAudience) {
		return methodconfig.Verified{}, login.Refused("audience does not match",
			fmt.Sprintf("TokenReview audiences %q lack the allowed audience", status.Audiences))
	}
	if !matchAny(cfg.AllowedNamespaces, ns) {
		return methodconfig.Verified{}, login.Refused("namespace is not allowed", "namespace "+ns+" is not allowed")
	}
	if !matchAny(cfg.AllowedServiceAccountNames, name) {
		return methodconfig.Verified{}, login.Refused("service account name is not allowed", "service account "+ns+"/"+name+" is not allowed")
	}
	return methodconfig.Verified{Subject: status.User.Username,
		Metadata: map[string]string{"namespace": ns, "serviceAccount": name, "uid": dbtext.Truncate(status.User.UID, api.MaxMetadataValLength)}}, nil
}

// splitServiceAccount splits a service account's username,
// system:serviceaccount:<namespace>:<name>, into its namespace and name;
// any other username is not ok.
func splitServiceAccount(username string) (ns, name string, ok bool) {
	rest, ok := strings.CutPrefix(username, serviceAccountPrefix)
	if !ok {
		return "", "", false
	}
	ns, name, ok = strings.Cut(rest, ":")
	if !ok || ns == "" || name == "" || strings.Contains(name, ":") {
		return "", "", false
	}
	return ns, name, true
}

// review posts the TokenReview, with the reviewer's JWT as bearer or,
// without one, the token itself (which then needs the right to review).
func review(ctx context.Context, clients *clientCache, cfg config, jwt string) (authv1.TokenReviewStatus, error) {
	tr := authv1.TokenReview{TypeMeta: metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenReview"},
		Spec: authv1.TokenReviewSpec{Token: jwt}}
	if cfg.AllowedAudience != "" {
		tr.Spec.Audiences = []string{cfg.AllowedAudience}
	}
	body, err := json.Marshal(tr)
	if err != nil {
		return authv1.TokenReviewStatus{}, err
	}
	client, err := clients.get(cfg.KubernetesCACertificate)
	if err != nil {
		return authv1.TokenReviewStatus{}, login.Refused("the Kubernetes CA certificate is not usable", err.Error())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(cfg.KubernetesHost, "/")+TokenReviewPath, bytes.NewReader(body))
	if err != nil {
		return authv1.TokenReviewStatus{}, login.Refused("the Kubernetes host is not usable", err.Error())
	}
	bearer := jwt
	if v := cfg.ReviewerJWT.Value; v != nil && *v != "" {
		bearer = *v
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "idplane")
	res, err := outbound.Do(client, req)
	switch {
	case res != nil && res.Status == http.StatusCreated:
		// The API server answers a created review with 201.
	case res != nil && (res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden):
		return authv1.TokenReviewStatus{}, login.Refused("the Kubernetes API server refused the TokenReview (the reviewer needs system:auth-delegator)",
			fmt.Sprintf("TokenReview answered HTTP %d: %s", res.Status, dbtext.Truncate(string(res.Body), 256)))
	case err != nil:
		return authv1.TokenReviewStatus{}, login.Refused("the Kubernetes API server could not review the token", "TokenReview failed: "+err.Error())
	}
	var out authv1.TokenReview
	if err := json.Unmarshal(res.Body, &out); err != nil {
		return authv1.TokenReviewStatus{}, login.Refused("the Kubernetes API server's answer is not a TokenReview", "decode TokenReview: "+err.Error())
	}
	return out.Status, nil
}

// matchAny reports whether s matches one of the globs; none allows any.
func matchAny(globs []string, s string) bool {
	return len(globs) == 0 || slices.ContainsFunc(globs, func(g string) bool { return signedtoken.MatchGlob(g, s) })
}

// clientCacheMax bounds the clients kept, one per distinct CA; past it the
// cache starts over, which costs new connections and nothing else.
const clientCacheMax = 256

// clientCache keeps one HTTP client per CA certificate, so TokenReviews to
// a cluster reuse their connections.
type clientCache struct {
	policy outbound.Policy
	mu     sync.Mutex
	m      map[string]*http.Client
}

func (cc *clientCache) get(caPEM string) (*http.Client, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if c, ok := cc.m[caPEM]; ok {
		return c, nil
	}
	c, err := cc.policy.Client(caPEM)
	if err != nil {
		return nil, err
	}
	if len(cc.m) >= clientCacheMax {
		clear(cc.m)
	}
	cc.m[caPEM] = c
	return c, nil
}
