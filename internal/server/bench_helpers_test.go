package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/config"
	"rapport/internal/db"
	"rapport/internal/seed"
	"rapport/internal/server"
	"rapport/internal/testenv"
)

// statementCounter is a pgx tracer that counts the statements sent to Postgres.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// benchEnv is Rapport on a database seeded at benchmark scale, shared by every
// benchmark in this test binary (seeding scale 20 takes about half a minute).
type benchEnv struct {
	a       *app
	counter *statementCounter
}

var (
	benchOnce sync.Once
	bench     *benchEnv
	benchErr  error
)

// benchScale is BENCH_SCALE, 20 by default (~100k deals, ~100k tickets, ~1M messages).
func benchScale() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_SCALE")); err == nil && n > 0 {
		return n
	}
	return 20
}

// benchApp returns the shared benchmark environment. The database lives until the test
// binary exits (its cluster is thrown away then).
func benchApp(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() {
		bench, benchErr = newBenchEnv(b)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	bench.a.t = b
	return bench
}

// benchT keeps the database alive past the first benchmark: NewDB's cleanup runs when
// this never-ending T would end, that is, never.
type benchT struct{ testing.TB }

func (benchT) Cleanup(func()) {}

func newBenchEnv(b *testing.B) (*benchEnv, error) {
	d := testenv.NewDB(benchT{b})
	ctx := context.Background()
	start := time.Now()
	if err := seed.Demo(ctx, d.DB, auth.NewHasher(0), io.Discard); err != nil {
		return nil, err
	}
	if err := seed.Scale(ctx, d.DB, auth.NewHasher(0), benchScale(), io.Discard); err != nil {
		return nil, err
	}
	b.Logf("seeded scale %d in %s", benchScale(), time.Since(start).Round(time.Millisecond))
	counter := &statementCounter{}
	pool, err := db.Open(ctx, d.PooledURL(), db.Options{MaxConns: 8, Tracer: counter})
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": d.PooledURL(), "BASE_URL": "http://rapport.test", "SECRET_KEY": testenv.SecretKey()}[k]
	})
	if err != nil {
		return nil, err
	}
	a := &app{t: b, db: &testenv.Database{Name: d.Name, DB: pool}, now: time.Now()}
	s := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), pool, server.Options{Now: a.clock})
	a.srv = httptest.NewServer(s.Handler())
	return &benchEnv{a: a, counter: counter}, nil
}

// measure runs fetch b.N times and reports the statements each call sent to Postgres.
func (e *benchEnv) measure(b *testing.B, fetch func()) {
	b.Helper()
	fetch() // warm up, and fail early on a broken page
	before := e.counter.n.Load()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fetch()
	}
	b.StopTimer()
	b.ReportMetric(float64(e.counter.n.Load()-before)/float64(b.N), "queries/op")
}

// BenchmarkSignedInAccountPage is the smallest page that reads a session: the floor
// (session lookup + user) under every other page.
func BenchmarkSignedInAccountPage(b *testing.B) {
	e := benchApp(b)
	br := e.a.browser()
	r := br.post("/signin", map[string][]string{"email": {"admin@example.com"}, "password": {seed.DemoPassword}})
	if r.status != 303 {
		b.Fatalf("sign in: %d", r.status)
	}
	e.measure(b, func() {
		if r := br.get("/account/password"); r.status != 200 {
			b.Fatalf("status %d", r.status)
		}
	})
}
