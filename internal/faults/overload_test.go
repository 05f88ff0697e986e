package faults

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"rapport/internal/testenv"
)

// 5x overload: a pool of 2 connections and five times as many clients on a page whose
// query scans a large table. The pool saturates; requests that cannot get a connection
// wait DB_ACQUIRE_TIMEOUT and get the 503 page with Retry-After; admitted requests stay
// within a bounded latency; the server's memory stays flat.
func TestOverloadedPool(t *testing.T) {
	const (
		maxConns = 2
		acquire  = 200 * time.Millisecond
		clients  = 5 * maxConns
		loadFor  = 8 * time.Second
		bulk     = 200_000 // users for the admin search to scan
		page     = "/admin/users?q=no-such-user-anywhere"
	)
	d := testenv.NewDB(t)
	seedDemo(t, d)
	queryTime := addBulkUsers(t, d, bulk)
	app := startRapport(t, d, "rapport", map[string]string{
		"DB_MAX_CONNS": fmt.Sprint(maxConns), "DB_ACQUIRE_TIMEOUT": acquire.String(),
	})
	app.waitReady(20 * time.Second)

	browsers := make([]*browser, clients)
	for i := range browsers {
		browsers[i] = newBrowser(app.url, 30*time.Second)
		browsers[i].mustSignIn(t, "admin@example.com", demoPassword)
	}
	warm := browsers[0].get(context.Background(), page)
	if warm.status != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%.300s", page, warm.status, warm.err, warm.body)
	}
	time.Sleep(time.Second)
	rssBefore := app.rssMB()

	// Sample the resident memory while the load runs.
	var (
		rssMu      sync.Mutex
		rssSamples []float64
	)
	sampling, stopSampling := context.WithCancel(context.Background())
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sampling.Done():
				return
			case <-tick.C:
				rss := app.rssMB()
				rssMu.Lock()
				rssSamples = append(rssSamples, rss)
				rssMu.Unlock()
			}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tl := newTally()
	stop := new(stopFlag).after(loadFor)
	runLoad(ctx, clients, func(ctx context.Context, w, _ int) bool {
		if stop.Load() {
			return false
		}
		tl.add(browsers[w].get(ctx, page))
		return true
	})()
	stopSampling()
	<-sampled
	for _, b := range browsers {
		b.close()
	}
	time.Sleep(2 * time.Second)
	rssAfter := app.rssMB()
	canceled, _ := app.metric("rapport_db_pool_canceled_acquire_total")

	admitted, lat503 := tl.latencies(http.StatusOK), tl.latencies(http.StatusServiceUnavailable)
	half := len(rssSamples) / 2
	firstHalf, secondHalf := slices.Max(rssSamples[:half]), slices.Max(rssSamples[half:])
	peak := max(firstHalf, secondHalf)
	max503 := slices.Max(append([]time.Duration{0}, lat503...))
	t.Logf("overload: %d clients on a pool of %d (acquire timeout %s), the page's query alone %s: %s; admitted %d (p50 %s, p99 %s, max %s); 503 %d (p50 %s, max %s); acquires given up %.0f; RSS %.1f MB before, peak %.1f MB (first half %.1f, second half %.1f), %.1f MB after",
		clients, maxConns, acquire, ms(queryTime), tl, len(admitted), ms(percentile(admitted, 50)), ms(percentile(admitted, 99)),
		ms(slices.Max(append([]time.Duration{0}, admitted...))), len(lat503), ms(percentile(lat503, 50)), ms(max503),
		canceled, rssBefore, peak, firstHalf, secondHalf, rssAfter)

	if len(lat503) == 0 {
		t.Errorf("no 503: the pool never saturated (the page's query takes %s alone); make the page heavier", queryTime)
	}
	if len(admitted) < clients {
		t.Errorf("only %d requests admitted: the overload starved everyone", len(admitted))
	}
	if tl.nErrs > 0 {
		t.Errorf("%d requests got no answer, e.g. %v", tl.nErrs, tl.errs)
	}
	if n := tl.other(http.StatusOK, http.StatusServiceUnavailable); n > 0 {
		t.Errorf("%d answers other than 200 or 503", n)
	}
	if tl.bad503 > 0 {
		t.Errorf("%d 503 answers without Retry-After or the busy page", tl.bad503)
	}
	// A page takes two connections in turn (session, then the list): a request can wait
	// out one acquire timeout on each before its 503.
	if bound := 2*acquire + 300*time.Millisecond; max503 > bound {
		t.Errorf("slowest 503 took %s, want at most %s (two acquire timeouts and a little)", max503, bound)
	}
	if p99, bound := percentile(admitted, 99), 2*acquire+4*queryTime+300*time.Millisecond; p99 > bound {
		t.Errorf("admitted requests' p99 is %s, want at most %s (two acquire waits and the query under contention)", p99, bound)
	}
	if peak > rssBefore+64 {
		t.Errorf("RSS grew from %.1f MB to a peak of %.1f MB under load", rssBefore, peak)
	}
	if secondHalf > firstHalf+16 {
		t.Errorf("RSS kept growing under a steady load: %.1f MB in the first half, %.1f MB in the second", firstHalf, secondHalf)
	}
}

// addBulkUsers inserts n users straight into d (a fixture, not a feature under test)
// and returns how long the admin search's scan of them takes on its own.
func addBulkUsers(t testing.TB, d *testenv.Database, n int) time.Duration {
	t.Helper()
	conn := direct(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := conn.Exec(ctx, `
		INSERT INTO "user" (id, name, email, role)
		SELECT 'bulk-' || i, 'Bulk User ' || i, 'bulk-' || i || '@faults.test', 'customer'
		FROM generate_series(1, $1::int) AS i`, n); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE "user"`); err != nil {
		t.Fatal(err)
	}
	var best time.Duration
	for range 3 {
		start := time.Now()
		var found int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM "user" WHERE email ILIKE $1 OR name ILIKE $1`,
			"%no-such-user-anywhere%").Scan(&found); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); best == 0 || took < best {
			best = took
		}
	}
	return best
}
