package server

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rapport/internal/db"
)

// metrics is Rapport's Prometheus registry, one per Server (nothing global): the Go
// runtime and process collectors, request durations by route pattern, SQL statements
// by the route that sent them, and the pool's statistics. It is served on its own
// listener (METRICS_ADDR), never on the public port.
type metrics struct {
	reg *prometheus.Registry
	// requests is http_request_duration_seconds{method,route,code}: route is chi's
	// pattern ("/desk/tickets/{id}", "unmatched"), never the raw path.
	requests *prometheus.HistogramVec
	// statements is rapport_db_statements_total{method,route}; work outside requests
	// (mail worker, clean-up) has method "" and route "background".
	statements *prometheus.CounterVec
	background prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "Time to answer a request, by method, route pattern and status code.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route", "code"})
	m.statements = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rapport_db_statements_total",
		Help: `SQL statements sent, by the method and route of the request that sent them (route "background": outside requests).`,
	}, []string{"method", "route"})
	m.background = m.statements.WithLabelValues("", "background")
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.statements,
	)
	return m
}

type statementsCtxKey struct{}

// countStatements gives a request a counter the tracer adds to; observe files the
// total under the request's method and route pattern once the route is fully known.
func countStatements(ctx context.Context) (context.Context, *atomic.Int64) {
	n := &atomic.Int64{}
	return context.WithValue(ctx, statementsCtxKey{}, n), n
}

// TraceQueryStart counts each statement against the request that sent it; statements
// sent outside a request (workers, cleanup) count as "background".
func (m *metrics) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if n, ok := ctx.Value(statementsCtxKey{}).(*atomic.Int64); ok {
		n.Add(1)
		return ctx
	}
	m.background.Inc()
	return ctx
}

// TraceQueryEnd is part of pgx.QueryTracer.
func (m *metrics) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (m *metrics) addStatements(method, route string, n int64) {
	if n == 0 {
		return
	}
	m.statements.WithLabelValues(method, route).Add(float64(n))
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
}

// handler serves the registry; with a token, only to "Authorization: Bearer <token>".
func (m *metrics) handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// poolCollector reads the pool's statistics once per scrape.
type poolCollector struct{ db *db.DB }

var poolMetrics = []struct {
	name, help string
	kind       prometheus.ValueType
	value      func(s *pgxpool.Stat) float64
}{
	{"rapport_db_pool_max_conns", "Maximum connections in the pool.", prometheus.GaugeValue, func(s *pgxpool.Stat) float64 { return float64(s.MaxConns()) }},
	{"rapport_db_pool_total_conns", "Connections open now.", prometheus.GaugeValue, func(s *pgxpool.Stat) float64 { return float64(s.TotalConns()) }},
	{"rapport_db_pool_acquired_conns", "Connections in use now.", prometheus.GaugeValue, func(s *pgxpool.Stat) float64 { return float64(s.AcquiredConns()) }},
	{"rapport_db_pool_idle_conns", "Idle connections now.", prometheus.GaugeValue, func(s *pgxpool.Stat) float64 { return float64(s.IdleConns()) }},
	{"rapport_db_pool_acquire_total", "Connections handed out.", prometheus.CounterValue, func(s *pgxpool.Stat) float64 { return float64(s.AcquireCount()) }},
	{"rapport_db_pool_empty_acquire_total", "Acquires that had to wait for a connection.", prometheus.CounterValue, func(s *pgxpool.Stat) float64 { return float64(s.EmptyAcquireCount()) }},
	{"rapport_db_pool_canceled_acquire_total", "Acquires given up (deadline or cancel).", prometheus.CounterValue, func(s *pgxpool.Stat) float64 { return float64(s.CanceledAcquireCount()) }},
	{"rapport_db_pool_acquire_wait_seconds_total", "Time spent waiting for connections.", prometheus.CounterValue, func(s *pgxpool.Stat) float64 { return s.AcquireDuration().Seconds() }},
}

var poolDescs = func() []*prometheus.Desc {
	out := make([]*prometheus.Desc, len(poolMetrics))
	for i, p := range poolMetrics {
		out[i] = prometheus.NewDesc(p.name, p.help, nil, nil)
	}
	return out
}()

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range poolDescs {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.db.Stats()
	for i, p := range poolMetrics {
		ch <- prometheus.MustNewConstMetric(poolDescs[i], p.kind, p.value(s))
	}
}
