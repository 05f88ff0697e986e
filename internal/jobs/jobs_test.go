package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"rapport/internal/jobs"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// countArgs is a test job: its worker counts each run by the job's N.
type countArgs struct{ N int }

func (countArgs) Kind() string { return "test_count" }

type countWorker struct {
	river.WorkerDefaults[countArgs]
	mu   sync.Mutex
	runs map[int]int
	done chan struct{}
	want int
}

func (w *countWorker) Work(_ context.Context, j *river.Job[countArgs]) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.runs[j.Args.N]++
	if len(w.runs) == w.want {
		close(w.done)
	}
	return nil
}

func start(t *testing.T, d *testenv.Database, reg jobs.Registry, id string) *jobs.Runner {
	t.Helper()
	r, err := jobs.New(d.DB.Pool, quiet, reg, jobs.Options{Poll: 100 * time.Millisecond, ID: id})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return r
}

// River works through PgBouncer in transaction mode with the simple protocol: 40 jobs
// inserted over the pooled URL (JSON arguments and all) are each worked exactly once by
// two clients at once (two replicas). Seen failing before River's text-mode JSON fix
// (riverqueue/river#1153): every insert was "invalid input syntax for type json".
func TestJobsRunOnceEachThroughPgBouncer(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	const n = 40
	w := &countWorker{runs: map[int]int{}, done: make(chan struct{}), want: n}
	reg := func() jobs.Registry {
		ws := river.NewWorkers()
		river.AddWorker(ws, w)
		return jobs.Registry{Workers: ws}
	}
	a := start(t, d, reg(), "replica-a")
	start(t, d, reg(), "replica-b")
	for i := range n {
		if err := a.Insert(context.Background(), countArgs{N: i}, nil); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("only %d of %d jobs ran", len(w.runs), n)
	}
	// Give a duplicate, if any, the time to happen.
	time.Sleep(300 * time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range n {
		if w.runs[i] != 1 {
			t.Errorf("job %d ran %d times", i, w.runs[i])
		}
	}
}

// A job inserted in a transaction that rolls back never exists; one in a committed
// transaction runs.
func TestInsertTxFollowsTheTransaction(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	w := &countWorker{runs: map[int]int{}, done: make(chan struct{}), want: 1}
	ws := river.NewWorkers()
	river.AddWorker(ws, w)
	r := start(t, d, jobs.Registry{Workers: ws}, "")
	ctx := context.Background()

	tx, err := d.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.InsertTx(ctx, tx, countArgs{N: 1}, nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	tx, err = d.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.InsertTx(ctx, tx, countArgs{N: 2}, nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the committed job never ran")
	}
	time.Sleep(300 * time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.runs[1] != 0 || w.runs[2] != 1 {
		t.Errorf("runs %v, want only job 2 once", w.runs)
	}
	var rows int
	if err := d.DB.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'test_count'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("%d river_job rows, want 1 (the rolled-back one must not exist)", rows)
	}
}

// tickArgs is a periodic test job.
type tickArgs struct{}

func (tickArgs) Kind() string { return "test_tick" }

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	mu    sync.Mutex
	times []time.Time
}

func (w *tickWorker) Work(context.Context, *river.Job[tickArgs]) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.times = append(w.times, time.Now())
	return nil
}

// A periodic job is scheduled by the elected leader only: with two replicas running the
// same schedule, it runs once per period, not twice.
func TestPeriodicJobRunsOncePerPeriodAcrossReplicas(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	w := &tickWorker{}
	const every = 500 * time.Millisecond
	reg := func() jobs.Registry {
		ws := river.NewWorkers()
		river.AddWorker(ws, w)
		return jobs.Registry{Workers: ws, Periodic: []*river.PeriodicJob{
			jobs.Periodic("test_tick", every, func() river.JobArgs { return tickArgs{} }),
		}}
	}
	begin := time.Now()
	start(t, d, reg(), "replica-a")
	start(t, d, reg(), "replica-b")
	deadline := time.Now().Add(30 * time.Second)
	for {
		w.mu.Lock()
		n := len(w.times)
		w.mu.Unlock()
		if n >= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.times) < 4 {
		t.Fatalf("the periodic job ran %d times in 30s", len(w.times))
	}
	// Two schedulers would each run it on start and then on their own clocks: runs in
	// pairs, moments apart. One scheduler leaves about a period between runs.
	t.Logf("%d runs in %v", len(w.times), w.times[len(w.times)-1].Sub(begin))
	for i := 1; i < len(w.times); i++ {
		if gap := w.times[i].Sub(w.times[i-1]); gap < every/2 {
			t.Errorf("runs %d and %d were %v apart: more than one scheduler", i-1, i, gap)
		}
	}
}
