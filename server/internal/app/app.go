// Package app wires the server together from its configuration; the
// `idplane serve` command and the in-process test servers both use it.
package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/idplane/idplane/server/internal/authmethod"
	"github.com/idplane/idplane/server/internal/authmethod/awsauth"
	"github.com/idplane/idplane/server/internal/authmethod/azure"
	"github.com/idplane/idplane/server/internal/authmethod/gcp"
	"github.com/idplane/idplane/server/internal/authmethod/jwtauth"
	"github.com/idplane/idplane/server/internal/authmethod/kubernetes"
	"github.com/idplane/idplane/server/internal/authmethod/methodhost"
	"github.com/idplane/idplane/server/internal/authmethod/oidc"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
	"github.com/idplane/idplane/server/internal/authmethod/tlscert"
	"github.com/idplane/idplane/server/internal/authmethod/universalhost"
	"github.com/idplane/idplane/server/internal/httpapi"
	"github.com/idplane/idplane/server/internal/janitor"
	"github.com/idplane/idplane/server/internal/revocation"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
)

// Config is everything `idplane serve` can be told.
type Config struct {
	DatabaseURL    string
	MasterKey      string // base64; wins over MasterKeyFile
	MasterKeyFile  string
	Issuer         string
	TrustedProxies []netip.Prefix
	LoginRate      float64
	LoginBurst     int
	// Migrate applies pending migrations at start-up; without it the server
	// refuses to start on an out-of-date schema.
	Migrate        bool
	RevocationPoll time.Duration
	// RevocationCacheEntries bounds the revocations each replica holds in
	// memory (0: revocation.DefaultMaxEntries).
	RevocationCacheEntries int
	// AuditRetention deletes audit events older than this; 0 keeps them.
	AuditRetention time.Duration
	// Outbound is where auth methods' calls to identity providers may go
	// and which CAs they trust besides a configuration's own.
	Outbound outbound.Policy
	// KubernetesReviewCache is how long an authenticated TokenReview is
	// reused for the same token on this replica (0: every login is reviewed).
	KubernetesReviewCache time.Duration
	// JWTLeeway is the clock skew allowed on workload tokens' exp, nbf and
	// iat (default 60 s).
	JWTLeeway time.Duration
	// Where Google and Microsoft publish their keys (defaults: the public
	// clouds'), for sovereign clouds, mirrors and tests.
	GCPOAuth2CertsURL, GCPServiceAccountCertsURL, AzureLoginURL string
	// Now is the service's clock; tests move it (nil is the real one).
	Now func() time.Time
	// ClientCertHeader is the header in which a TLS-terminating proxy among
	// TrustedProxies passes the client certificate (TLS certificate auth).
	ClientCertHeader string
}

