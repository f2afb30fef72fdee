// Package outbound is the HTTP client of every call an auth method makes to
// a third party (OIDC discovery, JWKS, Google's and Microsoft's keys, later
// TokenReview and STS): a 5-second timeout, bounded response sizes, TLS
// verified against the configured CA or the system roots, no proxy from the
// environment, and an address guard applied to the address actually dialled
// (so DNS cannot smuggle a forbidden one past it):
//
//   - link-local and cloud-metadata addresses are refused, always;
//   - loopback, private and shared (CGNAT) addresses are refused unless the
//     policy allows internal addresses (--allow-internal-outbound), so a
//     tenant admin cannot make the server fetch internal URLs;
//   - an IPv6 address that embeds an IPv4 address (IPv4-mapped or
//     -compatible, NAT64, 6to4, Teredo) is judged by the embedded one too,
//     since a translator or relay delivers it there.
package outbound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Defaults of every outbound call.
const (
	Timeout      = 5 * time.Second
	MaxBodyBytes = 1 << 20
	maxRedirects = 3
)

// ErrForbiddenAddress is returned when the guard refuses an address.
var ErrForbiddenAddress = errors.New("outbound address refused")

// Policy decides which addresses outbound calls may reach.
type Policy struct {
	// AllowInternal admits loopback, private and shared addresses.
	AllowInternal bool
	// Roots, when set, replaces the system roots for calls whose
	// configuration names no CA of its own (tests, mirrors behind a
	// corporate CA).
	Roots *x509.CertPool
	// Resolve, when set, dials the loopback "ip:port" it maps a host name
	// to instead of resolving the name (like curl's --resolve), so a test
	// can serve a fixed public name such as sts.us-east-1.amazonaws.com
	// from a local fake. The URL, the Host header and TLS verification
	// keep the name; the address guard still checks the address actually
	// dialled. Tests only: the server's flags never set it.
	Resolve map[string]string // host -> loopback "ip:port" for tests
}

var (
	metadataAddrs = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, ...
		netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	}
	sharedRange = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

	nat64     = netip.MustParsePrefix("64:ff9b::/96")   // RFC 6052 well-known prefix
	nat64c    = netip.MustParsePrefix("64:ff9b:1::/48") // RFC 8215 local-use prefix
	sixToFour = netip.MustParsePrefix("2002::/16")      // RFC 3056
	teredo    = netip.MustParsePrefix("2001::/32")      // RFC 4380
	v4Compat  = netip.MustParsePrefix("::/96")          // RFC 4291, deprecated
)

// embeddedIPv4 returns the IPv4 addresses an IPv6 address may deliver to.
func embeddedIPv4(a netip.Addr) []netip.Addr {
	b := a.As16()
	v4 := func(x0, x1, x2, x3 byte) netip.Addr { return netip.AddrFrom4([4]byte{x0, x1, x2, x3}) }
	switch {
	case !a.Is6():
		return nil
	case nat64.Contains(a):
		return []netip.Addr{v4(b[12], b[13], b[14], b[15])}
	case nat64c.Contains(a):
		return localNAT64(b)
	case sixToFour.Contains(a):
		return []netip.Addr{v4(b[2], b[3], b[4], b[5])}
	case teredo.Contains(a):
		return []netip.Addr{v4(^b[12], ^b[13], ^b[14], ^b[15])}
	case v4Compat.Contains(a) && !a.IsUnspecified() && !a.IsLoopback():
		return []netip.Addr{v4(b[12], b[13], b[14], b[15])}
	}
	return nil
}

