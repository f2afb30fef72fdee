package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
)

// oidcAlgorithms are the OIDC phases: one per signing algorithm.
var oidcAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// jwksCachePeriod is the max-age idptest publishes its keys with.
const jwksCachePeriod = time.Hour

// oidcProvider is the in-process identity provider of the OIDC phases and
// the identity that logs in with its tokens.
type oidcProvider struct {
	idp        *idptest.IdP
	tb         *processTB
	identityID string
	tokens     map[jose.SignatureAlgorithm][]byte // login bodies
	started    time.Time
}

// processTB lets idptest, written for tests, run in this process: it only
// asks for Helper and Cleanup.
type processTB struct {
	testing.TB
	cleanups []func()
}

func (*processTB) Helper()            {}
func (t *processTB) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

// startOIDC starts the IdP, publishes a key per algorithm, attaches OIDC
// auth (the IdP's CA as oidc_ca_certificate) to a new identity as the
// admin of clientID, and checks one login per algorithm.
func startOIDC(host string, hc *http.Client, lc *loadClient, clientID, clientSecret string) (*oidcProvider, error) {
	tb := &processTB{}
	p := &oidcProvider{idp: idptest.New(tb), tb: tb, tokens: map[jose.SignatureAlgorithm][]byte{}}
	keys := map[jose.SignatureAlgorithm]*idptest.Key{}
	for _, alg := range oidcAlgorithms {
		keys[alg] = p.idp.AddKey(alg)
	}
	admin, err := api.NewClient(host, api.WithHTTPClient(hc), api.WithUniversalAuth(clientID, clientSecret))
	if err != nil {
		p.close()
		return nil, err
	}
	ctx := context.Background()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	id, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: "load-oidc-" + hex.EncodeToString(suffix), Role: "member"})
	if err != nil {
		p.close()
		return nil, fmt.Errorf("create identity: %w", err)
	}
	p.identityID = id.ID
	_, err = admin.PutOIDCAuth(ctx, id.ID, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{
		OIDCDiscoveryURL: p.idp.URL, OIDCCACertificate: p.idp.CAPEM,
		TokenBindings: api.TokenBindings{BoundAudiences: []string{"idplane"}, BoundSubject: "repo:acme/*",
			BoundClaims:   map[string][]string{"repository": {"acme/*"}, "ref": {"refs/heads/main"}},
			ClaimMetadata: map[string]string{"repository": "repository", "ref": "ref"}}}})
	if err != nil {
		p.close()
		return nil, fmt.Errorf("attach OIDC auth: %w", err)
	}
	p.started = time.Now()
	for _, alg := range oidcAlgorithms {
		// Valid for the whole run; one token per algorithm, as a CI job reuses its ID token.
		raw := idptest.Sign(keys[alg], idptest.Claims(p.idp.URL, "repo:acme/infra:ref:refs/heads/main", []string{"idplane"}, time.Hour,
			map[string]any{"repository": "acme/infra", "ref": "refs/heads/main"}))
		p.tokens[alg], _ = json.Marshal(api.TokenAuthLoginRequest{IdentityID: id.ID, JWT: raw})
		if err := p.loginReq(lc, alg)(); err != nil {
			p.close()
			return nil, fmt.Errorf("first OIDC login (%s): %w (is the server started with --allow-internal-outbound?)", alg, err)
		}
	}
	return p, nil
}

// loginReq is one OIDC login with the token of alg.
func (p *oidcProvider) loginReq(lc *loadClient, alg jose.SignatureAlgorithm) func() error {
	return lc.phaseOf(call{method: http.MethodPost, path: api.RouteOIDCAuthLogin.Path, body: p.tokens[alg],
		status: http.StatusOK, want: []byte(`"accessToken":"`)})
}

// report prints how often the server fetched the IdP's documents, and
// whether the JWKS was fetched at most once per cache period.
func (p *oidcProvider) report() bool {
	elapsed := time.Since(p.started)
	jwks, disc := p.idp.Fetches("/jwks"), p.idp.Fetches("/.well-known/openid-configuration")
	allowed := int64(elapsed/jwksCachePeriod) + 1
	fmt.Printf("%-30s JWKS fetched %d time(s), discovery %d, in %s (cache period %s, at most %d allowed); identity %s\n",
		"OIDC identity provider", jwks, disc, elapsed.Round(time.Second), jwksCachePeriod, allowed, p.identityID)
	if jwks > allowed || disc > allowed {
		fmt.Printf("  the server fetched the IdP's documents more than once per cache period\n")
		return false
	}
	return true
}

func (p *oidcProvider) close() {
	for i := len(p.tb.cleanups) - 1; i >= 0; i-- {
		p.tb.cleanups[i]()
	}
}
