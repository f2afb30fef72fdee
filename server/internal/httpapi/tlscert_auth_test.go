package httpapi_test

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/platformtest"
	"github.com/idplane/idplane/server/servertest"
)

const certHeader = "X-SSL-Client-Cert"

type tlsCertEnv struct {
	*stEnv
	root, inter *platformtest.CA
}

func newTLSCertEnv(t *testing.T, opts servertest.Options) *tlsCertEnv {
	t.Helper()
	root := platformtest.NewCA(t, "mesh root")
	return &tlsCertEnv{stEnv: newSTEnvWith(t, nil, opts), root: root, inter: root.Intermediate(t, "mesh intermediate")}
}

func (e *tlsCertEnv) put(t *testing.T, identityID string, cns, sans []string) {
	t.Helper()
	must(e.tn.c.PutTLSCertAuth(t.Context(), identityID, 0, api.TLSCertAuthInput{TLSCertAuthConfig: api.TLSCertAuthConfig{
		CACertificate: e.root.PEM(), AllowedCommonNames: cns, AllowedSubjectAltNames: sans}}))(t)
}

// withCert is a client of the server presenting chain (none when empty).
func (e *tlsCertEnv) withCert(t *testing.T, key crypto.Signer, chain ...*x509.Certificate) *api.Client {
	t.Helper()
	cfg := &tls.Config{RootCAs: e.srv.RootCAs}
	if len(chain) > 0 {
		cfg.Certificates = []tls.Certificate{platformtest.TLSCertificate(key, chain...)}
	}
	return e.srv.Client(t, api.WithHTTPClient(&http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}))
}

func (e *tlsCertEnv) accept(t *testing.T, c *api.Client, identityID string) *api.AuditEvent {
	t.Helper()
	return e.platformAccept(t, "tls-cert-auth", identityID, func() (*api.LoginResponse, error) {
		return c.TLSCertAuthLogin(t.Context(), api.TLSCertAuthLoginRequest{IdentityID: identityID})
	})
}

func (e *tlsCertEnv) refuse(t *testing.T, c *api.Client, identityID, public string, reason ...string) {
	t.Helper()
	_, err := c.TLSCertAuthLogin(t.Context(), api.TLSCertAuthLoginRequest{IdentityID: identityID})
	e.wantRefused(t, err, "tls-cert-auth", identityID, public, reason...)
}

var meshLeaf = platformtest.Leaf{CommonName: "payments-api", DNS: []string{"api.payments.svc.cluster.local"},
	URIs: []string{"spiffe://prod.example.org/ns/payments/sa/api"}, IPs: []string{"10.1.2.3"}, Emails: []string{"api@payments.example.org"}}

