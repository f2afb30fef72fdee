package outbound

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	always := []string{
		"169.254.169.254", "::ffff:169.254.169.254", "fd00:ec2::254", "100.100.100.200", // cloud metadata
		"169.254.1.1", "fe80::1", // link-local
		"0.0.0.0", "::", "0.1.2.3", "224.0.0.1", "ff02::1", // not unicast
	}
	internal := []string{"127.0.0.1", "127.8.9.10", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "fc00::1", "100.64.0.1", "::ffff:10.1.1.1"}
	public := []string{"93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.63.255.255", "172.32.0.1"}
	for _, allowInternal := range []bool{false, true} {
		p := Policy{AllowInternal: allowInternal}
		for _, a := range always {
			if err := p.Check(netip.MustParseAddr(a)); !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("AllowInternal=%v: %s allowed (%v)", allowInternal, a, err)
			}
		}
		for _, a := range internal {
			err := p.Check(netip.MustParseAddr(a))
			if allowInternal && err != nil {
				t.Errorf("AllowInternal: %s refused: %v", a, err)
			}
			if !allowInternal && (!errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "--allow-internal-outbound")) {
				t.Errorf("%s: %v, want a refusal naming --allow-internal-outbound", a, err)
			}
		}
		for _, a := range public {
			if err := p.Check(netip.MustParseAddr(a)); err != nil {
				t.Errorf("AllowInternal=%v: public %s refused: %v", allowInternal, a, err)
			}
		}
	}
	err := Policy{AllowInternal: true}.Check(netip.MustParseAddr("169.254.169.254"))
	if err == nil || !strings.Contains(err.Error(), "cloud metadata") {
		t.Fatalf("metadata address: %v", err)
	}
}

// The guard runs in the dialer, on the address actually dialled, before the
// connection is made: the metadata address is refused even with internal
// addresses allowed, and no packet leaves for it (the socket's Control hook
// fails before connect).
func TestClientRefusesMetadataAddressInTheDialer(t *testing.T) {
	c, err := Policy{AllowInternal: true}.Client("")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"https://169.254.169.254/metadata/identity/oauth2/token",
		"http://[fd00:ec2::254]/latest/api/token",
		"http://169.254.169.254:8080/",
	} {
		_, err := Get(t.Context(), c, u)
		if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "metadata") {
			t.Errorf("GET %s: %v, want the guard's refusal", u, err)
		}
	}
}

func TestClientRefusesInternalAddressesUnlessAllowed(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	roots := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

	closed, err := Policy{Roots: roots}.Client("")
	if err != nil {
		t.Fatal(err)
	}
	// By IP and by a name that resolves to loopback: DNS cannot smuggle it past.
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		_, err := Get(t.Context(), closed, u)
		if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "internal address") {
			t.Errorf("GET %s without AllowInternal: %v", u, err)
		}
	}
	open, err := Policy{AllowInternal: true, Roots: roots}.Client("")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Get(t.Context(), open, srv.URL)
	if err != nil || res.Status != 200 || string(res.Body) != "{}" {
		t.Fatalf("GET with AllowInternal: %+v, %v", res, err)
	}
}

func TestClientTLSVerified(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	c, err := Policy{AllowInternal: true}.Client("") // system roots only
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Get(t.Context(), c, srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an untrusted certificate: %v", err)
	}
	if _, err := (Policy{}).Client("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"); err == nil {
		t.Fatal("a CA that does not parse was accepted")
	}
}

func TestClientLimitsAndStatus(t *testing.T) {
	var redirectTo string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			_, _ = w.Write([]byte(strings.Repeat("x", MaxBodyBytes+1)))
		case "/exact":
			_, _ = w.Write([]byte(strings.Repeat("x", MaxBodyBytes)))
		case "/down":
			http.Error(w, "no", http.StatusServiceUnavailable)
		case "/to-http":
			http.Redirect(w, r, redirectTo, http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/ok":
			if r.Header.Get("User-Agent") != "idplane" || r.Header.Get("Accept") != "application/json" {
				http.Error(w, "headers", http.StatusBadRequest)
			}
		}
	}))
	defer srv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer plain.Close()
	redirectTo = plain.URL + "/"
	// A proxy from the environment is ignored: it would fail every request.
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	c, err := Policy{AllowInternal: true, Roots: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}.Client("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Get(t.Context(), c, srv.URL+"/ok"); err != nil {
		t.Fatalf("ok: %v", err)
	}
	if res, err := Get(t.Context(), c, srv.URL+"/exact"); err != nil || len(res.Body) != MaxBodyBytes {
		t.Fatalf("a body of exactly the limit: %v", err)
	}
	for path, want := range map[string]string{
		"/big":     "more than 1048576 bytes",
		"/down":    "answered HTTP 503",
		"/to-http": "only https is followed",
		"/loop":    "stopped after 3 redirects",
	} {
		if _, err := Get(t.Context(), c, srv.URL+path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("GET %s: %v, want %q", path, err, want)
		}
	}
}

