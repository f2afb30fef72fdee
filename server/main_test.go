package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idplane/idplane/server/internal/store"
)

func runCLI(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func dbFlags(t *testing.T) []string {
	dir := t.TempDir()
	return []string{"--database-url", filepath.Join(dir, "idplane.db"), "--master-key-file", filepath.Join(dir, "idplane.key")}
}

func TestBootstrapOnceThenRefuses(t *testing.T) {
	ctx := context.Background()
	db := dbFlags(t)
	code, out, errOut := runCLI(t, ctx, append([]string{"bootstrap", "--organization", "acme", "--output", "json"}, db...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res map[string]string
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"organizationId", "identityId", "clientId", "clientSecret"} {
		if res[k] == "" {
			t.Errorf("bootstrap output lacks %s: %s", k, out)
		}
	}
	if !strings.HasPrefix(res["clientSecret"], "idp_cs_") {
		t.Errorf("client secret %q lacks its prefix", res["clientSecret"])
	}

	code, out, errOut = runCLI(t, ctx, append([]string{"bootstrap", "--organization", "acme", "--output", "json"}, db...)...)
	if code != 1 || out != "" || !strings.Contains(errOut, `organization "acme" is already bootstrapped`) {
		t.Fatalf("second bootstrap: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = runCLI(t, ctx, append([]string{"bootstrap", "--organization", "globex"}, db...)...)
	if code != 0 {
		t.Fatalf("second tenant: exit %d: %s", code, errOut)
	}
}

func TestMigrateReportsWhatItApplied(t *testing.T) {
	ctx := context.Background()
	db := []string{"--database-url", filepath.Join(t.TempDir(), "m.db")}
	ms, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	versions := make([]int, len(ms))
	for i, m := range ms {
		versions[i] = m.Version
	}
	last := versions[len(versions)-1]
	code, out, errOut := runCLI(t, ctx, append([]string{"migrate"}, db...)...)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("applied migrations %v", versions)) {
		t.Fatalf("first migrate: exit %d, %q %q; want versions %v applied", code, out, errOut, versions)
	}
	code, out, _ = runCLI(t, ctx, append([]string{"migrate"}, db...)...)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("up to date at version %d", last)) {
		t.Fatalf("second migrate: exit %d, %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{{}, {"nope"}, {"serve", "--no-such-flag"}, {"serve", "extra"}} {
		if code, _, _ := runCLI(t, ctx, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errOut := runCLI(t, ctx, "bootstrap", "--output", "yaml"); code != 1 || !strings.Contains(errOut, "--output must be json or text") {
		t.Errorf("bad --output: exit %d, %q", code, errOut)
	}
	// Outbound settings are checked before anything starts.
	for _, tc := range []struct{ args []string }{
		{[]string{"serve", "--jwt-leeway", "3600"}},
		{[]string{"serve", "--gcp-oauth2-certs-url", "http://mirror.internal/certs"}},
		{[]string{"serve", "--azure-login-url", "login.microsoftonline.com"}},
		{[]string{"serve", "--outbound-ca-file", "/no/such/ca.pem"}},
		{[]string{"serve", "--pprof-listen", "0.0.0.0:6060"}},
		{[]string{"serve", "--revocation-cache-entries", "10"}},
		{[]string{"serve", "--pprof-listen", "6060"}},
	} {
		code, _, errOut := runCLI(t, ctx, tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.args[1]) {
			t.Errorf("%v: exit %d, %q; want exit 1 naming %s", tc.args, code, errOut, tc.args[1])
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve reads its flags from IDPLANE_* variables, answers /readyz, serves
// Go profiles on --pprof-listen and nowhere else, and returns cleanly when
// told to stop (SIGTERM cancels the same context).
func TestServeFromEnvironmentAndStop(t *testing.T) {
	addr, pprofAddr := freeAddr(t), freeAddr(t)
	dir := t.TempDir()
	t.Setenv("IDPLANE_PPROF_LISTEN", pprofAddr)
	t.Setenv("IDPLANE_LISTEN", addr)
	t.Setenv("IDPLANE_DATABASE_URL", filepath.Join(dir, "s.db"))
	t.Setenv("IDPLANE_MASTER_KEY_FILE", filepath.Join(dir, "s.key"))
	t.Setenv("IDPLANE_LOG_FORMAT", "text")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() { done <- run(ctx, []string{"serve"}, &bytes.Buffer{}, &logs) }()
	ready := false
	for i := 0; i < 100 && !ready; i++ {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			ready = res.StatusCode == http.StatusOK
			res.Body.Close()
		}
		if !ready {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ready {
		cancel()
		t.Fatalf("server never became ready on %s", addr)
	}
	if body := get(t, "http://"+pprofAddr+"/debug/pprof/heap?debug=1", http.StatusOK); !strings.Contains(body, "# HeapAlloc = ") {
		t.Errorf("no heap profile on --pprof-listen:\n%.300s", body)
	}
	get(t, "http://"+addr+"/debug/pprof/heap?debug=1", http.StatusNotFound)
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
	if !strings.Contains(logs.String(), "shutting down") || !strings.Contains(logs.String(), "stopped") {
		t.Errorf("no shutdown in the log:\n%s", logs.String())
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
	if _, err := http.Get("http://" + pprofAddr + "/debug/pprof/"); err == nil {
		t.Error("profiles still served after shutdown")
	}
}

func get(t *testing.T, url string, want int) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != want {
		t.Errorf("GET %s: %s, want %d", url, res.Status, want)
	}
	return string(body)
}

// With --tls-cert and --tls-key the API is served over HTTPS only.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--database-url", filepath.Join(dir, "t.db"),
			"--master-key-file", filepath.Join(dir, "t.key"), "--tls-cert", certFile, "--tls-key", keyFile}, &bytes.Buffer{}, &bytes.Buffer{})
	}()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var (
		res *http.Response
		err error
	)
	for range 100 {
		if res, err = client.Get("https://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("HTTPS never answered: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil {
		t.Fatalf("status %d, TLS %v", res.StatusCode, res.TLS != nil)
	}
	if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Error("plain HTTP is answered too")
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	if code, _, errOut := runCLI(t, context.Background(), "serve", "--tls-cert", certFile); code != 1 || !strings.Contains(errOut, "go together") {
		t.Errorf("--tls-cert alone: exit %d, %q", code, errOut)
	}
}

// --tls-client-certs request (here from its IDPLANE_ variable) asks TLS
// clients for a certificate without requiring one; the flags that cannot
// work are refused up front.
func TestServeTLSClientCerts(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	addr := freeAddr(t)
	t.Setenv("IDPLANE_TLS_CLIENT_CERTS", "request")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--database-url", filepath.Join(dir, "t.db"),
			"--master-key-file", filepath.Join(dir, "t.key"), "--tls-cert", certFile, "--tls-key", keyFile}, &bytes.Buffer{}, &bytes.Buffer{})
	}()
	var asked atomic.Bool
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			asked.Store(true)
			return &tls.Certificate{}, nil
		}}}}
	var (
		res *http.Response
		err error
	)
	for range 100 {
		if res, err = client.Get("https://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("HTTPS never answered a client without a certificate: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !asked.Load() {
		t.Fatalf("status %d, client certificate requested %v", res.StatusCode, asked.Load())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--tls-client-certs", "request"}, "needs --tls-cert"},
		{[]string{"--tls-client-certs", "require", "--tls-cert", certFile, "--tls-key", keyFile}, "none or request"},
		{[]string{"--tls-client-certs", "none", "--client-cert-header", "X-SSL-Client-Cert"}, "--trusted-proxies"},
	} {
		if code, _, errOut := runCLI(t, context.Background(), append([]string{"serve"}, c.args...)...); code != 1 || !strings.Contains(errOut, c.says) {
			t.Errorf("serve %v: exit %d, %q, want it to say %q", c.args, code, errOut, c.says)
		}
	}
}

func selfSigned(t *testing.T, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