// localNAT64 reads an address of the local-use NAT64 prefix, which a
// network may subdivide into a /48, /56, /64 or /96 translation prefix
// (RFC 6052 section 2.2, skipping bits 64-71): every form whose suffix is
// zero is a possible destination and is returned, except readings in
// 0.0.0.0/8, which are how a shorter form's zero suffix reads as a longer
// one, not a destination.
func localNAT64(b [16]byte) []netip.Addr {
	zero := func(from int) bool {
		for _, x := range b[from:] {
			if x != 0 {
				return false
			}
		}
		return true
	}
	var out []netip.Addr
	add := func(ok bool, x [4]byte) {
		if a := netip.AddrFrom4(x); ok && !thisNetwork.Contains(a) {
			out = append(out, a)
		}
	}
	add(zero(11), [4]byte{b[6], b[7], b[9], b[10]})   // /48
	add(zero(12), [4]byte{b[7], b[9], b[10], b[11]})  // /56
	add(zero(13), [4]byte{b[9], b[10], b[11], b[12]}) // /64
	add(true, [4]byte{b[12], b[13], b[14], b[15]})    // /96
	return out
}

// Check returns nil when addr may be dialled under p.
func (p Policy) Check(addr netip.Addr) error {
	addr = addr.Unmap()
	for _, v4 := range embeddedIPv4(addr) {
		if err := p.check(v4); err != nil {
			return fmt.Errorf("%w (embedded in %s)", err, addr)
		}
	}
	return p.check(addr)
}

// check judges one address by itself.
func (p Policy) check(addr netip.Addr) error {
	for _, m := range metadataAddrs {
		if addr == m {
			return fmt.Errorf("%w: %s is a cloud metadata address", ErrForbiddenAddress, addr)
		}
	}
	switch {
	case addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return fmt.Errorf("%w: %s is link-local", ErrForbiddenAddress, addr)
	case addr.IsUnspecified(), addr.IsMulticast(), thisNetwork.Contains(addr):
		return fmt.Errorf("%w: %s is not a unicast address", ErrForbiddenAddress, addr)
	case p.AllowInternal:
		return nil
	case addr.IsLoopback(), addr.IsPrivate(), sharedRange.Contains(addr):
		return fmt.Errorf("%w: %s is an internal address (the server refuses internal addresses unless started with --allow-internal-outbound)", ErrForbiddenAddress, addr)
	}
	return nil
}

// Client returns an HTTP client under p that trusts caPEM's certificates
// (when given) or p.Roots or the system roots.
func (p Policy) Client(caPEM string) (*http.Client, error) {
	roots := p.Roots
	if caPEM != "" {
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM([]byte(caPEM)) {
			return nil, errors.New("the CA certificate is not PEM")
		}
	}
	dialer := &net.Dialer{Timeout: Timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %q is not an IP address and port", ErrForbiddenAddress, address)
		}
		return p.Check(ap.Addr())
	}}
	dial := dialer.DialContext
	if len(p.Resolve) > 0 {
		dial = func(ctx context.Context, network, address string) (net.Conn, error) {
			if host, _, err := net.SplitHostPort(address); err == nil {
				if to, ok := p.Resolve[strings.ToLower(host)]; ok {
					address = to
				}
			}
			return dialer.DialContext(ctx, network, address)
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dial,
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   Timeout,
		ResponseHeaderTimeout: Timeout,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if req.URL.Scheme != "https" {
			return fmt.Errorf("refused a redirect to %s: only https is followed", req.URL.Scheme)
		}
		return nil
	}}, nil
}

// Response is a fetched document.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Get fetches url with c, reading at most MaxBodyBytes; a larger body is
// an error, as is any status but 200.
func Get(ctx context.Context, c *http.Client, url string) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "idplane")
	return Do(c, req)
}

// Do sends req with c and reads the answer, at most MaxBodyBytes of it; any
// status but 200 is an error that names it.
func Do(c *http.Client, req *http.Request) (*Response, error) {
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", req.URL.Redacted(), err)
	}
	if len(body) > MaxBodyBytes {
		return nil, fmt.Errorf("%s answered more than %d bytes", req.URL.Redacted(), MaxBodyBytes)
	}
	if res.StatusCode != http.StatusOK {
		return &Response{Status: res.StatusCode, Header: res.Header, Body: body}, fmt.Errorf("%s answered HTTP %d", req.URL.Redacted(), res.StatusCode)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: body}, nil
}
