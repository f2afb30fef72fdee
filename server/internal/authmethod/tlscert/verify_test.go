package tlscert

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/methodtest"
	"github.com/idplane/idplane/server/platformtest"
)

// pki is a root CA with an intermediate, the identity's configuration
// trusting the root, and the in-memory core whose clock judges validity.
type pki struct {
	root, mid *platformtest.CA
	cfg       api.TLSCertAuthConfig
	core      *methodtest.Core
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	root := platformtest.NewCA(t, "mesh root")
	return &pki{root: root, mid: root.Intermediate(t, "mesh issuing"), core: methodtest.NewCore(),
		cfg: api.TLSCertAuthConfig{CACertificate: root.PEM()}}
}

// chain issues l under the intermediate: the leaf, then the intermediate.
func (p *pki) chain(t *testing.T, l platformtest.Leaf) []*x509.Certificate {
	t.Helper()
	leaf, _ := p.mid.Issue(t, l)
	return []*x509.Certificate{leaf, p.mid.Cert}
}

// login verifies a login whose request comes from remote, on a TLS
// connection presenting chain (none: plain HTTP), with headers.
func (p *pki) login(t *testing.T, proxy Proxy, remote string, chain []*x509.Certificate, header map[string]string) (methodconfig.Verified, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/auth/tls-cert-auth/login", nil)
	r.RemoteAddr = remote
	if chain != nil {
		r.TLS = &tls.ConnectionState{PeerCertificates: chain}
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return New(proxy).Login.Verify(t.Context(), methodconfig.Attempt[api.TLSCertAuthConfig, api.TLSCertAuthLoginRequest]{
		Config: methodconfig.Config[api.TLSCertAuthConfig]{IdentityID: "id-1", C: p.cfg},
		In:     &api.TLSCertAuthLoginRequest{IdentityID: "id-1"}, HTTP: r, Core: p.core})
}

const peer = "192.0.2.7:50000"

func TestVerifyChain(t *testing.T) {
	p := newPKI(t)
	good := p.chain(t, platformtest.Leaf{CommonName: "payments-api", URIs: []string{"spiffe://prod.example.org/ns/payments/sa/api"}})
	v, err := p.login(t, Proxy{}, peer, good, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Subject != "CN=payments-api" || v.Metadata["spiffeId"] != "spiffe://prod.example.org/ns/payments/sa/api" || v.Metadata["serial"] == "" {
		t.Fatalf("verified %+v", v)
	}

	_, err = p.login(t, Proxy{}, peer, good[:1], nil)
	methodtest.Refused(t, err, "the certificate does not chain to the identity's CA")
	other := platformtest.NewCA(t, "other root")
	leaf, _ := other.Issue(t, platformtest.Leaf{CommonName: "payments-api"})
	_, err = p.login(t, Proxy{}, peer, []*x509.Certificate{leaf}, nil)
	methodtest.Refused(t, err, "the certificate does not chain to the identity's CA")

	_, err = p.login(t, Proxy{}, peer, p.chain(t, platformtest.Leaf{CommonName: "web", Usage: x509.ExtKeyUsageServerAuth}), nil)
	methodtest.Refused(t, err, "the certificate is not for client authentication")

	// The core's clock judges validity: an hour and a minute on, the leaf
	// has expired.
	p.core.Clock = p.core.Clock.Add(time.Hour + time.Minute)
	_, err = p.login(t, Proxy{}, peer, good, nil)
	methodtest.Refused(t, err, "the certificate (or one of its chain) is expired or not yet valid")
}

func TestVerifyCommonNameAndSANs(t *testing.T) {
	p := newPKI(t)
	p.cfg.AllowedCommonNames = []string{"payments-*"}
	p.cfg.AllowedSubjectAltNames = []string{"DNS:*.svc.cluster.local", "URI:spiffe://prod.example.org/ns/payments/*", "IP:10.0.0.0/8", "EMAIL:*@example.org"}
	for _, c := range []struct {
		name   string
		leaf   platformtest.Leaf
		public string // "" is accepted
	}{
		{"DNS", platformtest.Leaf{CommonName: "payments-api", DNS: []string{"api.svc.cluster.local"}}, ""},
		{"URI", platformtest.Leaf{CommonName: "payments-api", URIs: []string{"spiffe://prod.example.org/ns/payments/sa/api"}}, ""},
		{"IP in the CIDR", platformtest.Leaf{CommonName: "payments-api", IPs: []string{"10.1.2.3"}}, ""},
		{"email", platformtest.Leaf{CommonName: "payments-api", Emails: []string{"ci@example.org"}}, ""},
		{"one SAN of several", platformtest.Leaf{CommonName: "payments-api", DNS: []string{"evil.example.com", "api.svc.cluster.local"}}, ""},
		{"CN not allowed", platformtest.Leaf{CommonName: "billing-api", DNS: []string{"api.svc.cluster.local"}}, "common name is not allowed"},
		{"DNS not allowed", platformtest.Leaf{CommonName: "payments-api", DNS: []string{"api.example.com"}}, "no subject alternative name is allowed"},
		{"IP outside the CIDR", platformtest.Leaf{CommonName: "payments-api", IPs: []string{"192.168.1.1"}}, "no subject alternative name is allowed"},
		{"URI of another namespace", platformtest.Leaf{CommonName: "payments-api", URIs: []string{"spiffe://prod.example.org/ns/billing/sa/api"}}, "no subject alternative name is allowed"},
		{"the pattern's type, not another's", platformtest.Leaf{CommonName: "payments-api", Emails: []string{"x@api.svc.cluster.local"}}, "no subject alternative name is allowed"},
		{"no SAN", platformtest.Leaf{CommonName: "payments-api"}, "no subject alternative name is allowed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := p.login(t, Proxy{}, peer, p.chain(t, c.leaf), nil)
			if c.public == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			methodtest.Refused(t, err, c.public)
		})
	}
}

// With a client-certificate header, a trusted proxy's request is judged by
// the header alone; anyone else's header is refused, and their own TLS
// certificate counts.
func TestProxyChain(t *testing.T) {
	p := newPKI(t)
	proxy := Proxy{Header: "X-Client-Cert", Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	client := p.chain(t, platformtest.Leaf{CommonName: "payments-api"})
	proxyOwn := p.chain(t, platformtest.Leaf{CommonName: "the-proxy"})
	escaped := url.QueryEscape(platformtest.CertPEM(client...))

	v, err := p.login(t, proxy, "10.0.0.5:443", proxyOwn, map[string]string{"X-Client-Cert": escaped})
	if err != nil || v.Subject != "CN=payments-api" {
		t.Fatalf("trusted proxy's header: %+v, %v; want the client's certificate", v, err)
	}
	_, err = p.login(t, proxy, "10.0.0.5:443", proxyOwn, nil)
	methodtest.Refused(t, err, "no client certificate was presented")
	_, err = p.login(t, proxy, "10.0.0.5:443", nil, map[string]string{"X-Client-Cert": "%zz"})
	methodtest.Refused(t, err, "the client certificate header is not URL-encoded PEM")
	_, err = p.login(t, proxy, peer, nil, map[string]string{"X-Client-Cert": escaped})
	methodtest.Refused(t, err, "the client certificate header is believed only from a trusted proxy")
	if v, err := p.login(t, proxy, peer, client, nil); err != nil || v.Subject != "CN=payments-api" {
		t.Fatalf("direct client's own certificate: %+v, %v", v, err)
	}
	_, err = p.login(t, Proxy{}, peer, nil, map[string]string{"X-Client-Cert": escaped})
	methodtest.Refused(t, err, "no client certificate was presented")
}