func TestTLSCertAuthLogin(t *testing.T) {
	e := newTLSCertEnv(t, servertest.Options{Backend: servertest.Postgres, TLSClientCerts: true})
	id := e.identity(t, "mesh-payments")
	e.put(t, id, []string{"payments-*"}, []string{"DNS:*.svc.cluster.local", "URI:spiffe://prod.example.org/ns/payments/*"})

	t.Run("chain through a client-sent intermediate accepted", func(t *testing.T) {
		leaf, key := e.inter.Issue(t, meshLeaf)
		ev := e.accept(t, e.withCert(t, key, leaf, e.inter.Cert), id)
		if ev.Metadata["claim.spiffeId"] != "spiffe://prod.example.org/ns/payments/sa/api" {
			t.Errorf("audit metadata %v, want the SPIFFE ID", ev.Metadata)
		}
	})
	t.Run("issued by the root accepted", func(t *testing.T) {
		leaf, key := e.root.Issue(t, meshLeaf)
		e.accept(t, e.withCert(t, key, leaf), id)
	})
	t.Run("intermediate not sent", func(t *testing.T) {
		leaf, key := e.inter.Issue(t, meshLeaf)
		e.refuse(t, e.withCert(t, key, leaf), id, "does not chain to the identity's CA")
	})
	t.Run("expired", func(t *testing.T) {
		l := meshLeaf
		l.NotAfter = time.Now().Add(-time.Minute)
		leaf, key := e.root.Issue(t, l)
		e.refuse(t, e.withCert(t, key, leaf), id, "expired or not yet valid")
	})
	t.Run("another CA", func(t *testing.T) {
		leaf, key := platformtest.NewCA(t, "other root").Issue(t, meshLeaf)
		e.refuse(t, e.withCert(t, key, leaf), id, "does not chain to the identity's CA")
	})
	t.Run("server-only usage", func(t *testing.T) {
		l := meshLeaf
		l.Usage = x509.ExtKeyUsageServerAuth
		leaf, key := e.root.Issue(t, l)
		e.refuse(t, e.withCert(t, key, leaf), id, "not for client authentication")
	})
	t.Run("common name mismatch", func(t *testing.T) {
		l := meshLeaf
		l.CommonName = "billing-api"
		leaf, key := e.root.Issue(t, l)
		e.refuse(t, e.withCert(t, key, leaf), id, "common name is not allowed", "billing-api")
	})
	t.Run("no certificate", func(t *testing.T) {
		e.refuse(t, e.withCert(t, nil), id, "no client certificate")
	})
}

// Every SAN type binds: one matching SAN of its type is accepted, one
// that differs is refused.
func TestTLSCertAuthSubjectAltNames(t *testing.T) {
	e := newTLSCertEnv(t, servertest.Options{Backend: servertest.Postgres, TLSClientCerts: true})
	for _, c := range []struct {
		san       string
		match, no platformtest.Leaf
	}{
		{"DNS:*.svc.cluster.local", platformtest.Leaf{DNS: []string{"api.payments.svc.cluster.local"}}, platformtest.Leaf{DNS: []string{"api.example.com"}}},
		{"URI:spiffe://prod.example.org/ns/payments/*", platformtest.Leaf{URIs: []string{"spiffe://prod.example.org/ns/payments/sa/api"}},
			platformtest.Leaf{URIs: []string{"spiffe://prod.example.org/ns/billing/sa/api"}}},
		{"IP:10.0.0.0/8", platformtest.Leaf{IPs: []string{"10.20.30.40"}}, platformtest.Leaf{IPs: []string{"192.168.1.1"}}},
		{"EMAIL:*@payments.example.org", platformtest.Leaf{Emails: []string{"api@payments.example.org"}}, platformtest.Leaf{Emails: []string{"api@billing.example.org"}}},
	} {
		t.Run(c.san, func(t *testing.T) {
			id := e.identity(t, "san-"+url.PathEscape(c.san[:3]))
			e.put(t, id, nil, []string{c.san})
			leaf, key := e.root.Issue(t, c.match)
			e.accept(t, e.withCert(t, key, leaf), id)
			leaf, key = e.root.Issue(t, c.no)
			e.refuse(t, e.withCert(t, key, leaf), id, "no subject alternative name is allowed")
		})
	}
}

