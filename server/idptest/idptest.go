// Package idptest is a local identity provider for tests: one TLS server
// with its own CA that speaks the real protocols of the issuers idplane's
// signed-token auth methods trust, and mints tokens with real keys through
// go-jose:
//
//   - OpenID Connect discovery and a JWKS with rotating keys (OIDC, JWT);
//   - Google's ID-token JWKS and service-account x509 certificates (GCP);
//   - Microsoft Entra ID's per-tenant discovery and keys (Azure);
//   - GitHub Actions' ID-token request endpoint (the provider's auth.oidc).
//
// It counts the fetches of each document and can be made to fail or to
// never answer, for the outage tests.
package idptest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Key is a signing key the provider publishes (or once published).
type Key struct {
	ID      string
	Alg     jose.SignatureAlgorithm
	Private crypto.Signer
}

// Public is the key's public JWK, declaring its algorithm.
func (k *Key) Public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.Private.Public(), KeyID: k.ID, Algorithm: string(k.Alg), Use: "sig"}
}

// IdP is a running identity provider.
type IdP struct {
	// URL is https://127.0.0.1:<port>; it is also the OIDC issuer.
	URL string
	// CAPEM is the PEM certificate the server's TLS certificate is; trust
	// it as the configuration's CA, or through CertPool.
	CAPEM string

	srv    *httptest.Server
	closed chan struct{}

	mu           sync.Mutex
	published    []*Key // in the JWKS, newest last
	serviceAccts map[string]*Key
	cacheControl string
	githubClaims map[string]any
	requestToken string

	issuer      string
	rawJWKS     []byte
	rawJWKSKeys []json.RawMessage

	fetches sync.Map // path -> *atomic.Int64
	down    atomic.Bool
	hang    atomic.Bool
}

// New starts an identity provider with one RS256 key; it stops with the test.
func New(t testing.TB) *IdP {
	t.Helper()
	p := &IdP{closed: make(chan struct{}), serviceAccts: map[string]*Key{}, cacheControl: "public, max-age=3600",
		requestToken: "gha-request-token", githubClaims: map[string]any{}}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	p.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw}))
	p.AddKey(jose.RS256)
	t.Cleanup(p.Close)
	return p
}

// Close stops the server, releasing requests that hang.
func (p *IdP) Close() {
	select {
	case <-p.closed:
	default:
		close(p.closed)
		p.srv.Close()
	}
}

// CertPool trusts the provider's certificate.
func (p *IdP) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.srv.Certificate())
	return pool
}

// Endpoints for the server's settings.
func (p *IdP) GCPOAuth2CertsURL() string         { return p.URL + "/google/oauth2/v3/certs" }
func (p *IdP) GCPServiceAccountCertsURL() string { return p.URL + "/google/x509/" }
func (p *IdP) AzureLoginURL() string             { return p.URL + "/azure" }

// AzureIssuer is the v2 issuer of a tenant's tokens.
func (p *IdP) AzureIssuer(tenant string) string { return p.URL + "/azure/" + tenant + "/v2.0" }

// GitHubTokenURL is ACTIONS_ID_TOKEN_REQUEST_URL; GitHubRequestToken is
// ACTIONS_ID_TOKEN_REQUEST_TOKEN.
func (p *IdP) GitHubTokenURL() string     { return p.URL + "/github/token?api-version=2.0" }
func (p *IdP) GitHubRequestToken() string { return p.requestToken }

// SetGitHubClaims sets the claims (besides iss, aud, iat, nbf, exp) of the
// tokens the GitHub endpoint mints.
func (p *IdP) SetGitHubClaims(c map[string]any) {
	p.mu.Lock()
	p.githubClaims = c
	p.mu.Unlock()
}

// SetCacheControl sets the Cache-Control header of key documents.
func (p *IdP) SetCacheControl(v string) {
	p.mu.Lock()
	p.cacheControl = v
	p.mu.Unlock()
}

// Issuer is the issuer the discovery document names and Token's tokens
// carry: URL unless SetIssuer changed it.
func (p *IdP) Issuer() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.issuer == "" {
		return p.URL
	}
	return p.issuer
}

