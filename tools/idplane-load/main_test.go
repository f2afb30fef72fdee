package main

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/idplane/idplane/server/servertest"
)

// The load generator's phases, briefly, against a real server: every
// request must be answered as the phase expects (a token, a refusal, an
// allow, the secret's value), or make bench would measure errors.
func TestPhasesAgainstAServer(t *testing.T) {
	fake := httptest.NewTLSServer(http.NotFoundHandler()) // the certificate the fakes serve with
	roots := fake.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	fake.Close()
	srv := servertest.Start(t, servertest.Options{Backend: servertest.SQLite, AllowInternalOutbound: true, OutboundRoots: roots})
	bin := filepath.Join(t.TempDir(), "idplane-load")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	phases := []string{"GET /healthz", "universal-auth login", "universal-auth wrong secret", "universal-auth unknown client",
		"GET /api/v1/auth/token/self", "POST /api/v1/authz/check", "GET /api/v3/secrets/raw/{key}",
		"OIDC login RS256", "OIDC login ES256", "Kubernetes login", "AWS login"}
	out, err := exec.Command(bin, "--host", srv.URL, "--client-id", srv.Bootstrap.ClientID, "--client-secret", srv.Bootstrap.ClientSecret,
		"-c", "4", "-d", "300ms", "-warmup", "100ms", "--phases", "healthz,login,wrong-secret,unknown-client,self,check,secret,oidc,kubernetes,aws").CombinedOutput()
	if err != nil {
		t.Fatalf("idplane-load: %v\n%s", err, out)
	}
	for _, p := range phases {
		m := regexp.MustCompile(regexp.QuoteMeta(p) + `\s+\d+ req/s .* requests (\d+)\s+errors (\d+)`).FindSubmatch(out)
		if m == nil {
			t.Errorf("no line for %s in:\n%s", p, out)
			continue
		}
		if n, _ := strconv.Atoi(string(m[1])); n == 0 || string(m[2]) != "0" {
			t.Errorf("%s: %s requests, %s errors", p, m[1], m[2])
		}
	}
}