// Resolve sends a name's connections to a loopback address, the name
// kept for TLS (httptest's certificate is valid for example.com); the
// guard checks the address dialled, not the name.
func TestClientResolve(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.Host))
	}))
	defer srv.Close()
	roots := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	resolve := map[string]string{"example.com": srv.Listener.Addr().String()}

	closed, err := Policy{Roots: roots, Resolve: resolve}.Client("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Get(t.Context(), closed, "https://example.com/"); !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "internal address") {
		t.Errorf("a name resolved to loopback without AllowInternal: %v, want the guard's refusal", err)
	}
	open, err := Policy{AllowInternal: true, Roots: roots, Resolve: resolve}.Client("")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Get(t.Context(), open, "https://example.com/")
	if err != nil || string(res.Body) != "example.com" {
		t.Fatalf("GET https://example.com/ resolved to the test server: %+v, %v", res, err)
	}
}

// IPv6 addresses that embed an IPv4 address reach that IPv4 host (through
// NAT64, 6to4, Teredo or an IPv4-compatible stack): they are judged by the
// embedded address.
func TestPolicyCheckEmbeddedIPv4(t *testing.T) {
	const (
		ok       = ""
		metadata = "cloud metadata"
		internal = "--allow-internal-outbound"
		linkLoc  = "link-local"
	)
	for _, tc := range []struct {
		addr          string
		allowInternal bool
		want          string
	}{
		// NAT64, well-known prefix (RFC 6052): the last 32 bits.
		{"64:ff9b::a9fe:a9fe", true, metadata},
		{"64:ff9b::169.254.169.254", false, metadata},
		{"64:ff9b::a9fe:101", true, linkLoc},
		{"64:ff9b::7f00:1", false, internal},
		{"64:ff9b::7f00:1", true, ok},
		{"64:ff9b::a00:1", false, internal},
		{"64:ff9b::808:808", false, ok},
		// NAT64, local-use prefix (RFC 8215), subdivided at /48 (bits
		// 48-63 and 72-87), /56, /64 or /96 (the last 32 bits).
		{"64:ff9b:1::a9fe:a9fe", true, metadata},
		{"64:ff9b:1:a9fe:00a9:fe00::", true, metadata},
		{"64:ff9b:1:00a9:00fe:a9fe::", true, metadata},
		{"64:ff9b:1:0:00a9:fea9:fe00:0", true, metadata},
		{"64:ff9b:1:0a00:0001::", false, internal},
		{"64:ff9b:1::808:808", false, ok},
		{"64:ff9b:1:808:0008:0800::", false, ok},
		// 6to4 (RFC 3056): bits 16-47.
		{"2002:a9fe:a9fe::1", true, metadata},
		{"2002:7f00:1::", false, internal},
		{"2002:c0a8:101:1::1", false, internal},
		{"2002:808:808::1", false, ok},
		// Teredo (RFC 4380): the client is the last 32 bits, inverted.
		{"2001:0:4136:e378:8000:63bf:5601:5601", true, metadata},  // 169.254.169.254
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", false, internal}, // 127.0.0.1
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", false, ok},       // 8.8.8.8
		// IPv4-compatible (RFC 4291, deprecated): the last 32 bits.
		{"::a9fe:a9fe", true, metadata},
		{"::169.254.169.254", false, metadata},
		{"::a00:1", false, internal},
		{"::808:808", false, ok},
		// IPv4-mapped.
		{"::ffff:169.254.169.254", true, metadata},
		{"::ffff:127.0.0.1", false, internal},
		// Not embeddings: the IPv6 loopback and a global address.
		{"::1", true, ok},
		{"::1", false, internal},
		{"2606:4700::a9fe:a9fe", false, ok},
	} {
		err := Policy{AllowInternal: tc.allowInternal}.Check(netip.MustParseAddr(tc.addr))
		switch {
		case tc.want == ok && err != nil:
			t.Errorf("%s (AllowInternal=%v): refused: %v", tc.addr, tc.allowInternal, err)
		case tc.want != ok && (!errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s (AllowInternal=%v): %v, want a refusal saying %q", tc.addr, tc.allowInternal, err, tc.want)
		}
	}
}
