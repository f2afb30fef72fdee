// Package tlscert is TLS certificate auth: a workload logs in with a client
// certificate (a SPIFFE X.509-SVID, a mesh or corporate PKI certificate)
// whose chain is verified up to the identity's CA, for client
// authentication, then bound by its common name and subject alternative
// names. The certificate comes from the server's own TLS listener or, from
// a trusted TLS-terminating proxy only, from a header.
package tlscert

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
	"github.com/idplane/idplane/server/internal/store/dbtext"
)

// Kind is TLS certificate auth as identities list it and tokens carry it.
const Kind = "tls-cert-auth"

// Proxy is a TLS-terminating proxy that passes the client's certificate
// chain on.
type Proxy struct {
	// Header, when set, is the header in which the proxy passes the chain
	// as URL-encoded PEM (nginx's $ssl_client_escaped_cert); it is believed
	// only from Trusted.
	Header string
	// Trusted are the addresses the proxy connects from.
	Trusted []netip.Prefix
}

// New returns TLS certificate auth; certificates come from the server's
// TLS listener, or from proxy's header.
func New(proxy Proxy) methodconfig.Method[api.TLSCertAuthConfig, api.TLSCertAuthInput, api.TLSCertAuth, api.TLSCertAuthLoginRequest] {
	return methodconfig.Method[api.TLSCertAuthConfig, api.TLSCertAuthInput, api.TLSCertAuth, api.TLSCertAuthLoginRequest]{
		Name: Kind, Noun: "TLS certificate auth",
		API: methodconfig.Routes{Get: api.RouteGetTLSCertAuth, Put: api.RoutePutTLSCertAuth, Delete: api.RouteDeleteTLSCertAuth, Login: api.RouteTLSCertAuthLogin},
		Split: func(in *api.TLSCertAuthInput) (api.TokenSettingsInput, api.TLSCertAuthConfig) {
			return in.TokenSettingsInput, in.TLSCertAuthConfig
		},
		Wire: func(b api.AuthMethodBase, c api.TLSCertAuthConfig) *api.TLSCertAuth {
			return &api.TLSCertAuth{AuthMethodBase: b, TLSCertAuthConfig: c}
		},
		Login: methodconfig.Login[api.TLSCertAuthConfig, api.TLSCertAuthLoginRequest]{
			Identity: func(in *api.TLSCertAuthLoginRequest) string { return in.IdentityID },
			Verify: func(_ context.Context, a methodconfig.Attempt[api.TLSCertAuthConfig, api.TLSCertAuthLoginRequest]) (methodconfig.Verified, error) {
				chain, err := proxy.chain(a.HTTP)
				if err != nil {
					return methodconfig.Verified{}, err
				}
				return verify(a.C, chain, a.Core.Now())
			},
		},
	}
}

// chain is the client's certificate chain, leaf first. With a header
// configured, a trusted proxy's request is judged by the header alone: no
// header (or an empty one) is no certificate, never the proxy's own TLS
// certificate. Anyone else presents theirs on the TLS connection, and a
// header from them is refused.
func (p Proxy) chain(r *http.Request) ([]*x509.Certificate, error) {
	if p.Header != "" {
		v := r.Header.Get(p.Header)
		if p.trusted(r) {
			if v == "" {
				return nil, login.Refused("no client certificate was presented", "no client certificate in header "+p.Header+" from the trusted proxy")
			}
			pemText, err := url.QueryUnescape(v)
			if err != nil {
				return nil, login.Refused("the client certificate header is not URL-encoded PEM", err.Error())
			}
			certs, err := api.ParseCertificatesPEM(pemText)
			if err != nil {
				return nil, login.Refused("the client certificate header is not URL-encoded PEM", err.Error())
			}
			return certs, nil
		}
		if v != "" {
			return nil, login.Refused("the client certificate header is believed only from a trusted proxy",
				"certificate header "+p.Header+" from untrusted peer "+r.RemoteAddr)
		}
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, login.Refused("no client certificate was presented", "no client certificate")
	}
	return r.TLS.PeerCertificates, nil
}

// trusted reports whether the request's peer is one of the trusted proxies.
func (p Proxy) trusted(r *http.Request) bool {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && slices.ContainsFunc(p.Trusted, func(prefix netip.Prefix) bool { return prefix.Contains(peer.Addr().Unmap()) })
}