// SetIssuer makes the provider publish iss as its issuer, such as URL+"/"
// (Auth0 and others end theirs with a slash).
func (p *IdP) SetIssuer(iss string) {
	p.mu.Lock()
	p.issuer = iss
	p.mu.Unlock()
}

// SetRawJWKS makes the key sets answer body as it is (nil: the published
// keys again), for tests of documents that do not decode.
func (p *IdP) SetRawJWKS(body []byte) {
	p.mu.Lock()
	p.rawJWKS = body
	p.mu.Unlock()
}

// AddRawJWK publishes jwk, as it is, beside the keys: a key idplane cannot
// use (an encryption key, a key type it does not know).
func (p *IdP) AddRawJWK(jwk string) {
	p.mu.Lock()
	p.rawJWKSKeys = append(p.rawJWKSKeys, json.RawMessage(jwk))
	p.mu.Unlock()
}

// SetDown makes every answer a 503 (true) or normal again (false).
func (p *IdP) SetDown(down bool) { p.down.Store(down) }

// SetHang makes every request wait until the client gives up.
func (p *IdP) SetHang(hang bool) { p.hang.Store(hang) }

// Fetches counts the requests for path ("/jwks", "/.well-known/openid-configuration", ...).
func (p *IdP) Fetches(path string) int64 {
	if c, ok := p.fetches.Load(path); ok {
		return c.(*atomic.Int64).Load()
	}
	return 0
}

// NewKey generates a key for alg without publishing it.
func NewKey(alg jose.SignatureAlgorithm) *Key {
	var (
		priv crypto.Signer
		err  error
	)
	switch alg {
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.ES384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case jose.ES512:
		priv, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case jose.EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		panic(fmt.Sprintf("idptest: no key type for %s", alg))
	}
	if err != nil {
		panic(err)
	}
	return &Key{ID: randomID(), Alg: alg, Private: priv}
}

// AddKey generates a key for alg and publishes it beside the others.
func (p *IdP) AddKey(alg jose.SignatureAlgorithm) *Key {
	k := NewKey(alg)
	p.mu.Lock()
	p.published = append(p.published, k)
	p.mu.Unlock()
	return k
}

// Rotate publishes a new key for alg and withdraws every older one.
func (p *IdP) Rotate(alg jose.SignatureAlgorithm) *Key {
	k := NewKey(alg)
	p.mu.Lock()
	p.published = []*Key{k}
	p.mu.Unlock()
	return k
}

// Current is the newest published key.
func (p *IdP) Current() *Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.published[len(p.published)-1]
}

// Sign signs claims with k as a compact JWS with k's ID in the header.
func Sign(k *Key, claims any) string {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), k.ID)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.Alg, Key: k.Private}, opts)
	if err != nil {
		panic(err)
	}
	raw, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		panic(err)
	}
	return raw
}

// Claims are a token's claims: Standard plus any others.
func Claims(iss, sub string, aud []string, ttl time.Duration, extra map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": iss, "sub": sub, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix()}
	if len(aud) == 1 {
		c["aud"] = aud[0]
	} else if len(aud) > 1 {
		c["aud"] = aud
	}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// Token signs an ID token of this issuer with the current key: sub and aud
// as given, valid for five minutes, with extra claims.
func (p *IdP) Token(sub string, aud []string, extra map[string]any) string {
	return Sign(p.Current(), Claims(p.Issuer(), sub, aud, 5*time.Minute, extra))
}

// GCEToken is a GCE instance identity token (format=full) of the service
// account email in project and zone, for audience aud.
func (p *IdP) GCEToken(email, project, zone, aud string) string {
	return Sign(p.Current(), Claims("https://accounts.google.com", "1234567890", []string{aud}, 5*time.Minute, map[string]any{
		"email": email, "email_verified": true, "azp": "1234567890",
		"google": map[string]any{"compute_engine": map[string]any{
			"project_id": project, "project_number": 42, "zone": zone, "instance_id": "7", "instance_name": "vm-1"}},
	}))
}

// ServiceAccountKey is the signing key of a service account, published as
// an x509 certificate at GCPServiceAccountCertsURL()+email.
func (p *IdP) ServiceAccountKey(email string) *Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	k, ok := p.serviceAccts[email]
	if !ok {
		k = NewKey(jose.RS256)
		p.serviceAccts[email] = k
	}
	return k
}

