package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/app"
	"github.com/idplane/idplane/server/internal/authmethod/azure"
	"github.com/idplane/idplane/server/internal/authmethod/gcp"
	"github.com/idplane/idplane/server/internal/revocation"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	var (
		cfg                               app.Config
		listen, tlsCert, tlsKey, proxies  string
		logFormat, logLevel               string
		shutdownSeconds, retentionDays    int
		outboundCAFile                    string
		leewaySeconds, reviewCacheSeconds int
		clientCerts, pprofListen          string
	)
	f := newFlagSet("serve", stderr)
	f.String(&listen, "listen", "127.0.0.1:8080", "address to listen on")
	databaseFlags(f, &cfg)
	f.String(&tlsCert, "tls-cert", "", "TLS certificate file (PEM); serves HTTPS with --tls-key")
	f.String(&tlsKey, "tls-key", "", "TLS private key file (PEM)")
	f.String(&proxies, "trusted-proxies", "", "comma-separated CIDRs whose X-Forwarded-For (and --client-cert-header) is believed")
	f.String(&clientCerts, "tls-client-certs", "none", "none, or request: ask TLS clients for a certificate without requiring one (TLS certificate auth)")
	f.String(&cfg.ClientCertHeader, "client-cert-header", "", "header in which a TLS-terminating proxy among --trusted-proxies passes the client certificate as URL-encoded PEM (nginx: $ssl_client_escaped_cert); that proxy's requests are judged by it alone")
	f.String(&pprofListen, "pprof-listen", "", "loopback address serving Go's /debug/pprof profiles on a listener of their own (off by default)")
	f.String(&logFormat, "log-format", "json", "log format: json or text")
	f.String(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.String(&cfg.Issuer, "issuer", "idplane", "issuer (iss) of access tokens")
	f.Float(&cfg.LoginRate, "login-rate", 50, "login requests per second allowed per client IP (0: unlimited)")
	f.Int(&cfg.LoginBurst, "login-burst", 100, "login requests a client IP may send in a burst")
	f.Bool(&cfg.Migrate, "migrate", true, "apply pending migrations at start-up")
	f.Int(&shutdownSeconds, "shutdown-timeout", 30, "seconds in-flight requests get to finish on SIGTERM")
	f.Int(&cfg.RevocationCacheEntries, "revocation-cache-entries", revocation.DefaultMaxEntries,
		"revocations each replica holds in memory (about 64 bytes each); past them, tokens issued before the oldest ones forgotten are refused and their clients log in again")
	f.Int(&retentionDays, "audit-retention-days", 0, "delete audit events older than this many days (0: keep them forever)")
	f.Bool(&cfg.Outbound.AllowInternal, "allow-internal-outbound", false, "let auth methods call loopback and private addresses (IdPs, JWKS); link-local and metadata addresses stay refused")
	f.String(&outboundCAFile, "outbound-ca-file", "", "PEM CA certificates trusted, instead of the system roots, for outbound calls whose configuration names no CA of its own")
	f.Int(&reviewCacheSeconds, "kubernetes-review-cache", 10, "seconds an authenticated Kubernetes TokenReview is reused for the same token (0: review every login); a deleted service account stops logging in within them")
	f.Int(&leewaySeconds, "jwt-leeway", 60, "seconds of clock skew allowed on workload tokens' exp, nbf and iat")
	f.String(&cfg.GCPOAuth2CertsURL, "gcp-oauth2-certs-url", gcp.DefaultOAuth2CertsURL, "JWKS of Google ID tokens (GCP auth, type gce)")
	f.String(&cfg.GCPServiceAccountCertsURL, "gcp-service-account-certs-url", gcp.DefaultServiceAccountCertsURL, "prefix of service accounts' x509 certificates; the account's email is appended (GCP auth, type iam)")
	f.String(&cfg.AzureLoginURL, "azure-login-url", azure.DefaultLoginURL, "Microsoft Entra ID login URL; tenants' discovery documents are below it (Azure auth)")
	if err := f.parse(args); err != nil {
		return err
	}
	if leewaySeconds < 0 || leewaySeconds > 600 {
		return fmt.Errorf("--jwt-leeway must be between 0 and 600 seconds, got %d", leewaySeconds)
	}
	cfg.JWTLeeway = time.Duration(leewaySeconds) * time.Second
	if reviewCacheSeconds < 0 || reviewCacheSeconds > 300 {
		return fmt.Errorf("--kubernetes-review-cache must be between 0 and 300 seconds, got %d", reviewCacheSeconds)
	}
	cfg.KubernetesReviewCache = time.Duration(reviewCacheSeconds) * time.Second
	for name, u := range map[string]string{"--gcp-oauth2-certs-url": cfg.GCPOAuth2CertsURL,
		"--gcp-service-account-certs-url": cfg.GCPServiceAccountCertsURL, "--azure-login-url": cfg.AzureLoginURL} {
		if err := api.ValidateHTTPSURL(u); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if outboundCAFile != "" {
		pemBytes, err := os.ReadFile(outboundCAFile)
		if err != nil {
			return fmt.Errorf("--outbound-ca-file: %w", err)
		}
		cfg.Outbound.Roots = x509.NewCertPool()
		if !cfg.Outbound.Roots.AppendCertsFromPEM(pemBytes) {
			return fmt.Errorf("--outbound-ca-file %s holds no PEM certificate", outboundCAFile)
		}
	}
	if cfg.RevocationCacheEntries < 1000 || cfg.RevocationCacheEntries > 100_000_000 {
		return fmt.Errorf("--revocation-cache-entries must be between 1000 and 100000000, got %d", cfg.RevocationCacheEntries)
	}
	if retentionDays < 0 {
		return fmt.Errorf("--audit-retention-days must be 0 (keep forever) or more, got %d", retentionDays)
	}
	cfg.AuditRetention = time.Duration(retentionDays) * 24 * time.Hour
	if (tlsCert == "") != (tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	tlsConfig, err := clientCertConfig(clientCerts, tlsCert != "")
	if err != nil {
		return err
	}
	logger, err := newLogger(stderr, logFormat, logLevel)
	if err != nil {
		return err
	}
	slog.SetDefault(logger)
	tuneGC()
	if cfg.TrustedProxies, err = parsePrefixes(proxies); err != nil {
		return err
	}
	if cfg.ClientCertHeader != "" && len(cfg.TrustedProxies) == 0 {
		return errors.New("--client-cert-header is believed only from --trusted-proxies: set them too")
	}
	if pprofListen != "" {
		stopProfiles, err := serveProfiles(pprofListen)
		if err != nil {
			return err
		}
		defer stopProfiles()
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	srv := &http.Server{Handler: a.Handler(), TLSConfig: tlsConfig, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() {
		if tlsCert != "" {
			errc <- srv.ServeTLS(ln, tlsCert, tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	slog.Info("idplane serving", "address", ln.Addr().String(), "database", a.Store.Dialect, "tls", tlsCert != "")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down; waiting for in-flight requests", "timeout_seconds", shutdownSeconds)
	sctx, cancel := context.WithTimeout(context.Background(), time.Duration(shutdownSeconds)*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	slog.Info("stopped")
	return nil
}

// clientCertConfig is the TLS configuration --tls-client-certs asks for:
// no client certificate for none; for request, one asked for but not
// required, since each identity's TLS certificate auth verifies it against
// its own CA.
func clientCertConfig(mode string, serveTLS bool) (*tls.Config, error) {
	switch mode {
	case "none":
		return &tls.Config{MinVersion: tls.VersionTLS12}, nil
	case "request":
		if !serveTLS {
			return nil, errors.New("--tls-client-certs request needs --tls-cert and --tls-key: client certificates come with TLS")
		}
		return &tls.Config{ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}, nil
	}
	return nil, fmt.Errorf("--tls-client-certs must be none or request, got %q", mode)
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be json or text, got %q", format)
}
