package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"
)

// loadClient sends a phase's requests on kept-alive connections of one
// host. It is fasthttp's, not net/http's: this process shares the machine
// with the server and PostgreSQL, and net/http's client cost 40–75 µs of
// CPU per request (a reader and a writer goroutine per connection, headers
// in maps, the JSON answer decoded), a third of the two cores at the rates
// measured; fasthttp's sends and reads on the calling goroutine with reused
// buffers, so what is measured is the server.
type loadClient struct {
	hc   *fasthttp.HostClient
	host string // scheme://address, without a path
}

func newLoadClient(host string, conns int, tlsConfig *tls.Config) (*loadClient, error) {
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", host, err)
	}
	return &loadClient{host: u.Scheme + "://" + u.Host, hc: &fasthttp.HostClient{
		Addr: u.Host, IsTLS: u.Scheme == "https", TLSConfig: tlsConfig, MaxConns: conns,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxIdleConnDuration: time.Minute,
	}}, nil
}

// call is one request and what its answer must be.
type call struct {
	method, path string
	bearer       string // the Authorization header's value, if any
	body         []byte // sent as application/json
	status       int    // the status the answer must have
	want         []byte // bytes the answer's body must contain, if any
	newConn      bool   // close the connection after the answer (a TLS handshake each time)
}

func (c *loadClient) send(k call) error {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	req.Header.SetMethod(k.method)
	req.SetRequestURI(c.host + k.path)
	if k.bearer != "" {
		req.Header.Set("Authorization", k.bearer)
	}
	if k.body != nil {
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(k.body)
	}
	if k.newConn {
		req.SetConnectionClose()
	}
	if err := c.hc.Do(req, res); err != nil {
		return fmt.Errorf("%s %s: %w", k.method, k.path, err)
	}
	if res.StatusCode() != k.status || !bytes.Contains(res.Body(), k.want) {
		return fmt.Errorf("%s %s: HTTP %d: %s, want %d with %s", k.method, k.path, res.StatusCode(), res.Body(), k.status, k.want)
	}
	return nil
}

// phaseOf is a phase sending k every time.
func (c *loadClient) phaseOf(k call) func() error {
	return func() error { return c.send(k) }
}