// IAMToken is a JWT signed by the service account's key, as the IAM
// credentials API's signJwt makes it for Infisical's GCP IAM login.
func (p *IdP) IAMToken(email, aud string, ttl time.Duration) string {
	return Sign(p.ServiceAccountKey(email), map[string]any{"sub": email, "aud": aud, "iat": time.Now().Unix(),
		"exp": time.Now().Add(ttl).Unix()})
}

// AzureToken is a managed-identity access token of tenant for resource,
// v1 (issuer sts.windows.net) or v2.
func (p *IdP) AzureToken(tenant, oid, resource string, v2 bool) string {
	iss := "https://sts.windows.net/" + tenant + "/"
	if v2 {
		iss = p.AzureIssuer(tenant)
	}
	return Sign(p.Current(), Claims(iss, oid, []string{resource}, 5*time.Minute, map[string]any{
		"tid": tenant, "oid": oid, "appid": "00000000-0000-0000-0000-00000000a99d", "xms_mirid": "/subscriptions/x/vm-1",
	}))
}

func (p *IdP) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	c, _ := p.fetches.LoadOrStore(path, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
	if p.hang.Load() {
		select {
		case <-r.Context().Done():
		case <-p.closed:
		}
		return
	}
	if p.down.Load() {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	switch {
	case path == "/.well-known/openid-configuration":
		p.json(w, map[string]any{"issuer": p.Issuer(), "jwks_uri": p.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256", "ES256"}})
	case path == "/jwks", path == "/google/oauth2/v3/certs", path == "/azure/keys":
		p.keySet(w)
	case strings.HasPrefix(path, "/google/x509/"):
		p.serviceAccountCerts(w, strings.TrimPrefix(path, "/google/x509/"))
	case strings.HasPrefix(path, "/azure/") && strings.HasSuffix(path, "/v2.0/.well-known/openid-configuration"):
		tenant := strings.TrimSuffix(strings.TrimPrefix(path, "/azure/"), "/v2.0/.well-known/openid-configuration")
		p.json(w, map[string]any{"issuer": p.AzureIssuer(tenant), "jwks_uri": p.URL + "/azure/keys"})
	case path == "/github/token":
		p.githubToken(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (p *IdP) json(w http.ResponseWriter, v any) {
	p.mu.Lock()
	cc := p.cacheControl
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if cc != "" {
		w.Header().Set("Cache-Control", cc)
	}
	_ = json.NewEncoder(w).Encode(v)
}

// keySet answers the JWKS: the published keys and the raw ones, or the
// raw document set by SetRawJWKS.
func (p *IdP) keySet(w http.ResponseWriter) {
	p.mu.Lock()
	raw := p.rawJWKS
	keys := make([]any, 0, len(p.published)+len(p.rawJWKSKeys))
	for _, k := range p.published {
		keys = append(keys, k.Public())
	}
	for _, k := range p.rawJWKSKeys {
		keys = append(keys, k)
	}
	p.mu.Unlock()
	if raw != nil {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(raw)
		return
	}
	p.json(w, map[string]any{"keys": keys})
}

func (p *IdP) serviceAccountCerts(w http.ResponseWriter, email string) {
	p.mu.Lock()
	k, ok := p.serviceAccts[email]
	p.mu.Unlock()
	if !ok {
		http.Error(w, "no such service account", http.StatusNotFound)
		return
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: email},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Private.Public(), k.Private)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p.json(w, map[string]string{k.ID: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))})
}

// githubToken answers like GitHub Actions' ID-token endpoint: the request
// token as bearer, the audience as a query parameter, {"value": jwt}.
func (p *IdP) githubToken(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+p.requestToken {
		http.Error(w, "bad request token", http.StatusUnauthorized)
		return
	}
	var aud []string
	if a := r.URL.Query().Get("audience"); a != "" {
		aud = []string{a}
	}
	p.mu.Lock()
	extra := p.githubClaims
	p.mu.Unlock()
	sub, _ := extra["sub"].(string)
	p.json(w, map[string]string{"value": Sign(p.Current(), Claims(p.URL, sub, aud, 5*time.Minute, extra))})
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}
