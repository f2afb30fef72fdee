// Package httpapi serves the idplane HTTP API with Echo: one generic wrapper
// authenticates, decodes, validates and renders every route; handlers call
// the service and nothing else.
package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/internal/token"
)

// Config tunes the HTTP layer.
type Config struct {
	// TrustedProxies are the CIDRs whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// LoginRate is the sustained login requests per second allowed per
	// client IP (0 disables the limit); LoginBurst is the bucket size.
	LoginRate  float64
	LoginBurst int
	// AuthMethods register the auth methods' routes.
	AuthMethods AuthMethodRoutes
	// Keys encrypt the answers kept for Idempotency-Key replays.
	Keys *secret.Keys
}

// Server is the HTTP API.
type Server struct {
	echo        *echo.Echo
	svc         *service.Service
	store       *store.Store
	keys        *secret.Keys
	signer      *token.Signer
	metrics     *Metrics
	authMethods AuthMethodRoutes
	registered  map[string]bool
}

// New builds the Echo server with every route of api.Routes.
func New(cfg Config, svc *service.Service, st *store.Store, signer *token.Signer, m *Metrics) (*Server, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	s := &Server{echo: e, svc: svc, store: st, keys: cfg.Keys, signer: signer, metrics: m, authMethods: cfg.AuthMethods, registered: map[string]bool{}}
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		Generator: newRequestID,
	}))
	e.Use(s.observe)
	e.Use(middleware.Recover())
	bodyLimits(e)
	if cfg.LoginRate > 0 {
		limiter := loginLimiter(cfg.LoginRate, cfg.LoginBurst)
		e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
			h := limiter(next)
			return func(c echo.Context) error {
				// Logins, renewals and revocations; introspection is an
				// authenticated question, not a login.
				if strings.HasPrefix(c.Path(), "/api/v1/auth/") && c.Request().Method == http.MethodPost && c.Path() != api.RouteIntrospectToken.Path {
					return h(c)
				}
				return next(c)
			}
		})
	}
	s.routes()
	for _, r := range api.Routes {
		if !s.registered[r.ID] {
			return nil, fmt.Errorf("route %s %s has no handler", r.Method, r.Path)
		}
	}
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Routes lists what Echo serves, as "METHOD /path/{param}", for the test
// that holds the route table and the router together.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.echo.Routes() {
		if strings.HasPrefix(r.Name, "github.com/labstack") {
			continue
		}
		p := r.Path
		parts := strings.Split(p, "/")
		for i, part := range parts {
			if strings.HasPrefix(part, ":") {
				parts[i] = "{" + part[1:] + "}"
			}
		}
		out = append(out, r.Method+" "+strings.Join(parts, "/"))
	}
	return out
}

func ipExtractor(proxies []netip.Prefix) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		opts = append(opts, echo.TrustIPRange(prefixToIPNet(p)))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

func (s *Server) meta(c echo.Context) service.Meta {
	ip, _ := netip.ParseAddr(c.RealIP())
	return service.Meta{IP: ip.Unmap(), UserAgent: c.Request().UserAgent(), RequestID: requestID(c)}
}

func requestID(c echo.Context) string { return c.Response().Header().Get(echo.HeaderXRequestID) }

func (s *Server) authenticate(c *Ctx) (*service.Caller, error) {
	h := c.Request().Header.Get("Authorization")
	scheme, raw, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return nil, fmt.Errorf("an Authorization: Bearer <access token> header is required: %w", service.ErrUnauthenticated)
	}
	return s.svc.Authenticate(c.Request().Context(), strings.TrimSpace(raw), c.Meta)
}

// observe logs one line per request and records metrics by route template.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		d := time.Since(start)
		if s.metrics != nil {
			s.metrics.request(c.Request().Method, route, status, d)
		}
		ctx, level := c.Request().Context(), levelFor(status)
		if !slog.Default().Enabled(ctx, level) {
			return nil // spares the client address's parsing when the line is not written
		}
		slog.LogAttrs(ctx, level, "request",
			slog.String("request_id", requestID(c)), slog.String("method", c.Request().Method),
			slog.String("route", route), slog.Int("status", status),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000), slog.String("ip", c.RealIP()))
		return nil
	}
}

func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

func loginLimiter(perSecond float64, burst int) echo.MiddlewareFunc {
	if burst < 1 {
		burst = max(1, int(perSecond*2))
	}
	storeCfg := middleware.RateLimiterMemoryStoreConfig{Rate: rate.Limit(perSecond), Burst: burst, ExpiresIn: 3 * time.Minute}
	retryAfter := strconv.Itoa(max(1, int(1/perSecond+0.999)))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store:               middleware.NewRateLimiterMemoryStoreWithConfig(storeCfg),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", retryAfter)
			return api.NewProblem(http.StatusTooManyRequests, api.CodeRateLimited, "too many login attempts from this address; retry after %s second(s)", retryAfter)
		},
		ErrorHandler: func(c echo.Context, err error) error {
			return api.NewProblem(http.StatusBadRequest, api.CodeValidation, "cannot identify the client address")
		},
	})
}

func writeJSON(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}