// Behind a TLS-terminating proxy the certificate comes in a header,
// URL-encoded PEM as nginx's $ssl_client_escaped_cert, believed only from
// a trusted proxy.
func TestTLSCertAuthProxyHeader(t *testing.T) {
	e := newTLSCertEnv(t, servertest.Options{Backend: servertest.Postgres, ClientCertHeader: certHeader,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	id := e.identity(t, "proxied")
	e.put(t, id, []string{"payments-*"}, nil)

	backend, err := url.Parse(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewUnstartedServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backend)
		r.Out.Header.Del(certHeader)
		if r.In.TLS != nil && len(r.In.TLS.PeerCertificates) > 0 {
			r.Out.Header.Set(certHeader, url.QueryEscape(platformtest.CertPEM(r.In.TLS.PeerCertificates...)))
		}
	}})
	proxy.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	proxy.StartTLS()
	t.Cleanup(proxy.Close)
	roots := x509.NewCertPool()
	roots.AddCert(proxy.Certificate())
	viaProxy := func(key crypto.Signer, chain ...*x509.Certificate) *api.Client {
		c, err := api.NewClient(proxy.URL, api.WithRetry(api.RetryPolicy{MaxAttempts: 1}), api.WithHTTPClient(&http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{platformtest.TLSCertificate(key, chain...)}}}}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	leaf, key := e.inter.Issue(t, meshLeaf)
	e.accept(t, viaProxy(key, leaf, e.inter.Cert), id)
	expired := meshLeaf
	expired.NotAfter = time.Now().Add(-time.Minute)
	old, oldKey := e.root.Issue(t, expired)
	e.refuse(t, viaProxy(oldKey, old), id, "expired or not yet valid")

	t.Run("the header from an untrusted peer", func(t *testing.T) {
		u := newTLSCertEnv(t, servertest.Options{Backend: servertest.Postgres, ClientCertHeader: certHeader,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		uid := u.identity(t, "spoofed")
		must(u.tn.c.PutTLSCertAuth(t.Context(), uid, 0, api.TLSCertAuthInput{TLSCertAuthConfig: api.TLSCertAuthConfig{CACertificate: e.root.PEM()}}))(t)
		good, _ := e.root.Issue(t, meshLeaf)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u.srv.URL+api.RouteTLSCertAuthLogin.Path,
			strings.NewReader(`{"identityId":"`+uid+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(certHeader, url.QueryEscape(platformtest.CertPEM(good)))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a certificate header from an untrusted peer answered %d, want 401", res.StatusCode)
		}
		ev := u.lastLogin(t, "tls-cert-auth", uid, api.OutcomeFailure)
		if !strings.Contains(ev.Reason, "untrusted peer") || !strings.Contains(ev.Reason, certHeader) {
			t.Fatalf("audit reason %q, want the untrusted peer named", ev.Reason)
		}
	})
}

// With both a client-cert header and the TLS listener asking for
// certificates, a trusted proxy's requests are judged by the header alone:
// without it (or with it empty) there is no client certificate, and the
// proxy's own TLS certificate never logs anyone in.
func TestTLSCertAuthProxyOwnCertificate(t *testing.T) {
	e := newTLSCertEnv(t, servertest.Options{Backend: servertest.Postgres, TLSClientCerts: true, ClientCertHeader: certHeader,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	id := e.identity(t, "behind-proxy")
	e.put(t, id, []string{"payments-*"}, nil)
	proxyCert, proxyKey := e.root.Issue(t, meshLeaf)

	t.Run("no header", func(t *testing.T) {
		e.refuse(t, e.withCert(t, proxyKey, proxyCert), id, "no client certificate")
	})
	t.Run("empty header", func(t *testing.T) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+api.RouteTLSCertAuthLogin.Path,
			strings.NewReader(`{"identityId":"`+id+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(certHeader, "")
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.srv.RootCAs,
			Certificates: []tls.Certificate{platformtest.TLSCertificate(proxyKey, proxyCert)}}}}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("an empty certificate header from the proxy answered %d, want 401", res.StatusCode)
		}
		ev := e.lastLogin(t, "tls-cert-auth", id, api.OutcomeFailure)
		if !strings.Contains(ev.Reason, "no client certificate") {
			t.Fatalf("audit reason %q, want no client certificate", ev.Reason)
		}
	})
	t.Run("the header still logs in", func(t *testing.T) {
		leaf, _ := e.inter.Issue(t, meshLeaf)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+api.RouteTLSCertAuthLogin.Path,
			strings.NewReader(`{"identityId":"`+id+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(certHeader, url.QueryEscape(platformtest.CertPEM(leaf, e.inter.Cert)))
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.srv.RootCAs}}}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("a certificate header from the trusted proxy answered %d, want 200", res.StatusCode)
		}
	})
}
