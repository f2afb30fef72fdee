package signedtoken

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/idplane/idplane/server/internal/authmethod/outbound"
)

// WellKnown is the path of an OpenID Connect discovery document below its issuer.
const WellKnown = "/.well-known/openid-configuration"

// Provider is what a discovery document says: the issuer its tokens carry
// and where its keys are.
type Provider struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// discovery is a cached discovery document.
type discovery struct {
	url, caPEM string
	v          *Verifier

	gate    gate
	mu      sync.Mutex
	p       Provider
	expires time.Time
}

// Discover returns the provider whose discovery document is at docURL,
// trusted with caPEM, cached like key sets, and its key set.
func (v *Verifier) Discover(ctx context.Context, docURL, caPEM string) (Provider, KeySet, error) {
	key := cacheKey("discovery", docURL, caPEM)
	v.mu.Lock()
	d, ok := v.discoveries[key]
	if !ok {
		if len(v.discoveries) >= registryMax {
			clear(v.discoveries)
		}
		d = &discovery{url: docURL, caPEM: caPEM, v: v}
		v.discoveries[key] = d
	}
	v.mu.Unlock()
	p, err := d.get(ctx)
	if err != nil {
		return Provider{}, nil, err
	}
	ks, err := v.Remote(p.JWKSURI, caPEM, DecodeJWKS)
	if err != nil {
		return Provider{}, nil, err
	}
	return p, ks, nil
}

func (d *discovery) get(ctx context.Context) (Provider, error) {
	if p, ok := d.held(false); ok {
		return p, nil
	}
	err := d.gate.do(ctx, d.v.now(), d.fetch)
	// Within the grace period, an outage does not stop logins.
	if p, ok := d.held(true); ok {
		return p, nil
	}
	if err == nil {
		err = fmt.Errorf("no discovery document from %s", d.url)
	}
	return Provider{}, err
}

// held returns the cached document while it is fresh, or (stale) within
// the grace period after that.
func (d *discovery) held(stale bool) (Provider, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.p.JWKSURI == "" {
		return Provider{}, false
	}
	limit := d.expires
	if stale {
		limit = limit.Add(staleGrace)
	}
	return d.p, d.v.now().Before(limit)
}

func (d *discovery) fetch(ctx context.Context) error {
	c, err := d.v.policy.Client(d.caPEM)
	if err != nil {
		return err
	}
	res, err := outbound.Get(ctx, c, d.url)
	if err != nil {
		return fmt.Errorf("fetch discovery document: %w", err)
	}
	var p Provider
	if err := json.Unmarshal(res.Body, &p); err != nil {
		return fmt.Errorf("discovery document at %s is not JSON: %w", d.url, err)
	}
	if p.Issuer == "" || !strings.HasPrefix(p.JWKSURI, "https://") {
		return fmt.Errorf("discovery document at %s lacks an issuer or an https jwks_uri", d.url)
	}
	d.mu.Lock()
	d.p, d.expires = p, d.v.now().Add(cachePeriod(res.Header))
	d.mu.Unlock()
	return nil
}
