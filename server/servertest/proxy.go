package servertest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
)

// DroppingProxy is a reverse proxy in front of a server that, the first
// time it sees method and path, forwards the request, waits for the whole
// answer (so the server has done its work) and then closes the client's
// connection without answering: what a load balancer timeout or a crash
// after commit looks like to a client. Every other request passes through.
type DroppingProxy struct {
	URL     string
	dropped atomic.Int32
}

// Dropped is how many answers the proxy dropped (0 or 1).
func (p *DroppingProxy) Dropped() int { return int(p.dropped.Load()) }

// StartDroppingProxy starts a DroppingProxy in front of target (a server URL).
func StartDroppingProxy(t testing.TB, target, method, path string) *DroppingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &DroppingProxy{}
	pass := httputil.NewSingleHostReverseProxy(u)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method || r.URL.Path != path || !p.dropped.CompareAndSwap(0, 1) {
			pass.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("dropping proxy: read request: %v", err)
			return
		}
		out, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			t.Errorf("dropping proxy: %v", err)
			return
		}
		out.Header = r.Header.Clone()
		res, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			t.Errorf("dropping proxy: forward: %v", err)
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("dropping proxy: hijack: %v", err)
			return
		}
		_ = conn.Close()
	}))
	t.Cleanup(hs.Close)
	p.URL = hs.URL
	return p
}