// App is a running control plane minus its listener.
type App struct {
	Store   *store.Store
	Service *service.Service
	Keys    *secret.Keys
	HTTP    *httpapi.Server
	writes  *store.GroupCommit
	// Activity holds the logins not yet written (tests flush it).
	Activity *store.Activity
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// MasterKeys loads the master key from cfg and derives the server's keys.
func MasterKeys(cfg Config) (*secret.Keys, error) {
	var (
		master []byte
		err    error
	)
	if cfg.MasterKey != "" {
		master, err = secret.ParseMasterKey(cfg.MasterKey)
	} else {
		master, err = secret.LoadOrCreateMasterKey(cfg.MasterKeyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return secret.NewKeys(master)
}

// Open connects to the database, checks or applies migrations, loads the
// signing keys and revocations, and builds the HTTP server.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Issuer == "" {
		cfg.Issuer = "idplane"
	}
	if cfg.RevocationPoll <= 0 {
		cfg.RevocationPoll = 250 * time.Millisecond
	}
	keys, err := MasterKeys(cfg)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, st, keys)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg Config, st *store.Store, keys *secret.Keys) (*App, error) {
	if err := CheckSchema(ctx, st, cfg.Migrate); err != nil {
		return nil, err
	}
	signer, err := service.LoadSigner(ctx, st, keys, cfg.Issuer)
	if err != nil {
		return nil, err
	}
	revs := revocation.New(st.DB, func() time.Time { return time.Now().UTC() }, cfg.RevocationCacheEntries)
	if err := revs.Load(ctx); err != nil {
		return nil, fmt.Errorf("load revocations: %w", err)
	}
	// One flusher: while it commits, the next batch gathers. A second one
	// on PostgreSQL halved the batches, and each commit's fsync and context
	// switches cost more than its rows (PostgreSQL's CPU per login 64–70 µs
	// with two, 45–46 µs with one, logins/s +12 % in alternating runs).
	metrics := httpapi.NewMetrics()
	writes := store.NewGroupCommit(st, 1, 512, metrics.GroupCommit)
	verifier := signedtoken.New(signedtoken.Options{Policy: cfg.Outbound, Leeway: cfg.JWTLeeway})
	methods := authmethod.Registry{
		universalhost.Method{},
		methodhost.Mount(oidc.New(verifier)),
		methodhost.Mount(jwtauth.New(verifier)),
		methodhost.Mount(gcp.New(verifier, gcp.CertsURLs{OAuth2: cfg.GCPOAuth2CertsURL, ServiceAccount: cfg.GCPServiceAccountCertsURL})),
		methodhost.Mount(azure.New(verifier, cfg.AzureLoginURL)),
		methodhost.Mount(kubernetes.New(cfg.Outbound, cfg.KubernetesReviewCache)),
		methodhost.Mount(awsauth.New(cfg.Outbound)),
		methodhost.Mount(tlscert.New(tlscert.Proxy{Header: cfg.ClientCertHeader, Trusted: cfg.TrustedProxies})),
	}
	activity := store.NewActivity(st)
	svc := service.New(service.Deps{Store: st, Keys: keys, Signer: signer, Writes: writes, Revocations: revs, Observer: metrics,
		Activity: activity, AuthMethods: methods, Now: cfg.Now})
	metrics.CollectActivity(svc.Activity)
	h, err := httpapi.New(httpapi.Config{TrustedProxies: cfg.TrustedProxies, LoginRate: cfg.LoginRate, LoginBurst: cfg.LoginBurst,
		AuthMethods: methods, Keys: keys}, svc, st, signer, metrics)
	if err != nil {
		writes.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	a := &App{Store: st, Service: svc, Keys: keys, HTTP: h, writes: writes, Activity: activity, cancel: cancel}
	now := func() time.Time { return time.Now().UTC() }
	a.wg.Go(func() { revs.Run(runCtx, cfg.RevocationPoll) })
	a.wg.Go(func() { activity.Run(runCtx, store.ActivityFlushInterval) })
	a.wg.Go(func() { janitor.New(st.DB, now, cfg.AuditRetention).Run(runCtx, 10*time.Minute) })
	return a, nil
}

// CheckSchema applies pending migrations when migrate is set, and otherwise
// fails unless the schema is current; either way it refuses a schema newer
// than this release knows.
func CheckSchema(ctx context.Context, st *store.Store, migrate bool) error {
	if migrate {
		_, err := st.Migrate(ctx)
		return err
	}
	ms, err := store.Migrations(st.Dialect)
	if err != nil {
		return err
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil || v < ms[len(ms)-1].Version {
		return errors.New("the database schema is not up to date: run `idplane migrate` (or serve with --migrate)")
	}
	return store.CheckNotNewer(v, ms)
}

// Handler is the HTTP API.
func (a *App) Handler() http.Handler { return a.HTTP }

// Close stops background work, flushes pending writes and closes the database.
func (a *App) Close() error {
	a.cancel()
	a.wg.Wait()
	a.writes.Close()
	return a.Store.Close()
}
