package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's Prometheus metrics, on their own registry so that
// several servers can live in one test process.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	logins   *prometheus.CounterVec
	tokens   *prometheus.CounterVec
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
	}
	m.registry.MustRegister(m.requests, m.latency, m.logins, m.tokens,
		// The runtime's GC metrics add go_gc_heap_live_bytes: the heap live
		// objects take as of the last collection, which unlike RSS does not
		// depend on where in its cycle the collector is.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsGC)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) request(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// Login implements service.Observer.
func (m *Metrics) Login(method, outcome string) { m.logins.WithLabelValues(method, outcome).Inc() }

// TokenIssued implements service.Observer.
func (m *Metrics) TokenIssued(method string) { m.tokens.WithLabelValues(method).Inc() }

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
