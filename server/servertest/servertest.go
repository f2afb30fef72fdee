// Package servertest starts a real idplane server in-process, on a fresh
// PostgreSQL or SQLite database, for tests of this module: the server's own
// HTTP tests and the Terraform provider's acceptance tests.
package servertest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/app"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
	"github.com/idplane/idplane/server/internal/dbtest"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
)

// Backend names a database for Start.
type Backend string

// Backends.
const (
	Postgres Backend = "postgres"
	SQLite   Backend = "sqlite"
)

// Options configure Start; the zero value is a PostgreSQL server without a
// login rate limit.
type Options struct {
	Backend        Backend
	TrustedProxies []netip.Prefix
	LoginRate      float64
	LoginBurst     int
	// DatabaseURL and MasterKey join an existing server's database, to run
	// a second replica.
	DatabaseURL string
	MasterKey   string
	// AllowInternalOutbound lets auth methods reach local identity providers
	// (test fakes on loopback); OutboundRoots are the CAs those fakes' TLS
	// certificates chain to, trusted when a configuration names none.
	AllowInternalOutbound bool
	OutboundRoots         *x509.CertPool
	// OutboundResolve sends the server's outbound connections for a host
	// name to a loopback "ip:port" (outbound.Policy.Resolve), so a fake can
	// stand for a public name such as sts.us-east-1.amazonaws.com.
	OutboundResolve map[string]string
	// Where Google's and Microsoft's keys are: local fakes in tests.
	GCPOAuth2CertsURL, GCPServiceAccountCertsURL, AzureLoginURL string
	// KubernetesReviewCache reuses authenticated TokenReviews for as long
	// (zero: every login is reviewed).
	KubernetesReviewCache time.Duration
	// JWTLeeway overrides the default clock skew on workload tokens.
	JWTLeeway time.Duration
	// Now replaces the service's clock, to move past expiries without waiting.
	Now func() time.Time
	// TLSClientCerts serves HTTPS asking clients for a certificate, as
	// `idplane serve --tls-client-certs request` does; Server.RootCAs
	// then trusts the server's certificate.
	TLSClientCerts bool
	// ClientCertHeader is the header in which a trusted proxy passes the
	// client certificate.
	ClientCertHeader string
}

// Server is a running in-process server with a bootstrapped organization.
type Server struct {
	URL         string
	DatabaseURL string
	MasterKey   string
	App         *app.App
	// Bootstrap holds the first organization's admin credentials; empty on replicas.
	Bootstrap service.BootstrapResult
	// RootCAs trusts the server's certificate when it serves HTTPS
	// (Options.TLSClientCerts); nil over plain HTTP.
	RootCAs *x509.CertPool
	// CertPEM is that certificate, PEM-encoded, for clients that read
	// their roots from a file.
	CertPEM string
}

// Main must wrap the tests of a package that starts PostgreSQL servers:
// func TestMain(m *testing.M) { servertest.Main(m) }.
// Request logs are kept to warnings so test output stays readable.
func Main(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	dbtest.Main(m)
}

func migrateTemplate(ctx context.Context, dsn string) error {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = st.Migrate(ctx)
	return err
}

// Start starts a server, and bootstraps organization "test" unless it joins
// an existing database.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx := context.Background()
	s := &Server{DatabaseURL: opts.DatabaseURL, MasterKey: opts.MasterKey}
	if s.DatabaseURL == "" {
		if opts.Backend == SQLite {
			s.DatabaseURL = dbtest.SQLite(t)
		} else {
			s.DatabaseURL = dbtest.Postgres(t, "idplane", migrateTemplate)
		}
	}
	if s.MasterKey == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		s.MasterKey = base64.StdEncoding.EncodeToString(b)
	}
	a, err := app.Open(ctx, app.Config{DatabaseURL: s.DatabaseURL, MasterKey: s.MasterKey, Migrate: true,
		TrustedProxies: opts.TrustedProxies, LoginRate: opts.LoginRate, LoginBurst: opts.LoginBurst,
		RevocationPoll: 100 * time.Millisecond,
		Outbound:       outbound.Policy{AllowInternal: opts.AllowInternalOutbound, Roots: opts.OutboundRoots, Resolve: opts.OutboundResolve},
		JWTLeeway:      opts.JWTLeeway, KubernetesReviewCache: opts.KubernetesReviewCache, Now: opts.Now, GCPOAuth2CertsURL: opts.GCPOAuth2CertsURL,
		GCPServiceAccountCertsURL: opts.GCPServiceAccountCertsURL, AzureLoginURL: opts.AzureLoginURL,
		ClientCertHeader: opts.ClientCertHeader})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	s.App = a
	hs := httptest.NewUnstartedServer(a.Handler())
	if opts.TLSClientCerts {
		hs.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
		hs.StartTLS()
		s.RootCAs = x509.NewCertPool()
		s.RootCAs.AddCert(hs.Certificate())
		s.CertPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}))
	} else {
		hs.Start()
	}
	s.URL = hs.URL
	t.Cleanup(func() {
		hs.Close()
		if err := a.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	if opts.DatabaseURL == "" {
		s.Bootstrap = s.NewOrganization(t, "test")
	}
	return s
}

// NewOrganization bootstraps another tenant and returns its admin credentials.
func (s *Server) NewOrganization(t testing.TB, name string) service.BootstrapResult {
	t.Helper()
	res, err := service.Bootstrap(context.Background(), s.App.Store, s.App.Keys, name)
	if err != nil {
		t.Fatalf("bootstrap %q: %v", name, err)
	}
	return *res
}

// Client returns an API client for the server with the given options.
func (s *Server) Client(t testing.TB, opts ...api.Option) *api.Client {
	t.Helper()
	base := []api.Option{api.WithUserAgent("idplane-servertest")}
	if s.RootCAs != nil {
		base = append(base, api.WithHTTPClient(&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.RootCAs}}}))
	}
	c, err := api.NewClient(s.URL, append(append(base,
		api.WithRetry(api.RetryPolicy{MaxAttempts: 1})), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Admin returns a client logged in as the bootstrapped organization's admin.
func (s *Server) Admin(t testing.TB) *api.Client {
	return s.Client(t, api.WithUniversalAuth(s.Bootstrap.ClientID, s.Bootstrap.ClientSecret))
}
