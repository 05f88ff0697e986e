package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// metrics keeps request-duration histograms by route pattern and writes them, with the
// pool's statistics, in Prometheus' text format. Hand-written: the format is small and
// the client library would be the largest dependency in the binary.
type metrics struct {
	mu         sync.Mutex
	series     map[seriesKey]*histogram
	statements map[statementsKey]uint64 // by method and route pattern
}

// statementsKey files statements by the request that sent them; background work
// (workers, cleanup) has no method and the route "background".
type statementsKey struct {
	method, route string
}

type seriesKey struct {
	method, route, code string
}

var buckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{series: map[seriesKey]*histogram{}, statements: map[statementsKey]uint64{}}
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
	m.addStatements("", "background", 1)
	return ctx
}

func (m *metrics) addStatements(method, route string, n int64) {
	if n == 0 {
		return
	}
	m.mu.Lock()
	m.statements[statementsKey{method, route}] += uint64(n)
	m.mu.Unlock()
}

// TraceQueryEnd is part of pgx.QueryTracer.
func (m *metrics) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	k := seriesKey{method, route, strconv.Itoa(status)}
	s := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.series[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.series[k] = h
	}
	for i, b := range buckets {
		if s <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += s
	h.count++
}

func (m *metrics) handler(d *db.DB, token string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		var b strings.Builder
		m.write(&b)
		writePool(&b, d)
		writeProcess(&b)
		_, _ = w.Write([]byte(b.String()))
	}
}

func (m *metrics) write(b *strings.Builder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]seriesKey, 0, len(m.series))
	for k := range m.series {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		return a.route+a.method+a.code < c.route+c.method+c.code
	})
	b.WriteString("# HELP rapport_http_request_duration_seconds Time to answer a request, by route pattern.\n")
	b.WriteString("# TYPE rapport_http_request_duration_seconds histogram\n")
	for _, k := range keys {
		h := m.series[k]
		labels := fmt.Sprintf(`method=%q,route=%q,code=%q`, k.method, k.route, k.code)
		var cum uint64
		for i, le := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(b, "rapport_http_request_duration_seconds_bucket{%s,le=\"%g\"} %d\n", labels, le, cum)
		}
		fmt.Fprintf(b, "rapport_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, h.count)
		fmt.Fprintf(b, "rapport_http_request_duration_seconds_sum{%s} %g\n", labels, h.sum)
		fmt.Fprintf(b, "rapport_http_request_duration_seconds_count{%s} %d\n", labels, h.count)
	}
	skeys := make([]statementsKey, 0, len(m.statements))
	for k := range m.statements {
		skeys = append(skeys, k)
	}
	sort.Slice(skeys, func(i, j int) bool {
		a, c := skeys[i], skeys[j]
		return a.route+" "+a.method < c.route+" "+c.method
	})
	b.WriteString("# HELP rapport_db_statements_total SQL statements sent, by the method and route of the request that sent them (route \"background\": outside requests).\n")
	b.WriteString("# TYPE rapport_db_statements_total counter\n")
	for _, k := range skeys {
		if k.method == "" {
			fmt.Fprintf(b, "rapport_db_statements_total{route=%q} %d\n", k.route, m.statements[k])
			continue
		}
		fmt.Fprintf(b, "rapport_db_statements_total{method=%q,route=%q} %d\n", k.method, k.route, m.statements[k])
	}
}

func writePool(b *strings.Builder, d *db.DB) {
	s := d.Stats()
	gauge := func(name, help string, v float64) {
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, v)
	}
	counter := func(name, help string, v float64) {
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s counter\n%s %g\n", name, help, name, name, v)
	}
	gauge("rapport_db_pool_max_conns", "Maximum connections in the pool.", float64(s.MaxConns()))
	gauge("rapport_db_pool_total_conns", "Connections open now.", float64(s.TotalConns()))
	gauge("rapport_db_pool_acquired_conns", "Connections in use now.", float64(s.AcquiredConns()))
	gauge("rapport_db_pool_idle_conns", "Idle connections now.", float64(s.IdleConns()))
	counter("rapport_db_pool_acquire_total", "Connections handed out.", float64(s.AcquireCount()))
	counter("rapport_db_pool_empty_acquire_total", "Acquires that had to wait for a connection.", float64(s.EmptyAcquireCount()))
	counter("rapport_db_pool_canceled_acquire_total", "Acquires given up (deadline or cancel).", float64(s.CanceledAcquireCount()))
	counter("rapport_db_pool_acquire_wait_seconds_total", "Time spent waiting for connections.", s.AcquireDuration().Seconds())
}

// writeProcess reports goroutines and memory, to spot leaks and growth under load.
func writeProcess(b *strings.Builder) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(b, "# HELP go_goroutines Goroutines that currently exist.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(b, "# HELP go_memstats_heap_inuse_bytes Heap bytes in use.\n# TYPE go_memstats_heap_inuse_bytes gauge\ngo_memstats_heap_inuse_bytes %d\n", ms.HeapInuse)
	if statm, err := os.ReadFile("/proc/self/statm"); err == nil {
		var size, resident int64
		if _, err := fmt.Sscan(string(statm), &size, &resident); err == nil {
			fmt.Fprintf(b, "# HELP process_resident_memory_bytes Resident memory.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %d\n", resident*int64(os.Getpagesize()))
		}
	}
}
