package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/idplane/idplane/server/internal/service"
)

// Metrics are the server's Prometheus metrics, on their own registry so that
// several servers can live in one test process.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	logins   *prometheus.CounterVec
	tokens   *prometheus.CounterVec
	// authzInvalidations counts the writes after which this replica forgot
	// what it cached for authorization, by route.
	authzInvalidations *prometheus.CounterVec
	// commitRequests and commitSeconds describe the group commit every
	// durable write waits for: how many requests share a commit, and how
	// long one takes.
	commitRequests, commitSeconds prometheus.Histogram
	// perRequest holds each route, method and status's counter and
	// histogram: WithLabelValues hashes its labels and takes a lock on
	// every call, which is per request on the hottest routes.
	perRequest sync.Map // requestLabels → requestMetrics
}

type requestLabels struct {
	route, method string
	status        int
}

type requestMetrics struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// NewMetrics registers the metrics and the Go runtime collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idplane_http_requests_total", Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "idplane_http_request_duration_seconds", Help: "HTTP request latency by route template.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idplane_logins_total", Help: "Logins by auth method and outcome.",
		}, []string{"method", "outcome"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idplane_tokens_issued_total", Help: "Access tokens issued by auth method.",
		}, []string{"method"}),
		authzInvalidations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idplane_authz_cache_invalidations_total",
			Help: "Writes after which this replica forgot what it cached for authorization, by route.",
		}, []string{"route"}),
		commitRequests: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "idplane_group_commit_requests",
			Help:    "Requests whose writes (tokens, audit events, lockout counts) one committed transaction made durable together.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "idplane_group_commit_duration_seconds",
			Help:    "Time from taking a group commit's batch to its commit, retries included; every request it carries waits for it.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.logins, m.tokens, m.authzInvalidations, m.commitRequests, m.commitSeconds,
		// The runtime's GC metrics add go_gc_heap_live_bytes: the heap live
		// objects take as of the last collection, which unlike RSS does not
		// depend on where in its cycle the collector is.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsGC)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) request(method, route string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		// A client may send any token as a method: one label set each
		// would grow the metrics (and this cache) without bound.
		method = "other"
	}
	k := requestLabels{route: route, method: method, status: status}
	v, ok := m.perRequest.Load(k)
	if !ok {
		v, _ = m.perRequest.LoadOrStore(k, requestMetrics{count: m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
			latency: m.latency.WithLabelValues(route, method)})
	}
	rm := v.(requestMetrics)
	rm.count.Inc()
	rm.latency.Observe(d.Seconds())
}

// Login implements service.Observer.
func (m *Metrics) Login(method, outcome string) { m.logins.WithLabelValues(method, outcome).Inc() }

// GroupCommit is the store's CommitObserver.
func (m *Metrics) GroupCommit(requests int, took time.Duration) {
	m.commitRequests.Observe(float64(requests))
	m.commitSeconds.Observe(took.Seconds())
}

// TokenIssued implements service.Observer.
func (m *Metrics) TokenIssued(method string) { m.tokens.WithLabelValues(method).Inc() }

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// activityTimeout bounds the queries of one scrape.
const activityTimeout = 5 * time.Second

var (
	declaredDesc = prometheus.NewDesc("idplane_machine_identities",
		"Machine identities declared, by organization.", []string{"organization_id"}, nil)
	monthlyActiveDesc = prometheus.NewDesc("idplane_monthly_active_identities",
		"Machine identities with a successful login in the current month (UTC), by organization.", []string{"organization_id", "month"}, nil)
	lastLoginDesc = prometheus.NewDesc("idplane_identity_last_login_timestamp_seconds",
		"Unix time of an identity's last successful login with an auth method.", []string{"organization_id", "identity_id", "auth_method"}, nil)
)

// activityCollector reads login activity from the database at each scrape,
// so every replica reports what all of them have written.
type activityCollector struct {
	read func(ctx context.Context) (*service.ActivitySnapshot, error)
}

// CollectActivity exports declared and monthly active identities and the
// last logins that read returns, read at each scrape.
func (m *Metrics) CollectActivity(read func(ctx context.Context) (*service.ActivitySnapshot, error)) {
	m.registry.MustRegister(activityCollector{read: read})
}

func (c activityCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- declaredDesc
	ch <- monthlyActiveDesc
	ch <- lastLoginDesc
}

func (c activityCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), activityTimeout)
	defer cancel()
	snap, err := c.read(ctx)
	if err != nil {
		slog.Warn("read login activity for metrics", "error", err)
		ch <- prometheus.NewInvalidMetric(lastLoginDesc, err)
		return
	}
	for org, n := range snap.Declared {
		ch <- prometheus.MustNewConstMetric(declaredDesc, prometheus.GaugeValue, float64(n), org)
		ch <- prometheus.MustNewConstMetric(monthlyActiveDesc, prometheus.GaugeValue, float64(snap.MonthlyActive[org]), org, snap.Month)
	}
	for _, l := range snap.Logins {
		ch <- prometheus.MustNewConstMetric(lastLoginDesc, prometheus.GaugeValue, float64(l.LastLoginAt.Unix()),
			l.OrganizationID, l.IdentityID, l.AuthMethod)
	}
}