// verify checks the chain up to the identity's CA, for client
// authentication, then the common name and SAN bindings.
func verify(cfg api.TLSCertAuthConfig, chain []*x509.Certificate, now time.Time) (methodconfig.Verified, error) {
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(cfg.CACertificate)) {
		return methodconfig.Verified{}, errors.New("tls-cert auth: the stored CA certificate is not PEM")
	}
	leaf := chain[0]
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return methodconfig.Verified{}, chainRefused(err)
	}
	cn := leaf.Subject.CommonName
	if len(cfg.AllowedCommonNames) > 0 && !slices.ContainsFunc(cfg.AllowedCommonNames, func(g string) bool { return signedtoken.MatchGlob(g, cn) }) {
		return methodconfig.Verified{}, login.Refused("common name is not allowed", "common name "+dbtext.Truncate(cn, 256)+" is not allowed")
	}
	if len(cfg.AllowedSubjectAltNames) > 0 && !slices.ContainsFunc(cfg.AllowedSubjectAltNames, func(p string) bool { return sanMatches(p, leaf) }) {
		return methodconfig.Verified{}, login.Refused("no subject alternative name is allowed", "SANs "+dbtext.Truncate(strings.Join(sans(leaf), ", "), 512)+" are not allowed")
	}
	md := map[string]string{"subject": dbtext.Truncate(leaf.Subject.String(), api.MaxMetadataValLength), "serial": dbtext.Truncate(hex.EncodeToString(leaf.SerialNumber.Bytes()), api.MaxMetadataValLength)}
	for _, u := range leaf.URIs {
		if u.Scheme == "spiffe" {
			md["spiffeId"] = dbtext.Truncate(u.String(), api.MaxMetadataValLength)
		}
	}
	return methodconfig.Verified{Subject: leaf.Subject.String(), Metadata: md}, nil
}

// chainRefused names the check the chain failed.
func chainRefused(err error) error {
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return login.Refused("the certificate (or one of its chain) is expired or not yet valid", err.Error())
	case errors.As(err, &invalid) && invalid.Reason == x509.IncompatibleUsage:
		return login.Refused("the certificate is not for client authentication", err.Error())
	case errors.As(err, &unknown):
		return login.Refused("the certificate does not chain to the identity's CA", err.Error())
	}
	return login.Refused("the certificate chain does not verify", err.Error())
}

// sanMatches reports whether one of the leaf's SANs matches the typed pattern.
func sanMatches(typed string, leaf *x509.Certificate) bool {
	typ, pattern, err := api.ParseSAN(typed)
	if err != nil {
		return false
	}
	glob := func(vals []string) bool {
		return slices.ContainsFunc(vals, func(v string) bool { return signedtoken.MatchGlob(pattern, v) })
	}
	switch typ {
	case api.SANTypeDNS:
		return glob(leaf.DNSNames)
	case api.SANTypeEmail:
		return glob(leaf.EmailAddresses)
	case api.SANTypeURI:
		uris := make([]string, len(leaf.URIs))
		for i, u := range leaf.URIs {
			uris[i] = u.String()
		}
		return glob(uris)
	case api.SANTypeIP:
		prefix, err := api.ParseCIDR(pattern)
		if err != nil {
			return false
		}
		return slices.ContainsFunc(leaf.IPAddresses, func(ip net.IP) bool {
			a, ok := netip.AddrFromSlice(ip)
			return ok && prefix.Contains(a.Unmap())
		})
	}
	return false
}

// sans lists the leaf's SANs typed as the configuration types them, for
// the audit event.
func sans(leaf *x509.Certificate) []string {
	var out []string
	for _, d := range leaf.DNSNames {
		out = append(out, api.SANTypeDNS+":"+d)
	}
	for _, u := range leaf.URIs {
		out = append(out, api.SANTypeURI+":"+u.String())
	}
	for _, ip := range leaf.IPAddresses {
		out = append(out, api.SANTypeIP+":"+ip.String())
	}
	for _, e := range leaf.EmailAddresses {
		out = append(out, api.SANTypeEmail+":"+e)
	}
	return out
}
